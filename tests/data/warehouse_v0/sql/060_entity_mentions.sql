-- Every named-entity mention with offsets, linked to its canonical entity.
CREATE TABLE IF NOT EXISTS entity_mentions (
    doc_id        VARCHAR NOT NULL,
    sentence_idx  INTEGER NOT NULL,
    start_char    INTEGER NOT NULL,
    end_char      INTEGER NOT NULL,
    text          VARCHAR NOT NULL,
    label         VARCHAR NOT NULL,
    entity_id     VARCHAR NOT NULL,
    title         VARCHAR,
    link_method   VARCHAR NOT NULL,
    PRIMARY KEY (doc_id, start_char, end_char)
);

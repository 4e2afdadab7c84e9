-- Time expressions with offsets, normalized to an ISO value (2017-04-11, 2017-W15, 2017-04, 2017)
-- and a granularity; relative ones resolved against documents.published_at when it is known.
CREATE TABLE IF NOT EXISTS time_mentions (
    mention_id    VARCHAR PRIMARY KEY,
    doc_id        VARCHAR NOT NULL,
    sentence_idx  INTEGER NOT NULL,
    start_char    INTEGER NOT NULL,
    end_char      INTEGER NOT NULL,
    text          VARCHAR NOT NULL,
    value         VARCHAR,
    granularity   VARCHAR,
    is_relative   BOOLEAN NOT NULL,
    anchor        VARCHAR
);

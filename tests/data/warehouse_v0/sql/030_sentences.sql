-- Every sentence occurrence; text = documents.text[start_char:end_char] (0-based, end exclusive).
CREATE TABLE IF NOT EXISTS sentences (
    doc_id          VARCHAR NOT NULL,
    sentence_idx    INTEGER NOT NULL,
    paragraph_idx   INTEGER NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL,
    text            VARCHAR NOT NULL,
    normalized_key  VARCHAR NOT NULL,
    cluster_id      VARCHAR NOT NULL,
    PRIMARY KEY (doc_id, sentence_idx)
);

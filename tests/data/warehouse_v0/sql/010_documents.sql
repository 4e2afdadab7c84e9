-- One row per distinct article text (doc_id is derived from the normalized text).
CREATE TABLE IF NOT EXISTS documents (
    doc_id        VARCHAR PRIMARY KEY,
    source        VARCHAR NOT NULL,
    path          VARCHAR NOT NULL,
    title         VARCHAR,
    url           VARCHAR,
    published_at  TIMESTAMPTZ,
    text          VARCHAR NOT NULL,
    n_sentences   INTEGER NOT NULL,
    n_words       INTEGER NOT NULL,
    language      VARCHAR,
    encoding      VARCHAR NOT NULL,
    ingested_at   TIMESTAMPTZ NOT NULL,
    run_id        VARCHAR NOT NULL
);

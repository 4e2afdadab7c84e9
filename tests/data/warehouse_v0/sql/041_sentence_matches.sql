-- Why two sentence variants share a cluster: the verified near-duplicate link and its scores.
CREATE TABLE IF NOT EXISTS sentence_matches (
    match_id            VARCHAR PRIMARY KEY,
    cluster_id          VARCHAR NOT NULL,
    left_doc_id         VARCHAR NOT NULL,
    left_sentence_idx   INTEGER NOT NULL,
    left_text           VARCHAR NOT NULL,
    right_doc_id        VARCHAR,
    right_sentence_idx  INTEGER,
    right_text          VARCHAR NOT NULL,
    right_cluster_id    VARCHAR NOT NULL,
    method              VARCHAR NOT NULL,
    jaccard             DOUBLE NOT NULL,
    containment         DOUBLE NOT NULL,
    run_id              VARCHAR NOT NULL
);

-- Dedup index, part 1: every distinct normalized sentence key and its (permanent) cluster.
CREATE TABLE IF NOT EXISTS dedup_variants (
    normalized_key  VARCHAR PRIMARY KEY,
    cluster_id      VARCHAR NOT NULL,
    text            VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL
);

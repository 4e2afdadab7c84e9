-- Dedup index, part 1: every distinct normalized key and its (permanent) cluster, per tier
-- ('sentence' clusters are sentence_clusters; 'quote' clusters are quotes.quote_cluster_id).
CREATE TABLE IF NOT EXISTS dedup_variants (
    kind            VARCHAR NOT NULL,
    normalized_key  VARCHAR NOT NULL,
    variant_id      BIGINT NOT NULL,
    cluster_id      VARCHAR NOT NULL,
    text            VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL,
    PRIMARY KEY (kind, normalized_key)
);

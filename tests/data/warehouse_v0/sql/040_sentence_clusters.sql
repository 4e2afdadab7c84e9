-- Groups of sentences judged the same. Counts and first-seen columns span every loaded run:
-- the load recomputes them from `sentences` for each cluster a batch touches.
CREATE TABLE IF NOT EXISTS sentence_clusters (
    cluster_id          VARCHAR PRIMARY KEY,
    canonical_text      VARCHAR NOT NULL,
    normalized_key      VARCHAR NOT NULL,
    n_occurrences       BIGINT NOT NULL,
    n_documents         BIGINT NOT NULL,
    n_sources           BIGINT NOT NULL,
    sources             VARCHAR[] NOT NULL,
    first_seen_doc_id   VARCHAR NOT NULL,
    first_seen_source   VARCHAR NOT NULL,
    first_seen_at       TIMESTAMPTZ NOT NULL
);

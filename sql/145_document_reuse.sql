-- Churnalism per document: how many of its sentences were first seen earlier in another outlet,
-- that share, and the outlet it took the most from with that outlet's document it took the most
-- from (ties: the one seen first, then by name). "First seen" is the cluster's first-seen
-- occurrence in sentence_clusters (published_at, else ingested_at, then doc_id, then position):
-- a sentence its own outlet carried first is not reused, whoever carried it later.
CREATE OR REPLACE VIEW document_reuse AS
WITH reused AS (
    SELECT s.doc_id, c.first_seen_source, c.first_seen_doc_id, c.first_seen_at
    FROM sentences AS s
    JOIN documents AS d USING (doc_id)
    JOIN sentence_clusters AS c USING (cluster_id)
    WHERE c.first_seen_source <> d.source
),
per_document AS (
    SELECT doc_id, first_seen_source, first_seen_doc_id, count(*) AS n_taken, min(first_seen_at) AS seen_at
    FROM reused
    GROUP BY ALL
),
top_source AS (
    SELECT doc_id, first_seen_source
    FROM per_document
    GROUP BY doc_id, first_seen_source
    QUALIFY row_number() OVER (
        PARTITION BY doc_id ORDER BY sum(n_taken) DESC, min(seen_at), first_seen_source
    ) = 1
),
top_document AS (
    SELECT p.doc_id, p.first_seen_source, p.first_seen_doc_id
    FROM per_document AS p
    JOIN top_source AS t USING (doc_id, first_seen_source)
    QUALIFY row_number() OVER (
        PARTITION BY p.doc_id ORDER BY p.n_taken DESC, p.seen_at, p.first_seen_doc_id
    ) = 1
),
totals AS (
    SELECT doc_id, count(*) AS n_reused FROM reused GROUP BY doc_id
)
SELECT
    d.doc_id,
    d.source,
    d.n_sentences,
    coalesce(r.n_reused, 0) AS n_reused,
    round(coalesce(r.n_reused, 0) / greatest(d.n_sentences, 1), 4) AS reused_share,
    t.first_seen_source AS earliest_source,
    t.first_seen_doc_id AS earliest_doc_id
FROM documents AS d
LEFT JOIN totals AS r USING (doc_id)
LEFT JOIN top_document AS t USING (doc_id)
ORDER BY reused_share DESC, n_reused DESC, d.doc_id;

-- Per speaker (the linked entity's canonical name, else the speaker as the text names it): how
-- many quotes (contiguous quoted spans) and distinct quote clusters, in how many documents, which
-- sources carried them, how the speaker was resolved, and when they were first and last seen.
CREATE OR REPLACE VIEW speaker_summary AS
SELECT
    coalesce(e.name, q.speaker) AS speaker,
    q.speaker_entity_id,
    e.label AS speaker_label,
    count(*) AS n_quotes,
    count(DISTINCT q.quote_cluster_id) AS n_quote_clusters,
    count(DISTINCT q.doc_id) AS n_documents,
    count(DISTINCT d.source) AS n_sources,
    list(DISTINCT d.source ORDER BY d.source) AS sources,
    list(DISTINCT q.speaker_method ORDER BY q.speaker_method) AS speaker_methods,
    min(coalesce(d.published_at, d.ingested_at)) AS first_seen_at,
    max(coalesce(d.published_at, d.ingested_at)) AS last_seen_at
FROM quotes AS q
JOIN documents AS d USING (doc_id)
LEFT JOIN entities AS e ON e.entity_id = q.speaker_entity_id
WHERE q.speaker IS NOT NULL
GROUP BY coalesce(e.name, q.speaker), q.speaker_entity_id, e.label
ORDER BY n_quotes DESC, speaker;

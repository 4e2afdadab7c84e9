-- Who said what: each speaker's quotes (same words grouped), with the documents and sources.
CREATE OR REPLACE VIEW who_said_what AS
SELECT
    coalesce(e.name, q.speaker) AS speaker,
    q.speaker_entity_id,
    q.quote_cluster_id,
    arg_min(q.text, coalesce(d.published_at, d.ingested_at)) AS quote,
    list(DISTINCT q.speaker_method ORDER BY q.speaker_method) AS speaker_methods,
    count(*) AS n_occurrences,
    list(DISTINCT q.doc_id ORDER BY q.doc_id) AS doc_ids,
    list(DISTINCT d.source ORDER BY d.source) AS sources,
    min(coalesce(d.published_at, d.ingested_at)) AS first_seen_at
FROM quotes AS q
JOIN documents AS d USING (doc_id)
LEFT JOIN entities AS e ON e.entity_id = q.speaker_entity_id
WHERE q.speaker IS NOT NULL
GROUP BY ALL
ORDER BY speaker, first_seen_at, quote;

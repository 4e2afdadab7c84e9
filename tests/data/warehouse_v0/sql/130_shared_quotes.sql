-- Quotes carried by two or more sources: the same quoted words, however each outlet split,
-- punctuated or attributed them (quote tier of flows/dedup.py).
CREATE OR REPLACE VIEW shared_quotes AS
SELECT
    q.quote_cluster_id,
    arg_min(q.text, (coalesce(d.published_at, d.ingested_at), q.doc_id, q.start_char)) AS canonical_text,
    list(DISTINCT coalesce(e.name, q.speaker) ORDER BY coalesce(e.name, q.speaker))
        FILTER (WHERE q.speaker IS NOT NULL) AS speakers,
    list(DISTINCT d.source ORDER BY d.source) AS sources,
    count(DISTINCT d.source) AS n_sources,
    count(*) AS n_quotes,
    list({'source': d.source, 'doc_id': q.doc_id, 'text': q.text, 'speaker': q.speaker,
          'speaker_method': q.speaker_method} ORDER BY d.source, q.doc_id, q.start_char) AS occurrences,
    min(coalesce(d.published_at, d.ingested_at)) AS first_seen_at,
    arg_min(d.source, (coalesce(d.published_at, d.ingested_at), q.doc_id, q.start_char)) AS first_seen_source
FROM quotes AS q
JOIN documents AS d USING (doc_id)
LEFT JOIN entities AS e ON e.entity_id = q.speaker_entity_id
GROUP BY q.quote_cluster_id
HAVING count(DISTINCT d.source) >= 2
ORDER BY n_sources DESC, first_seen_at, quote_cluster_id;

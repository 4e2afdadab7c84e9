-- Sentences seen in two or more sources, with every occurrence (source, document, text).
CREATE OR REPLACE VIEW cross_source_sentences AS
SELECT
    c.cluster_id,
    c.canonical_text,
    c.n_sources,
    c.sources,
    c.n_documents,
    c.n_occurrences,
    c.first_seen_source,
    c.first_seen_at,
    list({'source': d.source, 'doc_id': s.doc_id, 'sentence_idx': s.sentence_idx, 'text': s.text}
         ORDER BY d.source, s.doc_id, s.sentence_idx) AS occurrences
FROM sentence_clusters AS c
JOIN sentences AS s USING (cluster_id)
JOIN documents AS d USING (doc_id)
WHERE c.n_sources >= 2
GROUP BY ALL
ORDER BY c.n_sources DESC, c.first_seen_at, c.cluster_id;

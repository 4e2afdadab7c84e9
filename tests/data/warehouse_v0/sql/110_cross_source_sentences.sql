-- Sentences seen in two or more sources: every occurrence with its source, and the evidence
-- (method, Jaccard, containment) of the near-duplicate links that built the cluster. A cluster
-- with no evidence rows was built by exact matches on the normalized key alone.
CREATE OR REPLACE VIEW cross_source_sentences AS
WITH occurrences AS (
    SELECT
        s.cluster_id,
        list({'source': d.source, 'doc_id': s.doc_id, 'sentence_idx': s.sentence_idx, 'text': s.text}
             ORDER BY d.source, s.doc_id, s.sentence_idx) AS occurrences
    FROM sentences AS s JOIN documents AS d USING (doc_id)
    GROUP BY s.cluster_id
),
evidence AS (
    SELECT
        cluster_id,
        list({'method': method, 'jaccard': jaccard, 'containment': containment,
              'left_text': left_text, 'right_text': right_text} ORDER BY match_id) AS match_evidence
    FROM sentence_matches
    GROUP BY cluster_id
)
SELECT
    c.cluster_id,
    c.canonical_text,
    c.n_sources,
    c.sources,
    c.n_documents,
    c.n_occurrences,
    c.first_seen_source,
    c.first_seen_at,
    CASE WHEN e.match_evidence IS NULL THEN 'exact' ELSE 'near_duplicate' END AS matched_by,
    o.occurrences,
    coalesce(e.match_evidence, []) AS match_evidence
FROM sentence_clusters AS c
JOIN occurrences AS o USING (cluster_id)
LEFT JOIN evidence AS e USING (cluster_id)
WHERE c.n_sources >= 2
ORDER BY c.n_sources DESC, c.first_seen_at, c.cluster_id;

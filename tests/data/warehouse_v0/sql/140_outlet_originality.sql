-- Per source: how many sentences it carried and the share seen in no other source.
CREATE OR REPLACE VIEW outlet_originality AS
SELECT
    d.source,
    count(*) AS n_sentences,
    count(*) FILTER (WHERE c.n_sources = 1) AS n_original,
    round(count(*) FILTER (WHERE c.n_sources = 1) / count(*), 4) AS original_share,
    count(DISTINCT d.doc_id) AS n_documents
FROM sentences AS s
JOIN documents AS d USING (doc_id)
JOIN sentence_clusters AS c USING (cluster_id)
GROUP BY d.source
ORDER BY original_share, d.source;

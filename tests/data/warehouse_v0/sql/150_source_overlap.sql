-- Per pair of sources: how many sentence clusters both carried.
CREATE OR REPLACE VIEW source_overlap AS
WITH cluster_sources AS (
    SELECT DISTINCT s.cluster_id, d.source
    FROM sentences AS s JOIN documents AS d USING (doc_id)
)
SELECT
    a.source AS source_a,
    b.source AS source_b,
    count(*) AS shared_clusters
FROM cluster_sources AS a
JOIN cluster_sources AS b ON a.cluster_id = b.cluster_id AND a.source < b.source
GROUP BY a.source, b.source
ORDER BY shared_clusters DESC, source_a, source_b;

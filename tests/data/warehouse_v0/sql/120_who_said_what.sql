-- Who said what: one row per canonical speaker and quote cluster (the same quoted words, however
-- each outlet split or punctuated them), with the cluster's canonical text, the documents and
-- sources that carried the quote with this speaker, and when it was first seen.
-- Canonical speaker: the linked entity's name, else the speaker as the text names it.
-- Canonical quote: the text of the cluster's first-seen quote (published_at, else ingested_at,
-- then doc_id, then offset), over every quote in the cluster, whoever it was attributed to.
CREATE OR REPLACE VIEW who_said_what AS
WITH quote_clusters AS (
    SELECT
        q.quote_cluster_id,
        arg_min(q.text, (coalesce(d.published_at, d.ingested_at), q.doc_id, q.start_char)) AS quote
    FROM quotes AS q
    JOIN documents AS d USING (doc_id)
    GROUP BY q.quote_cluster_id
)
SELECT
    coalesce(e.name, q.speaker) AS speaker,
    q.speaker_entity_id,
    c.quote,
    q.quote_cluster_id,
    list(DISTINCT q.speaker_method ORDER BY q.speaker_method) AS speaker_methods,
    count(*) AS n_quotes,
    list(DISTINCT q.doc_id ORDER BY q.doc_id) AS doc_ids,
    list(DISTINCT d.source ORDER BY d.source) AS sources,
    count(DISTINCT d.source) AS n_sources,
    min(coalesce(d.published_at, d.ingested_at)) AS first_seen_at
FROM quotes AS q
JOIN documents AS d USING (doc_id)
JOIN quote_clusters AS c USING (quote_cluster_id)
LEFT JOIN entities AS e ON e.entity_id = q.speaker_entity_id
WHERE q.speaker IS NOT NULL
GROUP BY coalesce(e.name, q.speaker), q.speaker_entity_id, c.quote, q.quote_cluster_id
ORDER BY speaker, first_seen_at, quote_cluster_id;

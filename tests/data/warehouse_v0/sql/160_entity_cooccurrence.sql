-- Pairs of canonical entities named in the same sentence (entity_mentions.sentence_idx): in how
-- many sentences, documents and sources they co-occur. Each pair appears once, its two entities
-- in name order (entity_a < entity_b); an entity named twice in a sentence counts once there.
CREATE OR REPLACE VIEW entity_cooccurrence AS
WITH sentence_entities AS (
    SELECT DISTINCT doc_id, sentence_idx, entity_id
    FROM entity_mentions
),
pairs AS (
    SELECT
        a.doc_id,
        a.sentence_idx,
        ea.entity_id AS entity_a_id,
        ea.name AS entity_a,
        ea.label AS entity_a_label,
        eb.entity_id AS entity_b_id,
        eb.name AS entity_b,
        eb.label AS entity_b_label
    FROM sentence_entities AS a
    JOIN sentence_entities AS b
        ON a.doc_id = b.doc_id AND a.sentence_idx = b.sentence_idx AND a.entity_id <> b.entity_id
    JOIN entities AS ea ON ea.entity_id = a.entity_id
    JOIN entities AS eb ON eb.entity_id = b.entity_id
    WHERE (ea.name, ea.entity_id) < (eb.name, eb.entity_id)
)
SELECT
    p.entity_a,
    p.entity_b,
    p.entity_a_label,
    p.entity_b_label,
    count(*) AS n_sentences,
    count(DISTINCT p.doc_id) AS n_documents,
    count(DISTINCT d.source) AS n_sources,
    list(DISTINCT d.source ORDER BY d.source) AS sources,
    min(coalesce(d.published_at, d.ingested_at)) AS first_seen_at,
    p.entity_a_id,
    p.entity_b_id
FROM pairs AS p
JOIN documents AS d USING (doc_id)
GROUP BY ALL
ORDER BY n_sentences DESC, n_sources DESC, entity_a, entity_b;

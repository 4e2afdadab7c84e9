-- Re-attributed quotes: quote clusters (the same quoted words across outlets) that different
-- outlets attribute to different speakers, with each outlet's speaker. One speaker is one linked
-- entity (so "the Secretary of State" resolved to Rex Tillerson and "Tillerson" agree), else the
-- speaker as written, case aside. Quotes left without a speaker are no attribution and no conflict.
CREATE OR REPLACE VIEW reattributed_quotes AS
WITH attributed AS (
    SELECT
        q.*,
        d.source,
        coalesce(d.published_at, d.ingested_at) AS seen_at,
        coalesce(e.name, q.speaker) AS canonical_speaker,
        coalesce(q.speaker_entity_id, lower(q.speaker)) AS speaker_identity
    FROM quotes AS q
    JOIN documents AS d USING (doc_id)
    LEFT JOIN entities AS e ON e.entity_id = q.speaker_entity_id
    WHERE q.speaker IS NOT NULL
)
SELECT
    quote_cluster_id,
    arg_min(text, (seen_at, doc_id, start_char)) AS canonical_text,
    count(DISTINCT speaker_identity) AS n_speakers,
    list(DISTINCT canonical_speaker ORDER BY canonical_speaker) AS speakers,
    count(DISTINCT source) AS n_sources,
    list({'source': source, 'speaker': canonical_speaker, 'speaker_kind': speaker_kind,
          'speaker_method': speaker_method, 'as_written': speaker, 'doc_id': doc_id, 'text': text}
         ORDER BY source, doc_id, start_char) AS attributions,
    min(seen_at) AS first_seen_at
FROM attributed
GROUP BY quote_cluster_id
HAVING count(DISTINCT speaker_identity) >= 2 AND count(DISTINCT source) >= 2
ORDER BY n_sources DESC, first_seen_at, quote_cluster_id;

-- quotes gains the speaker's kind, title, affiliation and every speaker of a coordinated
-- subject (issue: descriptive speakers, "Lee and Ortiz wrote"). Rows loaded before keep their
-- speaker; their kind is read off speaker_method and the linked entity, their list is [speaker].
CREATE TABLE quotes_new (
    quote_id             VARCHAR PRIMARY KEY,
    doc_id               VARCHAR NOT NULL,
    start_char           INTEGER NOT NULL,
    end_char             INTEGER NOT NULL,
    text                 VARCHAR NOT NULL,
    normalized_key       VARCHAR NOT NULL,
    quote_cluster_id     VARCHAR NOT NULL,
    speaker              VARCHAR,
    speaker_entity_id    VARCHAR,
    speaker_method       VARCHAR NOT NULL,
    cue                  VARCHAR,
    speaker_kind         VARCHAR NOT NULL,
    speaker_title        VARCHAR,
    speaker_affiliation  VARCHAR,
    speakers             VARCHAR[] NOT NULL
);
INSERT INTO quotes_new
SELECT q.*,
       CASE WHEN q.speaker IS NULL THEN 'none'
            WHEN q.speaker_method IN ('organisation', 'description') THEN q.speaker_method
            WHEN e.label IS NOT NULL AND e.label <> 'PERSON' THEN 'organisation'
            ELSE 'person' END,
       NULL,
       NULL,
       CASE WHEN q.speaker IS NULL THEN []::VARCHAR[] ELSE [q.speaker] END
FROM quotes AS q LEFT JOIN entities AS e ON e.entity_id = q.speaker_entity_id;
DROP TABLE quotes;
ALTER TABLE quotes_new RENAME TO quotes;

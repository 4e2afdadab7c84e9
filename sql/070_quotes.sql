-- Direct quotes: one row per contiguous quoted span, with its resolved speaker.
-- Generated from crosswire/contract.py by `python -m crosswire.contract --write`: edit the contract, not this file.
CREATE TABLE IF NOT EXISTS quotes (
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

-- Time expressions (dates, weekdays, 'this week', years), normalized to ISO values.
-- Generated from crosswire/contract.py by `python -m crosswire.contract --write`: edit the contract, not this file.
CREATE TABLE IF NOT EXISTS time_mentions (
    mention_id    VARCHAR PRIMARY KEY,
    doc_id        VARCHAR NOT NULL,
    sentence_idx  INTEGER NOT NULL,
    start_char    INTEGER NOT NULL,
    end_char      INTEGER NOT NULL,
    text          VARCHAR NOT NULL,
    value         VARCHAR,
    granularity   VARCHAR,
    is_relative   BOOLEAN NOT NULL,
    anchor        VARCHAR
);

-- Every sentence occurrence with its place in its document.
-- Generated from crosswire/contract.py by `python -m crosswire.contract --write`: edit the contract, not this file.
CREATE TABLE IF NOT EXISTS sentences (
    doc_id          VARCHAR NOT NULL,
    sentence_idx    INTEGER NOT NULL,
    paragraph_idx   INTEGER NOT NULL,
    start_char      INTEGER NOT NULL,
    end_char        INTEGER NOT NULL,
    text            VARCHAR NOT NULL,
    normalized_key  VARCHAR NOT NULL,
    cluster_id      VARCHAR NOT NULL,
    PRIMARY KEY (doc_id, sentence_idx)
);

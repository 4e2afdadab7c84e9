-- Dedup index: every distinct normalized key seen, and its cluster (sentence or quote tier).
-- Generated from crosswire/contract.py by `python -m crosswire.contract --write`: edit the contract, not this file.
CREATE TABLE IF NOT EXISTS dedup_variants (
    kind            VARCHAR NOT NULL,
    normalized_key  VARCHAR NOT NULL,
    variant_id      BIGINT NOT NULL,
    cluster_id      VARCHAR NOT NULL,
    text            VARCHAR NOT NULL,
    run_id          VARCHAR NOT NULL,
    PRIMARY KEY (kind, normalized_key)
);

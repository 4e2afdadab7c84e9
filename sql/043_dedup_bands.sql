-- Dedup index: the MinHash-LSH band hashes of every hashed variant (32 each); a new variant's
-- candidates are the indexed variants sharing one of them.
-- Generated from crosswire/contract.py by `python -m crosswire.contract --write`: edit the contract, not this file.
CREATE TABLE IF NOT EXISTS dedup_bands (
    kind        VARCHAR NOT NULL,
    band_hash   BIGINT NOT NULL,
    variant_id  BIGINT NOT NULL
);

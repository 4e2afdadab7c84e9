-- Dedup index, part 2: MinHash-LSH band hashes (32 per variant); a new variant's candidates
-- are the indexed variants sharing one of them. Variants are named by their 64-bit id here.
CREATE TABLE IF NOT EXISTS dedup_bands (
    kind        VARCHAR NOT NULL,
    band_hash   BIGINT NOT NULL,
    variant_id  BIGINT NOT NULL
);

-- Dedup index, part 2: MinHash-LSH band hashes; a new variant's candidates share one of them.
CREATE TABLE IF NOT EXISTS dedup_bands (
    kind            VARCHAR NOT NULL,
    band_hash       BIGINT NOT NULL,
    normalized_key  VARCHAR NOT NULL
);

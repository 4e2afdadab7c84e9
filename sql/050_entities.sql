-- Canonical named entities: one row per person, organisation, place, ... Aliases and counts span
-- every loaded run: the load recomputes them from `entity_mentions` for each entity a batch
-- touches.
-- Generated from crosswire/contract.py by `python -m crosswire.contract --write`: edit the contract, not this file.
CREATE TABLE IF NOT EXISTS entities (
    entity_id    VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    label        VARCHAR NOT NULL,
    aliases      VARCHAR[] NOT NULL,
    n_mentions   BIGINT NOT NULL,
    n_documents  BIGINT NOT NULL,
    n_sources    BIGINT NOT NULL
);

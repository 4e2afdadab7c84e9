-- Canonical named entities. Aliases and counts span every loaded run: the load recomputes them
-- from `entity_mentions` for each entity a batch touches.
CREATE TABLE IF NOT EXISTS entities (
    entity_id    VARCHAR PRIMARY KEY,
    name         VARCHAR NOT NULL,
    label        VARCHAR NOT NULL,
    aliases      VARCHAR[] NOT NULL,
    n_mentions   BIGINT NOT NULL,
    n_documents  BIGINT NOT NULL,
    n_sources    BIGINT NOT NULL
);

-- The warehouse records its schema version: one row per migration its tables include, the
-- version being the highest. A warehouse of the release before migrations has tables and no
-- such table: version 0. A new warehouse gets it too, with a row for every migration.
CREATE TABLE crosswire_schema_migrations (
    version            INTEGER PRIMARY KEY,  -- NNN of sql/migrations/NNN_*.sql
    name               VARCHAR NOT NULL,     -- that file's name without .sql
    applied_at         TIMESTAMPTZ NOT NULL,
    crosswire_version  VARCHAR NOT NULL      -- the crosswire that applied it (or created the warehouse)
);

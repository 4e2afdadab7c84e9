-- One row per run that reached the load stage, written in the load's transaction.
CREATE TABLE IF NOT EXISTS runs (
    run_id                 VARCHAR PRIMARY KEY,
    started_at             TIMESTAMPTZ NOT NULL,
    finished_at            TIMESTAMPTZ NOT NULL,
    status                 VARCHAR NOT NULL,
    n_documents_new        BIGINT NOT NULL,
    n_documents_skipped    BIGINT NOT NULL,
    n_files_rejected       BIGINT NOT NULL,
    n_sentences            BIGINT NOT NULL,
    validation_success     BOOLEAN NOT NULL,
    n_expectations         BIGINT NOT NULL,
    n_expectations_failed  BIGINT NOT NULL
);

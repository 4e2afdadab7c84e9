-- Inputs that could not become documents, and why; kept once per path and reason.
CREATE TABLE IF NOT EXISTS rejected_files (
    run_id  VARCHAR NOT NULL,
    path    VARCHAR NOT NULL,
    reason  VARCHAR NOT NULL,
    PRIMARY KEY (path, reason)
);

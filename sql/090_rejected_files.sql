-- Inputs that could not become documents, and why. Kept once per path and reason.
-- Generated from crosswire/contract.py by `python -m crosswire.contract --write`: edit the contract, not this file.
CREATE TABLE IF NOT EXISTS rejected_files (
    run_id  VARCHAR NOT NULL,
    path    VARCHAR NOT NULL,
    reason  VARCHAR NOT NULL,
    PRIMARY KEY (path, reason)
);

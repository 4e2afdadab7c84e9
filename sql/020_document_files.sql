-- Every file (or JSONL line) a document was read from: provenance, and the manifest that lets a
-- re-run skip unchanged files without reading them.
-- Generated from crosswire/contract.py by `python -m crosswire.contract --write`: edit the contract, not this file.
CREATE TABLE IF NOT EXISTS document_files (
    path        VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    size_bytes  BIGINT NOT NULL,
    mtime_ns    BIGINT NOT NULL,
    run_id      VARCHAR NOT NULL,
    file_path   VARCHAR NOT NULL,
    PRIMARY KEY (path, doc_id)
);

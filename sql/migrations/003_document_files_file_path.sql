-- document_files records the file itself (file_path), so the skip manifest is kept by file
-- without cutting ':LINE' off a JSONL line's path. Rows loaded before get it the way the
-- manifest used to derive it.
CREATE TABLE document_files_new (
    path        VARCHAR NOT NULL,
    doc_id      VARCHAR NOT NULL,
    source      VARCHAR NOT NULL,
    size_bytes  BIGINT NOT NULL,
    mtime_ns    BIGINT NOT NULL,
    run_id      VARCHAR NOT NULL,
    file_path   VARCHAR NOT NULL,
    PRIMARY KEY (path, doc_id)
);
INSERT INTO document_files_new
SELECT *,
       CASE WHEN regexp_matches(path, '\.jsonl:[0-9]+$') THEN regexp_replace(path, ':[0-9]+$', '')
            ELSE path END
FROM document_files;
DROP TABLE document_files;
ALTER TABLE document_files_new RENAME TO document_files;

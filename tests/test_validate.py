"""The validate stage: a sound batch passes, each kind of damage fails the expectation meant to
catch it (and only that one), the suites on disk decide what is checked, and they agree with
the data contract."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pytest

from crosswire import contract
from crosswire.ids import stable_id
from crosswire.store import batch_store
from crosswire.validate.suites import (
    CHECK_COLUMNS,
    CHECKS_SUFFIX,
    SUITE_PARAMETERS,
    ValidatorProcess,
    check_columns_for,
    read_suite,
    validate_batch,
    with_check_columns,
)

SUITES = Path(__file__).resolve().parents[1] / "expectations"
PUBLISHED = dt.datetime(2024, 5, 1, 9, 30, tzinfo=dt.UTC)
INGESTED = dt.datetime(2024, 5, 2, tzinfo=dt.UTC)

SHARED = "Talks will go on, the minister said."
TEXT_1 = f'{SHARED} "We will not give up," Anna Smith said.'
TEXT_2 = f"{SHARED}\n\nRain fell in Paris on Monday."
DOC_1, DOC_2 = stable_id("d", TEXT_1), stable_id("d", TEXT_2)
ANNA = stable_id("e", "PERSON", "anna smith")


def _key(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _sentence(doc_id: str, text: str, idx: int, paragraph_idx: int, sentence: str) -> dict:
    start = text.index(sentence)
    return {
        "doc_id": doc_id,
        "sentence_idx": idx,
        "paragraph_idx": paragraph_idx,
        "start_char": start,
        "end_char": start + len(sentence),
        "text": sentence,
        "normalized_key": _key(sentence),
        "cluster_id": stable_id("s", _key(sentence)),
    }


def _cluster(sentence: str, doc_ids: list[str], sources: list[str]) -> dict:
    return {
        "cluster_id": stable_id("s", _key(sentence)),
        "canonical_text": sentence,
        "normalized_key": _key(sentence),
        "n_occurrences": len(doc_ids),
        "n_documents": len(set(doc_ids)),
        "n_sources": len(set(sources)),
        "sources": sorted(set(sources)),
        "first_seen_doc_id": doc_ids[0],
        "first_seen_source": sources[0],
        "first_seen_at": PUBLISHED,
    }


def sound_batch() -> dict[str, pa.Table]:
    """Two articles from two outlets sharing a sentence, one entity mention and one quote; the
    tables of the near-duplicate tier are left empty."""
    document = {"encoding": "utf-8", "ingested_at": INGESTED, "run_id": "run-1", "language": "en"}
    documents = [
        document
        | {"doc_id": DOC_1, "source": "wire", "path": "wire/a.txt", "title": "Talks", "text": TEXT_1}
        | {"published_at": PUBLISHED, "n_sentences": 2, "n_words": len(TEXT_1.split())},
        # no publication date: allowed
        document
        | {"doc_id": DOC_2, "source": "daily", "path": "daily/b.txt", "title": "Rain", "text": TEXT_2}
        | {"published_at": None, "n_sentences": 2, "n_words": len(TEXT_2.split())},
    ]
    quoted = "We will not give up,"
    sentences = [
        _sentence(DOC_1, TEXT_1, 0, 0, SHARED),
        _sentence(DOC_1, TEXT_1, 1, 0, f'"{quoted}" Anna Smith said.'),
        _sentence(DOC_2, TEXT_2, 0, 0, SHARED),
        _sentence(DOC_2, TEXT_2, 1, 1, "Rain fell in Paris on Monday."),
    ]
    clusters = [
        _cluster(SHARED, [DOC_1, DOC_2], ["wire", "daily"]),
        _cluster(sentences[1]["text"], [DOC_1], ["wire"]),
        _cluster(sentences[3]["text"], [DOC_2], ["daily"]),
    ]
    name_start = TEXT_1.index("Anna Smith")
    quote_start = TEXT_1.index(quoted)
    return empty_batch() | {
        "documents": contract.DOCUMENTS.to_arrow(documents),
        "document_files": contract.DOCUMENT_FILES.to_arrow(
            [
                {"path": d["path"], "doc_id": d["doc_id"], "source": d["source"], "run_id": "run-1"}
                | {
                    "size_bytes": len(d["text"].encode()),
                    "mtime_ns": 1_714_550_000_000_000_000,
                    "file_path": d["path"],
                }
                for d in documents
            ]
        ),
        "sentences": contract.SENTENCES.to_arrow(sentences),
        "sentence_clusters": contract.SENTENCE_CLUSTERS.to_arrow(clusters),
        "entities": contract.ENTITIES.to_arrow(
            [
                {"entity_id": ANNA, "name": "Anna Smith", "label": "PERSON", "aliases": ["Anna Smith"]}
                | {"n_mentions": 1, "n_documents": 1, "n_sources": 1}
            ]
        ),
        "entity_mentions": contract.ENTITY_MENTIONS.to_arrow(
            [
                {"doc_id": DOC_1, "sentence_idx": 1, "start_char": name_start, "text": "Anna Smith"}
                | {"end_char": name_start + 10, "label": "PERSON", "entity_id": ANNA, "link_method": "exact"}
            ]
        ),
        "quotes": contract.QUOTES.to_arrow(
            [
                {"quote_id": stable_id("q", DOC_1, quote_start, quote_start + len(quoted)), "doc_id": DOC_1}
                | {"start_char": quote_start, "end_char": quote_start + len(quoted), "text": quoted}
                | {"normalized_key": _key(quoted), "quote_cluster_id": stable_id("q", _key(quoted))}
                | {
                    "speaker": "Anna Smith",
                    "speaker_entity_id": ANNA,
                    "speaker_method": "named",
                    "cue": "said",
                    "speaker_kind": "person",
                    "speakers": ["Anna Smith"],
                }
            ]
        ),
        "rejected_files": contract.REJECTED_FILES.to_arrow(
            [{"run_id": "run-1", "path": "wire/logo.png", "reason": "not text: binary content"}]
        ),
    }


def empty_batch() -> dict[str, pa.Table]:
    return {name: contract.TABLES[name].empty() for name in contract.BATCH_TABLES}


def _replace(batch: dict[str, pa.Table], table: str, row: int, **values: object) -> dict[str, pa.Table]:
    rows = batch[table].to_pylist()
    rows[row] |= values
    return batch | {table: contract.TABLES[table].to_arrow(rows)}


def _append_copy(batch: dict[str, pa.Table], table: str, row: int) -> dict[str, pa.Table]:
    rows = batch[table].to_pylist()
    return batch | {table: contract.TABLES[table].to_arrow([*rows, rows[row]])}


def _suite_expectation_count(suites_dir: Path) -> int:
    """Expectations in the folder's suite files: generated baselines and hand-written checks."""
    return sum(len(json.loads(path.read_text())["expectations"]) for path in suites_dir.glob("*.json"))


@dataclass(frozen=True)
class Damage:
    corrupt: Callable[[dict[str, pa.Table]], dict[str, pa.Table]]
    # (table, expectation type, column) of every expectation that must fail, and no others
    fails: frozenset[tuple[str, str, str | None]]
    example: str  # appears in the failure's details: the bad row is shown


def _row_damage(table: str, row: int, fails: set, example: str, **values: object) -> Damage:
    """Set `values` in one row of `table`."""
    return Damage(lambda batch: _replace(batch, table, row, **values), frozenset(fails), example)


IN_SET = "expect_column_values_to_be_in_set"
PAIR_GREATER = "expect_column_pair_values_a_to_be_greater_than_b"
NEVER_LOADED = stable_id("d", "never loaded")
DAMAGES = {
    "offset past the end of its document": _row_damage(
        "sentences",
        3,
        {("sentences", IN_SET, "span_within_document")},
        f"end_char={len(TEXT_2) + 5}",
        end_char=len(TEXT_2) + 5,
    ),
    "span text differs from the document": _row_damage(
        "quotes",
        0,
        {("quotes", IN_SET, "span_matches_document")},
        "text='We will never give up,'",
        text="We will never give up,",
    ),
    "duplicate compound key": _row_damage(
        "sentences",
        1,
        {("sentences", "expect_compound_columns_to_be_unique", "doc_id, sentence_idx")},
        f"doc_id='{DOC_1}', sentence_idx=0",
        sentence_idx=0,
    ),
    "duplicate key": Damage(
        lambda batch: _append_copy(batch, "entities", 0),
        frozenset({("entities", "expect_column_values_to_be_unique", "entity_id")}),
        f"entity_id='{ANNA}'",
    ),
    "orphan doc_id": _row_damage(
        "entity_mentions",
        0,
        {("entity_mentions", IN_SET, "doc_id_in_documents")},
        NEVER_LOADED,
        doc_id=NEVER_LOADED,
    ),
    "empty sentence text": _row_damage(
        "sentences",
        2,
        {
            ("sentences", "expect_column_value_lengths_to_be_between", "text"),
            ("sentences", IN_SET, "span_matches_document"),
        },
        "text=''",
        text="",
    ),
    "unknown entity label": _row_damage(
        "entity_mentions", 0, {("entity_mentions", IN_SET, "label")}, "label='PERSN'", label="PERSN"
    ),
    "unknown link method": _row_damage(
        "entity_mentions",
        0,
        {("entity_mentions", IN_SET, "link_method")},
        "link_method='guess'",
        link_method="guess",
    ),
    "unknown speaker method": _row_damage(
        "quotes",
        0,
        {("quotes", IN_SET, "speaker_method")},
        "speaker_method='vibes'",
        speaker_method="vibes",
    ),
    "more sources than documents": _row_damage(
        "sentence_clusters",
        0,
        {("sentence_clusters", PAIR_GREATER, "n_documents, n_sources")},
        "n_sources=3",
        n_sources=3,
        sources=["a", "b", "c"],
    ),
    "published in the future": _row_damage(
        "documents",
        0,
        {("documents", "expect_column_values_to_be_between", "published_at")},
        f"doc_id='{DOC_1}'",
        published_at=dt.datetime.now(dt.UTC) + dt.timedelta(days=30),
    ),
    "published before 1900": _row_damage(
        "documents",
        0,
        {("documents", "expect_column_values_to_be_between", "published_at")},
        "published_at=1899-12-31 23:00:00+00:00",
        published_at=dt.datetime(1899, 12, 31, 23, tzinfo=dt.UTC),
    ),
    "n_sentences disagrees with sentences": _row_damage(
        "documents",
        1,
        {("documents", IN_SET, "n_sentences_matches_sentences")},
        "n_sentences=5",
        n_sentences=5,
    ),
    "document without a document_files row": Damage(
        lambda batch: batch | {"document_files": batch["document_files"].slice(0, 1)},
        frozenset({("documents", IN_SET, "doc_id_in_document_files")}),
        f"doc_id='{DOC_2}', path='daily/b.txt'",
    ),
    "non-null column holds a null": _row_damage(
        "document_files",
        1,
        {("document_files", "expect_column_values_to_not_be_null", "source")},
        "path='daily/b.txt'",
        source=None,
    ),
    "documents without sentences": Damage(
        lambda batch: batch | {"sentences": contract.SENTENCES.empty()},
        frozenset(
            {
                ("sentences", "expect_table_row_count_to_be_between", None),
                ("documents", IN_SET, "n_sentences_matches_sentences"),
            }
        ),
        "observed 0; expected min_value=1",
    ),
    "contract column missing": Damage(
        lambda batch: batch | {"quotes": batch["quotes"].drop_columns(["cue"])},
        frozenset({("quotes", "expect_table_columns_to_match_ordered_list", None)}),
        "missing columns ['cue'], unexpected columns []",
    ),
}


@pytest.fixture(scope="module")
def sound_run(tmp_path_factory: pytest.TempPathFactory):
    docs = tmp_path_factory.mktemp("data_docs")
    return validate_batch(sound_batch(), SUITES, run_id="sound-run", data_docs_dir=docs), docs


def test_a_sound_batch_passes_every_expectation(sound_run):
    report, _ = sound_run
    assert report.failures == ()
    assert report.success and report.n_failed == 0
    assert report.n_expectations == _suite_expectation_count(SUITES)
    assert report.summary().startswith(f"Validation passed: {report.n_expectations} expectations")


def test_data_docs_are_written_for_each_run_and_the_index_keeps_earlier_runs(sound_run):
    report, docs = sound_run
    assert report.data_docs_index == str(docs / "index.html")
    assert report.data_docs_index in report.summary()

    later = validate_batch(
        DAMAGES["orphan doc_id"].corrupt(sound_batch()), SUITES, run_id="later-run", data_docs_dir=docs
    )

    assert later.data_docs_index == report.data_docs_index
    index = (docs / "index.html").read_text()
    assert index.index("later-run") < index.index("sound-run")  # newest first
    for run_id in ("sound-run", "later-run"):
        assert f'href="runs/{run_id}.html"' in index
    sound_page = (docs / "runs" / "sound-run.html").read_text()
    assert "passed" in sound_page and "failed</span>" not in sound_page
    for table in contract.BATCH_TABLES:
        assert f'id="{table}"' in sound_page
    failed_page = (docs / "runs" / "later-run.html").read_text()
    assert "doc_id_in_documents" in failed_page and NEVER_LOADED in failed_page  # the failing row


def test_data_docs_pages_refer_to_nothing_outside_themselves(sound_run):
    """Readable offline: no script, stylesheet, font or image from elsewhere, no temporary file."""
    _, docs = sound_run
    pages = list(docs.rglob("*.html"))
    assert len(pages) >= 2
    for page in pages:
        text = page.read_text()
        assert not re.search(r"(?:src|href)\s*=\s*[\"']?(?:https?:|//|file:)", text), page
        assert "<script" not in text and "@import" not in text and "tmp" not in text, page


@pytest.mark.parametrize("damage", DAMAGES.values(), ids=DAMAGES.keys())
def test_damage_fails_the_expectation_meant_to_catch_it(damage: Damage):
    report = validate_batch(damage.corrupt(sound_batch()), SUITES, run_id="damaged")

    assert not report.success
    assert {(f.table, f.expectation, f.column) for f in report.failures} == damage.fails
    assert report.n_failed == len(damage.fails)
    assert report.data_docs_index is None
    summary = report.summary()
    assert summary.startswith(f"Validation failed: {report.n_failed} of {report.n_expectations}")
    for failure in report.failures:
        where = f"{failure.table}.{failure.column}" if failure.column else failure.table
        assert f"- {where}: {failure.expectation}" in summary
        assert failure.details in summary
    assert any(damage.example in f.details for f in report.failures), [f.details for f in report.failures]


def test_an_empty_batch_passes():
    report = validate_batch(empty_batch(), SUITES, run_id="nothing-new")
    assert report.success, report.summary()
    assert report.n_expectations == _suite_expectation_count(SUITES)


def test_editing_a_suite_changes_what_is_checked(tmp_path: Path):
    suites = tmp_path / "expectations"
    shutil.copytree(SUITES, suites)
    mentions_file = suites / "entity_mentions.json"
    mentions = json.loads(mentions_file.read_text())
    label_check = {"type": IN_SET, "column": "label"}
    mentions["expectations"] = [
        e
        for e in mentions["expectations"]
        if {"type": e["type"], "column": e["kwargs"].get("column")} != label_check
    ]
    mentions_file.write_text(json.dumps(mentions, indent=2))
    sentences_file = suites / "sentences.json"
    sentences = json.loads(sentences_file.read_text())
    for expectation in sentences["expectations"]:
        if expectation["type"] == "expect_column_value_lengths_to_be_between":
            expectation["kwargs"]["min_value"] = 30  # "Rain fell in Paris on Monday." is 29
    sentences_file.write_text(json.dumps(sentences, indent=2))
    # a table without hand-written checks gets a checks file of its own
    (suites / f"rejected_files{CHECKS_SUFFIX}").write_text(
        json.dumps(
            {
                "name": "rejected_files",
                "expectations": [
                    {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "reasn"}}
                ],
            }
        )
    )

    report = validate_batch(DAMAGES["unknown entity label"].corrupt(sound_batch()), suites, run_id="edited")

    assert report.n_expectations == _suite_expectation_count(SUITES)  # one removed, one added
    assert [(f.table, f.expectation, f.column) for f in report.failures] == [
        ("sentences", "expect_column_value_lengths_to_be_between", "text"),
        ("rejected_files", "expect_column_values_to_not_be_null", "reasn"),
    ]
    assert "'Rain fell in Paris on Monday.'" in report.failures[0].details
    assert report.failures[1].details.startswith("could not be evaluated: ")
    assert '"reasn"' in report.failures[1].details


def test_a_broken_suite_file_names_the_file(tmp_path: Path):
    suites = tmp_path / "expectations"
    shutil.copytree(SUITES, suites)
    (suites / "quotes.json").write_text('{"name": "quotes", "expectations": [')
    with pytest.raises(ValueError, match=r"quotes\.json is not valid JSON"):
        validate_batch(sound_batch(), suites, run_id="broken")
    (suites / "quotes.json").write_text(
        '{"name": "quotes", "expectations": [{"type": "expect_it_to_be_fine"}]}'
    )
    with pytest.raises(ValueError, match=r"/quotes\.json is not a Great Expectations 1\.x suite"):
        validate_batch(sound_batch(), suites, run_id="broken")
    shutil.copy(SUITES / "quotes.json", suites / "quotes.json")
    (suites / f"quotes{CHECKS_SUFFIX}").write_text('{"expectations": [{"type": "expect_it_to_be_fine"}]}')
    with pytest.raises(ValueError, match=r"quotes\.checks\.json is not a Great Expectations 1\.x suite"):
        validate_batch(sound_batch(), suites, run_id="broken")
    (suites / "quotes.json").unlink()
    with pytest.raises(FileNotFoundError, match=r"quotes\.json is missing"):
        validate_batch(sound_batch(), suites, run_id="broken")


def test_a_batch_missing_a_table_is_refused():
    batch = sound_batch()
    del batch["quotes"]
    with pytest.raises(ValueError, match="missing: quotes"):
        validate_batch(batch, SUITES, run_id="partial")


def test_check_columns_use_python_string_offsets():
    text = "Café “naïve” 🙂 résumé. Zoë said “no.”"
    doc_id = stable_id("d", text)
    documents = contract.DOCUMENTS.to_arrow([{"doc_id": doc_id, "text": text, "n_sentences": 2}])
    spans = ["Café “naïve” 🙂 résumé.", "Zoë said “no.”"]
    sentences = contract.SENTENCES.to_arrow([_sentence(doc_id, text, i, 0, s) for i, s in enumerate(spans)])
    batch = empty_batch() | {"documents": documents, "sentences": sentences}

    checked = with_check_columns("sentences", batch)
    assert checked.column_names == contract.SENTENCES.column_names + check_columns_for("sentences")
    for column in check_columns_for("sentences"):
        assert checked[column].to_pylist() == [True, True], column
    shifted = _replace(batch, "sentences", 1, start_char=text.index("Zoë") + 1)
    assert with_check_columns("sentences", shifted)["span_matches_document"].to_pylist() == [True, False]
    checked = with_check_columns("documents", batch)
    assert checked["n_sentences_matches_sentences"].to_pylist() == [True]
    assert checked["doc_id_in_document_files"].to_pylist() == [False]  # no document_files rows


def test_there_is_one_suite_per_batch_table_and_every_parameter_is_known():
    checks = [p.name.removesuffix(CHECKS_SUFFIX) for p in SUITES.glob(f"*{CHECKS_SUFFIX}")]
    baselines = [p.stem for p in SUITES.glob("*.json") if not p.name.endswith(CHECKS_SUFFIX)]
    assert sorted(baselines) == sorted(contract.BATCH_TABLES)
    assert set(checks) <= set(contract.BATCH_TABLES)
    used: set[str] = set()
    for name in contract.BATCH_TABLES:
        for expectation in read_suite(SUITES, name)["expectations"]:
            for value in expectation["kwargs"].values():
                if isinstance(value, dict) and "$PARAMETER" in value:
                    words = set(re.findall(r"[A-Za-z_]\w*", value["$PARAMETER"]))
                    assert words & set(SUITE_PARAMETERS), (name, value)
                    used |= words & set(SUITE_PARAMETERS)
    assert used == set(SUITE_PARAMETERS)


@pytest.mark.parametrize("name", contract.BATCH_TABLES)
def test_suite_agrees_with_the_contract(name: str):
    table = contract.TABLES[name]
    suite = read_suite(SUITES, name)
    assert suite["name"] == name
    by_type: dict[str, list[dict]] = {}
    for expectation in suite["expectations"]:
        by_type.setdefault(expectation["type"], []).append(expectation["kwargs"])

    (columns,) = by_type["expect_table_columns_to_match_ordered_list"]
    assert columns["column_list"] == table.column_names + check_columns_for(name)
    mentioned = {c for kwargs in sum(by_type.values(), []) for c in _columns_named(kwargs)}
    assert mentioned <= set(table.column_names) | set(CHECK_COLUMNS)
    not_null = {k["column"] for k in by_type["expect_column_values_to_not_be_null"]}
    assert not_null == {c.name for c in table.columns if not c.nullable}
    if len(table.key) == 1:
        assert {"column": table.key[0]} in by_type["expect_column_values_to_be_unique"]
    else:
        assert {"column_list": list(table.key)} in by_type["expect_compound_columns_to_be_unique"]
    value_sets = {k["column"]: k["value_set"] for k in by_type.get(IN_SET, [])}
    for column in check_columns_for(name):
        assert value_sets[column] == [True], column
    allowed = {
        "label": contract.ENTITY_LABELS,
        "link_method": contract.LINK_METHODS,
        "speaker_method": contract.SPEAKER_METHODS,
    }
    for column, values in allowed.items():
        if column in table.column_names:
            assert value_sets[column] == list(values), column


def _columns_named(kwargs: dict) -> list[str]:
    named = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return named + list(kwargs.get("column_list", []))


def test_the_validator_process_validates_the_staged_parquet_batch_as_the_flow_process_would(tmp_path):
    """The flow validates in a process started early (GX imported on the other core); its report
    on the staged batch must be the in-process report, for a sound and a damaged batch."""
    damaged = DAMAGES["span text differs from the document"].corrupt(sound_batch())
    with ValidatorProcess() as validator:
        for name, batch in (("sound", sound_batch()), ("damaged", damaged)):
            staged = batch_store.write_batch(tmp_path / name, f"run-{name}", batch)
            remote = validator.validate(staged, SUITES, run_id=f"run-{name}")
            local = validate_batch(batch_store.read_batch(staged), SUITES, run_id=f"run-{name}")
            assert remote == local
            assert remote.success is (name == "sound")


def test_a_lost_validator_process_falls_back_to_validating_in_the_calling_process(tmp_path):
    staged = batch_store.write_batch(tmp_path, "run-lost", sound_batch())
    validator = ValidatorProcess()
    try:
        for process in list(validator._pool._processes.values()):
            process.kill()
            process.join()
        report = validator.validate(staged, SUITES, run_id="run-lost")
    finally:
        validator.close()
    assert report.success and report.n_expectations == _suite_expectation_count(SUITES)


def test_the_validator_process_exits_when_the_run_that_started_it_is_killed(tmp_path):
    """A run killed with -9 cannot shut its executor down; its validator must not idle on."""
    script = (
        "import time\n"
        "from crosswire.validate.suites import ValidatorProcess\n"
        "validator = ValidatorProcess()\n"
        "print(*validator._pool._processes, flush=True)\n"
        "time.sleep(600)\n"
    )
    run = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        (worker,) = map(int, run.stdout.readline().split())
        assert _alive(worker)
    finally:
        run.kill()
        run.wait()
    deadline = time.monotonic() + 30
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not _alive(worker)


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"  # a zombie has exited; only its parent can reap it

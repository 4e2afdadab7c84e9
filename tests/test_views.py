"""The warehouse views: given the two seed articles, `who_said_what`, `speaker_summary` and
`entity_cooccurrence` hold these rows; given a story four documents copy, `document_reuse` does.

The warehouse is built once for the module from the stage functions, the way `flows/pipeline.py`
composes them but without Prefect or validation: ingest, normalize, segment, deduplicate,
extract, time mentions, cluster quotes, write Parquet, load.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from crosswire.batch import PreparedBatch, batch_tables
from crosswire.contract import BATCH_TABLES
from crosswire.dedup.sentence_dedup import assign_clusters, assign_quote_clusters
from crosswire.extract.dates import extract_time_mentions
from crosswire.extract.facts import ExtractConfig, extract_facts, load_nlp
from crosswire.ingest.read import discover_files, read_source_file
from crosswire.store import batch_store, warehouse
from crosswire.text.normalize import normalize_articles
from crosswire.text.segment import segment_documents

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SOURCES = ["unidentified-uk-outlet", "washingtonexaminer.com"]  # the seeds' sidecars name them


def build_warehouse(sources: list[Path], data_dir: Path) -> Path:
    """Run every stage over `sources` into `data_dir`; returns the warehouse file."""
    run_id, started_at = str(uuid.uuid4()), datetime.now(UTC)
    files, rejected = discover_files(sources)
    assert not rejected
    articles = [article for file in files for article in read_source_file(file)[0]]
    normalized = normalize_articles(articles, set(), run_id, started_at)
    sentences = segment_documents(normalized.documents)
    batch = PreparedBatch(normalized.documents, normalized.document_files, sentences, [], 0)
    dedup = assign_clusters(sentences, batch.documents, run_id=run_id)
    facts = extract_facts(batch.documents, sentences, load_nlp(ExtractConfig()))
    assert facts.pop("timed_out") == []
    quote_dedup = assign_quote_clusters(facts["quotes"], batch.documents, run_id=run_id)
    tables = batch_tables(
        batch, dedup, quote_dedup, facts, extract_time_mentions(batch.documents, sentences), [], run_id
    )
    assert set(tables) == set(BATCH_TABLES)
    batch_dir = batch_store.write_batch(data_dir, run_id, tables)
    run_row = {
        "run_id": run_id,
        "started_at": started_at,
        "finished_at": datetime.now(UTC),
        "status": "completed",
        "n_documents_new": len(batch.documents),
        "n_documents_skipped": 0,
        "n_files_rejected": 0,
        "n_sentences": len(sentences),
        "validation_success": True,
        "n_expectations": 0,
        "n_expectations_failed": 0,
    }
    db_path = data_dir / warehouse.WAREHOUSE_FILE
    warehouse.load_batch(db_path, batch_dir, run_row)
    return db_path


@pytest.fixture(scope="module")
def con(tmp_path_factory):
    db_path = build_warehouse([SEEDS], tmp_path_factory.mktemp("views"))
    connection = duckdb.connect(str(db_path), read_only=True)
    yield connection
    connection.close()


def rows(con, sql: str, *params) -> list[dict]:
    return con.execute(sql, list(params)).fetch_arrow_table().to_pylist()


# --- who_said_what ------------------------------------------------------------------------------


def test_who_said_what_has_one_row_per_speaker_and_quote_cluster(con):
    (total,) = con.execute("SELECT count(*) FROM who_said_what").fetchone()
    (distinct,) = con.execute(
        "SELECT count(*) FROM (SELECT DISTINCT speaker, speaker_entity_id, quote_cluster_id"
        " FROM who_said_what)"
    ).fetchone()
    assert total == distinct > 0


def test_tillersons_shared_quote_is_one_row_carried_by_both_sources(con):
    found = rows(
        con,
        """SELECT speaker, quote, quote_cluster_id, doc_ids, sources, n_quotes, first_seen_at
           FROM who_said_what WHERE quote LIKE 'We want to relieve the suffering%'""",
    )
    assert len(found) == 1, found
    (row,) = found
    assert row["speaker"] == "Rex Tillerson"
    assert row["sources"] == SOURCES and len(row["doc_ids"]) == 2
    assert row["n_quotes"] >= 2  # one quoted span in each article (one is split by its attribution)
    (canonical,) = con.execute(
        """SELECT arg_min(q.text, (d.ingested_at, q.doc_id, q.start_char)) FROM quotes q
           JOIN documents d USING (doc_id) WHERE q.quote_cluster_id = ?""",
        [row["quote_cluster_id"]],
    ).fetchone()
    assert row["quote"] == canonical
    assert row["first_seen_at"] is not None


def test_who_said_what_names_every_speaker_of_the_seeds(con):
    speakers = {r["speaker"] for r in rows(con, "SELECT speaker FROM who_said_what")}
    assert speakers == {
        "Rex Tillerson",
        "Dmitry Peskov",
        "Russian government",
        "Russian Foreign Ministry",
    }
    peskov = rows(con, "SELECT quote, sources FROM who_said_what WHERE speaker = 'Dmitry Peskov'")
    assert peskov == [
        {"quote": "I don't understand what you mean. Go on discussing it.", "sources": [SOURCES[0]]}
    ]


# --- speaker_summary ----------------------------------------------------------------------------


def test_speaker_summary_counts_tillersons_quotes_from_both_sources(con):
    (row,) = rows(con, "SELECT * FROM speaker_summary WHERE speaker = 'Rex Tillerson'")
    quotes = rows(con, "SELECT * FROM quotes WHERE speaker = 'Rex Tillerson'")
    assert row["n_quotes"] == len(quotes) >= 8
    assert row["n_quote_clusters"] == len({q["quote_cluster_id"] for q in quotes}) < row["n_quotes"]
    assert row["sources"] == SOURCES and row["n_sources"] == 2 and row["n_documents"] == 2
    assert row["speaker_label"] == "PERSON"
    assert {"named", "title", "pronoun"} <= set(row["speaker_methods"])
    assert row["first_seen_at"] <= row["last_seen_at"]
    (top,) = rows(con, "SELECT speaker FROM speaker_summary LIMIT 1")
    assert top["speaker"] == "Rex Tillerson"


def test_speaker_summary_agrees_with_who_said_what(con):
    summary = {
        r["speaker"]: r["n_quote_clusters"]
        for r in rows(con, "SELECT speaker, n_quote_clusters FROM speaker_summary")
    }
    per_speaker = {
        r["speaker"]: r["n"]
        for r in rows(con, "SELECT speaker, count(*) AS n FROM who_said_what GROUP BY speaker")
    }
    assert summary == per_speaker


# --- entity_cooccurrence ------------------------------------------------------------------------


def pair(con, a: str, b: str) -> dict | None:
    found = rows(
        con,
        """SELECT * FROM entity_cooccurrence
           WHERE (entity_a = ? AND entity_b = ?) OR (entity_a = ? AND entity_b = ?)""",
        a,
        b,
        b,
        a,
    )
    assert len(found) <= 1
    return found[0] if found else None


def test_tillerson_and_russia_cooccur_in_both_sources(con):
    row = pair(con, "Rex Tillerson", "Russia")
    assert row is not None
    assert row["n_sources"] == 2 and row["sources"] == SOURCES and row["n_documents"] == 2
    (sentences,) = con.execute(
        """SELECT count(*) FROM (
               SELECT doc_id, sentence_idx FROM entity_mentions m JOIN entities e USING (entity_id)
               WHERE e.name IN ('Rex Tillerson', 'Russia')
               GROUP BY doc_id, sentence_idx HAVING count(DISTINCT e.name) = 2)"""
    ).fetchone()
    assert row["n_sentences"] == sentences >= 3


def test_each_pair_appears_once_in_name_order_and_never_with_itself(con):
    found = rows(con, "SELECT entity_a, entity_b, entity_a_id, entity_b_id FROM entity_cooccurrence")
    assert found
    assert all(r["entity_a_id"] != r["entity_b_id"] for r in found)
    assert all(r["entity_a"] <= r["entity_b"] for r in found)
    assert len({(r["entity_a_id"], r["entity_b_id"]) for r in found}) == len(found)
    ids = {(r["entity_a_id"], r["entity_b_id"]) for r in found}
    assert not any((b, a) in ids for a, b in ids)


def test_entities_in_different_sentences_do_not_cooccur(con):
    # Peskov speaks in the last paragraph of one article; Boris Johnson appears only earlier
    assert pair(con, "Dmitry Peskov", "Boris Johnson") is None
    assert pair(con, "Dmitry Peskov", "Vladimir Putin") is not None  # the same sentence


# --- time_mentions, loaded ----------------------------------------------------------------------


def test_time_mentions_are_loaded_with_their_values(con):
    found = rows(
        con, "SELECT text, value, is_relative, anchor FROM time_mentions ORDER BY doc_id, start_char"
    )
    by_text = {r["text"]: r for r in found}
    assert by_text["2014"] == {"text": "2014", "value": "2014", "is_relative": False, "anchor": "explicit"}
    # the seeds carry no publication date: relative mentions are kept, unresolved
    assert by_text["Tuesday"] == {"text": "Tuesday", "value": None, "is_relative": True, "anchor": None}


# --- reattributed_quotes ------------------------------------------------------------------------


def test_the_seeds_reattribute_nothing_the_secretary_of_state_being_tillerson(con):
    # one outlet gives part of the statement to "the Secretary of State", the other to Tillerson
    methods = rows(
        con,
        """SELECT DISTINCT q.speaker, q.speaker_method FROM quotes q
           WHERE q.text LIKE 'and so Russia can be a part%' OR q.text LIKE 'We want to relieve%'""",
    )
    assert {m["speaker"] for m in methods} == {"Rex Tillerson"}
    assert {m["speaker_method"] for m in methods} >= {"title", "named"}
    assert rows(con, "SELECT * FROM reattributed_quotes") == []


def test_a_quote_two_outlets_give_to_different_speakers_is_reattributed(tmp_path):
    statement = '"We will not raise the fare again this year, whatever the price of fuel does," '
    corpus = tmp_path / "corpus"
    for outlet, speaker in (("ledger", "Jane Roe"), ("courier", "John Doe")):
        (corpus / outlet).mkdir(parents=True)
        (corpus / outlet / "fares.txt").write_text(
            f"Fares frozen\n\nThe airline froze its fares on Monday.\n\n{statement}{speaker} said.\n"
        )
    db_path = build_warehouse([corpus], tmp_path / "data")
    connection = duckdb.connect(str(db_path), read_only=True)
    try:
        (row,) = rows(connection, "SELECT * FROM reattributed_quotes")
    finally:
        connection.close()
    assert row["speakers"] == ["Jane Roe", "John Doe"] and row["n_sources"] == 2
    assert {(a["source"], a["speaker"]) for a in row["attributions"]} == {
        ("ledger", "Jane Roe"),
        ("courier", "John Doe"),
    }


# --- document_reuse -----------------------------------------------------------------------------

BUDGET = "The city council approved the new budget on Monday evening."
LIBRARIES = "Spending on public libraries will rise by a fifth next year."
WALKOUT = "Opposition members walked out before the final vote was taken."
MAYOR = "The mayor called the result a victory for working families."
SHOPS = "Local businesses gave the plan a cautious welcome on Tuesday."
# the wire breaks the story, the herald and the courier copy from it (the courier also from the
# herald), and the wire's follow-up takes the herald's line and repeats one of its own
REUSE_CORPUS = (
    ("courier", "2017-04-11T08:00:00Z", [BUDGET, LIBRARIES, SHOPS,
        "Residents queued outside the town hall in heavy rain.",
        "Several shops in the high street closed early in protest."]),
    ("herald", "2017-04-10T12:00:00Z", [BUDGET, LIBRARIES, WALKOUT, SHOPS]),
    ("wire", "2017-04-10T09:00:00Z", [BUDGET, LIBRARIES, WALKOUT, MAYOR]),
    ("wire", "2017-04-12T08:00:00Z", [SHOPS, MAYOR,
        "Officials will publish the full accounts later this month."]),
)  # fmt: skip


@pytest.fixture(scope="module")
def reuse(tmp_path_factory) -> dict[tuple[str, str], dict]:
    """document_reuse over REUSE_CORPUS, keyed by (source, published date)."""
    folder = tmp_path_factory.mktemp("reuse")
    lines = [
        {"id": f"{source}-{published_at[:10]}", "source": source, "published_at": published_at,
         "title": "Council budget", "text": " ".join(sentences)}
        for source, published_at, sentences in REUSE_CORPUS
    ]  # fmt: skip
    (folder / "articles.jsonl").write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    connection = duckdb.connect(
        str(build_warehouse([folder / "articles.jsonl"], folder / "data")), read_only=True
    )
    try:
        found = rows(
            connection,
            """SELECT r.*, d.published_at::DATE::VARCHAR AS day, e.published_at::DATE::VARCHAR AS earliest_day
               FROM document_reuse AS r JOIN documents AS d USING (doc_id)
               LEFT JOIN documents AS e ON e.doc_id = r.earliest_doc_id""",
        )
    finally:
        connection.close()
    return {(row["source"], row["day"]): row for row in found}


def test_a_copy_counts_the_sentences_another_outlet_carried_first(reuse):
    herald = reuse["herald", "2017-04-10"]
    assert (herald["n_sentences"], herald["n_reused"], herald["reused_share"]) == (4, 3, 0.75)
    assert (herald["earliest_source"], herald["earliest_day"]) == ("wire", "2017-04-10")


def test_the_outlet_taken_from_most_is_named_with_its_document(reuse):
    courier = reuse["courier", "2017-04-11"]  # two sentences from the wire, one from the herald
    assert (courier["n_sentences"], courier["n_reused"], courier["reused_share"]) == (5, 3, 0.6)
    assert (courier["earliest_source"], courier["earliest_day"]) == ("wire", "2017-04-10")


def test_an_outlet_repeating_what_it_carried_first_is_not_reuse(reuse):
    follow_up = reuse["wire", "2017-04-12"]  # the mayor's line is the wire's own; the shops line the herald's
    assert (follow_up["n_sentences"], follow_up["n_reused"], follow_up["reused_share"]) == (3, 1, 0.3333)
    assert (follow_up["earliest_source"], follow_up["earliest_day"]) == ("herald", "2017-04-10")


def test_the_first_report_reuses_nothing(reuse):
    first = reuse["wire", "2017-04-10"]
    assert (first["n_sentences"], first["n_reused"], first["reused_share"]) == (4, 0, 0.0)
    assert first["earliest_source"] is None and first["earliest_doc_id"] is None
    assert len(reuse) == len(REUSE_CORPUS)

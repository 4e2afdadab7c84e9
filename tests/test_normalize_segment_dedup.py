"""Normalize, segment and exact dedup on the seeds and on the cases outlets produce."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from conftest import SEEDS
from crosswire.dedup.sentence_dedup import assign_clusters
from crosswire.ingest.read import discover_files, read_source_file
from crosswire.text.normalize import normalize_articles, normalize_text, normalized_key
from crosswire.text.segment import segment_documents, segment_text

INGESTED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def seed_batch():
    files, _ = discover_files([SEEDS])
    articles = [a for f in files for a in read_source_file(f)[0]]
    batch = normalize_articles(articles, set(), "run-1", INGESTED_AT)
    sentences = segment_documents(batch.documents)
    clusters = assign_clusters(sentences, batch.documents).clusters
    return batch, sentences, clusters


def test_normalize_repairs_mojibake_and_unifies_quotes_dashes_and_spaces():
    raw = (
        "The caf\u00c3\u00a9\u2019s   owner \u201csaid\u201d \u2013 twice.\r\n\r\n\r\n\r\nNext\u00a0para.\x00"
    )
    assert normalize_text(raw) == 'The caf\u00e9\'s owner "said" - twice.\n\nNext para.'


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Leaders met at the G7 summit.", "Leaders met at the G-7 summit."),
        ("The U.S. said no.", "The US said no."),
        ("\u201cWe won\u2019t,\u201d he said.", '"we won\'t," HE   said'),
    ],
)
def test_normalized_key_equates_what_outlets_rewrite(left: str, right: str):
    assert normalized_key(left) == normalized_key(right)


def test_normalized_key_keeps_every_digit():
    assert normalized_key("Police arrested 12 people.") != normalized_key("Police arrested 13 people.")
    assert normalized_key("in 2013") != normalized_key("in 2014")


def test_sentence_offsets_point_into_the_stored_text():
    batch, sentences, _ = seed_batch()
    texts = {d["doc_id"]: d["text"] for d in batch.documents}
    assert sentences
    for s in sentences:
        assert texts[s["doc_id"]][s["start_char"] : s["end_char"]] == s["text"]
        assert s["text"] == s["text"].strip()
    for d in batch.documents:
        assert d["n_sentences"] == sum(s["doc_id"] == d["doc_id"] for s in sentences)


def test_segmenter_keeps_abbreviations_initials_and_attributions_inside_sentences():
    text = (
        "Mr. J. K. Rowling met U.S. officials on Jan. 5. The talks ended. "
        '"Is that a long-term alliance?" Tillerson asked. "We can\'t," he said.\n\nNew paragraph here.'
    )
    sentences = [text[s.start_char : s.end_char] for s in segment_text(text)]
    assert sentences == [
        "Mr. J. K. Rowling met U.S. officials on Jan. 5.",
        "The talks ended.",
        '"Is that a long-term alliance?" Tillerson asked.',
        '"We can\'t," he said.',
        "New paragraph here.",
    ]
    assert [s.paragraph_idx for s in segment_text(text)] == [0, 0, 0, 0, 1]


def test_seed_articles_share_five_sentences_across_both_sources():
    batch, sentences, clusters = seed_batch()
    shared = {c["cluster_id"]: c for c in clusters if c["n_sources"] == 2}
    assert all(c["sources"] == ["unidentified-uk-outlet", "washingtonexaminer.com"] for c in shared.values())
    texts = {}
    for s in sentences:
        if s["cluster_id"] in shared:
            texts.setdefault(s["cluster_id"], set()).add(s["text"])
    assert {
        '"But only Russia can answer that question."',
        'But only Russia can answer that question."',
    } in texts.values()
    assert {
        '"Russia has really aligned itself with the Assad regime, the Iranians, and Hezbollah.',
        '"Russia has really aligned itself with the Assad regime, the Iranians, and Hezbollah," '
        "Tillerson told reporters at the G-7 Summit in Italy.",
    } in texts.values()
    assert len(shared) == 5


def test_cluster_counts_are_consistent_and_ids_stable():
    _, sentences, clusters = seed_batch()
    assert sum(c["n_occurrences"] for c in clusters) == len(sentences)
    for c in clusters:
        assert c["n_sources"] <= c["n_documents"] <= c["n_occurrences"]
    _, again, _ = seed_batch()
    assert [s["cluster_id"] for s in again] == [s["cluster_id"] for s in sentences]


def test_same_text_under_two_paths_is_one_document_with_both_paths(tmp_path):
    (tmp_path / "a.txt").write_text("Same wire copy.\n\nIt ran twice.")
    (tmp_path / "b.txt").write_text("Same  wire copy.\r\n\r\nIt ran twice.")
    files, _ = discover_files([tmp_path])
    articles = [a for f in files for a in read_source_file(f)[0]]
    batch = normalize_articles(articles, set(), "run-1", INGESTED_AT)
    assert len(batch.documents) == 1 and batch.n_skipped == 1
    assert sorted(f["path"].rsplit("/", 1)[1] for f in batch.document_files) == ["a.txt", "b.txt"]
    rerun = normalize_articles(articles, {batch.documents[0]["doc_id"]}, "run-2", INGESTED_AT)
    assert rerun.documents == [] and rerun.n_skipped == 2

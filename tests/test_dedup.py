"""Exact and near-duplicate dedup: what links, what never links, and ids that survive new runs."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from crosswire.dedup.sentence_dedup import (
    DedupConfig,
    MemoryIndex,
    _colliding_pairs,
    assign_clusters,
    assign_quote_clusters,
    compare,
    merge_signatures,
    sign_sentences,
)
from crosswire.worker import worker_caches

INGESTED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def docs_and_sentences(*texts_by_doc: list[str]):
    documents, sentences = [], []
    for n, texts in enumerate(texts_by_doc):
        doc_id = f"d{n}"
        documents.append(
            {"doc_id": doc_id, "source": f"outlet{n}", "published_at": None, "ingested_at": INGESTED_AT}
        )
        sentences += [{"doc_id": doc_id, "sentence_idx": i, "text": t} for i, t in enumerate(texts)]
    return documents, sentences


def same_cluster(sentences: list[dict], left: str, right: str) -> bool:
    ids = {s["text"]: s["cluster_id"] for s in sentences}
    return ids[left] == ids[right]


@pytest.mark.parametrize(
    ("left", "right", "method"),
    [
        (
            '"Russia has really aligned itself with the Assad regime, the Iranians, and Hezbollah.',
            '"Russia has really aligned itself with the Assad regime, the Iranians, and Hezbollah," '
            "Tillerson told reporters at the G-7 Summit in Italy.",
            "containment",
        ),
        (
            "Tillerson made the comment at the G7 meeting where he called for help.",
            "Tllerson made the comment at the G-7 meeting where he called for help!",
            "minhash_jaccard",
        ),
        (
            "The company said profits rose sharply in the last quarter of the year.",
            "Profits rose sharply in the last quarter of the year, the company said.",
            "minhash_jaccard",
        ),
    ],
)
def test_rewrites_outlets_make_are_verified_links(left: str, right: str, method: str):
    verdict = compare(left, right, DedupConfig())
    assert verdict is not None and verdict.method == method


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("Police arrested 12 people after the protest in London on Sunday.",
         "Police arrested 13 people after the protest in London on Sunday."),
        ("The minister said he would resign after the vote on Tuesday.",
         "The minister said he would not resign after the vote on Tuesday."),
        ("John Smith said the company would expand into Asia next year.",
         "Peter Jones said the company would expand into Asia next year."),
        ("Shares fell 5% in early trading in London on Monday.",
         "Shares fell 5% in early trading in New York on Monday."),
        ("The toll rose on Sunday after the storm hit the coast.",
         "The toll rose to 12 on Sunday after the storm hit the coast."),
    ],
)  # fmt: skip
def test_hard_negatives_never_link(left: str, right: str):
    assert compare(left, right, DedupConfig()) is None
    documents, sentences = docs_and_sentences([left], [right])
    assign_clusters(sentences, documents)
    assert not same_cluster(sentences, left, right)


def test_near_duplicates_across_documents_share_a_cluster_with_evidence():
    left = "Russia has really aligned itself with the Assad regime, the Iranians, and Hezbollah."
    right = (
        "Russia has really aligned itself with the Assad regime, the Iranians and Hezbollah, Tillerson said."
    )
    documents, sentences = docs_and_sentences(
        [left, "Unrelated words about football and cricket today."], [right]
    )
    result = assign_clusters(sentences, documents, run_id="r1")
    assert same_cluster(sentences, left, right)
    assert [(m["method"], m["run_id"]) for m in result.matches] == [("minhash_jaccard", "r1")]
    shared = [c for c in result.clusters if c["n_sources"] == 2]
    assert len(shared) == 1 and shared[0]["canonical_text"] in (left, right)


def test_a_later_run_joins_existing_clusters_and_keeps_their_ids():
    base = "The central bank raised interest rates by a quarter point on Thursday."
    documents, sentences = docs_and_sentences([base, "Markets were calm after the decision."])
    index = MemoryIndex()
    first = assign_clusters(sentences, documents, index=index, run_id="r1")
    index.add(first)
    old_ids = {s["text"]: s["cluster_id"] for s in sentences}

    rewrite = "The Central Bank raised interest rates by a quarter-point on Thursday, officials said."
    new_docs, new_sentences = docs_and_sentences([], [], [rewrite, "Markets were calm after the decision."])
    second = assign_clusters(new_sentences, new_docs, index=index, run_id="r2")
    new_ids = {s["text"]: s["cluster_id"] for s in new_sentences}
    assert new_ids[rewrite] == old_ids[base]
    assert (
        new_ids["Markets were calm after the decision."] == old_ids["Markets were calm after the decision."]
    )
    assert [v["normalized_key"] for v in second.variants] == [
        "thecentralbankraisedinterestratesbyaquarterpointonthursdayofficialssaid"
    ]  # only the unseen variant is hashed and indexed


def test_quotes_split_differently_by_two_outlets_share_a_quote_cluster():
    documents, _ = docs_and_sentences([], [])
    quotes = [
        {"quote_id": "q1", "doc_id": "d0", "start_char": 0,
         "text": "We want to relieve the suffering of the Syrian people. "
                 "We want to create a future for Syria."},
        {"quote_id": "q2", "doc_id": "d1", "start_char": 0,
         "text": "We want to relieve the suffering of the Syrian people,"},
        {"quote_id": "q3", "doc_id": "d1", "start_char": 90,
         "text": "We want to create a future for Syria. And so Russia can be a part of that future."},
        {"quote_id": "q4", "doc_id": "d1", "start_char": 300, "text": "We can't let this happen again."},
    ]  # fmt: skip
    assign_quote_clusters(quotes, documents)
    ids = {q["quote_id"]: q["quote_cluster_id"] for q in quotes}
    assert ids["q1"] == ids["q2"] == ids["q3"]
    assert ids["q4"] != ids["q1"]
    assert all(i.startswith("k") for i in ids.values())


def test_signatures_made_in_batches_give_the_clusters_the_dedup_stage_makes_itself():
    """The flow signs sentences in its read workers, batch by batch, and merges the batches'
    signatures; clustering from those must equal signing everything in the dedup stage."""
    texts = [
        '"Russia has really aligned itself with the Assad regime, the Iranians, and Hezbollah.',
        '"Russia has really aligned itself with the Assad regime, the Iranians, and Hezbollah," '
        "Tillerson told reporters at the G-7 Summit in Italy.",
        "Tillerson made the comment at the G7 meeting where he called for help.",
        "Tllerson made the comment at the G-7 meeting where he called for help!",
        "Short one.",
        "The index fell 3.5% to 1,204 points in early trading on Monday.",
        "The index fell 4.5% to 1,204 points in early trading on Monday.",
    ]
    documents, sentences = docs_and_sentences(texts[:4], texts[2:], texts[::-1])
    alone = [dict(s) for s in sentences]
    expected = assign_clusters(alone, documents, DedupConfig())

    config = DedupConfig()
    worker_caches().clear()
    halves = [sentences[: len(sentences) // 2], sentences[len(sentences) // 2 :]]
    signatures = merge_signatures([sign_sentences(half, config) for half in halves])
    assert sorted(signatures.texts) == sorted(set(texts))  # one row a distinct text
    result = assign_clusters(sentences, documents, config, signatures=signatures)

    assert [s["cluster_id"] for s in sentences] == [s["cluster_id"] for s in alone]
    assert result.clusters == expected.clusters
    assert result.matches == expected.matches
    assert same_cluster(sentences, texts[2], texts[3])
    assert not same_cluster(sentences, texts[5], texts[6])


def test_signatures_that_miss_some_texts_are_completed_in_the_dedup_stage():
    documents, sentences = docs_and_sentences(
        ["Tillerson made the comment at the G7 meeting where he called for help."],
        ["Tllerson made the comment at the G-7 meeting where he called for help!"],
    )
    partial = sign_sentences(sentences[:1], DedupConfig())
    assign_clusters(sentences, documents, DedupConfig(), signatures=partial)
    assert same_cluster(sentences, sentences[0]["text"], sentences[1]["text"])


def test_buckets_larger_than_max_bucket_propose_no_pairs():
    # rows 0-4 share band 0's hash (a common-words bucket); rows 0 and 1 also share band 1's
    bands = np.array([[7, 1], [7, 1], [7, 2], [7, 3], [7, 4]], dtype=np.int64)
    every = set(zip(*(a.tolist() for a in _colliding_pairs(bands)), strict=True))
    assert every == {(a, b) for a in range(5) for b in range(a + 1, 5)}
    capped = set(zip(*(a.tolist() for a in _colliding_pairs(bands, max_bucket=3)), strict=True))
    assert capped == {(0, 1)}


def test_a_new_sentence_bridging_two_existing_clusters_joins_one_and_stores_no_cross_cluster_link():
    prices = "Prices climbed sharply in the capital last month during the storm."
    fuel = "Officials blamed a shortage of imported fuel supplies for the delays."
    merged = (
        "Prices climbed sharply in the capital last month during the storm, she said, "
        "and officials blamed a shortage of imported fuel supplies for the delays."
    )
    documents, sentences = docs_and_sentences([prices, fuel])
    index = MemoryIndex()
    index.add(assign_clusters(sentences, documents, index=index, run_id="r1"))
    old = {s["text"]: s["cluster_id"] for s in sentences}
    assert old[prices] != old[fuel]

    new_docs, new_sentences = docs_and_sentences([], [], [merged])
    later = assign_clusters(new_sentences, new_docs, index=index, run_id="r2")

    assert new_sentences[0]["cluster_id"] in {old[prices], old[fuel]}  # joined one, merged none
    assert later.matches  # the link that explains its cluster is stored...
    assert all(m["cluster_id"] == m["right_cluster_id"] for m in later.matches)  # ...and only that

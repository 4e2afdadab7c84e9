"""Properties that hold for any input, checked with hypothesis on arbitrary Unicode and on
news-like text (quotes, abbreviations, numbers, line breaks, mojibake):

- decode, normalize, segment, dedup and extract never raise;
- every span is valid: `text[start_char:end_char]` is the stored text, spans are in order;
- normalization is idempotent, so stored text normalizes to itself;
- the exact-dedup key ignores whitespace, quote style and case;
- the fast paths of the key and of the word tokenizer equal the rules they shortcut;
- sentences that differ in a number never share a cluster.

No deadlines: the first example of a test pays for imports and caches, and machines vary.
"""

from __future__ import annotations

import functools
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from crosswire.dedup.sentence_dedup import (
    _CONTRACTIONS,
    MemoryIndex,
    assign_clusters,
    assign_quote_clusters,
    tokens_of,
    word_tokens,
)
from crosswire.extract.facts import extract_facts, load_nlp
from crosswire.ingest.read import UnreadableInput, decode_bytes, discover_files, read_source_file
from crosswire.text.normalize import _unicode_key, normalize_text, normalized_key
from crosswire.text.segment import segment_documents, segment_text

INGESTED_AT = datetime(2026, 1, 1, tzinfo=UTC)
PIECES = (
    "Mr.", "Dr.", "U.S.", "e.g.", "J.", "G-7", "G7", "No.", "Jan.", "Tillerson", "Russia", "He", "the",
    "said", "asked", "told", "according to", ".", "!", "?", "...", "\u2026", ",", ";", ":", "(", ")",
    '"', "'", "\u201c", "\u201d", "\u2018", "\u2019", "\u00ab", "\u00bb", "-", "\u2013", "\u2014",
    " ", "  ", "\t", "\n", "\n\n", "\r\n", "\u00a0", "\u200b", "3", "3.5", "$2.75bn", "1,000", "2017",
    "caf\u00c3\u00a9", "\u00c3\u00a9", "\u00e9", "\ufb01", "\u0130", "\u00df", "\x00", "\ufeff",
)  # fmt: skip
NEWSY = st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=80).map("".join)
ANY_TEXT = st.one_of(st.text(), NEWSY)
WORDS = st.lists(st.text("abcdefghijklmnopqrstuvwxyz", min_size=2, max_size=9), min_size=5, max_size=14)
QUOTES = {"'": "'\u2018\u2019\u2032", '"': '"\u201c\u201d\u201e\u00ab\u00bb'}
WHITESPACE = st.text(" \t\n\r\u00a0\u2009\u3000", min_size=1, max_size=3)


def document(text: str, doc_id: str = "d1", source: str = "s1") -> dict:
    return {
        "doc_id": doc_id,
        "source": source,
        "text": text,
        "published_at": None,
        "ingested_at": INGESTED_AT,
    }


# ---- ingest ---------------------------------------------------------------------------------


@settings(deadline=None)
@given(st.binary(max_size=2000))
def test_decoding_any_bytes_gives_text_or_a_reason(data: bytes):
    try:
        text, encoding = decode_bytes(data)
    except UnreadableInput as error:
        assert str(error)
    else:
        assert isinstance(text, str) and encoding


@settings(deadline=None)
@given(st.text().filter(lambda t: "\x00" not in t and not t.startswith("\ufeff")))  # that is a mark
def test_utf8_and_utf16_with_a_mark_decode_to_the_text_written(text: str):
    assert decode_bytes(text.encode("utf-8"))[0] == text
    assert decode_bytes(text.encode("utf-16")) == (text, "utf-16")
    assert decode_bytes(b"\xef\xbb\xbf" + text.encode("utf-8")) == (text, "utf-8-sig")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=600), st.sampled_from([".txt", ".jsonl", ".html"]))
def test_reading_a_file_of_any_bytes_gives_articles_or_reasons(data: bytes, suffix: str):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"input{suffix}"
        path.write_bytes(data)
        files, _ = discover_files([path])
        articles, rejected = read_source_file(files[0])
    assert all(normalize_text(a.text) for a in articles)  # an empty document fails validation
    assert all(r.reason for r in rejected)


# ---- normalize ------------------------------------------------------------------------------


@settings(deadline=None)
@given(ANY_TEXT)
def test_normalization_is_idempotent(text: str):
    once = normalize_text(text)
    assert normalize_text(once) == once


@settings(deadline=None)
@given(ANY_TEXT)
def test_normalized_text_has_one_kind_of_line_break_and_no_edge_whitespace(text: str):
    normalized = normalize_text(text)
    assert "\r" not in normalized and "\n\n\n" not in normalized
    assert normalized == normalized.strip()


@settings(deadline=None)
@given(st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=40), st.data())
def test_the_exact_key_ignores_whitespace(pieces: list[str], data):
    text = " ".join(pieces)
    respaced = re.sub(r"\s+", lambda _: data.draw(WHITESPACE), text)
    assert normalized_key(data.draw(WHITESPACE) + respaced + data.draw(WHITESPACE)) == normalized_key(text)


@settings(deadline=None)
@given(NEWSY, st.data())
def test_the_exact_key_ignores_quote_style(text: str, data):
    restyled = "".join(data.draw(st.sampled_from(QUOTES[ch])) if ch in QUOTES else ch for ch in text)
    assert normalized_key(restyled) == normalized_key(text)


@settings(deadline=None)
@given(ANY_TEXT.filter(lambda t: "\u0131" not in t))  # Turkish dotless i: Unicode gives it no case pair
def test_the_exact_key_ignores_case(text: str):
    assert normalized_key(text.upper()) == normalized_key(text.lower()) == normalized_key(text)


@given(ANY_TEXT)
def test_the_exact_keys_fast_path_equals_the_unicode_rule(text: str):
    assert normalized_key(text) == _unicode_key(text)


# ---- segment --------------------------------------------------------------------------------


def assert_valid_spans(text: str, spans) -> None:
    previous_end, previous_paragraph = 0, 0
    for span in spans:
        assert previous_end <= span.start_char < span.end_char <= len(text)
        sentence = text[span.start_char : span.end_char]
        assert sentence == sentence.strip() and sentence
        assert span.paragraph_idx >= previous_paragraph
        previous_end, previous_paragraph = span.end_char, span.paragraph_idx


@settings(deadline=None)
@given(ANY_TEXT)
def test_sentence_spans_are_in_order_inside_the_text_and_trimmed(text: str):
    assert_valid_spans(text, segment_text(text))
    normalized = normalize_text(text)
    spans = segment_text(normalized)
    assert_valid_spans(normalized, spans)
    assert not normalized.strip() or spans  # text is never lost between sentences


@settings(deadline=None)
@given(ANY_TEXT)
def test_sentence_rows_hold_the_text_at_their_offsets(text: str):
    doc = document(normalize_text(text))
    rows = segment_documents([doc])
    assert doc["n_sentences"] == len(rows)
    assert [r["sentence_idx"] for r in rows] == list(range(len(rows)))
    assert all(doc["text"][r["start_char"] : r["end_char"]] == r["text"] for r in rows)


# ---- dedup ----------------------------------------------------------------------------------


@settings(max_examples=50, deadline=None)
@given(st.lists(ANY_TEXT, min_size=1, max_size=6))
def test_clustering_any_sentences_gives_every_one_a_cluster(texts: list[str]):
    documents = [document(normalize_text(t) or "x", f"d{i}", f"s{i % 2}") for i, t in enumerate(texts)]
    sentences = segment_documents(documents)
    result = assign_clusters(sentences, documents)
    assert all(s["cluster_id"] and s["normalized_key"] == normalized_key(s["text"]) for s in sentences)
    assert {c["cluster_id"] for c in result.clusters} == {s["cluster_id"] for s in sentences}


NUMBER = st.one_of(
    st.integers(0, 10**7).map(str),
    st.tuples(st.integers(0, 999), st.integers(0, 99)).map(lambda p: f"{p[0]}.{p[1]}"),
)


@settings(max_examples=150, deadline=None)
@given(WORDS, NUMBER, NUMBER, st.data())
def test_sentences_that_differ_in_a_number_never_share_a_cluster(words, number, other, data):
    assume(number != other)
    at = data.draw(st.integers(0, len(words)))
    left = " ".join([*words[:at], number, *words[at:]]).capitalize() + "."
    right = " ".join([*words[:at], other, *words[at:]]).capitalize() + "."
    if data.draw(st.booleans()):  # and an attribution, so the containment rule is tried too
        right = right[:-1] + ", officials said."
    documents = [document(left, "d1", "a"), document(right, "d2", "b")]
    sentences = segment_documents(documents)
    assume(len(sentences) == 2)
    assign_clusters(sentences, documents)
    assert sentences[0]["cluster_id"] != sentences[1]["cluster_id"]
    # and when the other sentence arrives in a later run, against the stored index
    index = MemoryIndex()
    index.add(assign_clusters(segment_documents(documents[:1]), documents[:1]))
    later = segment_documents(documents[1:])
    assign_clusters(later, documents[1:], index=index)
    assert later[0]["cluster_id"] != sentences[0]["cluster_id"]


@given(ANY_TEXT)
def test_the_word_tokenizers_fast_path_equals_the_rule(text: str):
    # the fast path strips edge punctuation before the per-part rule: it must drop nothing else
    assert tokens_of(text) == _tokens_by_rule(text)


def _tokens_by_rule(text: str) -> list[str]:
    """`crosswire.dedup.sentence_dedup.tokens_of` without its fast path: the rule, word by word."""
    text = text.casefold()
    for pattern, replacement in _CONTRACTIONS:
        text = pattern.sub(replacement, text)
    return [token for word in text.split() for token in word_tokens(word)]


# ---- extract --------------------------------------------------------------------------------


@functools.cache
def nlp():
    return load_nlp()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ANY_TEXT, min_size=1, max_size=3))
def test_extraction_of_any_text_gives_spans_that_are_the_document_text(texts: list[str]):
    documents = [document(normalize_text(t) or "x", f"d{i}", f"s{i}") for i, t in enumerate(texts)]
    sentences = segment_documents(documents)
    facts = extract_facts(documents, sentences, nlp())
    text_of = {d["doc_id"]: d["text"] for d in documents}
    n_sentences = {d["doc_id"]: d["n_sentences"] for d in documents}
    for mention in facts["entity_mentions"]:
        assert text_of[mention["doc_id"]][mention["start_char"] : mention["end_char"]] == mention["text"]
        assert 0 <= mention["sentence_idx"] < max(1, n_sentences[mention["doc_id"]])
    for quote in facts["quotes"]:
        assert text_of[quote["doc_id"]][quote["start_char"] : quote["end_char"]] == quote["text"]
    assert {m["entity_id"] for m in facts["entity_mentions"]} <= {e["entity_id"] for e in facts["entities"]}
    assign_quote_clusters(facts["quotes"], documents)
    assert all(q["quote_cluster_id"] for q in facts["quotes"])

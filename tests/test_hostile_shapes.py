"""Hostile documents cost work in proportion to their length (issue 16, item 1).

Each junk shape of `benchmarks/hostile.py` goes through the stage functions at two lengths, n and
4n. The work of a stage is the number of lines of crosswire's own code it executes (counted
with `sys.settrace`; spaCy's code is not counted: how text is fed to it is bounded in
`crosswire/extract/facts.py`), which is the same on every run, unlike a clock. Work linear in
the length grows about 4x from n to 4n; one pairwise loop over the quotes, mentions, sentences
or candidates of a document makes it about 16x. The bound is 5x.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

import crosswire
from benchmarks.hostile import SHAPES
from crosswire.dedup.sentence_dedup import DedupConfig, assign_clusters, sign_sentences
from crosswire.extract.dates import extract_time_mentions
from crosswire.extract.facts import ExtractConfig, extract_facts, load_nlp
from crosswire.extract.quotes import QuoteContext, extract_quotes
from crosswire.ingest.read import RawArticle
from crosswire.text.normalize import normalize_articles
from crosswire.text.segment import segment_documents, segment_text
from crosswire.worker import worker_caches

CROSSWIRE = str(Path(crosswire.__file__).parent)
SMALL, LARGE = 2_000, 8_000  # characters
MAX_GROWTH = 5.0


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(ExtractConfig())


def lines_run(call: Callable[[], object]) -> int:
    """Lines of crosswire's code executed by `call()` (loop iterations included)."""
    count = 0

    def in_crosswire(frame, event, arg):
        return count_line if frame.f_code.co_filename.startswith(CROSSWIRE) else None

    def count_line(frame, event, arg):
        nonlocal count
        count += event == "line"
        return count_line

    sys.settrace(in_crosswire)
    try:
        call()
    finally:
        sys.settrace(None)
    return count


def stage_work(text: str, nlp) -> dict[str, int]:
    """Lines run by each stage for one document, from empty per-process caches."""
    worker_caches().clear()
    article = RawArticle("junk.txt", "junk.txt", "crawl", text, "utf-8", len(text), 0,
                         published_at=datetime(2017, 4, 12, tzinfo=UTC))  # fmt: skip
    work, made = {}, {}

    def prepare():
        made["documents"] = normalize_articles([article], set(), "r1", datetime.now(UTC)).documents
        made["sentences"] = segment_documents(made["documents"])

    work["normalize+segment"] = lines_run(prepare)
    documents, sentences = made["documents"], made["sentences"]
    config = DedupConfig()
    work["dedup"] = lines_run(
        lambda: assign_clusters(sentences, documents, config, signatures=sign_sentences(sentences, config))
    )
    work["extract"] = lines_run(lambda: extract_facts(documents, sentences, nlp))
    work["dates"] = lines_run(lambda: extract_time_mentions(documents, sentences))
    return work


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_every_stage_does_work_linear_in_the_length_of_a_hostile_document(shape, nlp):
    small = stage_work(SHAPES[shape](SMALL), nlp)
    large = stage_work(SHAPES[shape](LARGE), nlp)
    growth = {stage: large[stage] / max(small[stage], 1) for stage in small}
    assert max(growth.values()) <= MAX_GROWTH, (shape, small, large)


def quote_seconds(text: str) -> float:
    """CPU seconds of quote pairing and attribution rules over one document (no NER, no parse),
    the median of three runs."""
    sentences = [(s.start_char, s.end_char, s.paragraph_idx) for s in segment_text(text)]
    runs = []
    for _ in range(3):
        began = time.process_time()
        extract_quotes("d1", QuoteContext(text, sentences, []))
        runs.append(time.process_time() - began)
    return statistics.median(runs)


@pytest.mark.parametrize("shape", ["quote_storm", "unclosed_quotes", "said_chain"])
def test_quote_rules_take_time_linear_in_the_length_of_a_quote_storm(shape):
    """What a line count misses: a copy or a regular-expression scan of the text before each
    quote mark, in C. Timed on lengths where that dominates (25k and 100k characters: 4x linear,
    16x with such a scan); the bound is 10x."""
    small, large = quote_seconds(SHAPES[shape](25_000)), quote_seconds(SHAPES[shape](100_000))
    assert large <= 10 * max(small, 0.005), (shape, small, large)

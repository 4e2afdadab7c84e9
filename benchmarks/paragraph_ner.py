"""NER a paragraph at a time against NER over whole documents: how many mention spans differ,
and what each costs, on the same documents in one process.

    .venv/bin/python -m benchmarks.paragraph_ner [--corpus ../shared/corpora/bbc] [--every 1] [--json OUT]

crosswire's `recognize_entities` reads each distinct paragraph once, between neutral neighbours
(`crosswire.extract.facts._framed`), so that wire copies share one reading; whole-document NER
is `nlp.pipe` over the full texts with the same `ner` component. Spans are compared for the
labels crosswire keeps (`contract.ENTITY_LABELS`): identical means the same start, end and label.
A whole-document span that crosses a paragraph break ("Worlds\\n\\nSonia O'Sullivan") cannot come
from paragraphs and is counted apart.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from benchmarks.extract_cost import DEFAULT_CORPUS, load_documents
from benchmarks.report import emit, stamped
from crosswire import contract
from crosswire.extract.facts import NER_COMPONENTS, ExtractConfig, _others, load_nlp, recognize_entities
from crosswire.text.segment import segment_documents
from crosswire.worker import worker_caches


def compare(corpus: Path, every: int) -> dict:
    documents = load_documents(corpus, every)
    sentences = segment_documents(documents)
    spans: dict[str, list[tuple[int, int, int]]] = {d["doc_id"]: [] for d in documents}
    for row in sorted(sentences, key=lambda row: (row["doc_id"], row["sentence_idx"])):
        spans[row["doc_id"]].append((row["start_char"], row["end_char"], row["paragraph_idx"]))
    nlp = load_nlp(ExtractConfig())
    texts = [d["text"] for d in documents]

    began = time.perf_counter()
    disabled = _others(nlp, NER_COMPONENTS)
    whole = [
        {(e.start_char, e.end_char, e.label_) for e in doc.ents} for doc in nlp.pipe(texts, disable=disabled)
    ]
    whole_seconds = time.perf_counter() - began
    worker_caches().clear()
    began = time.perf_counter()
    pieces = recognize_entities(nlp, [(d["text"], spans[d["doc_id"]]) for d in documents], ExtractConfig())
    piece_seconds = time.perf_counter() - began

    kept = contract.ENTITY_LABELS
    n_whole = n_pieces = identical = crossing = 0
    for text, whole_spans, piece_spans in zip(texts, whole, pieces, strict=True):
        whole_kept = {s for s in whole_spans if s[2] in kept}
        piece_kept = {s for s in piece_spans if s[2] in kept}
        n_whole += len(whole_kept)
        n_pieces += len(piece_kept)
        identical += len(whole_kept & piece_kept)
        crossing += sum(1 for start, end, _ in whole_kept - piece_kept if "\n" in text[start:end])
    return {
        "documents": len(documents),
        "characters": sum(map(len, texts)),
        "whole_document_spans": n_whole,
        "paragraph_spans": n_pieces,
        "identical_spans": identical,
        "share_of_whole_document_spans_identical": round(identical / max(1, n_whole), 4),
        "share_of_paragraph_spans_identical": round(identical / max(1, n_pieces), 4),
        "whole_document_spans_across_a_paragraph_break": crossing,
        "seconds": {"whole_documents": round(whole_seconds, 2), "paragraphs": round(piece_seconds, 2)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--every", type=int, default=1, help="every N-th file, sorted (1: all)")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus} (pass --corpus)", file=sys.stderr)
        return 2
    load_before = os.getloadavg()
    result = stamped({"corpus": str(args.corpus), **compare(args.corpus, args.every)}, load_before)
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

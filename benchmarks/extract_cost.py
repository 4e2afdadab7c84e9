"""What the attribution parse costs: extraction on a corpus with the parse and without it, in one
process, the model loaded once, the two sides interleaved (A B B A ...), medians reported.

    .venv/bin/python -m benchmarks.extract_cost [--corpus ../shared/corpora/bbc] [--every 3]
                                                [--repeats 3] [--json OUT]

Without the parse (`ExtractConfig(parse_quotes=False)`) extraction is NER and the rules alone,
which is what extraction cost before the parse-based attribution; the issue's limit is +20%.
The share of sentences the parse reads (`parse_windows`) is reported too.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.report import emit
from crosswire.extract.attribution import parse_windows
from crosswire.extract.facts import ExtractConfig, extract_facts, load_nlp
from crosswire.extract.quotes import QuoteContext, quote_spans
from crosswire.text.normalize import normalize_text
from crosswire.text.segment import segment_documents

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "bbc"


def load_documents(corpus: Path, every: int) -> list[dict]:
    files = [f for f in sorted(corpus.rglob("*.txt")) if f.name.upper() != "README.TXT"][::every]
    return [
        {"doc_id": str(f.relative_to(corpus)), "source": f.parent.name, "published_at": None,
         "text": normalize_text(f.read_text(encoding="utf-8", errors="replace"))}
        for f in files
    ]  # fmt: skip


def parsed_share(documents: list[dict], sentences: list[dict]) -> float:
    by_doc: dict[str, list[tuple[int, int, int]]] = {}
    for row in sentences:
        by_doc.setdefault(row["doc_id"], []).append(
            (row["start_char"], row["end_char"], row["paragraph_idx"])
        )
    parsed = total = 0
    for doc in documents:
        spans = by_doc.get(doc["doc_id"], [])
        ctx = QuoteContext(doc["text"], spans, [])
        quotes = [(q.start_char, q.end_char) for q in quote_spans(doc["text"], ctx.paragraphs)]
        windows = parse_windows(doc["text"], spans, quotes)
        total += len(spans)
        parsed += sum(1 for start, _, _ in spans if any(w0 <= start < w1 for w0, w1 in windows))
    return parsed / max(1, total)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--every", type=int, default=3, help="every N-th file, sorted (1: all)")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"corpus not found: {args.corpus} (pass --corpus)", file=sys.stderr)
        return 2
    documents = load_documents(args.corpus, args.every)
    sentences = segment_documents(documents)
    nlp = load_nlp(ExtractConfig())
    sides = {"with_parse": ExtractConfig(), "without_parse": ExtractConfig(parse_quotes=False)}
    seconds: dict[str, list[float]] = {side: [] for side in sides}
    order = ["with_parse", "without_parse", "without_parse", "with_parse"] * args.repeats
    for side in order[: 2 * args.repeats]:
        began = time.perf_counter()
        extract_facts(documents, sentences, nlp, sides[side])
        seconds[side].append(round(time.perf_counter() - began, 2))
        print(f"{side}: {seconds[side][-1]} s (load {os.getloadavg()[0]:.1f})", file=sys.stderr)
    medians = {side: statistics.median(values) for side, values in seconds.items()}
    result = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "commit": subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip(),
        "corpus": str(args.corpus), "documents": len(documents), "sentences": len(sentences),
        "share_of_sentences_parsed": round(parsed_share(documents, sentences), 3),
        "seconds": seconds, "median_seconds": medians,
        "ratio_with_to_without": round(medians["with_parse"] / medians["without_parse"], 3),
        "load_average": os.getloadavg(), "cpus": os.cpu_count(),
    }  # fmt: skip
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

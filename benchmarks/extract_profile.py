"""Where extraction spends its time: `extract_facts` over a corpus in one process, under cProfile.

    .venv/bin/python -m benchmarks.extract_profile [--corpus DIR] [--top 25]

Without `--corpus`, the wire corpus of `benchmarks.wire_corpus` (150 BBC articles x 4 outlets,
built in a temporary folder from `../shared/corpora/bbc`). The model is loaded, and five documents
extracted, before profiling starts; the report lists the functions by cumulative time.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import wire_corpus
from benchmarks.extract_cost import load_documents
from crosswire.extract.facts import ExtractConfig, extract_facts, load_nlp
from crosswire.text.segment import segment_documents

BBC = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "bbc"


def profile(corpus: Path, top: int) -> None:
    documents = load_documents(corpus, 1)
    sentences = segment_documents(documents)
    nlp = load_nlp(ExtractConfig())
    extract_facts(documents[:5], sentences, nlp)
    began = time.perf_counter()
    profiler = cProfile.Profile()
    profiler.enable()
    rows = extract_facts(documents, sentences, nlp)
    profiler.disable()
    seconds = time.perf_counter() - began
    counts = {name: len(value) for name, value in rows.items()}
    print(f"{len(documents)} documents in {seconds:.1f} s (profiled): {counts}")
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(top)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, help="a folder of .txt articles (default: the wire corpus)")
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args(argv)
    if args.corpus:
        profile(args.corpus, args.top)
        return 0
    if not BBC.is_dir():
        print(f"BBC corpus not found: {BBC} (pass --corpus)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory() as work:
        profile(wire_corpus.build(BBC, Path(work), 600)["wire"], args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())

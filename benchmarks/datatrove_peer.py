"""The datatrove peer: datatrove's SentenceDedup (C4-style sentence dedup), timed.

Runs under the peers' interpreter (`benchmarks/.venv-peers`, see benchmarks/README.md), never
the project's: it imports only the standard library and datatrove. `benchmarks.run` starts it in
a subprocess and reads the JSON it prints on its last line.

The three stages of datatrove's own example (examples/sentence_deduplication.py), each a
`LocalPipelineExecutor` with `--workers` tasks and workers:
1. `JsonlReader` -> `SentenceDedupSignature` (sentence splitting and hashing),
2. `SentenceFindDedups` (merge of the sorted signatures, one task per hash bucket),
3. `JsonlReader` -> `SentenceDedupFilter` -> `JsonlWriter` (duplicate sentences dropped).

Offline: datatrove's English word tokenizer is its `SpaCyTokenizer("en")`, i.e.
`spacy.blank("en")` with the rule-based `sentencizer`; it loads no model and downloads nothing
(NLTK's punkt, which does need a download, is not used for English). The Hugging Face hub is
switched to offline mode all the same.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from importlib.metadata import version

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True, help="folder of JSONL shards (one per worker)")
    parser.add_argument("--work", required=True, help="empty folder for signatures, duplicates, output")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--n-sentences", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()

    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.sentence_dedup import (
        SentDedupConfig,
        SentenceDedupFilter,
        SentenceDedupSignature,
        SentenceFindDedups,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers import JsonlWriter
    from datatrove.utils.word_tokenizers import load_word_tokenizer

    config = SentDedupConfig(n_sentences=args.n_sentences)
    runs = []
    for attempt in range(args.repeat):
        work = os.path.join(args.work, f"run{attempt}")
        folders = {name: os.path.join(work, name) for name in ("sigs", "dups", "output", "logs")}
        stages = [
            (
                "signature",
                [
                    JsonlReader(args.input),
                    SentenceDedupSignature(
                        output_folder=folders["sigs"], config=config, finder_workers=args.workers
                    ),
                ],
            ),
            (
                "find_dedups",
                [
                    SentenceFindDedups(
                        data_folder=folders["sigs"], output_folder=folders["dups"], config=config
                    )
                ],
            ),
            (
                "filter",
                [
                    JsonlReader(args.input),
                    SentenceDedupFilter(data_folder=folders["dups"], config=config),
                    JsonlWriter(folders["output"]),
                ],
            ),
        ]
        seconds = {}
        began = time.perf_counter()
        for name, pipeline in stages:
            stage_began = time.perf_counter()
            LocalPipelineExecutor(
                pipeline=pipeline,
                tasks=args.workers,
                workers=args.workers,
                logging_dir=os.path.join(folders["logs"], name),
                skip_completed=False,
            ).run()
            seconds[name] = time.perf_counter() - stage_began
        runs.append({"seconds": time.perf_counter() - began, "seconds_by_stage": seconds})

    n_in = sum(_count_lines(os.path.join(args.input, name)) for name in os.listdir(args.input))
    output = os.path.join(args.work, f"run{args.repeat - 1}", "output")
    n_out = sum(_count_lines(os.path.join(output, name)) for name in os.listdir(output))
    tokenizer = load_word_tokenizer("en")
    result = {
        "runs": runs,
        "documents_in": n_in,
        "documents_kept": n_out,
        "word_tokenizer": f'{type(tokenizer).__name__}("en"): spacy.blank("en") + sentencizer, no download',
        "versions": {package: version(package) for package in ("datatrove", "spacy", "xxhash", "tokenizers")},
        "max_rss_bytes_self": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "max_rss_bytes_children": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024,
    }
    print(json.dumps(result))


def _count_lines(path: str) -> int:
    import gzip

    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return sum(1 for _ in handle)


if __name__ == "__main__":
    main()

"""The caches a process keeps across the batches it works on: who owns them, when they are emptied.

Owner: the process. Each process (the flow's, or a worker the task runner starts) has one
`WorkerCaches`, which `worker_caches()` returns; the stage code that uses a table fetches it
from there, by name. Every entry is a pure function of its key, so a cache changes how long a
stage takes, never what it returns:
- `paragraph_spans`: the sentence spans of a paragraph (`crosswire.text.segment`), as wire copy
  repeats paragraphs verbatim;
- `tokens`, `profiles`: a sentence's words and what dedup's verification needs of it, and
  `signatures`: its key, word count and MinHash record, per dedup config
  (`crosswire.dedup.sentence_dedup`), so a process signs a text once however many of its batches
  repeat it (benchmarks/README.md: these are what keep wire copy fast);
- `entities`: the NER spans of a paragraph, per extract config (`crosswire.extract.facts`), so
  NER reads a paragraph once however many copies of it the process extracts;
- `pipelines`: the spaCy pipeline per model name (`crosswire.extract.facts`), loaded once per
  process, as a worker extracts many batches.

When they are emptied: a table that reaches its limit empties itself; `clear()` empties the
per-text tables (not the loaded pipelines, which do not grow with the input). The flow calls it
between the slices of a run, the benchmarks before each timed repeat. The task runner's worker
processes live for one stage, and their caches with them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Memo(dict):
    """Results by key; emptied, rather than evicted one by one, when it holds `limit` entries."""

    def __init__(self, limit: int) -> None:
        super().__init__()
        self.limit = limit

    def recall(self, key: Any, compute: Callable[[Any], Any]) -> Any:
        """The value kept for `key`, else `compute(key)`, kept (after emptying a full memo)."""
        value = self.get(key)
        if value is None:
            value = compute(key)
            self.keep(key, value)
        return value

    def keep(self, key: Any, value: Any) -> None:
        """Keep `value` for `key` (after emptying a full memo)."""
        if len(self) >= self.limit:
            self.clear()
        self[key] = value


@dataclass
class WorkerCaches:
    """One process's caches (see the module docstring)."""

    paragraph_spans: Memo = field(default_factory=lambda: Memo(65_536))
    tokens: Memo = field(default_factory=lambda: Memo(100_000))
    profiles: Memo = field(default_factory=lambda: Memo(100_000))
    signatures: dict[Any, Memo] = field(default_factory=dict)  # DedupConfig -> text -> signature
    pipelines: Memo = field(default_factory=lambda: Memo(2))  # model name -> spaCy Language
    entities: dict[Any, Memo] = field(default_factory=dict)  # ExtractConfig -> piece -> NER spans

    def signed(self, config: Any) -> Memo:
        """Signatures by text for one dedup config (100,000 texts: ~110 MB)."""
        return self.signatures.setdefault(config, Memo(100_000))

    def recognized(self, config: Any) -> Memo:
        """NER spans by paragraph text for one extract config (65,536 paragraphs: ~60 MB)."""
        return self.entities.setdefault(config, Memo(65_536))

    def clear(self) -> None:
        """Empty the per-text tables; loaded pipelines stay."""
        for table in (self.paragraph_spans, self.tokens, self.profiles, self.signatures, self.entities):
            table.clear()


_THIS_PROCESS = WorkerCaches()


def worker_caches() -> WorkerCaches:
    """The caches of the calling process."""
    return _THIS_PROCESS

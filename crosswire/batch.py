"""A run's batch: what the per-document stages make of some files, and the tables it becomes.

`prepare_files` is the per-document work (read and decode, normalize, segment, sign the
sentences for dedup) over one share of a run's files, run in worker processes; `merge_prepared`
joins the shares; `batch_tables` turns a batch and what the later stages made of it into the
contract's Arrow tables, and `run_row` is its `runs` row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa

from crosswire.contract import TABLES
from crosswire.dedup.sentence_dedup import (
    DedupConfig,
    DedupResult,
    Signatures,
    merge_signatures,
    sign_sentences,
)
from crosswire.ingest.read import IngestConfig, Rejection, SourceFile, read_source_file
from crosswire.text.normalize import normalize_articles
from crosswire.text.segment import segment_documents


@dataclass
class PreparedBatch:
    """Read, normalized and segmented documents of some files: the per-document stages' output."""

    documents: list[dict]
    document_files: list[dict]
    sentences: list[dict]
    rejected: list[Rejection]
    n_skipped: int  # documents already loaded (unchanged files, known texts, repeats)
    signatures: Signatures | None = None  # dedup signatures of the sentence texts

    @classmethod
    def empty(cls, n_skipped: int = 0) -> PreparedBatch:
        return cls([], [], [], [], n_skipped)


def unchanged_files(
    files: list[SourceFile], manifest: dict[str, tuple[int, int, int]]
) -> tuple[list[SourceFile], int]:
    """Split off the files whose size and modification time match what was last loaded from them:
    they are not opened (nor sent to a worker). Returns the others, and how many documents the
    unchanged files hold."""
    changed, n_unchanged = [], 0
    for file in files:
        size_bytes, mtime_ns, n_documents = manifest.get(str(file.path), (None, None, 0))
        if (size_bytes, mtime_ns) == (file.size_bytes, file.mtime_ns):
            n_unchanged += n_documents
        else:
            changed.append(file)
    return changed, n_unchanged


def prepare_files(
    files: list[SourceFile],
    known_doc_ids: set[str],
    run_id: str,
    ingested_at: datetime,
    config: IngestConfig,
    dedup_config: DedupConfig | None = None,
) -> PreparedBatch:
    """Read, normalize and segment files; with `dedup_config`, also sign the sentences for dedup
    (key and MinHash: per-text work, done here in the worker processes)."""
    articles, rejected = [], []
    for file in files:
        file_articles, file_rejected = read_source_file(file, config)
        articles.extend(file_articles)
        rejected.extend(file_rejected)
    batch = normalize_articles(articles, known_doc_ids, run_id, ingested_at)
    sentences = segment_documents(batch.documents)
    signatures = sign_sentences(sentences, dedup_config) if dedup_config else None
    return PreparedBatch(
        batch.documents, batch.document_files, sentences, rejected, batch.n_skipped, signatures
    )


def merge_prepared(parts: list[PreparedBatch]) -> PreparedBatch:
    """Concatenate batches; a text that two batches both read stays one document."""
    merged = PreparedBatch.empty()
    paths: set[tuple[str, str]] = set()
    doc_ids: set[str] = set()
    for part in parts:
        new = {d["doc_id"] for d in part.documents} - doc_ids
        doc_ids |= new
        if len(new) == len(part.documents):  # the common case: nothing to filter out
            merged.documents += part.documents
            merged.sentences += part.sentences
        else:
            merged.documents += [d for d in part.documents if d["doc_id"] in new]
            merged.sentences += [s for s in part.sentences if s["doc_id"] in new]
        merged.document_files += [f for f in part.document_files if (f["path"], f["doc_id"]) not in paths]
        paths.update((f["path"], f["doc_id"]) for f in part.document_files)
        merged.rejected += part.rejected
        merged.n_skipped += part.n_skipped + len(part.documents) - len(new)
    signed = [part.signatures for part in parts if part.signatures is not None]
    if signed:
        merged.signatures = merge_signatures(signed)
    return merged


def without_documents(
    batch: PreparedBatch, doc_ids: list[str], reason: str
) -> tuple[PreparedBatch, list[Rejection]]:
    """The batch without some of its documents, and a rejection with `reason` for each of their
    files (a JSONL line, a WARC record: the other documents of a file stay). As with any record
    rejected alone, a file whose other documents load is not read again until it changes."""
    dropped = set(doc_ids)
    kept = PreparedBatch(
        [d for d in batch.documents if d["doc_id"] not in dropped],
        [f for f in batch.document_files if f["doc_id"] not in dropped],
        [s for s in batch.sentences if s["doc_id"] not in dropped],
        batch.rejected,
        batch.n_skipped,
        batch.signatures,
    )
    return kept, [Rejection(f["path"], reason) for f in batch.document_files if f["doc_id"] in dropped]


def even_parts(items: list, max_size: int, workers: int) -> list[list]:
    """`items` cut, in order, into parts of at most `max_size` whose sizes differ by at most one
    and, when there is more than one, whose number is a multiple of `workers`: 600 documents in
    parts of at most 200 for 2 workers are 4 parts of 150, two rounds of equal work, not
    200 + 200 and then 200 on one worker while the other waits. Items that fit in one part stay
    one part (the flow runs a single part in its own process, without starting workers)."""
    if not items:
        return []
    count = -(-len(items) // max_size)
    if count > 1 and workers > 1:
        count = min(len(items), -(-count // workers) * workers)
    size, extra = divmod(len(items), count)
    parts, start = [], 0
    for index in range(count):
        end = start + size + (index < extra)
        parts.append(items[start:end])
        start = end
    return parts


def copies_together(documents: list[dict], max_copies: int = 64) -> list[dict]:
    """The documents reordered so that copies of one story (documents that share a paragraph of
    40 characters or more) stand together, and so land in the same extraction batch, where NER
    and the parse read their shared paragraphs once. A paragraph in more than `max_copies`
    documents (an outlet's boilerplate) does not join them. Otherwise the order is kept."""
    parent = list(range(len(documents)))

    def root(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    holders: dict[int, list[int]] = {}
    for index, doc in enumerate(documents):
        for paragraph in set(doc["text"].split("\n\n")):
            if len(paragraph) >= 40:
                holders.setdefault(hash(paragraph), []).append(index)
    for indices in holders.values():
        if 1 < len(indices) <= max_copies:
            for other in indices[1:]:
                parent[root(other)] = root(indices[0])
    groups: dict[int, list[dict]] = {}
    for index, doc in enumerate(documents):
        groups.setdefault(root(index), []).append(doc)
    return [doc for group in groups.values() for doc in group]


def batch_tables(
    batch: PreparedBatch,
    dedup: DedupResult,
    quote_dedup: DedupResult,
    facts: dict[str, list[dict]],
    time_mentions: list[dict],
    rejected: list[Rejection],
    run_id: str,
) -> dict[str, pa.Table]:
    """Every batch table of a run, as Arrow tables with the contract's schemas."""
    rows = {
        "documents": batch.documents,
        "document_files": batch.document_files,
        "sentences": batch.sentences,
        "sentence_clusters": dedup.clusters,
        "sentence_matches": dedup.matches,
        "dedup_variants": dedup.variants + quote_dedup.variants,
        "dedup_bands": pa.concat_tables([dedup.bands, quote_dedup.bands]),
        "time_mentions": time_mentions,
        "rejected_files": [{"run_id": run_id, "path": r.path, "reason": r.reason} for r in rejected],
        **facts,
    }
    return {
        name: value if isinstance(value, pa.Table) else TABLES[name].to_arrow(value)
        for name, value in rows.items()
    }


def run_row(
    run_id: str,
    started_at: datetime,
    batch: PreparedBatch,
    n_rejected: int,
    *,
    validation_success: bool,
    n_expectations: int,
    n_expectations_failed: int,
) -> dict:
    """The run's row of the `runs` table, written in the load's transaction."""
    return {
        "run_id": run_id,
        "started_at": started_at,
        "finished_at": datetime.now(UTC),
        "status": "completed",
        "n_documents_new": len(batch.documents),
        "n_documents_skipped": batch.n_skipped,
        "n_files_rejected": n_rejected,
        "n_sentences": len(batch.sentences),
        "validation_success": validation_success,
        "n_expectations": n_expectations,
        "n_expectations_failed": n_expectations_failed,
    }

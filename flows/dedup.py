"""Dedup stage: group sentence occurrences across documents and sources into clusters.

Exact tier (after C4's and datatrove's sentence dedup, which hash a normalized sentence): two
sentences are the same when their `normalized_key` (NFKC, casefold, letters and digits only;
see `flows.normalize.normalized_key`) is equal. The cluster id is derived from the key, so it is
stable across runs with no index to consult, and a sentence that differs in any digit can never
share a cluster. Sentences whose key is empty (pure punctuation) each keep a cluster of their own.

Canonical text (documented rule, applied here for the batch and again at load over every run):
the text of the first-seen occurrence, ordered by the document's `published_at` (else
`ingested_at`), then `doc_id`, then `sentence_idx`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from flows.ids import stable_id
from flows.normalize import normalized_key


@dataclass(frozen=True)
class DedupConfig:
    min_key_chars: int = 1  # sentences with a shorter key are never clustered with others


def cluster_id_for(key: str) -> str:
    return stable_id("s", key)


def first_seen_order(document: dict, sentence_idx: int) -> tuple[datetime, str, int]:
    return (document["published_at"] or document["ingested_at"], document["doc_id"], sentence_idx)


def assign_clusters(
    sentences: list[dict], documents: list[dict], config: DedupConfig = DedupConfig()
) -> list[dict]:
    """Set `normalized_key` and `cluster_id` on every sentence row; return the batch's cluster rows.

    Cluster rows carry counts over this batch; the load refreshes them over every loaded run.
    """
    by_doc = {document["doc_id"]: document for document in documents}
    clusters: dict[str, dict] = {}
    for sentence in sentences:
        key = normalized_key(sentence["text"])
        sentence["normalized_key"] = key
        if len(key) >= config.min_key_chars:
            cluster_id = cluster_id_for(key)
        else:
            cluster_id = stable_id("s", sentence["doc_id"], sentence["sentence_idx"])
        sentence["cluster_id"] = cluster_id
        document = by_doc[sentence["doc_id"]]
        order = first_seen_order(document, sentence["sentence_idx"])
        cluster = clusters.get(cluster_id)
        if cluster is None:
            cluster = clusters[cluster_id] = {
                "cluster_id": cluster_id,
                "_order": order,
                "_documents": set(),
                "_sources": set(),
                "n_occurrences": 0,
            }
        if order <= cluster["_order"] or "canonical_text" not in cluster:
            cluster.update(
                _order=order,
                canonical_text=sentence["text"],
                normalized_key=key,
                first_seen_doc_id=document["doc_id"],
                first_seen_source=document["source"],
                first_seen_at=order[0],
            )
        cluster["n_occurrences"] += 1
        cluster["_documents"].add(document["doc_id"])
        cluster["_sources"].add(document["source"])
    return [_finish(cluster) for cluster in clusters.values()]


def _finish(cluster: dict) -> dict:
    sources = sorted(cluster.pop("_sources"))
    cluster["n_documents"] = len(cluster.pop("_documents"))
    cluster["n_sources"] = len(sources)
    cluster["sources"] = sources
    del cluster["_order"]
    return cluster

"""One run's extraction rows from the batches its worker processes extracted.

Batches of one run agree on entity ids through the canonical key (`entities.canonical_key`);
here their `entities` rows are merged by id: aliases united, the name chosen again by the
extractor's own rule over the whole run's mentions, counts recomputed from the mentions (so a
document whose extraction ran out of time, and has no mentions, counts nowhere).
"""

from __future__ import annotations

from collections import Counter

from crosswire.extract.entities import fullest_form


def merge_facts(results: list[dict[str, list]], documents: list[dict]) -> dict[str, list]:
    """Mentions, quotes and timed-out document ids concatenated, entities merged by id."""
    merged: dict[str, list] = {"entity_mentions": [], "entities": [], "quotes": [], "timed_out": []}
    entities: dict[str, dict] = {}
    for result in results:
        merged["entity_mentions"] += result["entity_mentions"]
        merged["quotes"] += result["quotes"]
        merged["timed_out"] += result["timed_out"]
        for entity in result["entities"]:
            kept = entities.setdefault(entity["entity_id"], {**entity, "aliases": []})
            kept["aliases"] = sorted(set(kept["aliases"]) | set(entity["aliases"]))
    source_of = {d["doc_id"]: d["source"] for d in documents}
    mentions_of: dict[str, list[dict]] = {}
    for mention in merged["entity_mentions"]:
        mentions_of.setdefault(mention["entity_id"], []).append(mention)
    for entity_id, entity in entities.items():
        mentions = mentions_of.get(entity_id, [])
        forms = Counter(m["text"] for m in mentions if m["link_method"] == "exact")
        if len(results) > 1 and forms:
            entity["name"] = fullest_form(forms)
        entity["n_mentions"] = len(mentions)
        entity["n_documents"] = len({m["doc_id"] for m in mentions})
        entity["n_sources"] = len({source_of[m["doc_id"]] for m in mentions})
    merged["entities"] = [e for e in entities.values() if e["n_mentions"]]
    return merged

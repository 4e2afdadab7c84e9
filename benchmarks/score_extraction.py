"""Extraction quality: crosswire's quotes, speakers and entities scored against a hand-annotated gold set.

    .venv/bin/python -m benchmarks.score_extraction [--gold DIR] [--json OUT] [--show-errors]

The gold set (`tests/data/gold/`, its README gives the annotation guidelines) holds one
`<id>.json` per article and the article's text in `articles/<id>.txt`. Offsets point into
`crosswire.text.normalize.normalize_text(<article text>)`, the text every crosswire offset points into.

What runs: every gold article through `normalize_text`, `segment_documents` and `extract_facts`
(the pipeline's stages, without Prefect or a warehouse), as one batch, so entities link across
the gold documents as they would in one run.

Scores (the exit status is 1 when a target is missed):
- quote span recall: a gold quote is found when one predicted quote overlaps it by at least
  half of the gold span's characters (`MIN_OVERLAP`); boundary-exact: the share of found gold
  quotes whose best predicted quote (largest overlap) has the same offsets;
- quote precision: a predicted quote is correct when it overlaps one gold quote by at least half
  of the predicted span's characters;
- speaker accuracy on attributed gold quotes (gold speaker not null): the best predicted quote's
  `speaker` equals the gold canonical name, compared case-insensitively and without a leading
  "the". Strict: a gold quote that was not found counts as wrong; the share among found quotes
  is shown too, and speaker precision: the share right among the quotes given a speaker (the
  wrong answers split into no speaker and another speaker);
- invented speakers: gold quotes whose speaker is null (the text does not say who speaks, or
  names no one: "a spokesman said", which crosswire keeps as written, method `description`)
  names no one) that the pipeline gave a speaker;
- entities (gold PERSON and ORG): every word-bounded occurrence of a gold form in the text
  (longest forms first, never overlapping) is a gold mention; a predicted `entity_mentions` row
  matches it when they overlap by at least half of the longer span. Mention recall: matched
  gold mentions. One id: gold entities whose matched mentions all carry one `entity_id` (all
  entities, and those the text names in two or more forms). Name: the entity's canonical name
  (its mentions' most common id, `entities.name`) equals the gold name. Merged: gold entities
  that share their id with another gold entity of the same document. Across documents: gold
  names found in two or more documents whose mentions all carry one id.

Every figure is given for the whole set and by `split`: `development` documents were looked at
while the extraction rules were tuned, `heldout` ones were annotated after the rules were frozen
and are the honest estimate for unseen articles (the gold README keeps the history).

Targets (the extraction issue), on the whole set: quote span recall >= 0.95, speaker accuracy >=
0.90 on attributed quotes, no invented speaker.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from crosswire.extract.facts import ExtractConfig, extract_facts, load_nlp
from crosswire.ids import stable_id
from crosswire.text.normalize import normalize_text
from crosswire.text.segment import segment_documents

GOLD_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "gold"
MIN_OVERLAP = 0.5  # share of the span (see the module docstring) two spans must share to match
SCORED_LABELS = ("PERSON", "ORG")
SPLITS = ("development", "heldout")
_ORIGIN = re.compile(r"^(seeds/[\w.-]+\.txt|bbc:(business|entertainment|politics|sport|tech)/\d{3}\.txt)$")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)


@dataclass(frozen=True)
class Targets:
    quote_recall: float = 0.95
    speaker_accuracy: float = 0.90
    invented_speakers: int = 0


@dataclass(frozen=True)
class GoldQuote:
    start_char: int
    end_char: int
    text: str
    speaker: str | None
    note: str | None = None


@dataclass(frozen=True)
class GoldEntity:
    name: str
    label: str
    forms: tuple[str, ...]


@dataclass(frozen=True)
class GoldDocument:
    id: str
    origin: str
    split: str  # development (the extraction rules were tuned on it) or heldout (never looked at)
    text: str  # normalized article text: the offsets point into it
    quotes: tuple[GoldQuote, ...]
    entities: tuple[GoldEntity, ...]


def load_gold(gold_dir: Path = GOLD_DIR) -> list[GoldDocument]:
    """Every gold document; a malformed file raises ValueError naming the file and what is wrong."""
    documents = []
    for path in sorted(gold_dir.glob("*.json")):
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            article = gold_dir / "articles" / f"{payload['id']}.txt"
            text = normalize_text(article.read_text(encoding="utf-8"))
            document = GoldDocument(
                id=payload["id"],
                origin=payload["origin"],
                split=payload["split"],
                text=text,
                quotes=tuple(GoldQuote(**quote) for quote in payload["quotes"]),
                entities=tuple(
                    GoldEntity(e["name"], e["label"], tuple(e["forms"])) for e in payload["entities"]
                ),
            )
        except (OSError, json.JSONDecodeError, KeyError, TypeError) as error:
            raise ValueError(f"{path}: not a gold document ({error!r})") from error
        problems = _problems(document, path)
        if problems:
            raise ValueError(f"{path}: {'; '.join(problems)}")
        documents.append(document)
    if not documents:
        raise ValueError(f"{gold_dir} holds no gold documents (*.json)")
    return documents


def _problems(document: GoldDocument, path: Path) -> list[str]:
    problems = []
    if document.id != path.stem:
        problems.append(f"id {document.id!r} is not the file name")
    if document.split not in SPLITS:
        problems.append(f"split {document.split!r} is not one of {', '.join(SPLITS)}")
    if not _ORIGIN.match(document.origin):
        problems.append(f"origin {document.origin!r} is not seeds/<file>.txt or bbc:<topic>/NNN.txt")
    previous_end = 0
    for quote in document.quotes:
        if not 0 <= quote.start_char < quote.end_char <= len(document.text):
            problems.append(f"quote {quote.text[:30]!r} has offsets outside the text")
        elif document.text[quote.start_char : quote.end_char] != quote.text:
            problems.append(f"quote {quote.text[:30]!r} is not the text at its offsets")
        if quote.start_char < previous_end:
            problems.append(f"quote {quote.text[:30]!r} overlaps the previous one or is out of order")
        previous_end = quote.end_char
    for entity in document.entities:
        for form in entity.forms:
            if not _form_pattern(form).search(document.text):
                problems.append(f"entity form {form!r} does not occur in the text")
    return problems


# ---- running the pipeline's stages -----------------------------------------------------------


def extract_gold(documents: list[GoldDocument], config: ExtractConfig = ExtractConfig()) -> dict:
    """`quotes`, `entity_mentions` and `entities` rows for the gold articles, by gold id."""
    rows = [
        {
            "doc_id": stable_id("d", document.text),
            "source": document.origin.split("/")[0],
            "text": document.text,
            "published_at": None,
            "ingested_at": datetime(2026, 1, 1, tzinfo=UTC),
        }
        for document in documents
    ]
    sentences = segment_documents(rows)
    facts = extract_facts(rows, sentences, load_nlp(config), config)
    gold_id = {row["doc_id"]: document.id for row, document in zip(rows, documents, strict=True)}
    by_document: dict[str, dict[str, list[dict]]] = {
        document.id: {"quotes": [], "entity_mentions": []} for document in documents
    }
    for table in ("quotes", "entity_mentions"):
        for row in facts[table]:
            by_document[gold_id[row["doc_id"]]][table].append(row)
    return {"documents": by_document, "entities": {e["entity_id"]: e for e in facts["entities"]}}


# ---- scoring ---------------------------------------------------------------------------------


def overlap(a_start: int, a_end: int, b_start: int, b_end: int) -> int:
    return max(0, min(a_end, b_end) - max(a_start, b_start))


def same_speaker(predicted: str | None, gold: str | None) -> bool:
    """Canonical names compared case-insensitively and without a leading 'the'."""
    if predicted is None or gold is None:
        return predicted is gold
    return _LEADING_THE.sub("", predicted.strip()).casefold() == _LEADING_THE.sub("", gold.strip()).casefold()


def score_quotes(documents: list[GoldDocument], predicted: dict) -> dict:
    counts: Counter = Counter()
    errors: dict[str, list] = defaultdict(list)
    for document in documents:
        quotes = predicted["documents"][document.id]["quotes"]
        for quote in quotes:
            size = quote["end_char"] - quote["start_char"]
            if any(
                overlap(quote["start_char"], quote["end_char"], g.start_char, g.end_char)
                >= MIN_OVERLAP * size
                for g in document.quotes
            ):
                counts["predicted_correct"] += 1
            else:
                errors["false_quotes"].append((document.id, quote["text"], quote["speaker"]))
        counts["predicted"] += len(quotes)
        for gold in document.quotes:
            best = max(
                quotes,
                key=lambda q: overlap(q["start_char"], q["end_char"], gold.start_char, gold.end_char),
                default=None,
            )
            shared = (
                overlap(best["start_char"], best["end_char"], gold.start_char, gold.end_char) if best else 0
            )
            found = shared >= MIN_OVERLAP * (gold.end_char - gold.start_char)
            speaker = best["speaker"] if found else None
            counts["gold"] += 1
            counts["found"] += found
            if not found:
                errors["missed_quotes"].append((document.id, gold.text, gold.speaker))
            elif (best["start_char"], best["end_char"]) == (gold.start_char, gold.end_char):
                counts["boundary_exact"] += 1
            if gold.speaker is None:
                counts["unattributed"] += 1
                # a description kept as written ("a spokesman") names no one: not invented
                if speaker is not None and best["speaker_method"] != "description":
                    counts["invented"] += 1
                    errors["invented_speakers"].append((document.id, gold.text, speaker))
                continue
            counts["attributed"] += 1
            counts["attributed_found"] += found
            if same_speaker(speaker, gold.speaker):
                counts["speaker_correct"] += 1
            elif found:
                kind = "no_speaker" if speaker is None else "wrong_speaker"
                counts[kind] += 1
                errors[kind].append((document.id, gold.text, gold.speaker, speaker))
    answered = counts["speaker_correct"] + counts["wrong_speaker"]
    return {
        "counts": dict(counts),
        "quote_recall": _share(counts["found"], counts["gold"]),
        "quote_precision": _share(counts["predicted_correct"], counts["predicted"]),
        "boundary_exact": _share(counts["boundary_exact"], counts["found"]),
        "speaker_accuracy": _share(counts["speaker_correct"], counts["attributed"]),
        "speaker_accuracy_found": _share(counts["speaker_correct"], counts["attributed_found"]),
        "speaker_precision": _share(counts["speaker_correct"], answered),
        "invented_speakers": counts["invented"],
        "errors": {kind: [list(e) for e in found] for kind, found in errors.items()},
    }


def gold_mentions(document: GoldDocument) -> list[tuple[int, int, GoldEntity]]:
    """Word-bounded occurrences of every gold form, longest forms first, never overlapping."""
    forms = sorted(
        ((form, entity) for entity in document.entities for form in entity.forms),
        key=lambda pair: -len(pair[0]),
    )
    taken: list[tuple[int, int, GoldEntity]] = []
    for form, entity in forms:
        for match in _form_pattern(form).finditer(document.text):
            if not any(overlap(match.start(), match.end(), s, e) for s, e, _ in taken):
                taken.append((match.start(), match.end(), entity))
    return sorted(taken, key=lambda mention: mention[0])


def _form_pattern(form: str) -> re.Pattern:
    return re.compile(r"(?<![\w-])" + re.escape(form) + r"(?![\w-])")


def score_entities(documents: list[GoldDocument], predicted: dict) -> dict:
    counts: Counter = Counter()
    errors: dict[str, list] = defaultdict(list)
    ids_by_name: dict[str, set[str]] = defaultdict(set)
    documents_by_name: dict[str, set[str]] = defaultdict(set)
    for document in documents:
        mentions = predicted["documents"][document.id]["entity_mentions"]
        ids_of: dict[GoldEntity, list[str]] = defaultdict(list)
        for start, end, entity in gold_mentions(document):
            if entity.label not in SCORED_LABELS:
                continue
            counts["gold_mentions"] += 1
            matched = [
                m
                for m in mentions
                if overlap(m["start_char"], m["end_char"], start, end)
                >= MIN_OVERLAP * max(end - start, m["end_char"] - m["start_char"])
            ]
            if matched:
                counts["matched_mentions"] += 1
                ids_of[entity].append(matched[0]["entity_id"])
            else:
                errors["missed_mentions"].append((document.id, entity.name, document.text[start:end]))
        owners: dict[str, list[str]] = defaultdict(list)
        for entity in document.entities:
            if entity.label not in SCORED_LABELS:
                continue
            counts["gold_entities"] += 1
            ids = ids_of.get(entity, [])
            if not ids:
                continue
            counts["found_entities"] += 1
            several_forms = len({f for f in entity.forms if _form_pattern(f).search(document.text)}) >= 2
            counts["multi_form_entities"] += several_forms
            main_id = Counter(ids).most_common(1)[0][0]
            owners[main_id].append(entity.name)
            if len(set(ids)) == 1:
                counts["one_id"] += 1
                counts["multi_form_one_id"] += several_forms
            else:
                names = sorted({predicted["entities"][i]["name"] for i in ids})
                errors["split_entities"].append((document.id, entity.name, names))
            name = predicted["entities"][main_id]["name"]
            if name.casefold() == entity.name.casefold():
                counts["name_correct"] += 1
            else:
                errors["wrong_names"].append((document.id, entity.name, name))
            ids_by_name[entity.name].update(ids)
            documents_by_name[entity.name].add(document.id)
        for entity_id, names in owners.items():
            if len(names) > 1:
                counts["merged_entities"] += len(names)
                errors["merged_entities"].append(
                    (document.id, names, predicted["entities"][entity_id]["name"])
                )
    across = [name for name, docs in documents_by_name.items() if len(docs) >= 2]
    one_id_across = [name for name in across if len(ids_by_name[name]) == 1]
    errors["split_across_documents"] = [[n] for n in across if n not in one_id_across]
    counts["across_documents"], counts["across_documents_one_id"] = len(across), len(one_id_across)
    return {
        "counts": dict(counts),
        "mention_recall": _share(counts["matched_mentions"], counts["gold_mentions"]),
        "entity_recall": _share(counts["found_entities"], counts["gold_entities"]),
        "one_id": _share(counts["one_id"], counts["found_entities"]),
        "one_id_multi_form": _share(counts["multi_form_one_id"], counts["multi_form_entities"]),
        "name_accuracy": _share(counts["name_correct"], counts["found_entities"]),
        "merged_entities": counts["merged_entities"],
        "one_id_across_documents": _share(len(one_id_across), len(across)),
        "errors": {kind: [list(e) for e in found] for kind, found in errors.items()},
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def evaluate(documents: list[GoldDocument], config: ExtractConfig = ExtractConfig()) -> dict:
    """Run the stages on the gold articles (one batch) and score them, all and by split."""
    began = time.perf_counter()
    predicted = extract_gold(documents, config)
    seconds = time.perf_counter() - began
    figures = score(documents, predicted)
    figures["by_split"] = {
        split: score([d for d in documents if d.split == split], predicted)
        for split in SPLITS
        if any(d.split == split for d in documents)
    }
    figures["extract_seconds"] = round(seconds, 2)
    return figures


def score(documents: list[GoldDocument], predicted: dict) -> dict:
    """Figures for `documents` from the extraction rows `predicted` (see `extract_gold`)."""
    return {
        "gold": {
            "documents": len(documents),
            "bbc_documents": sum(d.origin.startswith("bbc:") for d in documents),
            "quotes": sum(len(d.quotes) for d in documents),
            "attributed_quotes": sum(q.speaker is not None for d in documents for q in d.quotes),
            "entities": sum(e.label in SCORED_LABELS for d in documents for e in d.entities),
        },
        "quotes": score_quotes(documents, predicted),
        "entities": score_entities(documents, predicted),
    }


def targets_missed(figures: dict, targets: Targets = Targets()) -> list[str]:
    quotes = figures["quotes"]
    missed = []
    if (quotes["quote_recall"] or 0) < targets.quote_recall:
        missed.append(f"quote span recall {quotes['quote_recall']} < {targets.quote_recall}")
    if (quotes["speaker_accuracy"] or 0) < targets.speaker_accuracy:
        missed.append(f"speaker accuracy {quotes['speaker_accuracy']} < {targets.speaker_accuracy}")
    if quotes["invented_speakers"] > targets.invented_speakers:
        missed.append(f"{quotes['invented_speakers']} invented speakers > {targets.invented_speakers}")
    return missed


# ---- the report ------------------------------------------------------------------------------


def _print_report(figures: dict, show_errors: bool) -> None:
    gold, quotes, entities = figures["gold"], figures["quotes"], figures["entities"]
    q, e = quotes["counts"], entities["counts"]
    print(
        f"Gold set: {gold['documents']} documents ({gold['bbc_documents']} BBC), {gold['quotes']} quotes "
        f"({gold['attributed_quotes']} attributed), {gold['entities']} PERSON/ORG entities; "
        f"extraction took {figures['extract_seconds']} s"
    )
    rows = [
        ("quote span recall", quotes["quote_recall"], f"{q.get('found', 0)}/{q.get('gold', 0)}"),
        (
            "quote precision",
            quotes["quote_precision"],
            f"{q.get('predicted_correct', 0)}/{q.get('predicted', 0)}",
        ),
        (
            "  boundaries exact (found)",
            quotes["boundary_exact"],
            f"{q.get('boundary_exact', 0)}/{q.get('found', 0)}",
        ),
        (
            "speaker accuracy (attributed)",
            quotes["speaker_accuracy"],
            f"{q.get('speaker_correct', 0)}/{q.get('attributed', 0)}",
        ),
        (
            "  among found quotes",
            quotes["speaker_accuracy_found"],
            f"{q.get('speaker_correct', 0)}/{q.get('attributed_found', 0)}",
        ),
        (
            "  speaker precision (answered)",
            quotes["speaker_precision"],
            f"no speaker {q.get('no_speaker', 0)}, wrong speaker {q.get('wrong_speaker', 0)}",
        ),
        ("invented speakers", quotes["invented_speakers"], f"of {q.get('unattributed', 0)} unattributed"),
        (
            "entity mention recall",
            entities["mention_recall"],
            f"{e.get('matched_mentions', 0)}/{e.get('gold_mentions', 0)}",
        ),
        (
            "entities found",
            entities["entity_recall"],
            f"{e.get('found_entities', 0)}/{e.get('gold_entities', 0)}",
        ),
        ("  with one entity_id", entities["one_id"], f"{e.get('one_id', 0)}/{e.get('found_entities', 0)}"),
        (
            "  named in 2+ forms, one id",
            entities["one_id_multi_form"],
            f"{e.get('multi_form_one_id', 0)}/{e.get('multi_form_entities', 0)}",
        ),
        (
            "  canonical name right",
            entities["name_accuracy"],
            f"{e.get('name_correct', 0)}/{e.get('found_entities', 0)}",
        ),
        ("  merged with another", entities["merged_entities"], "gold entities sharing an id"),
        (
            "  one id across documents",
            entities["one_id_across_documents"],
            f"{e.get('across_documents_one_id', 0)}/{e.get('across_documents', 0)}",
        ),
    ]
    width = max(len(name) for name, _, _ in rows)
    for name, value, detail in rows:
        print(f"{name:<{width}}  {value!s:>7}  {detail}")
    print("\nBy split (development: the extraction rules were tuned on it; heldout: annotated after):")
    for split, part in figures["by_split"].items():
        pq, pe = part["quotes"], part["entities"]
        print(
            f"  {split:<12} {part['gold']['documents']:>3} documents  quote recall {pq['quote_recall']}"
            f"  precision {pq['quote_precision']}  speaker accuracy {pq['speaker_accuracy']}"
            f" ({pq['counts'].get('speaker_correct', 0)}/{pq['counts'].get('attributed', 0)})"
            f"  invented {pq['invented_speakers']}  entity one id {pe['one_id']}"
        )
    if show_errors:
        for section in (quotes, entities):
            for kind, found in section["errors"].items():
                if found:
                    print(f"\n{kind} ({len(found)}):")
                    for error in found:
                        print("  " + " | ".join(_short(part) for part in error))


def _short(value: object, limit: int = 90) -> str:
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gold", type=Path, default=GOLD_DIR, help="folder of gold documents")
    parser.add_argument("--json", type=Path, help="also write the figures (and every error) here")
    parser.add_argument("--show-errors", action="store_true", help="list every miss and wrong answer")
    args = parser.parse_args(list(argv) if argv is not None else None)
    try:
        documents = load_gold(args.gold)
    except ValueError as error:
        parser.error(f"{error}; fix the file (tests/data/gold/README.md gives the format)")
    figures = evaluate(documents)
    _print_report(figures, args.show_errors)
    targets = Targets()
    missed = targets_missed(figures, targets)
    print(f"\nTargets {asdict(targets)}: " + (f"MISSED: {', '.join(missed)}" if missed else "all met"))
    if args.json:
        payload = {"targets": asdict(targets), "targets_missed": missed, **figures}
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

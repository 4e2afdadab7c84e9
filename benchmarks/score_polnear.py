"""Direct quotes and their speakers, scored on PolNeAR: US political news nobody here annotated.

    .venv/bin/python -m benchmarks.score_polnear [--corpus DIR] [--part development|measured|all]
                                                 [--json OUT] [--show-errors N]

PolNeAR (Newell, Margolin and Ruths, LREC 2018) annotates every attribution of 7 US outlets'
political news with Source, Cue and Content spans (brat standoff, `../shared/corpora/polnear-train`,
its README). Only the train split is read; its dev and test splits stay unseen.

Gold direct quotes: attributions whose Content starts with a quotation mark or right after one;
the quoted words are the Content's text inside the marks. Scores, on direct quotes:
- quote recall: a gold direct quote is found when one crosswire quote shares at least half of
  the shorter of the two spans' characters;
- named-speaker accuracy, over found-or-not gold quotes whose Source names someone: right when
  crosswire's speaker (as written, or canonical) contains the surname of the Source's head name.
  The head name: cut the Source at its first comma and at a post-modifier (of, at, for, from, who,
  with, ...); the last capitalised run left, titles and possessives dropped; with no name before
  the cut, the apposition after the comma, else any capitalised run in the span;
- speaker precision: right / gold named quotes that crosswire found and gave a speaker;
- quote precision: crosswire quotes of 5+ words that lie inside some gold Content (any
  attribution, direct or not), within two characters.

Parts: every article is `development` or `measured` by a hash of its file name (70/30, stable).
Develop on `development`; `measured` is scored only to report (the issue's "a part you only
measure at the end").

Offsets: gold offsets point into the raw article; crosswire's into its normalized text, so each
gold span is mapped through an alignment of the two (normalization only drops characters and
replaces one by one).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.report import emit
from crosswire.extract.facts import ExtractConfig, extract_facts, load_nlp
from crosswire.ids import stable_id
from crosswire.text.normalize import normalize_text
from crosswire.text.segment import segment_documents

DEFAULT_CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "polnear-train"
MEASURED_SHARE = 0.30
QUOTE_MARKS = "\"'\u201c\u201d\u2018\u2019"
MIN_PRECISION_WORDS = 5
SLACK = 2  # characters a predicted quote may pass a gold Content's ends by (marks, punctuation)

_POST_MODIFIER = re.compile(
    r"\s(?:of|at|for|from|who|whose|which|with|in|on|to|and|or|said|says|told|according)\b.*$", re.S
)
_TITLES = frozenset(
    """mr mrs ms miss dr sen senator rep representative gov governor president pres vice former
    sir lord lady dame prof professor rev gen general col lt sgt secretary chairman chair speaker
    leader house senate minority majority democratic republican gop presidential candidate
    candidates nominee sens reps u.s us the a an his her their its mayor attorney judge justice
    chief press spokesman spokeswoman spokesperson campaign manager director ambassador adviser
    advisor aide state first lady""".split()
) | frozenset(  # pronouns and determiners name no one
    "he she they it i we you who whom which that this these those his him her their its our my one".split()
)
_CAPITALISED_RUN = re.compile(r"(?:[A-Z][\w.'’-]*(?:\s+|$))+")


@dataclass(frozen=True)
class GoldQuote:
    start_char: int  # in the normalized text: the quoted words, inside the marks
    end_char: int
    source: str | None
    surname: str | None  # of the Source's head name; None when the Source names no one


@dataclass
class Article:
    name: str
    part: str
    text: str  # normalized
    quotes: list[GoldQuote] = field(default_factory=list)
    contents: list[tuple[int, int]] = field(default_factory=list)  # every gold Content (normalized)


def part_of(name: str) -> str:
    digest = int(hashlib.blake2b(name.encode(), digest_size=4).hexdigest(), 16)
    return "measured" if digest % 1000 < MEASURED_SHARE * 1000 else "development"


def alignment(raw: str, normalized: str) -> list[int]:
    """For each raw offset (0..len(raw)), the normalized offset of the first character kept at or
    after it. Normalization drops characters and replaces others one by one; a raw character is
    kept when it (or its replacement) is the next normalized character."""
    mapping = [0] * (len(raw) + 1)
    j = 0
    for i, char in enumerate(raw):
        mapping[i] = j
        if j < len(normalized) and _same(char, normalized[j]):
            j += 1
    mapping[len(raw)] = j
    return mapping


def _same(raw_char: str, normalized_char: str) -> bool:
    return raw_char == normalized_char or normalize_text(f"a{raw_char}a")[1:-1] == normalized_char


def head_surname(source: str) -> str | None:
    """The surname of the head name of a Source span, or None when it names no one."""
    first, _, after = source.partition(",")
    for candidate in (_POST_MODIFIER.sub("", first), after, source):
        name = _last_name_run(candidate)
        if name:
            return name
    return None


def _last_name_run(span: str) -> str | None:
    runs = [run.split() for run in _CAPITALISED_RUN.findall(span.replace("’s", "").replace("'s", ""))]
    for words in reversed(runs):
        kept = [w.strip(".,'’") for w in words if w.lower().strip(".,'’") not in _TITLES]
        kept = [w for w in kept if len(w) > 1 and not w.isupper() or len(w) > 3]
        if kept:
            return kept[-1]
    return None


def load_article(text_path: Path, ann_path: Path | None) -> Article:
    raw = text_path.read_text(encoding="utf-8")
    text = normalize_text(raw)
    to_normalized = alignment(raw, text)
    article = Article(text_path.stem, part_of(text_path.stem), text)
    if ann_path is None:
        return article
    spans: dict[str, tuple[str, list[tuple[int, int]], str]] = {}
    events = []
    for line in ann_path.read_text(encoding="utf-8").splitlines():
        if line.startswith("T") and line.count("\t") >= 1:
            tid, kind_offsets, *span_text = line.split("\t")
            kind, _, offsets = kind_offsets.partition(" ")
            fragments = [tuple(map(int, part.split())) for part in offsets.split(";")]
            spans[tid] = (kind, fragments, span_text[0] if span_text else "")
        elif line.startswith("E") and "\t" in line:
            events.append(dict(role.split(":") for role in line.split("\t")[1].split()[1:]))
    for event in events:
        content = spans.get(event.get("Content", ""))
        if not content:
            continue
        fragments = content[1]
        article.contents.append((to_normalized[fragments[0][0]], to_normalized[fragments[-1][1]]))
        source = spans.get(event.get("Source", ""), (None, None, None))[2]
        for start, end in fragments:  # a Content interrupted by its attribution: one quote a part
            quoted = _quoted_part(raw, start, end)
            if quoted is not None:
                surname = head_surname(source) if source else None
                article.quotes.append(
                    GoldQuote(to_normalized[quoted[0]], to_normalized[quoted[1]], source, surname)
                )
    return article


def _quoted_part(raw: str, start: int, end: int) -> tuple[int, int] | None:
    """The quoted words of a direct-quote Content (inside its marks), or None for paraphrase."""
    while start < end and raw[start].isspace():
        start += 1
    if start < end and raw[start] in QUOTES_OPEN:
        start += 1
    elif not (start > 0 and raw[start - 1] in QUOTES_OPEN):
        return None
    while end > start and (raw[end - 1].isspace() or raw[end - 1] in QUOTE_MARKS):
        end -= 1
    return (start, end) if end > start else None


QUOTES_OPEN = '"\u201c'


def load_corpus(corpus: Path) -> list[Article]:
    articles = []
    for text_path in sorted((corpus / "text").glob("*.txt")):
        annotations = sorted((corpus / "attributions").glob(f"{text_path.stem}_*.ann"))
        articles.append(load_article(text_path, annotations[0] if annotations else None))
    return articles


def extract(articles: list[Article]) -> tuple[dict[str, list[dict]], float]:
    documents = [
        {
            "doc_id": stable_id("d", a.name),
            "source": a.name.split("_")[0],
            "text": a.text,
            "published_at": None,
        }
        for a in articles
    ]
    began = time.perf_counter()
    config = ExtractConfig()
    facts = extract_facts(documents, segment_documents(documents), load_nlp(config), config)
    seconds = time.perf_counter() - began
    by_doc: dict[str, list[dict]] = {}
    for quote in facts["quotes"]:
        by_doc.setdefault(quote["doc_id"], []).append(quote)
    return {a.name: by_doc.get(stable_id("d", a.name), []) for a in articles}, seconds


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _says(quote: dict, surname: str) -> bool:
    pattern = re.compile(rf"\b{re.escape(normalize_text(surname))}\b", re.IGNORECASE)
    named = [quote.get("speaker"), *(quote.get("speakers") or [])]
    return any(name and pattern.search(name) for name in named)


def score(articles: list[Article], predicted: dict[str, list[dict]], show_errors: int = 0) -> dict:
    counts: Counter[str] = Counter()
    errors: list[str] = []
    for article in articles:
        quotes = predicted[article.name]
        for gold in article.quotes:
            span = (gold.start_char, gold.end_char)
            best, best_overlap = None, 0
            for quote in quotes:
                shared = _overlap(span, (quote["start_char"], quote["end_char"]))
                if shared > best_overlap:
                    best, best_overlap = quote, shared
            shorter = min(span[1] - span[0], (best["end_char"] - best["start_char"]) if best else 0)
            found = best is not None and best_overlap * 2 >= shorter > 0
            counts["gold"] += 1
            counts["found"] += found
            if gold.surname is None:
                continue
            counts["named"] += 1
            if not found:
                counts["named_missed"] += 1
                continue
            if not best.get("speaker"):
                counts["named_no_speaker"] += 1
                outcome = "none"
            elif _says(best, gold.surname):
                counts["named_right"] += 1
                outcome = None
            else:
                counts["named_wrong"] += 1
                outcome = f"wrong: {best['speaker']!r}"
            if outcome and len(errors) < show_errors:
                context = article.text[max(0, gold.start_char - 120) : gold.end_char + 120].replace(
                    "\n", " / "
                )
                errors.append(f"[{article.name}] gold {gold.source!r} -> {outcome}\n    {context}")
        for quote in quotes:
            if len(quote["text"].split()) < MIN_PRECISION_WORDS:
                continue
            counts["predicted"] += 1
            counts["predicted_inside"] += any(
                start - SLACK <= quote["start_char"] and quote["end_char"] <= end + SLACK
                for start, end in article.contents
            )
    given = counts["named_right"] + counts["named_wrong"]
    return {
        "articles": len(articles),
        "gold_direct_quotes": counts["gold"],
        "quote_recall": round(counts["found"] / max(1, counts["gold"]), 3),
        "named_quotes": counts["named"],
        "named_speaker_accuracy": round(counts["named_right"] / max(1, counts["named"]), 3),
        "named_missed_quote": counts["named_missed"],
        "named_no_speaker": counts["named_no_speaker"],
        "named_wrong_speaker": counts["named_wrong"],
        "speaker_precision": round(counts["named_right"] / max(1, given), 3),
        "quote_precision": round(counts["predicted_inside"] / max(1, counts["predicted"]), 3),
        "predicted_quotes_5_words": counts["predicted"],
        "errors": errors,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--part", choices=("development", "measured", "all"), default="development")
    parser.add_argument("--limit", type=int, help="score only the first N articles of the part")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--show-errors", type=int, default=0, help="print this many speaker errors")
    args = parser.parse_args(argv)
    if not (args.corpus / "text").is_dir():
        print(f"PolNeAR train not found at {args.corpus} (pass --corpus)", file=sys.stderr)
        return 2
    articles = [a for a in load_corpus(args.corpus) if args.part in ("all", a.part)][: args.limit]
    predicted, seconds = extract(articles)
    result = {
        "part": args.part,
        "extract_seconds": round(seconds, 1),
        **score(articles, predicted, args.show_errors),
    }
    for error in result.pop("errors"):
        print(error)
    emit(result, args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Dedup quality: how well crosswire's sentence dedup (`crosswire.dedup`) tells rewrites from other news.

    .venv/bin/python -m benchmarks.dedup_quality [--pairs PATH] [--json OUT] [--show-misses]

Two measurements, printed as tables (and written as JSON with `--json`); the exit status is 1
when a target below is missed.

1. Labelled pairs (`tests/data/dedup_pairs.jsonl`, one JSON object a line):

       {"id": "p001", "left": "...", "right": "...", "label": true, "kind": "typo",
        "origin": "bbc:business/001.txt"}

   - `left`, `right`: two sentences as outlets print them (copied into the file: nothing is read
     from the shared corpus at run time).
   - `label`: true when `right` is `left` as another outlet rewrote it. A number changed, added
     or dropped in the reported words makes another sentence; a number only in an added
     attribution (where or when it was said: `at the G-7 Summit`, `on 11 April`) does not, as in
     the seeds' own cross-source pair.
   - `kind`, for positives: `repunctuated` (quotes, dashes, commas), `recased`, `spacing`,
     `reattributed` (`"X," Smith said.` / `Smith said: "X."` / `"X," the minister told
     reporters.`), `split_merged` (a sentence vs the same words plus an attribution clause or a
     neighbouring sentence), `typo` (one letter in a word of 4+ letters), `abbreviation` (`U.S.` /
     `US`, `G7` / `G-7`, `%` / `percent`), `reordered` (clauses moved), `combined` (several of
     these). For negatives: `number`, `name`, `negation`, `place` (hard: the same sentence with
     one fact changed) and `unrelated` (easy: another sentence of the same article).
   - `origin`: `seeds` (the two seed articles), `bbc:<topic>/<file>` (the BBC news corpus: the
     left sentence is real, the right one a real sentence or a hand-written rewrite) or
     `synthetic`.

   Scored tiers: `exact` (`normalized_key` equal), `near` (`compare()` verifies the pair),
   `exact_or_near`, and `clusters`: every left and right sentence, each in a document of its own,
   goes through one `assign_clusters` batch and a pair is predicted positive when both sentences
   share a `cluster_id`. Clusters are connected components, so a pair can share a cluster
   through a third sentence ("chained"); those pairs are listed. The number guard lists pairs
   whose digit runs (`re.findall(r"\\d+")`) differ and that share a cluster. Its target holds
   for the negatives: a positive whose extra digits sit in an attribution clause merges on
   purpose (`compare()`'s containment rule; the seed test requires it).

2. LSH recall on a generated corpus: the distinct left sentences of the labelled set, each with
   `CorpusConfig.variants` rewrites (random chains of the operations in `REWRITES`, seeded), go
   through `assign_clusters`. Reference: every pair of distinct normalized keys (of `min_tokens`+
   words) that `compare()` verifies, found exhaustively (all pairs, pruned only by a bound that
   can never drop a verifiable pair: see `verifiable_pairs`). Recall = share of those pairs that
   LSH proposed and verified (a `sentence_matches` link); cluster recall = share whose keys share
   a cluster. Also shown: links and clusters that join sentences whose digits differ (a sentence
   links to a merged one that carries its neighbour's numbers, then components chain).

Targets (the dedup issue): precision >= 0.99 for `exact` and `exact_or_near`, no labelled
negative with differing numbers in one cluster, LSH recall >= 0.95.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import combinations
from pathlib import Path

import numpy as np
from rapidfuzz.distance import Levenshtein
from scipy import sparse

from crosswire.dedup.sentence_dedup import DedupConfig, assign_clusters, compare, tokens_of
from crosswire.text.normalize import normalized_key

PAIRS_PATH = Path(__file__).resolve().parent.parent / "tests" / "data" / "dedup_pairs.jsonl"
POSITIVE_KINDS = frozenset(
    "repunctuated recased spacing reattributed split_merged typo abbreviation reordered combined".split()
)
NEGATIVE_KINDS = frozenset("number name negation place unrelated".split())
_ORIGIN = re.compile(r"^(seeds|synthetic|bbc:(business|entertainment|politics|sport|tech)/\d{3}\.txt)$")
_DIGITS = re.compile(r"\d+")
_INGESTED_AT = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Targets:
    exact_precision: float = 0.99
    combined_precision: float = 0.99
    number_merges: int = 0
    lsh_recall: float = 0.95


@dataclass(frozen=True)
class CorpusConfig:
    seed: int = 20260101
    variants: int = 12  # rewrites generated per base sentence
    max_rewrites: int = 3  # operations chained into one rewrite (1 to this many)
    merged_share: float = 0.05  # rewrites then merged with another sentence of their article


@dataclass(frozen=True)
class LabelledPair:
    id: str
    left: str
    right: str
    label: bool
    kind: str
    origin: str


def load_pairs(path: Path = PAIRS_PATH) -> list[LabelledPair]:
    """The labelled pairs; a malformed line raises ValueError naming the file and line."""
    pairs = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            row = json.loads(line)
            pair = LabelledPair(**row)
        except (json.JSONDecodeError, TypeError) as error:
            raise ValueError(f"{path}:{number}: not a labelled pair ({error})") from error
        problems = [
            f"{name} is not a non-empty string"
            for name in ("id", "left", "right", "kind", "origin")
            if not isinstance(getattr(pair, name), str) or not getattr(pair, name).strip()
        ]
        if not isinstance(pair.label, bool):
            problems.append("label is not true or false")
        elif pair.kind not in (POSITIVE_KINDS if pair.label else NEGATIVE_KINDS):
            problems.append(f"kind {pair.kind!r} is not a {'positive' if pair.label else 'negative'} kind")
        if isinstance(pair.origin, str) and not _ORIGIN.match(pair.origin):
            problems.append(f"origin {pair.origin!r} is not seeds, synthetic or bbc:<topic>/NNN.txt")
        if pair.left == pair.right:
            problems.append("left and right are the same text")
        if problems:
            raise ValueError(f"{path}:{number}: {'; '.join(problems)}")
        pairs.append(pair)
    duplicated = [key for key, count in Counter(p.id for p in pairs).items() if count > 1]
    if duplicated:
        raise ValueError(f"{path}: duplicated ids {duplicated}")
    return pairs


def digits_differ(left: str, right: str) -> bool:
    return _DIGITS.findall(left) != _DIGITS.findall(right)


@dataclass(frozen=True)
class TierScore:
    tp: int
    fp: int
    fn: int
    tn: int

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0

    def as_dict(self) -> dict:
        return {
            **asdict(self),
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
        }


def score(labels: list[bool], predicted: list[bool]) -> TierScore:
    counts = Counter(zip(labels, predicted, strict=True))
    return TierScore(
        tp=counts[True, True], fp=counts[False, True], fn=counts[True, False], tn=counts[False, False]
    )


def exact_predictions(pairs: list[LabelledPair]) -> list[bool]:
    return [normalized_key(p.left) == normalized_key(p.right) for p in pairs]


def near_predictions(pairs: list[LabelledPair], config: DedupConfig) -> list[bool]:
    return [compare(p.left, p.right, config) is not None for p in pairs]


def cluster_predictions(pairs: list[LabelledPair], config: DedupConfig) -> list[bool]:
    """Both sentences of a pair in one cluster, all pairs' sentences deduplicated in one batch."""
    documents, sentences = [], []
    for pair in pairs:
        for side, text in (("left", pair.left), ("right", pair.right)):
            doc_id = f"{pair.id}-{side}"
            documents.append(
                {"doc_id": doc_id, "source": side, "published_at": None, "ingested_at": _INGESTED_AT}
            )
            sentences.append({"doc_id": doc_id, "sentence_idx": 0, "text": text})
    assign_clusters(sentences, documents, config)
    cluster = {s["doc_id"]: s["cluster_id"] for s in sentences}
    return [cluster[f"{p.id}-left"] == cluster[f"{p.id}-right"] for p in pairs]


def evaluate_pairs(pairs: list[LabelledPair], config: DedupConfig = DedupConfig()) -> dict:
    """Scores per tier and per kind, the false positives, chained merges and number-guard breaches."""
    exact = exact_predictions(pairs)
    near = near_predictions(pairs, config)
    predictions = {
        "exact": exact,
        "near": near,
        "exact_or_near": [a or b for a, b in zip(exact, near, strict=True)],
        "clusters": cluster_predictions(pairs, config),
    }
    labels = [p.label for p in pairs]
    by_kind: dict[tuple[bool, str], list[int]] = defaultdict(list)
    for i, pair in enumerate(pairs):
        by_kind[pair.label, pair.kind].append(i)
    kinds = [
        {"kind": kind, "label": label, "n": len(members)}
        | {tier: sum(predicted[i] for i in members) for tier, predicted in predictions.items()}
        for (label, kind), members in sorted(by_kind.items(), key=lambda item: (not item[0][0], item[0][1]))
    ]
    in_cluster, linked = predictions["clusters"], predictions["exact_or_near"]
    return {
        "n_pairs": len(pairs),
        "n_positive": sum(labels),
        "tiers": {tier: score(labels, predicted).as_dict() for tier, predicted in predictions.items()},
        "kinds": kinds,
        "false_positives": {
            tier: [p.id for p, hit in zip(pairs, predicted, strict=True) if hit and not p.label]
            for tier, predicted in predictions.items()
        },
        "false_negatives": {
            tier: [p.id for p, hit in zip(pairs, predicted, strict=True) if p.label and not hit]
            for tier, predicted in predictions.items()
        },
        "chained": [p.id for i, p in enumerate(pairs) if in_cluster[i] and not linked[i]],
        "number_merges": {
            side: [
                p.id
                for i, p in enumerate(pairs)
                if p.label is label and in_cluster[i] and digits_differ(p.left, p.right)
            ]
            for side, label in (("negatives", False), ("positives", True))
        },
    }


# ---------------------------------------------------------------- the generated corpus

_ATTRIBUTIONS = (
    "officials said",
    "he said",
    "she said",
    "the report said",
    "a spokesman told reporters",
    "according to the BBC",
    "the minister added",
)
_ABBREVIATIONS = (
    ("U.S.", "US"),
    ("US", "U.S."),
    ("G7", "G-7"),
    ("G-7", "G7"),
    ("UK", "U.K."),
    ("e-mail", "email"),
)
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _recase(text: str, rng: random.Random) -> str:
    return rng.choice(
        (str.lower, str.upper, lambda t: " ".join(w[:1].upper() + w[1:] for w in t.split(" ")))
    )(text)


def _repunctuate(text: str, rng: random.Random) -> str | None:
    options = [text.rstrip(".")] if text.endswith(".") else []
    if '"' in text:
        curly = iter("\u201c\u201d" * text.count('"'))
        options.append(re.sub('"', lambda _: next(curly), text))
    if " - " in text:
        options.append(text.replace(" - ", ", "))
    if ", " in text:
        options.append(text.replace(", ", " ", 1))
    return rng.choice(options) if options else None


def _respace(text: str, rng: random.Random) -> str | None:
    gaps = [match.start() for match in re.finditer(" ", text)]
    if not gaps:
        return None
    at = rng.choice(gaps)
    return text[:at] + rng.choice(("  ", "\u00a0", "\t", " \u2009")) + text[at + 1 :]


def _typo(text: str, rng: random.Random) -> str | None:
    spans = list(re.finditer(r"[A-Za-z]{4,}", text))
    if not spans:
        return None
    word = rng.choice(spans)
    at = rng.randrange(word.start() + 1, word.end())
    letter = rng.choice(_LETTERS)
    edit = rng.choice(("substitute", "delete", "insert"))
    if edit == "substitute":
        return text[:at] + letter + text[at + 1 :]
    if edit == "delete":
        return text[:at] + text[at + 1 :]
    return text[:at] + letter + text[at:]


def _abbreviate(text: str, rng: random.Random) -> str | None:
    options = [(a, b) for a, b in _ABBREVIATIONS if re.search(rf"(?<![\w.]){re.escape(a)}(?![\w-])", text)]
    if not options:
        return None
    old, new = rng.choice(options)
    return re.sub(rf"(?<![\w.]){re.escape(old)}(?![\w-])", new, text, count=1)


def _attribute(text: str, rng: random.Random) -> str:
    body = text.rstrip(" .")
    if body.endswith('"'):
        return f'{body[:-1].rstrip(".")}," {rng.choice(_ATTRIBUTIONS)}.'
    return f"{body}, {rng.choice(_ATTRIBUTIONS)}."


def _reorder(text: str, rng: random.Random) -> str | None:
    body = text.rstrip(" .")
    if ", " not in body:
        return None
    head, tail = body.split(", ", 1)
    return f"{tail[:1].upper()}{tail[1:]}, {head[:1].lower()}{head[1:]}."


def _drop_word(text: str, rng: random.Random) -> str | None:
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if not any(ch.isdigit() for ch in w)]
    if len(words) < 6 or not candidates:
        return None
    del words[rng.choice(candidates)]
    return " ".join(words)


def _swap_word(text: str, rng: random.Random) -> str | None:
    """One lower-case word replaced by a filler adverb: a different word, not a different fact."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if w.isalpha() and w.islower()]
    if not candidates:
        return None
    words[rng.choice(candidates)] = rng.choice(
        ("reportedly", "later", "also", "now", "again", "then", "still")
    )
    return " ".join(words)


def _merge(text: str, rng: random.Random, neighbour: str) -> str:
    """Two sentences of one article run into one around an attribution (as the seeds do)."""
    return f"{text.rstrip(' .')}, {rng.choice(_ATTRIBUTIONS)}, and {neighbour[:1].lower()}{neighbour[1:]}"


REWRITES: dict[str, Callable[[str, random.Random], str | None]] = {
    "recase": _recase,
    "repunctuate": _repunctuate,
    "respace": _respace,
    "typo": _typo,
    "abbreviate": _abbreviate,
    "attribute": _attribute,
    "reorder": _reorder,
    "drop_word": _drop_word,
    "swap_word": _swap_word,
}


def generate_corpus(bases: list[tuple[str, str]], config: CorpusConfig = CorpusConfig()) -> list[str]:
    """Each base sentence (text, article), then `variants` rewrites of it: chains of 1 to
    `max_rewrites` operations, a `merged_share` of them then merged with another sentence of the
    same article (the split/merged case, with the lowest Jaccard). Deterministic for a seed."""
    rng = random.Random(config.seed)
    names = sorted(REWRITES)
    by_article: dict[str, list[str]] = defaultdict(list)
    for text, article in bases:
        by_article[article].append(text)
    corpus: list[str] = []
    for base, article in bases:
        corpus.append(base)
        neighbours = [text for text in by_article[article] if text != base]
        for _ in range(config.variants):
            text = base
            for name in rng.sample(names, rng.randint(1, config.max_rewrites)):
                text = REWRITES[name](text, rng) or text
            if neighbours and rng.random() < config.merged_share:
                text = _merge(text, rng, rng.choice(neighbours))
            corpus.append(text)
    return corpus


def _typo_neighbours(vocabulary: list[str]) -> sparse.csr_matrix:
    """Word x word matrix, 1 where two distinct words of 4+ characters are one edit apart."""
    by_key: dict[str, list[int]] = defaultdict(list)
    for index, word in enumerate(vocabulary):
        if len(word) >= 4:
            for key in {word, *(word[:i] + word[i + 1 :] for i in range(len(word)))}:
                by_key[key].append(index)
    rows, cols = [], []
    for members in by_key.values():
        for a, b in combinations(members, 2):
            if Levenshtein.distance(vocabulary[a], vocabulary[b]) <= 1:
                rows += [a, b]
                cols += [b, a]
    size = len(vocabulary)
    neighbours = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(size, size))
    neighbours.data[:] = 1  # a pair met under several keys counts once
    return neighbours


def verifiable_pairs(texts: list[str], config: DedupConfig = DedupConfig()) -> dict[tuple[int, int], str]:
    """Index pairs (i < j) that `compare(texts[i], texts[j])` verifies, as an all-pairs scan would,
    each with the verdict's method.

    `compare` links only when its shared-word count (exact matches plus typo pairs) reaches
    `jaccard_threshold` x the larger word set (Jaccard) or the whole smaller one (containment).
    Shared words are at most |L & R| plus, for each word of L, its one-edit neighbours in R, which
    is (A (I + N) A^T)[L, R] for the sentence x word matrix A and the typo-neighbour matrix N.
    Pairs below that bound cannot be verified and are skipped; all others are compared.
    """
    token_sets = [set(tokens_of(text)) for text in texts]
    vocabulary = sorted(set().union(*token_sets))
    column = {word: i for i, word in enumerate(vocabulary)}
    rows = [i for i, tokens in enumerate(token_sets) for _ in tokens]
    cols = [column[word] for tokens in token_sets for word in tokens]
    words = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(texts), len(vocabulary))
    )
    bound = (
        words
        @ (sparse.identity(len(vocabulary), dtype=np.int32, format="csr") + _typo_neighbours(vocabulary))
        @ words.T
    ).toarray()
    sizes = np.array([len(tokens) for tokens in token_sets], dtype=np.float64)
    larger, smaller = np.maximum.outer(sizes, sizes), np.minimum.outer(sizes, sizes)
    needed = np.minimum(config.jaccard_threshold * larger, smaller) - 1e-9
    left, right = np.nonzero(np.triu(bound >= needed, k=1))
    candidates = zip(left.tolist(), right.tolist(), strict=True)
    verdicts = {(i, j): compare(texts[i], texts[j], config) for i, j in candidates}
    return {pair: verdict.method for pair, verdict in verdicts.items() if verdict is not None}


def measure_lsh_recall(corpus: list[str], config: DedupConfig = DedupConfig()) -> dict:
    """Exhaustively verified pairs of distinct keys vs the links and clusters `assign_clusters` makes."""
    documents = [
        {"doc_id": f"g{i:06d}", "source": "generated", "published_at": None, "ingested_at": _INGESTED_AT}
        for i in range(len(corpus))
    ]
    sentences = [
        {"doc_id": d["doc_id"], "sentence_idx": 0, "text": t} for d, t in zip(documents, corpus, strict=True)
    ]
    result = assign_clusters(sentences, documents, config)

    first_text: dict[str, str] = {}  # key -> its first-seen text, the one assign_clusters compares
    cluster: dict[str, str] = {}
    for sentence in sentences:
        first_text.setdefault(sentence["normalized_key"], sentence["text"])
        cluster[sentence["normalized_key"]] = sentence["cluster_id"]
    keys = sorted(k for k, text in first_text.items() if len(tokens_of(text)) >= config.min_tokens)
    reference = {
        (keys[i], keys[j]): method
        for (i, j), method in verifiable_pairs([first_text[k] for k in keys], config).items()
    }
    links = {
        tuple(sorted((normalized_key(m["left_text"]), normalized_key(m["right_text"]))))
        for m in result.matches
    }
    same_cluster = {pair for pair in reference if cluster[pair[0]] == cluster[pair[1]]}
    members: dict[str, list[str]] = defaultdict(list)
    for key, cluster_id in cluster.items():
        members[cluster_id].append(key)
    number_links = [
        (m["left_text"], m["right_text"])
        for m in result.matches
        if digits_differ(m["left_text"], m["right_text"])
    ]
    return {
        "n_sentences": len(corpus),
        "n_keys": len(first_text),
        "n_keys_hashed": len(keys),
        "n_clusters": len(members),
        "exhaustive_pairs": len(reference),
        "lsh_links": len(links),
        "lsh_links_in_exhaustive": len(links & reference.keys()),
        "recall": round(len(links & reference.keys()) / len(reference), 4) if reference else 1.0,
        "recall_by_method": {
            method: f"{sum(m == method for pair, m in reference.items() if pair in links)}/{count}"
            for method, count in sorted(Counter(reference.values()).items())
        },
        "cluster_recall": round(len(same_cluster) / len(reference), 4) if reference else 1.0,
        "missed": [[first_text[a], first_text[b]] for a, b in sorted(reference.keys() - links)],
        "number_links": number_links,  # verified links between sentences whose digits differ
        "number_merges": sum(  # pairs of keys in one cluster whose digits differ, chained or linked
            digits_differ(first_text[a], first_text[b])
            for keys_of_cluster in members.values()
            for a, b in combinations(keys_of_cluster, 2)
        ),
    }


def corpus_bases(pairs: list[LabelledPair], config: DedupConfig = DedupConfig()) -> list[tuple[str, str]]:
    """(text, origin) of the distinct left sentences with `min_tokens`+ words, in file order."""
    bases = {p.left: p.origin for p in pairs if len(tokens_of(p.left)) >= config.min_tokens}
    return list(bases.items())


# ---------------------------------------------------------------- the command


def _print_report(pairs: list[LabelledPair], labelled: dict, lsh: dict, show_misses: bool) -> None:
    by_id = {p.id: p for p in pairs}
    print(f"Labelled pairs: {labelled['n_pairs']} ({labelled['n_positive']} positive)\n")
    print(f"{'tier':<15}{'precision':>10}{'recall':>8}{'F1':>8}{'TP':>6}{'FP':>5}{'FN':>5}{'TN':>5}")
    for tier, s in labelled["tiers"].items():
        print(
            f"{tier:<15}{s['precision']:>10.4f}{s['recall']:>8.4f}{s['f1']:>8.4f}"
            f"{s['tp']:>6}{s['fp']:>5}{s['fn']:>5}{s['tn']:>5}"
        )
    tiers = list(labelled["tiers"])
    print("\nPredicted positive, per kind (for positives: found; for negatives: false merges)")
    print(f"{'kind':<14}{'label':<7}{'n':>4}" + "".join(f"{t:>15}" for t in tiers))
    for row in labelled["kinds"]:
        print(
            f"{row['kind']:<14}{'pos' if row['label'] else 'neg':<7}{row['n']:>4}"
            + "".join(f"{row[t]:>15}" for t in tiers)
        )
    print(f"\nChained (same cluster, not linked directly): {len(labelled['chained'])} {labelled['chained']}")
    merges = labelled["number_merges"]
    print("Number guard, pairs whose digits differ in one cluster:")
    print(f"  negatives: {len(merges['negatives'])} {merges['negatives']}")
    print(f"  positives (digits in an attribution clause): {len(merges['positives'])} {merges['positives']}")
    false_positives = sorted({i for ids in labelled["false_positives"].values() for i in ids})
    print(f"\nFalse positives (any tier): {len(false_positives)}")
    for pair_id in false_positives:
        pair = by_id[pair_id]
        hit = [t for t in tiers if pair_id in labelled["false_positives"][t]]
        print(f"  {pair_id} [{pair.kind}] {', '.join(hit)}\n    L: {pair.left}\n    R: {pair.right}")
    if show_misses:
        print(f"\nFalse negatives of exact_or_near: {len(labelled['false_negatives']['exact_or_near'])}")
        for pair_id in labelled["false_negatives"]["exact_or_near"]:
            pair = by_id[pair_id]
            print(f"  {pair_id} [{pair.kind}]\n    L: {pair.left}\n    R: {pair.right}")

    print(
        f"\nLSH recall on a generated corpus: {lsh['n_sentences']} sentences, {lsh['n_keys']} distinct keys "
        f"({lsh['n_keys_hashed']} of min_tokens+ words), {lsh['n_clusters']} clusters"
    )
    found = lsh["lsh_links_in_exhaustive"]
    print(f"  exhaustive: {lsh['exhaustive_pairs']} key pairs that compare() verifies")
    print(f"  LSH:        {found} of them proposed and verified, recall {lsh['recall']:.4f}")
    print(f"              found / verified, per compare() method: {lsh['recall_by_method']}")
    print(f"  clusters:   cluster recall {lsh['cluster_recall']:.4f}")
    print(
        f"  digits differ across {len(lsh['number_links'])} links and {lsh['number_merges']} same-cluster "
        "key pairs (merged sentences, then chaining)"
    )
    for left, right in lsh["number_links"][:3]:
        print(f"  linked: {left!r}\n          {right!r}")
    for left, right in lsh["missed"][: 10 if show_misses else 3]:
        print(f"  missed: {left!r}\n          {right!r}")


def _targets_missed(labelled: dict, lsh: dict, targets: Targets) -> list[str]:
    checks = [
        (labelled["tiers"]["exact"]["precision"] >= targets.exact_precision, "exact precision"),
        (
            labelled["tiers"]["exact_or_near"]["precision"] >= targets.combined_precision,
            "exact_or_near precision",
        ),
        (len(labelled["number_merges"]["negatives"]) <= targets.number_merges, "no merge across numbers"),
        (lsh["recall"] >= targets.lsh_recall, "LSH recall"),
    ]
    return [name for ok, name in checks if not ok]


def main(argv: Iterable[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=Path, default=PAIRS_PATH, help="labelled pairs, JSONL")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--show-misses", action="store_true", help="list false negatives and more LSH misses")
    args = parser.parse_args(list(argv) if argv is not None else None)

    config, targets = DedupConfig(), Targets()
    if not args.pairs.is_file():
        parser.error(f"{args.pairs} does not exist; pass --pairs with a labelled-pairs JSONL file")
    try:
        pairs = load_pairs(args.pairs)
    except ValueError as error:
        parser.error(f"{error}; fix the line (the format is in this module's docstring)")
    labelled = evaluate_pairs(pairs, config)
    lsh = measure_lsh_recall(generate_corpus(corpus_bases(pairs, config)), config)
    _print_report(pairs, labelled, lsh, args.show_misses)
    missed = _targets_missed(labelled, lsh, targets)
    print(f"\nTargets {asdict(targets)}: " + (f"MISSED: {', '.join(missed)}" if missed else "all met"))
    if args.json:
        figures = {"targets": asdict(targets), "targets_missed": missed, "labelled": labelled, "lsh": lsh}
        args.json.write_text(json.dumps(figures, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())

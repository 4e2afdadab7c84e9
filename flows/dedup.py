"""Dedup stage: group sentence occurrences across documents and sources into clusters.

Two tiers, both over distinct *variants* (a variant is one `normalized_key`):

1. Exact (after C4's and datatrove's sentence dedup, which hash a normalized sentence): two
   sentences are the same when their `normalized_key` (NFKC, casefold, letters and digits only;
   `flows.normalize.normalized_key`) is equal, so "G7" = "G-7" and "U.S." = "US".
2. Near-duplicate (MinHash-LSH, Broder 1997; banding as in Leskovec et al., *Mining of Massive
   Datasets* ch. 3): each variant of `min_tokens`+ words becomes a set of normalized word
   tokens, hashed by rensa's MinHash (`num_perm` permutations) and cut into `bands` bands.
   Variants sharing a band are candidates; every candidate pair is verified on the exact token
   sets before it links:
   - `minhash_jaccard`: Jaccard >= `jaccard_threshold`, a one-letter typo in a word of 4+
     letters counting as the same word;
   - `containment`: every word of the shorter is in the longer and the longer only adds an
     attribution clause (a cue verb such as "said") or at most `max_added_share` more words.
   Guards, whatever the similarity: the digits of the two sentences must be identical (a
   sentence that differs in any number never merges), negations must agree, and a word swapped
   for a capitalised word (another name) rejects the pair.
   Clusters are the connected components of verified links.

Stable ids and incremental runs: the index (variant -> cluster, and its band hashes) lives in
the warehouse (`dedup_variants`, `dedup_bands`), loaded in the same transaction as the
sentences. A new run hashes only variants it has not seen, looks its band hashes up in the
index, and joins an existing cluster when it links to one (the most similar); existing clusters
are never merged or renamed. A new cluster's id is a hash of its founding (first-seen) variant.

Canonical text (applied here for the batch and again at load over every run): the text of the
first-seen occurrence, ordered by the document's `published_at` (else `ingested_at`), then
`doc_id`, then `sentence_idx`.

Limits: word sets ignore order, so "A beat B" and "B beat A" would match; sentences of fewer
than `min_tokens` words only match exactly.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

import numpy as np
import pyarrow as pa
from rapidfuzz.distance import Levenshtein
from rensa import RMinHash

from flows.ids import stable_id
from flows.normalize import _NOT_WORD as _NOT_KEY
from flows.normalize import normalized_key
from flows.segment import ATTRIBUTION_CUES, SENTENCE_OPENERS, segment_text


@dataclass(frozen=True)
class DedupConfig:
    num_perm: int = 128  # MinHash permutations
    bands: int = 32  # LSH bands of num_perm / bands rows: P(candidate | J=0.6) ~ 0.99
    jaccard_threshold: float = 0.7  # verified word-set Jaccard that makes two variants one
    max_added_share: float = 0.5  # containment: words the longer may add, as a share of it
    min_tokens: int = 5  # shorter sentences only match exactly
    max_typos: int = 2  # misspelt words (one edit apart) a pair may differ by
    seed: int = 42


@dataclass
class DedupResult:
    clusters: list[dict]  # contract sentence_clusters rows (batch-level counts)
    matches: list[dict]  # contract sentence_matches rows
    variants: list[dict]  # new dedup_variants rows
    bands: pa.Table  # new dedup_bands rows (columnar: 32 rows a variant)


class DedupIndex(Protocol):
    """What earlier runs know: the warehouse implements it, `MemoryIndex` stands in for tests."""

    def clusters_of(self, keys: list[str]) -> dict[str, str]:
        """normalized_key -> cluster_id for the keys already indexed."""
        ...

    def candidates(self, band_hashes: np.ndarray) -> list[dict]:
        """Indexed variants sharing a band hash: band_hash, normalized_key, cluster_id, text."""
        ...


@dataclass
class MemoryIndex:
    """An in-memory index built from earlier results (tests, and a warehouse not yet created)."""

    variants: dict[str, dict] = field(default_factory=dict)
    bands: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))

    def add(self, result: DedupResult) -> None:
        self.variants.update((v["normalized_key"], v) for v in result.variants)
        by_id = {v["variant_id"]: v["normalized_key"] for v in result.variants}
        for band_hash, variant_id in zip(
            result.bands["band_hash"].to_pylist(), result.bands["variant_id"].to_pylist(), strict=True
        ):
            self.bands[band_hash].append(by_id[variant_id])

    def clusters_of(self, keys: list[str]) -> dict[str, str]:
        return {k: self.variants[k]["cluster_id"] for k in keys if k in self.variants}

    def candidates(self, band_hashes: np.ndarray) -> list[dict]:
        found = []
        for band_hash in set(band_hashes.ravel().tolist()) & self.bands.keys():
            for key in self.bands.get(band_hash, ()):
                variant = self.variants[key]
                found.append(
                    {
                        "band_hash": band_hash,
                        **{c: variant[c] for c in ("normalized_key", "cluster_id", "text")},
                    }
                )
        return found


_NEGATIONS = frozenset("not no never nor cannot without none nobody nothing neither".split())
# words whose swap reverses a fact although they are neither names nor numbers
_CONTRASTS = frozenset(
    """north south east west northern southern eastern western northeast northwest southeast southwest
    up down rise fall rose fell higher lower increase decrease before after""".split()
)
_OPENERS = SENTENCE_OPENERS | frozenset(
    "however meanwhile according also so yet still then now last next mr mrs ms dr".split()
)
# left out of the MinHash shingles (not of verification): shared function words made random
# sentences LSH candidates (242,727 candidate pairs on the BBC corpus; 25,934 without them)
_STOPWORDS = frozenset(
    """the a an and or but of to in on at for with by from as is are was were be been has have had it
    its this that he she they we i said will would""".split()
)
_DIGITS = re.compile(r"\d+(?:\.\d+)?")
_CONTRACTIONS = ((re.compile(r"\bwon[’']t\b"), "will not"), (re.compile(r"\bcan[’']t\b"), "can not"),
                 (re.compile(r"n[’']t\b"), " not"))  # fmt: skip


def variant_id(key: str) -> int:
    """64-bit id of a normalized key: what `dedup_bands` stores instead of the key itself."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little", signed=True)


def cluster_id_for(key: str, kind: str = "sentence") -> str:
    """'s' + hash for sentence clusters, 'k' + hash for quote clusters, of the founding key."""
    return stable_id("s" if kind == "sentence" else "k", key)


def first_seen_order(document: dict, sentence_idx: int) -> tuple[datetime, str, int]:
    return (document["published_at"] or document["ingested_at"], document["doc_id"], sentence_idx)


def tokens_of(text: str) -> list[str]:
    """Normalized words: casefolded, digits kept, inner punctuation dropped ("U.S." -> "us").

    A hyphen joins when a part is one character ("G-7" -> "g7", as "G7") and splits otherwise
    ("quarter-point" -> "quarter", "point", as "quarter point").
    """
    text = text.casefold()
    if "'" in text or "\u2019" in text:
        for pattern, replacement in _CONTRACTIONS:
            text = pattern.sub(replacement, text)
    tokens = []
    for word in text.split():
        if word.isalnum():  # the common case: nothing to strip or split
            tokens.append(word)
            continue
        parts = [_NOT_KEY.sub("", part) for part in word.split("-")]
        if len(parts) > 1 and all(len(part) > 1 for part in parts):
            tokens.extend(part for part in parts if part)
        elif joined := "".join(parts):
            tokens.append(joined)
    return tokens


def _proper_words(text: str) -> set[str]:
    """Normalized forms of capitalised words (names, places); an ordinary sentence opener is not one."""
    names = set()
    for position, word in enumerate(text.split()):
        bare = word.lstrip("\"'([")
        if not bare[:1].isupper():
            continue
        tokens = tokens_of(bare)
        if tokens and not (position == 0 and tokens[0] in _OPENERS):
            names.add(tokens[0])
    return names


def variant_bands(texts: list[str], config: DedupConfig) -> np.ndarray:
    """LSH band hashes, shape (len(texts), bands), int64: one MinHash per text via rensa."""
    if not texts:
        return np.zeros((0, config.bands), dtype=np.int64)
    shingles = [_content_words(text) for text in texts]
    digests = np.asarray(
        RMinHash.digests_from_token_sets(shingles, config.num_perm, config.seed), dtype=np.uint64
    )
    rows = config.num_perm // config.bands
    banded = digests[:, : rows * config.bands].reshape(len(texts), config.bands, rows)
    mixed = np.zeros((len(texts), config.bands), dtype=np.uint64)
    with np.errstate(over="ignore"):
        for row in range(rows):
            mixed = (mixed ^ banded[:, :, row]) * np.uint64(0x100000001B3)
        mixed ^= np.arange(config.bands, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    return mixed.view(np.int64)


@dataclass(frozen=True)
class Verdict:
    method: str
    jaccard: float
    containment: float


@dataclass(frozen=True)
class _Profile:
    """What verification needs of one text, computed once per text."""

    tokens: list[str]
    words: frozenset[str]
    names: frozenset[str]
    digits: tuple[str, ...]
    negations: int


@functools.lru_cache(maxsize=200_000)
def _tokens(text: str) -> list[str]:
    return tokens_of(text)


def _content_words(text: str) -> frozenset[str]:
    """The MinHash shingles of a text: its words less stopwords (all its words if none is left)."""
    tokens = _tokens(text)
    return frozenset(t for t in tokens if t not in _STOPWORDS) or frozenset(tokens)


@functools.lru_cache(maxsize=200_000)
def _profile(text: str) -> _Profile:
    tokens = _tokens(text)
    return _Profile(
        tokens=tokens,
        words=frozenset(tokens),
        names=frozenset(_proper_words(text)),
        digits=tuple(_DIGITS.findall(text)),
        negations=sum(token in _NEGATIONS for token in tokens),
    )


def compare(left: str, right: str, config: DedupConfig) -> Verdict | None:
    """Verify a candidate pair on exact word sets; None when the two must not merge."""
    a, b = _profile(left), _profile(right)
    if not _could_match(a, b, config):
        return None
    only_left, only_right = _pair_off_typos(a.words - b.words, b.words - a.words, config.max_typos)
    differing = only_left | only_right
    if differing & (_NEGATIONS | _CONTRASTS) or a.negations != b.negations:
        return None
    if only_left and only_right and differing & (a.names | b.names):
        return None
    shared = len(a.words) - len(only_left)
    smaller, longer = sorted((len(a.words), len(b.words)))
    jaccard = shared / (shared + len(only_left) + len(only_right))
    if jaccard >= config.jaccard_threshold and a.digits == b.digits:
        return Verdict("minhash_jaccard", round(jaccard, 4), round(shared / smaller, 4))
    # containment: the shorter is all there, the longer adds an attribution clause or a little
    short, long_ = (a, b) if len(a.words) <= len(b.words) else (b, a)
    shorter_extra, added = (only_left, only_right) if short is a else (only_right, only_left)
    if shorter_extra or not added or smaller < config.min_tokens:
        return None
    if short.digits != long_.digits and not _contiguous(short.tokens, long_.tokens):
        return None  # added numbers are allowed only around the intact shorter sentence
    adds_numbers = any(ch.isdigit() for word in added for ch in word)
    if added & ATTRIBUTION_CUES or (len(added) <= config.max_added_share * longer and not adds_numbers):
        return Verdict("containment", round(jaccard, 4), 1.0)
    return None


def _could_match(a: _Profile, b: _Profile, config: DedupConfig) -> bool:
    """Cheap upper bound: even with `max_typos` words paired off, can either rule pass?"""
    shared = len(a.words & b.words)
    typos = min(config.max_typos, len(a.words) - shared, len(b.words) - shared)
    union = len(a.words | b.words) - typos
    smaller = min(len(a.words), len(b.words))
    return (shared + typos) >= config.jaccard_threshold * union or (shared + typos) >= smaller


def _contiguous(short: list[str], long: list[str]) -> bool:
    """Whether `short` occurs as one unbroken run of words inside `long`."""
    width = len(short)
    return any(long[i : i + width] == short for i in range(len(long) - width + 1))


def _pair_off_typos(only_left: frozenset[str], only_right: frozenset[str], limit: int) -> tuple[set, set]:
    """Drop up to `limit` word pairs one edit apart (4+ letters, no digits): one word, misspelt."""
    left, right = set(only_left), set(only_right)
    if not left or not right:
        return left, right
    for word in sorted(only_left):
        if limit == 0:
            break
        if len(word) < 4 or any(ch.isdigit() for ch in word):
            continue
        match = next((o for o in sorted(right) if len(o) >= 4 and Levenshtein.distance(word, o) <= 1), None)
        if match is not None:
            left.discard(word)
            right.discard(match)
            limit -= 1
    return left, right


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[str, str] = {}

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)


def assign_clusters(
    sentences: list[dict],
    documents: list[dict],
    config: DedupConfig = DedupConfig(),
    index: DedupIndex | None = None,
    *,
    run_id: str = "",
    groups: list[list[str]] | None = None,
    kind: str = "sentence",
) -> DedupResult:
    """Set `normalized_key` and `cluster_id` on every sentence row; return clusters and evidence.

    `groups` are lists of normalized keys that belong together whatever their similarity (the
    sentences of one quote, for the quote tier); a group joins the cluster of a known member.
    """
    index = index if index is not None else MemoryIndex()
    by_doc = {document["doc_id"]: document for document in documents}
    first: dict[str, dict] = {}  # variant -> its first-seen occurrence
    order: dict[str, tuple] = {}
    keys_of_text: dict[str, str] = {}  # wire copy repeats sentences verbatim: normalize each text once
    for sentence in sentences:
        text = sentence["text"]
        key = keys_of_text.get(text)
        if key is None:
            key = keys_of_text[text] = normalized_key(text)
        sentence["normalized_key"] = key
        seen = first_seen_order(by_doc[sentence["doc_id"]], sentence["sentence_idx"])
        if key not in order or seen < order[key]:
            order[key], first[key] = seen, sentence

    known = index.clusters_of(sorted(first))
    new_keys = sorted(k for k in first if k not in known)
    hashed = [k for k in new_keys if len(_tokens(first[k]["text"])) >= config.min_tokens]
    bands = variant_bands([first[k]["text"] for k in hashed], config)
    links = _verified_links(hashed, bands, first, index.candidates(bands) if hashed else [], config)

    components = _UnionFind()
    for key in new_keys:
        components.find(key)
    best_existing: dict[str, tuple[float, str]] = {}
    for link in links:
        if link["right_key"] in first and link["right_key"] not in known:
            components.union(link["left_key"], link["right_key"])
    for group in groups or []:
        new_members = [k for k in group if k not in known]
        for key in new_members[1:]:
            components.union(new_members[0], key)
    for link in links:
        target = known.get(link["right_key"]) or link["right_cluster_id"]
        if target:
            root = components.find(link["left_key"])
            best_existing[root] = max(best_existing.get(root, (0.0, "")), (link["jaccard"], target))
    for group in groups or []:
        new_members = [k for k in group if k not in known]
        old_members = [known[k] for k in group if k in known]
        if new_members and old_members:
            root = components.find(new_members[0])
            best_existing[root] = max(best_existing.get(root, (0.0, "")), (1.0, min(old_members)))

    members: dict[str, list[str]] = defaultdict(list)
    for key in new_keys:
        members[components.find(key)].append(key)
    key_cluster = dict(known)
    for root, keys in members.items():
        founder = min(keys, key=lambda k: order[k])
        cluster_id = best_existing[root][1] if root in best_existing else cluster_id_for(founder, kind)
        key_cluster.update(dict.fromkeys(keys, cluster_id))

    for sentence in sentences:
        sentence["cluster_id"] = key_cluster[sentence["normalized_key"]]
    return DedupResult(
        clusters=_cluster_rows(sentences, by_doc),
        matches=[_match_row(link, first, key_cluster, run_id) for link in links],
        variants=[
            {
                "kind": kind,
                "normalized_key": k,
                "variant_id": variant_id(k),
                "cluster_id": key_cluster[k],
                "text": first[k]["text"],
                "run_id": run_id,
            }
            for k in new_keys
        ],
        bands=pa.table(
            {
                "kind": pa.array([kind] * bands.size, pa.string()),
                "band_hash": pa.array(bands.ravel(), pa.int64()),
                "variant_id": pa.array(
                    np.repeat([variant_id(k) for k in hashed], bands.shape[1]), pa.int64()
                ),
            }
        ),
    )


def _verified_links(
    hashed: list[str], bands: np.ndarray, first: dict[str, dict], candidates: list[dict], config: DedupConfig
) -> list[dict]:
    pairs = {(hashed[a], hashed[b]) for a, b in _colliding_pairs(bands)}
    old_texts: dict[str, tuple[str, str]] = {}
    if candidates:
        members: dict[int, list[int]] = defaultdict(list)
        wanted = {c["band_hash"] for c in candidates}
        for row, column in zip(*np.nonzero(np.isin(bands, list(wanted))), strict=True):
            members[int(bands[row, column])].append(int(row))
        for candidate in candidates:
            pairs.update(
                (hashed[row], candidate["normalized_key"]) for row in members[candidate["band_hash"]]
            )
            old_texts[candidate["normalized_key"]] = (candidate["text"], candidate["cluster_id"])
    links = []
    for left, right in sorted(pairs):
        right_text, right_cluster = old_texts.get(right, (None, None))
        if right in first:
            right_text = first[right]["text"]
        verdict = compare(first[left]["text"], right_text, config)
        if verdict:
            links.append(
                {
                    "left_key": left,
                    "right_key": right,
                    "right_text": right_text,
                    "right_cluster_id": right_cluster if right not in first else None,
                    "method": verdict.method,
                    "jaccard": verdict.jaccard,
                    "containment": verdict.containment,
                }
            )
    return links


def _colliding_pairs(bands: np.ndarray) -> set[tuple[int, int]]:
    """Row pairs sharing at least one band hash, found by sorting the hashes (no Python loop per
    row: only buckets holding two or more rows are visited)."""
    flat = bands.ravel()
    owners = np.repeat(np.arange(bands.shape[0]), bands.shape[1])
    order = np.argsort(flat, kind="stable")
    flat, owners = flat[order], owners[order]
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    sizes = np.diff(np.r_[starts, len(flat)])
    pairs: set[tuple[int, int]] = set()
    for start, size in zip(starts[sizes > 1].tolist(), sizes[sizes > 1].tolist(), strict=True):
        rows = sorted(set(owners[start : start + size].tolist()))
        pairs.update((a, b) for i, a in enumerate(rows) for b in rows[i + 1 :])
    return pairs


def _match_row(link: dict, first: dict[str, dict], key_cluster: dict[str, str], run_id: str) -> dict:
    left = first[link["left_key"]]
    right = first.get(link["right_key"])
    return {
        "match_id": stable_id("m", link["left_key"], link["right_key"]),
        "cluster_id": key_cluster[link["left_key"]],
        "left_doc_id": left["doc_id"],
        "left_sentence_idx": left["sentence_idx"],
        "left_text": left["text"],
        "right_doc_id": right["doc_id"] if right else None,
        "right_sentence_idx": right["sentence_idx"] if right else None,
        "right_text": link["right_text"],
        "right_cluster_id": key_cluster.get(link["right_key"], link["right_cluster_id"]),
        "method": link["method"],
        "jaccard": link["jaccard"],
        "containment": link["containment"],
        "run_id": run_id,
    }


def _cluster_rows(sentences: list[dict], by_doc: dict[str, dict]) -> list[dict]:
    clusters: dict[str, dict] = {}
    for sentence in sentences:
        document = by_doc[sentence["doc_id"]]
        seen = first_seen_order(document, sentence["sentence_idx"])
        cluster = clusters.get(sentence["cluster_id"])
        if cluster is None:
            cluster = clusters[sentence["cluster_id"]] = {
                "cluster_id": sentence["cluster_id"],
                "_order": seen,
                "_documents": set(),
                "_sources": set(),
                "n_occurrences": 0,
            }
        if seen <= cluster["_order"] or "canonical_text" not in cluster:
            cluster.update(
                _order=seen,
                canonical_text=sentence["text"],
                normalized_key=sentence["normalized_key"],
                first_seen_doc_id=document["doc_id"],
                first_seen_source=document["source"],
                first_seen_at=seen[0],
            )
        cluster["n_occurrences"] += 1
        cluster["_documents"].add(document["doc_id"])
        cluster["_sources"].add(document["source"])
    rows = []
    for cluster in clusters.values():
        sources = sorted(cluster.pop("_sources"))
        cluster["n_documents"] = len(cluster.pop("_documents"))
        cluster["n_sources"] = len(sources)
        cluster["sources"] = sources
        del cluster["_order"]
        rows.append(cluster)
    return rows


def assign_quote_clusters(
    quotes: list[dict],
    documents: list[dict],
    config: DedupConfig = DedupConfig(),
    index: DedupIndex | None = None,
    *,
    run_id: str = "",
) -> DedupResult:
    """Quote tier: set `quote_cluster_id` on every quote row.

    A quote is cut into its sentences, which go through both tiers above in an index of their
    own (`kind = 'quote'`), with the sentences of one quote grouped. So the same quoted words
    reported by two outlets share a cluster however each outlet split, merged or attributed
    them: `"A. B," he said` and `"A," he said. "B."` share A and B. A quote takes the cluster of
    its first sentence.
    """
    segments: list[dict] = []
    groups: list[list[str]] = []
    first_segment: dict[str, dict] = {}
    for quote in quotes:
        keys = []
        for span in segment_text(quote["text"]):
            text = quote["text"][span.start_char : span.end_char]
            if not normalized_key(text):
                continue
            segment = {
                "doc_id": quote["doc_id"],
                "sentence_idx": quote["start_char"] + span.start_char,
                "text": text,
            }
            segments.append(segment)
            first_segment.setdefault(quote["quote_id"], segment)
            keys.append(normalized_key(text))
        groups.append(keys)
    result = assign_clusters(segments, documents, config, index, run_id=run_id, groups=groups, kind="quote")
    for quote in quotes:
        segment = first_segment.get(quote["quote_id"])
        quote["quote_cluster_id"] = segment["cluster_id"] if segment else stable_id("k", quote["quote_id"])
    return result

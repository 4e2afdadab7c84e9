"""Dedup stage: group sentence occurrences across documents and sources into clusters.

Two tiers, both over distinct *variants* (a variant is one `normalized_key`):

1. Exact (after C4's and datatrove's sentence dedup, which hash a normalized sentence): two
   sentences are the same when their `normalized_key` (NFKC, casefold, letters and digits only;
   `crosswire.text.normalize.normalized_key`) is equal, so "G7" = "G-7" and "U.S." = "US".
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
So a new variant that verifies against two existing clusters joins one of them; its link to the
other is not stored: `sentence_matches` holds the links that explain a cluster (both sides in
it, which validation checks), not the merges that stable ids forgo.

Canonical text (applied here for the batch and again at load over every run): the text of the
first-seen occurrence, ordered by the document's `published_at` (else `ingested_at`), then
`doc_id`, then `sentence_idx`.

Limits: word sets ignore order, so "A beat B" and "B beat A" would match; sentences of fewer
than `min_tokens` words only match exactly.
"""

from __future__ import annotations

import hashlib
import itertools
import re
import string
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pyarrow as pa
from rapidfuzz.distance import Levenshtein
from rensa import RMinHash

from crosswire.ids import stable_id
from crosswire.text.edits import OneEditIndex
from crosswire.text.lexicon import (
    ATTRIBUTION_CUES,
    CONTRAST_WORDS,
    NEGATIONS,
    NOT_NAME_OPENERS,
    SHINGLE_STOPWORDS,
)
from crosswire.text.normalize import _NOT_WORD as _NOT_KEY
from crosswire.text.normalize import normalized_key
from crosswire.text.segment import segment_text
from crosswire.worker import worker_caches


@dataclass(frozen=True)
class DedupConfig:
    num_perm: int = 128  # MinHash permutations
    bands: int = 32  # LSH bands of num_perm / bands rows: P(candidate | J=0.6) ~ 0.99
    jaccard_threshold: float = 0.7  # verified word-set Jaccard that makes two variants one
    max_added_share: float = 0.5  # containment: words the longer may add, as a share of it
    min_tokens: int = 5  # shorter sentences only match exactly
    max_typos: int = 2  # misspelt words (one edit apart) a pair may differ by
    # LSH candidates whose MinHash-estimated shingle Jaccard is below this are dropped before
    # exact verification (the lowest estimate of a verified pair on BBC x4 was 0.34)
    prefilter_jaccard: float = 0.25
    # LSH buckets (one band's hash) holding more variants than this propose no pairs: on template
    # text (the generated corpus: one template, many events) a few bands of common words gather
    # hundreds of unrelated sentences. Generated 5k: candidate pairs 3.24M -> 0.55M, dedup
    # 31 s -> 5.7 s, ground-truth variant pairs sharing a cluster 0.767 -> 0.761 (true variants
    # still meet in the small buckets of their specific words). None: no limit.
    max_bucket: int | None = 50
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

    def candidates(self, band_hashes: np.ndarray, max_bucket: int | None = None) -> list[dict]:
        """Indexed variants sharing a band hash: band_hash, normalized_key, cluster_id, text
        (none for a band hash indexed for more than `max_bucket` variants)."""
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

    def candidates(self, band_hashes: np.ndarray, max_bucket: int | None = None) -> list[dict]:
        found: list[dict] = []
        if not self.bands:
            return found
        for band_hash in set(band_hashes.ravel().tolist()) & self.bands.keys():
            keys = self.bands[band_hash]
            if max_bucket is not None and len(keys) > max_bucket:
                continue
            for key in keys:
                variant = self.variants[key]
                found.append(
                    {
                        "band_hash": band_hash,
                        **{c: variant[c] for c in ("normalized_key", "cluster_id", "text")},
                    }
                )
        return found


_DIGITS = re.compile(r"\d+(?:\.\d+)?")
# punctuation that `_NOT_KEY` always removes at a word's ends (no hyphen: it splits or joins words)
_EDGE_PUNCTUATION = "".join(sorted(set(string.punctuation) - {"-"})) + "\u201c\u201d\u2018\u2019\u2026«»"
_INNER_PUNCTUATION = re.compile(r"[^\W_][^\w\s]+[^\W_]|_")
_ALNUMS = re.compile(r"[^\W_]+")
_CONTRACTIONS = ((re.compile(r"\bwon[’']t\b"), "will not"), (re.compile(r"\bcan[’']t\b"), "can not"),
                 (re.compile(r"n[’']t\b"), " not"))  # fmt: skip


def variant_id(key: str) -> int:
    """64-bit id of a normalized key: what `dedup_bands` stores instead of the key itself."""
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "little", signed=True)


def cluster_id_for(key: str, kind: str = "sentence") -> str:
    """'s' + hash for sentence clusters, 'k' + hash for quote clusters, of the founding key."""
    return stable_id("s" if kind == "sentence" else "k", key)


def tokens_of(text: str) -> list[str]:
    """Normalized words: casefolded, digits kept, inner punctuation dropped ("U.S." -> "us").

    A hyphen joins when a part is one character ("G-7" -> "g7", as "G7") and splits otherwise
    ("quarter-point" -> "quarter", "point", as "quarter point").
    """
    text = text.casefold()
    if not _INNER_PUNCTUATION.search(text):
        # the common case, same result: no word has punctuation (or an underscore) inside, so
        # each word is its run of letters and digits
        return _ALNUMS.findall(text)
    if "'" in text or "\u2019" in text:
        for pattern, replacement in _CONTRACTIONS:
            text = pattern.sub(replacement, text)
    tokens = []
    for word in text.split():
        bare = word.strip(_EDGE_PUNCTUATION)  # what `word_tokens` would drop at the ends anyway
        if bare.isalnum():  # the common case: nothing left to strip or split
            tokens.append(bare)
        else:
            tokens.extend(word_tokens(word))
    return tokens


def word_tokens(word: str) -> list[str]:
    """The rule for one casefolded word: punctuation dropped (a decimal point kept), a hyphen
    joining or splitting as `tokens_of` says."""
    parts = [_NOT_KEY.sub("", part) for part in word.split("-")]
    if len(parts) > 1 and all(len(part) > 1 for part in parts):
        return [part for part in parts if part]
    joined = "".join(parts)
    return [joined] if joined else []


def _proper_words(text: str) -> set[str]:
    """Normalized forms of capitalised words (names, places); an ordinary sentence opener is not one."""
    names = set()
    for position, word in enumerate(text.split()):
        bare = word.lstrip("\"'([")
        if not bare[:1].isupper():
            continue
        tokens = tokens_of(bare)
        if tokens and not (position == 0 and tokens[0] in NOT_NAME_OPENERS):
            names.add(tokens[0])
    return names


def minhash_digests(texts: list[str], config: DedupConfig) -> np.ndarray:
    """rensa MinHash digests of the texts' shingles (content words), shape (len(texts), num_perm)."""
    if not texts:
        return np.zeros((0, config.num_perm), dtype=np.uint64)
    shingles = [_content_words(text) for text in texts]
    matrix = RMinHash.digest_matrix_from_token_sets(shingles, config.num_perm, config.seed)
    return np.fromiter(
        itertools.chain.from_iterable(matrix.to_rows()), np.uint64, count=len(texts) * config.num_perm
    ).reshape(len(texts), config.num_perm)


def bands_of(digests: np.ndarray, config: DedupConfig) -> np.ndarray:
    """LSH band hashes of MinHash digests, shape (rows, bands), int64."""
    rows = config.num_perm // config.bands
    banded = digests[:, : rows * config.bands].reshape(len(digests), config.bands, rows)
    mixed = np.zeros((len(digests), config.bands), dtype=np.uint64)
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


def _tokens(text: str) -> list[str]:
    """`tokens_of`, once per text in a process (`WorkerCaches.tokens`)."""
    return worker_caches().tokens.recall(text, tokens_of)


def _content_words(text: str) -> frozenset[str]:
    """The MinHash shingles of a text: its words less stopwords (all its words if none is left)."""
    words = frozenset(_tokens(text))
    return words - SHINGLE_STOPWORDS or words


def _new_profile(text: str) -> _Profile:
    tokens = _tokens(text)
    return _Profile(
        tokens=tokens,
        words=frozenset(tokens),
        names=frozenset(_proper_words(text)),
        digits=tuple(_DIGITS.findall(text)),
        negations=sum(token in NEGATIONS for token in tokens),
    )


def compare(left: str, right: str, config: DedupConfig) -> Verdict | None:
    """Verify a candidate pair on exact word sets; None when the two must not merge."""
    profiles = worker_caches().profiles  # a text met in many candidate pairs is profiled once
    a, b = profiles.recall(left, _new_profile), profiles.recall(right, _new_profile)
    if not _could_match(a, b, config):
        return None
    only_left, only_right = _pair_off_typos(a.words - b.words, b.words - a.words, config.max_typos)
    differing = only_left | only_right
    if differing & (NEGATIONS | CONTRAST_WORDS) or a.negations != b.negations:
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
    """Whether `short` (not empty) occurs as one unbroken run of words inside `long`: a substring
    search over the words joined by NUL, which normalized text never holds (linear, where
    comparing at every offset costs the product of the lengths)."""
    return "\0" + "\0".join(short) + "\0" in "\0" + "\0".join(long) + "\0"


def _pair_off_typos(only_left: frozenset[str], only_right: frozenset[str], limit: int) -> tuple[set, set]:
    """Drop up to `limit` word pairs one edit apart (4+ letters, no digits): one word, misspelt."""
    left, right = set(only_left), set(only_right)
    if not left or not right:
        return left, right
    near = OneEditIndex(o for o in right if len(o) >= 4)  # a lookup per word, not a scan of right
    for word in sorted(only_left):
        if limit == 0:
            break
        if len(word) < 4 or any(ch.isdigit() for ch in word):
            continue
        close = (o for o in near.near(word) if o in right and Levenshtein.distance(word, o) <= 1)
        match = min(close, default=None)  # the first in sorted order, as a scan would find
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


@dataclass
class Signatures:
    """What dedup needs of each distinct sentence text, computed where the text is segmented.

    The per-document stage (`crosswire.flows.pipeline.prepare`, one process a batch) signs its sentences,
    so the single-process dedup stage starts from keys and MinHash band hashes.
    """

    texts: list[str]
    keys: list[str]  # normalized_key of each text
    n_tokens: np.ndarray  # int32: words of each text (`tokens_of`)
    bands: np.ndarray  # int64 (n, config.bands): LSH band hashes
    sketch: np.ndarray  # uint32 (n, config.num_perm): low 32 bits of the MinHash digests

    @classmethod
    def empty(cls, config: DedupConfig) -> Signatures:
        return cls([], [], np.zeros(0, np.int32), np.zeros((0, config.bands), np.int64),
                   np.zeros((0, config.num_perm), np.uint32))  # fmt: skip

    def rows_of(self) -> dict[str, int]:
        return {text: row for row, text in enumerate(self.texts)}

    def take(self, rows: list[int] | np.ndarray) -> Signatures:
        rows = np.asarray(rows, dtype=np.int64)
        return Signatures([self.texts[r] for r in rows.tolist()], [self.keys[r] for r in rows.tolist()],
                          self.n_tokens[rows], self.bands[rows], self.sketch[rows])  # fmt: skip


def sign_texts(texts: list[str], config: DedupConfig) -> Signatures:
    """Signatures of distinct texts: normalized key, word count, band hashes and MinHash sketch
    (texts under `min_tokens` words only match exactly: their bands and sketch are zeros).

    A process signs each text once however many of its batches repeat it (wire copy does): its
    `WorkerCaches.signed` keeps text -> (normalized key, word count, band hashes and sketch as one
    byte record).
    """
    if not texts:
        return Signatures.empty(config)
    signed = worker_caches().signed(config)
    missing = [text for text in texts if text not in signed]
    if missing:
        n_tokens = [len(_tokens(text)) for text in missing]
        rows = np.flatnonzero(np.asarray(n_tokens) >= config.min_tokens)
        digests = minhash_digests([missing[row] for row in rows.tolist()], config)
        records = np.zeros((len(missing), 8 * config.bands + 4 * config.num_perm), np.uint8)
        records[rows, : 8 * config.bands] = bands_of(digests, config).view(np.uint8)
        records[rows, 8 * config.bands :] = digests.astype(np.uint32).view(np.uint8)
        if len(signed) + len(missing) > signed.limit:
            signed.clear()
        for text, n, record in zip(missing, n_tokens, records, strict=True):
            signed[text] = (normalized_key(text), n, record.tobytes())
    entries = [signed[text] for text in texts]
    records = np.frombuffer(b"".join(entry[2] for entry in entries), np.uint8).reshape(len(entries), -1)
    return Signatures(
        texts=list(texts),
        keys=[entry[0] for entry in entries],
        n_tokens=np.fromiter((entry[1] for entry in entries), np.int32, count=len(entries)),
        bands=np.ascontiguousarray(records[:, : 8 * config.bands]).view(np.int64),
        sketch=np.ascontiguousarray(records[:, 8 * config.bands :]).view(np.uint32),
    )


def sign_sentences(sentences: list[dict], config: DedupConfig) -> Signatures:
    return sign_texts(list(dict.fromkeys(sentence["text"] for sentence in sentences)), config)


def merge_signatures(parts: list[Signatures]) -> Signatures:
    """One row a distinct text from several batches' signatures (at least one)."""
    nonempty = [part for part in parts if part.texts]
    if len(nonempty) <= 1:
        return nonempty[0] if nonempty else parts[0]
    seen: set[str] = set()
    kept = []
    for part in nonempty:
        rows = [row for row, text in enumerate(part.texts) if text not in seen]
        seen.update(part.texts)
        kept.append(part if len(rows) == len(part.texts) else part.take(rows))
    return Signatures(
        texts=[text for part in kept for text in part.texts],
        keys=[key for part in kept for key in part.keys],
        n_tokens=np.concatenate([part.n_tokens for part in kept]),
        bands=np.concatenate([part.bands for part in kept]),
        sketch=np.concatenate([part.sketch for part in kept]),
    )


def assign_clusters(
    sentences: list[dict],
    documents: list[dict],
    config: DedupConfig = DedupConfig(),
    index: DedupIndex | None = None,
    *,
    run_id: str = "",
    groups: list[list[str]] | None = None,
    kind: str = "sentence",
    signatures: Signatures | None = None,
) -> DedupResult:
    """Set `normalized_key` and `cluster_id` on every sentence row; return clusters and evidence.

    `groups` are lists of normalized keys that belong together whatever their similarity (the
    sentences of one quote, for the quote tier); a group joins the cluster of a known member.
    `signatures` of the sentence texts (from the per-document stage) are computed when missing.

    Per-sentence bookkeeping is columnar (numpy over integer codes): wire copy makes sentences
    several times as many as distinct texts, and Python per sentence row was the stage's cost.
    """
    index = index if index is not None else MemoryIndex()
    texts = [sentence["text"] for sentence in sentences]
    distinct = list(dict.fromkeys(texts))
    signatures = signatures if signatures is not None else sign_texts(distinct, config)
    row_of_text = signatures.rows_of()
    missing = [text for text in distinct if text not in row_of_text]
    if missing:  # signatures from elsewhere that lack some texts: sign those here
        signatures = merge_signatures([signatures, sign_texts(missing, config)])
        row_of_text = signatures.rows_of()
    text_rows = np.fromiter((row_of_text[text] for text in texts), np.int64, count=len(texts))

    # integer codes: key of each signed text, document rank in first-seen order, source of each
    key_code: dict[str, int] = {}
    code_of_row = np.fromiter((key_code.setdefault(k, len(key_code)) for k in signatures.keys), np.int64,
                              count=len(signatures.keys))  # fmt: skip
    keys_by_code = list(key_code)
    ranked = sorted(documents, key=lambda d: (d["published_at"] or d["ingested_at"], d["doc_id"]))
    rank_of = {document["doc_id"]: rank for rank, document in enumerate(ranked)}
    doc_rank = np.fromiter((rank_of[s["doc_id"]] for s in sentences), np.int64, count=len(sentences))
    sentence_idx = np.fromiter((s["sentence_idx"] for s in sentences), np.int64, count=len(sentences))
    seen_order = doc_rank * (1 << 32) + sentence_idx  # the first-seen order, one int a sentence
    codes = code_of_row[text_rows]
    for sentence, code in zip(sentences, codes.tolist(), strict=True):
        sentence["normalized_key"] = keys_by_code[code]

    first_of_code = _first_by(codes, seen_order, len(keys_by_code))  # sentence index, -1 if unused
    used = np.flatnonzero(first_of_code >= 0)
    leads = first_of_code[used]
    first = {keys_by_code[c]: sentences[i] for c, i in zip(used.tolist(), leads.tolist(), strict=True)}
    order = {keys_by_code[c]: o for c, o in zip(used.tolist(), seen_order[leads].tolist(), strict=True)}

    known = index.clusters_of(sorted(first))
    new_keys = sorted(k for k in first if k not in known)
    new_rows = np.fromiter((row_of_text[first[k]["text"]] for k in new_keys), np.int64, count=len(new_keys))
    long_enough = signatures.n_tokens[new_rows] >= config.min_tokens
    hashed = [k for k, keep in zip(new_keys, long_enough.tolist(), strict=True) if keep]
    bands, sketch = signatures.bands[new_rows[long_enough]], signatures.sketch[new_rows[long_enough]]
    indexed = index.candidates(bands, config.max_bucket) if hashed else []
    links = _verified_links(hashed, sketch, bands, first, indexed, config)

    components = _UnionFind()
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

    key_cluster = dict(known)
    members: dict[str, list[str]] = defaultdict(list)
    for key in new_keys:
        if key in components.parent:  # linked or grouped: its component decides
            members[components.find(key)].append(key)
        else:  # a singleton variant: its own cluster, or the existing one it links to
            key_cluster[key] = best_existing[key][1] if key in best_existing else cluster_id_for(key, kind)
    for root, keys in members.items():
        founder = min(keys, key=lambda k: order[k])
        cluster_id = best_existing[root][1] if root in best_existing else cluster_id_for(founder, kind)
        key_cluster.update(dict.fromkeys(keys, cluster_id))

    ids = {key: variant_id(key) for key in new_keys}
    cluster_of_code = [key_cluster.get(key, "") for key in keys_by_code]
    for sentence, code in zip(sentences, codes.tolist(), strict=True):
        sentence["cluster_id"] = cluster_of_code[code]
    return DedupResult(
        clusters=_cluster_rows(sentences, ranked, codes, cluster_of_code, seen_order, doc_rank),
        matches=[
            row
            for row in (_match_row(link, first, key_cluster, run_id) for link in links)
            if row["cluster_id"] == row["right_cluster_id"]
        ],  # fmt: skip
        variants=[
            {
                "kind": kind,
                "normalized_key": k,
                "variant_id": ids[k],
                "cluster_id": key_cluster[k],
                "text": first[k]["text"],
                "run_id": run_id,
            }
            for k in new_keys
        ],
        bands=pa.table(
            {
                "kind": _constant_strings(kind, bands.size),
                "band_hash": _int64_array(bands.ravel()),
                "variant_id": _int64_array(
                    np.repeat(np.array([ids[k] for k in hashed], np.int64), bands.shape[1])
                ),
            }
        ),
    )


def _int64_array(values: np.ndarray) -> pa.Array:
    """Zero-copy Arrow array of an int64 ndarray (`pa.array` on an ndarray imports pandas, 0.3 s)."""
    values = np.ascontiguousarray(values, dtype=np.int64)
    return pa.Array.from_buffers(pa.int64(), len(values), [None, pa.py_buffer(values)])


def _constant_strings(value: str, n: int) -> pa.Array:
    """An Arrow string array of `n` times `value`, from buffers (see `_int64_array`)."""
    data = value.encode()
    offsets = np.arange(n + 1, dtype=np.int32) * len(data)
    return pa.Array.from_buffers(pa.string(), n, [None, pa.py_buffer(offsets), pa.py_buffer(data * n)])


def _first_by(groups: np.ndarray, order: np.ndarray, n_groups: int) -> np.ndarray:
    """For each group code, the index of its element with the smallest `order` (-1: no element)."""
    first = np.full(n_groups, -1, dtype=np.int64)
    if len(groups):
        by = np.lexsort((order, groups))
        leads = by[np.r_[True, groups[by][1:] != groups[by][:-1]]]
        first[groups[leads]] = leads
    return first


def _verified_links(
    hashed: list[str],
    digests: np.ndarray,
    bands: np.ndarray,
    first: dict[str, dict],
    candidates: list[dict],
    config: DedupConfig,
) -> list[dict]:
    left, right = _colliding_pairs(bands, config.max_bucket)
    keep = _estimated_jaccard(digests, left, right) >= config.prefilter_jaccard
    pairs = [(hashed[a], hashed[b]) for a, b in zip(left[keep].tolist(), right[keep].tolist(), strict=True)]
    old_texts: dict[str, tuple[str, str]] = {}
    if candidates:
        members: dict[int, list[int]] = defaultdict(list)
        wanted = {c["band_hash"] for c in candidates}
        for row, column in zip(*np.nonzero(np.isin(bands, list(wanted))), strict=True):
            members[int(bands[row, column])].append(int(row))
        old_counts = Counter(c["band_hash"] for c in candidates)
        old_pairs = set()
        for candidate in candidates:
            if (
                config.max_bucket is not None
                and len(members[candidate["band_hash"]]) + old_counts[candidate["band_hash"]]
                > config.max_bucket
            ):
                continue  # a bucket of the batch's and the index's variants together, too large
            old_pairs.update(
                (hashed[row], candidate["normalized_key"]) for row in members[candidate["band_hash"]]
            )
            old_texts[candidate["normalized_key"]] = (candidate["text"], candidate["cluster_id"])
        pairs.extend(old_pairs)
    links = []
    for left_key, right_key in sorted(pairs):
        right_text, right_cluster = old_texts.get(right_key, (None, None))
        if right_key in first:
            right_text = first[right_key]["text"]
        verdict = compare(first[left_key]["text"], right_text, config)
        if verdict:
            links.append(
                {
                    "left_key": left_key,
                    "right_key": right_key,
                    "right_text": right_text,
                    "right_cluster_id": right_cluster if right_key not in first else None,
                    "method": verdict.method,
                    "jaccard": verdict.jaccard,
                    "containment": verdict.containment,
                }
            )
    return links


def _colliding_pairs(bands: np.ndarray, max_bucket: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Distinct row pairs (left < right) sharing at least one band hash, without a Python loop.

    The band hashes are sorted; a bucket of k rows then yields its pairs by pairing each row with
    the one `offset` places on, for offset 1..k-1, only buckets bigger than `offset` staying in
    the arrays: the work is proportional to the pairs produced.
    """
    if bands.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    flat = bands.ravel()
    owners = np.repeat(np.arange(bands.shape[0], dtype=np.int64), bands.shape[1])
    order = np.argsort(flat, kind="quicksort")
    flat, owners = flat[order], owners[order]
    starts = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    sizes = np.diff(np.r_[starts, len(flat)])
    size_of = np.repeat(sizes, sizes)  # each element's bucket size
    position = np.arange(len(flat)) - np.repeat(starts, sizes)  # its place in the bucket
    lefts, rights = [], []
    offset = 1
    alive = np.flatnonzero((size_of > 1) & (size_of <= (max_bucket or len(flat))))
    while alive.size:
        paired = alive[position[alive] + offset < size_of[alive]]
        lefts.append(owners[paired])
        rights.append(owners[paired + offset])
        offset += 1
        alive = paired[size_of[paired] > offset]
    if not lefts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    a, b = np.concatenate(lefts), np.concatenate(rights)
    a, b = np.minimum(a, b), np.maximum(a, b)
    distinct = np.unique((a << 32) | b)  # rows are < 2**31 in any batch
    distinct = distinct[(distinct >> 32) != (distinct & 0xFFFFFFFF)]  # a row twice in one bucket
    return distinct >> 32, distinct & 0xFFFFFFFF


def _estimated_jaccard(digests: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """MinHash estimate of the shingle-set Jaccard of each row pair: the share of equal digests."""
    estimate = np.empty(len(left), dtype=np.float32)
    for start in range(0, len(left), 50_000):  # bounded memory: 50k pairs x num_perm at a time
        stop = start + 50_000
        estimate[start:stop] = (digests[left[start:stop]] == digests[right[start:stop]]).mean(axis=1)
    return estimate


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


def _cluster_rows(
    sentences: list[dict],
    ranked: list[dict],
    codes: np.ndarray,
    cluster_of_code: list[str],
    seen_order: np.ndarray,
    doc_rank: np.ndarray,
) -> list[dict]:
    """sentence_clusters rows of the batch: first-seen occurrence, counts and sources, by numpy
    group-bys over integer codes (cluster of each sentence, its document's rank and source)."""
    if not sentences:
        return []
    cluster_code: dict[str, int] = {}
    cluster_codes = np.fromiter((cluster_code.setdefault(c, len(cluster_code)) for c in cluster_of_code),
                                np.int64, count=len(cluster_of_code))[codes]  # fmt: skip
    n_clusters = len(cluster_code)
    source_names = sorted({document["source"] for document in ranked})
    source_code = {name: code for code, name in enumerate(source_names)}
    source_of_rank = np.fromiter((source_code[d["source"]] for d in ranked), np.int64, count=len(ranked))
    sources = source_of_rank[doc_rank]

    first = _first_by(cluster_codes, seen_order, n_clusters)
    occurrences = np.bincount(cluster_codes, minlength=n_clusters)
    doc_pairs = np.unique(cluster_codes * len(ranked) + doc_rank)
    n_documents = np.bincount(doc_pairs // len(ranked), minlength=n_clusters)
    source_pairs = np.unique(cluster_codes * len(source_names) + sources)  # sorted: by cluster, then name
    sources_of: list[list[str]] = [[] for _ in range(n_clusters)]
    for cluster, source in zip((source_pairs // len(source_names)).tolist(),
                               (source_pairs % len(source_names)).tolist(), strict=True):  # fmt: skip
        sources_of[cluster].append(source_names[source])
    rows = []
    for cluster_id, code in cluster_code.items():
        sentence = sentences[first[code]]
        document = ranked[doc_rank[first[code]]]
        rows.append(
            {
                "cluster_id": cluster_id,
                "canonical_text": sentence["text"],
                "normalized_key": sentence["normalized_key"],
                "first_seen_doc_id": document["doc_id"],
                "first_seen_source": document["source"],
                "first_seen_at": document["published_at"] or document["ingested_at"],
                "n_occurrences": int(occurrences[code]),
                "n_documents": int(n_documents[code]),
                "n_sources": len(sources_of[code]),
                "sources": sources_of[code],
            }
        )
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

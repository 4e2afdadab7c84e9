"""Normalize stage: make article text clean and comparable while keeping it readable.

Two functions with two jobs:
- `normalize_text` rewrites the stored document text: mojibake repaired and control characters
  dropped by ftfy, Unicode NFC, curly quotes and apostrophes straightened, dashes unified to
  '-', spaces collapsed, line endings '\n', at most one blank line between paragraphs. Every
  offset crosswire stores points into this text.
- `normalized_key` is the exact-dedup key of a sentence or quote: NFKC, casefold, then only
  letters, digits and decimal points kept, so "G7" = "G-7", "U.S." = "US" and quote style, spacing and case
  never matter, while any difference in a digit always does.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import ftfy

from crosswire.ids import stable_id
from crosswire.ingest.read import RawArticle
from crosswire.text.lexicon import STOPWORDS

_QUOTES = str.maketrans(
    {
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
        "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-",
        "\u2212": "-",
        "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ",
        "\u200b": "", "\ufeff": "", "\u00ad": "",
    }
)  # fmt: skip
_SPACES = re.compile(r"[ \t\f\v]{2,}|[\t\f\v]")  # runs only: single spaces stay as they are
_TRAILING_SPACE = re.compile(r" +\n *|\n +")
_BLANK_LINES = re.compile(r"\n{3,}")
# every non-word character, except a decimal point between digits ("$2.75bn" is not "$27.5bn")
_NOT_WORD = re.compile(r"(?:(?!(?<=\d)\.(?=\d))[\W_])+")
_DECIMAL_POINT = re.compile(r"\d\.\d")
_ASCII_NOT_ALNUM = dict.fromkeys(c for c in range(128) if not chr(c).isalnum())
# what mojibake looks like: UTF-8 bytes read as Latin-1/cp1252 leave a lead character
# (Ã, Â, â, ...) followed by a continuation-byte character; only then is ftfy worth its cost
_MOJIBAKE_HINT = re.compile(
    "[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc"
    "\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]"
)
_ENTITY_HINT = re.compile(r"&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_C1_CONTROL = re.compile("[\u0080-\u009f]")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def normalize_text(text: str) -> str:
    """Readable, repaired text: the form stored in `documents.text`.

    Idempotent: ftfy judges mojibake in context, and the clean-up after it can make new context
    (a space dropped beside a line break, a zero-width space deleted), so while the result still
    looks repairable it is normalized again; text that does not (nearly all) takes one pass.
    """
    for _ in range(10):
        normalized = _normalize_once(text)
        if normalized == text or not _looks_repairable(normalized):
            return normalized
        text = normalized
    return text


def _looks_repairable(text: str) -> bool:
    return bool(_MOJIBAKE_HINT.search(text) or _ENTITY_HINT.search(text))


def _normalize_once(text: str) -> str:
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    if not text.isascii():  # every character ftfy or the table below would change is non-ASCII
        if _looks_repairable(text):
            text = ftfy.fix_text(text, normalization="NFC")
        # ftfy costs ~1.4 ms a document; clean text needs only NFC and the C1 control characters
        # dropped (ftfy maps those Windows-1252 has a character for; the rest are noise)
        text = unicodedata.normalize("NFC", _C1_CONTROL.sub("", text).translate(_QUOTES))
    text = _SPACES.sub(" ", text)
    text = _TRAILING_SPACE.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def normalized_key(text: str) -> str:
    """Exact-tier dedup key: NFKC + casefold, keeping only letters and digits."""
    if text.isascii() and not _DECIMAL_POINT.search(text):
        # the common case, same result: NFKC changes no ASCII, casefold is lower, and with no
        # decimal point to keep every non-alphanumeric character goes (str.translate, no regex)
        return text.lower().translate(_ASCII_NOT_ALNUM)
    return _unicode_key(text)


def _unicode_key(text: str) -> str:
    """`normalized_key` for any text (the reference its ASCII fast path must equal)."""
    # NFKC again after casefold, as Unicode's NFKC_Casefold: casefold decomposes a few letters
    # (Greek "ΐ"), whose marks would otherwise be dropped in one case and kept in the other
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold()))


def guess_language(text: str) -> str:
    """'en' when common English function words make up a fifth of the words, else 'und'.

    Enough to flag non-English input for the English-only NER model; not a language identifier.
    """
    words = text[:2000].lower().split()
    if not words:
        return "und"
    share = len([word for word in words if word in STOPWORDS]) / len(words)
    return "en" if share >= 0.2 else "und"


@dataclass
class NormalizedBatch:
    documents: list[dict]
    document_files: list[dict]
    n_skipped: int


def normalize_articles(
    articles: Iterable[RawArticle],
    known_doc_ids: set[str] | frozenset[str],
    run_id: str,
    ingested_at: datetime,
) -> NormalizedBatch:
    """Normalize each article's text, derive its doc_id, and drop documents already loaded.

    The same text read twice (two paths, or a re-run) is one document; every path is kept in
    `document_files`.
    """
    documents: dict[str, dict] = {}
    files: dict[tuple[str, str], dict] = {}
    n_skipped = 0
    for article in articles:
        text = normalize_text(article.text)
        doc_id = stable_id("d", text)
        files.setdefault(
            (article.path, doc_id),
            {
                "path": article.path,
                "doc_id": doc_id,
                "source": article.source,
                "size_bytes": article.size_bytes,
                "mtime_ns": article.mtime_ns,
                "run_id": run_id,
                "file_path": article.file_path,
            },
        )
        if doc_id in known_doc_ids or doc_id in documents:
            n_skipped += 1
            continue
        documents[doc_id] = {
            "doc_id": doc_id,
            "source": article.source,
            "path": article.path,
            "title": normalize_text(article.title) if article.title else None,
            "url": article.url,
            "published_at": article.published_at,
            "text": text,
            "n_sentences": 0,
            "n_words": len(text.split()),
            "language": guess_language(text),
            "encoding": article.encoding,
            "ingested_at": ingested_at,
            "run_id": run_id,
        }
    return NormalizedBatch(list(documents.values()), list(files.values()), n_skipped)

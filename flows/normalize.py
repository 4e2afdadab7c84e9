"""Normalize stage: make article text clean and comparable while keeping it readable.

Two functions with two jobs:
- `normalize_text` rewrites the stored document text: mojibake repaired and control characters
  dropped by ftfy, Unicode NFC, curly quotes and apostrophes straightened, dashes unified to
  '-', spaces collapsed, line endings '\n', at most one blank line between paragraphs. Every
  offset crosswire stores points into this text.
- `normalized_key` is the exact-dedup key of a sentence or quote: NFKC, casefold, then only
  letters and digits kept, so "G7" = "G-7", "U.S." = "US" and quote style, spacing and case
  never matter, while any difference in a digit always does.
"""

from __future__ import annotations

import re
import unicodedata

import ftfy

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
_SPACES = re.compile(r"[ \t\f\v]+")
_TRAILING_SPACE = re.compile(r" *\n *")
_BLANK_LINES = re.compile(r"\n{3,}")
_NOT_WORD = re.compile(r"[\W_]+")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def normalize_text(text: str) -> str:
    """Readable, repaired text: the form stored in `documents.text`."""
    if not text.isascii():
        text = ftfy.fix_text(text, normalization="NFC")
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.translate(_QUOTES)
    text = _SPACES.sub(" ", text)
    text = _TRAILING_SPACE.sub("\n", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return text.strip()


def normalized_key(text: str) -> str:
    """Exact-tier dedup key: NFKC + casefold, keeping only letters and digits."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", text).casefold())

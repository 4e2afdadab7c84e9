"""What the readers share: the ingest config, the file and article records, and the rules that
turn one record (a file, a JSONL line, a table row, a WARC record) into an article or a reason.

- a record's text is required and must hold a visible character; `title`, `url`,
  `published_at` are optional (`id` is read by no stage: a document's id is the hash of its text);
- a record whose text is longer than `max_doc_chars` is rejected with its length and the limit,
  before any later stage sees it;
- its outlet (`source`) follows `crosswire.ingest.outlets.outlet_of`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

# a character normalization keeps: not whitespace, a control character or a zero-width mark, so
# text without one would become an empty document (which fails validation, and the whole batch)
VISIBLE = re.compile(r"[^\s\x00-\x1f\x7f-\x9f\u200b\ufeff\u00ad]")


# the formats read, by how a file's name ends (longest first: `.jsonl.gz` before `.jsonl`)
FORMATS = (
    ".jsonl.gz",
    ".jsonl.zst",
    ".warc.gz",
    ".warc",
    ".jsonl",
    ".parquet",
    ".csv",
    ".txt",
    ".html",
    ".htm",
)


def file_format(path: Path) -> str | None:
    """The format of a file by its name (`.jsonl.gz`, `.txt`, ...), or None for one not read."""
    name = path.name.lower()
    return next((suffix for suffix in FORMATS if name.endswith(suffix)), None)


@dataclass(frozen=True)
class IngestConfig:
    # a file larger than this is rejected; in JSONL, Parquet, CSV and WARC files, and in
    # compressed ones, the limit applies to each record (line, row, WARC record) instead
    max_file_bytes: int = 64 * 1024 * 1024
    # a document (file, line, row or WARC record) of more characters is rejected with that reason:
    # spaCy's own limit; extraction time and memory grow with a document's length
    max_doc_chars: int = 1_000_000
    follow_symlinks: bool = False  # read through links that leave the source roots


@dataclass(frozen=True)
class SourceFile:
    path: Path
    root: Path
    size_bytes: int
    mtime_ns: int
    outlet: str | None = None  # named on the command line: `--source OUTLET=PATH`


@dataclass(frozen=True)
class Rejection:
    path: str
    reason: str


@dataclass
class RawArticle:
    """One article as read from disk, before normalization."""

    path: str  # the file; a JSONL line 'file:LINE', a table row 'file:ROW', a WARC record 'file@OFFSET'
    file_path: str  # the file itself
    source: str
    text: str
    encoding: str
    size_bytes: int
    mtime_ns: int
    title: str | None = None
    url: str | None = None
    published_at: datetime | None = None


class UnreadableInput(ValueError):
    """Raised by a reader with a reason a user can act on."""


def too_long(text: str, config: IngestConfig) -> str | None:
    """Why a document is too long to extract, or None."""
    if len(text) <= config.max_doc_chars:
        return None
    return f"document is {len(text):,} characters, over the {config.max_doc_chars:,} limit (--max-doc-chars)"


def record_problem(record: object, label: str, config: IngestConfig) -> str | None:
    """Why a JSONL line's or a table row's record (`label`: 'line 3', 'row 3') is not an article."""
    if not isinstance(record, dict):
        return f"{label} is not a JSON object"
    body = record.get("text")
    if not isinstance(body, str) or not VISIBLE.search(body):
        return f"{label} has no non-empty 'text' field"
    return too_long(body, config)


def record_article(file: SourceFile, where: str, record: dict, encoding: str, source: str) -> RawArticle:
    """The article of a record that `record_problem` passed."""
    body = record["text"]
    return RawArticle(
        path=where,
        file_path=str(file.path),
        source=source,
        text=body,
        encoding=encoding,
        size_bytes=file.size_bytes,
        mtime_ns=file.mtime_ns,
        title=optional_str(record.get("title")) or first_line(body),
        url=optional_str(record.get("url")),
        published_at=parse_timestamp(record.get("published_at")),
    )


def first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:500]
    return None


def optional_str(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_timestamp(value: object) -> datetime | None:
    """ISO 8601 (or anything dateparser reads, or a Parquet timestamp or date) as an aware UTC
    datetime; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, date):
        parsed = datetime(value.year, value.month, value.day)
    elif isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):  # out of range: no usable time
            return None
    else:
        text = str(value).strip()
        try:
            parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            import dateparser  # slow to import; only for non-ISO metadata

            parsed = dateparser.parse(text, settings={"RETURN_AS_TIMEZONE_AWARE": True, "TIMEZONE": "UTC"})
            if parsed is None:
                return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)

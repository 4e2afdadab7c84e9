"""Web archives (`.warc`, `.warc.gz`; WARC/1.0 and 1.1, as Common Crawl's CC-NEWS ships them),
read with warcio (Webrecorder; pure Python, so one wheel serves every Python crosswire runs on,
and the tests write their archives with its writer).

One article per HTML `response` record with HTTP status 200, its main text extracted like an
`.html` file's; `url` is the record's `WARC-Target-URI`, `published_at` the page's own date, else
the `WARC-Date` of the capture; the outlet is the URL's host without `www.`. Requests, metadata,
`warcinfo`, `revisit`, non-HTML and non-200 records are not articles: they are skipped, and
counted in one note per file in `rejected_files` (path: the file). An article's path is
`file@OFFSET`, the byte offset of its record in the file.

A record that cannot be parsed (damaged headers, a gzip member that does not inflate) is rejected
with its offset; reading goes on from the next record start found after it (the next gzip member,
or the next `WARC/1.` line), so the rest of the file is kept. A record body is read with a cap
(`max_file_bytes`, after HTTP content decoding), so a decompression bomb is never held in memory.
"""

from __future__ import annotations

from collections import Counter
from typing import BinaryIO

from crosswire.ingest.decode import decode_bytes
from crosswire.ingest.html import extract_html
from crosswire.ingest.outlets import host_of, outlet_of
from crosswire.ingest.records import (
    IngestConfig,
    RawArticle,
    Rejection,
    SourceFile,
    UnreadableInput,
    first_line,
    optional_str,
    parse_timestamp,
    too_long,
)

HTML_TYPES = ("text/html", "application/xhtml+xml")
_GZIP_MEMBER = b"\x1f\x8b\x08"
_WARC_LINE = b"WARC/1."
_SCAN_CHUNK = 1 << 20


def warc_articles(
    file: SourceFile, handle: BinaryIO, config: IngestConfig, sidecar: dict
) -> tuple[list[RawArticle], list[Rejection]]:
    from warcio.archiveiterator import ArchiveIterator

    articles: list[RawArticle] = []
    rejected: list[Rejection] = []
    skipped: Counter[str] = Counter()
    compressed = handle.read(len(_GZIP_MEMBER)) == _GZIP_MEMBER
    marker = _GZIP_MEMBER if compressed else _WARC_LINE
    position, damaged_since = 0, None
    while position is not None:
        handle.seek(position)
        records = ArchiveIterator(handle)
        try:
            for record in records:
                offset = records.offset
                if damaged_since is not None:  # a record parsed: the damage ended before it
                    rejected.append(_damaged(file, *damaged_since))
                    damaged_since = None
                article = _record_article(file, record, offset, config, sidecar, skipped)
                if isinstance(article, RawArticle):
                    articles.append(article)
                elif article:
                    rejected.append(Rejection(f"{file.path}@{offset}", article))
            position = None
        except OSError:
            raise  # the disk failing: read_source_file rejects the whole file
        except Exception as error:  # warcio raises many kinds of error on malformed input
            offset = records.offset  # the record being read or parsed when it failed
            if damaged_since is None:  # failures with no good record between them: one damage
                damaged_since = (offset, error)
            position = _next_marker(handle, offset + 1, marker)
    if damaged_since is not None:
        rejected.append(_damaged(file, *damaged_since))
    if skipped:
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(skipped.items()))
        rejected.append(Rejection(str(file.path), f"WARC records skipped, not article pages: {counts}"))
    if not articles and not rejected:
        rejected.append(Rejection(str(file.path), "empty WARC file (no records)"))
    return articles, rejected


def _record_article(
    file: SourceFile, record, offset: int, config: IngestConfig, sidecar: dict, skipped: Counter[str]
) -> RawArticle | str | None:
    """The article of one record; a reason to reject it; or None when it is skipped (counted)."""
    if record.rec_type != "response":
        skipped[f"{record.rec_type}"] += 1
        return None
    http = record.http_headers
    status = http.get_statuscode() if http else None
    if status != "200":
        skipped[f"HTTP {status or 'non-HTTP'} response"] += 1
        return None
    content_type = (http.get_header("Content-Type") or "").split(";")[0].strip().lower()
    if content_type not in HTML_TYPES:
        skipped[f"{content_type or 'untyped'} response"] += 1
        return None
    body = record.content_stream().read(config.max_file_bytes + 1)
    if len(body) > config.max_file_bytes:
        return f"record larger than the {config.max_file_bytes / 2**20:g} MiB limit (--max-file-mb)"
    url = record.rec_headers.get_header("WARC-Target-URI")
    try:
        html, encoding = _decoded(body, http.get_header("Content-Type") or "")
        page = extract_html(html)
    except UnreadableInput as error:
        return f"{error} ({url})"
    problem = too_long(page["text"], config)
    if problem:
        return f"{problem} ({url})"
    captured = parse_timestamp(record.rec_headers.get_header("WARC-Date"))
    return RawArticle(
        path=f"{file.path}@{offset}",
        file_path=str(file.path),
        source=outlet_of(file, host_of(url), sidecar.get("source")),
        text=page["text"],
        encoding=encoding,
        size_bytes=file.size_bytes,
        mtime_ns=file.mtime_ns,
        title=optional_str(page["title"]) or first_line(page["text"]),
        url=optional_str(url),
        published_at=parse_timestamp(page["published_at"]) or captured,
    )


def _decoded(body: bytes, content_type: str) -> tuple[str, str]:
    """The page's text: in the charset its HTTP header names, else as a file is decoded."""
    charset = content_type.partition("charset=")[2].split(";")[0].strip().strip("\"'").lower()
    if charset:
        try:
            return body.decode(charset), charset
        except (LookupError, UnicodeDecodeError):
            pass
    return decode_bytes(body)


def _damaged(file: SourceFile, offset: int, error: Exception) -> Rejection:
    # warcio quotes the bytes it could not parse: keep the message readable
    detail = " ".join(str(error).split()).encode("ascii", "backslashreplace").decode()[:160]
    detail = detail or type(error).__name__
    return Rejection(f"{file.path}@{offset}", f"corrupt WARC record at byte {offset}: {detail}")


def _next_marker(handle: BinaryIO, start: int, marker: bytes) -> int | None:
    """The offset of the next `marker` (a record may start there) at or after `start`, or None."""
    handle.seek(start)
    base, tail = start, b""
    while chunk := handle.read(_SCAN_CHUNK):
        window = tail + chunk
        found = window.find(marker)
        if found >= 0:
            return base - len(tail) + found
        tail = window[-(len(marker) - 1) :]
        base += len(chunk)
    return None

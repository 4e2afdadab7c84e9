"""JSON Lines, plain or compressed (`.jsonl`, `.jsonl.gz`, `.jsonl.zst`): one article per line,
`text` required; `id`, `source`, `title`, `url`, `published_at` optional.

Read as a stream, one line at a time, each line read with a cap (`max_file_bytes`): a line over
it is skipped without being held in memory and rejected on its own, as is any other bad line,
while the good lines are kept. Compressed input is untrusted: a stream that expands more than
`MAX_EXPANSION` times its compressed size (past the cap) is a decompression bomb, and the file is
rejected; a stream corrupt or cut off half-way keeps the lines before the damage.
"""

from __future__ import annotations

import gzip
import io
import json
import zlib
from collections.abc import Iterator
from typing import BinaryIO

from crosswire.ingest.decode import BOMS, SNIFF_BYTES, binary_kind, decode_bytes, unmarked_utf16
from crosswire.ingest.outlets import outlet_of
from crosswire.ingest.records import (
    IngestConfig,
    RawArticle,
    Rejection,
    SourceFile,
    UnreadableInput,
    record_article,
    record_problem,
)

# news text compresses 3-10x (zstd's long window more on wire copy); 200x is built to expand
MAX_EXPANSION = 200
_SKIP_CHUNK = 1 << 20
_READ_BUFFER = 64 << 10  # small, so that damage half-way keeps the lines before it


def jsonl_articles(
    file: SourceFile, handle: BinaryIO, config: IngestConfig, sidecar: dict
) -> tuple[list[RawArticle], list[Rejection]]:
    """The articles of a JSONL file, plain or compressed as its name says."""
    articles: list[RawArticle] = []
    rejected: list[Rejection] = []
    line_no = 0
    try:
        stream = _decompressed(file, handle, config)
        for line_no, line, encoding in _jsonl_lines(stream, config):
            where = f"{file.path}:{line_no}"
            if isinstance(line, UnreadableInput):
                rejected.append(Rejection(where, f"line {line_no}: {line}"))
                continue
            if not line.strip():
                continue
            record = _json_record(line, line_no, config)
            if isinstance(record, str):
                rejected.append(Rejection(where, record))
                continue
            source = outlet_of(file, record.get("source"), sidecar.get("source"))
            articles.append(record_article(file, where, record, encoding, source))
    except UnreadableInput as error:
        return [], [Rejection(str(file.path), str(error))]
    except (EOFError, zlib.error, gzip.BadGzipFile, *_zstd_errors()) as error:
        # damage in the file, not a failing disk: keep the lines before it
        if not line_no:
            return [], [Rejection(str(file.path), f"not readable as {_compression(file)}: {error}")]
        where = f"{file.path}:{line_no + 1}"
        rejected.append(Rejection(where, f"compressed data corrupt or cut off after line {line_no}: {error}"))
    if not articles and not rejected:
        rejected.append(Rejection(str(file.path), "empty file (no JSON lines)"))
    return articles, rejected


def _decompressed(file: SourceFile, handle: BinaryIO, config: IngestConfig) -> BinaryIO:
    """The file's JSON Lines bytes: the handle itself, or its decompressed stream under a cap."""
    name = file.path.name.lower()
    if name.endswith(".gz"):
        stream: BinaryIO = gzip.GzipFile(fileobj=handle, mode="rb")
    elif name.endswith(".zst"):
        import zstandard

        stream = zstandard.ZstdDecompressor().stream_reader(handle)
    else:
        return handle
    limit = max(config.max_file_bytes, MAX_EXPANSION * file.size_bytes)
    return io.BufferedReader(_ExpansionLimit(stream, limit), buffer_size=_READ_BUFFER)


class _ExpansionLimit(io.RawIOBase):
    """A decompressed stream that refuses to give more than `limit` bytes in all."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self.stream, self.limit, self.total = stream, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = self.stream.readinto(buffer)  # type: ignore[attr-defined]
        self.total += n
        if self.total > self.limit:
            raise UnreadableInput(
                f"decompression bomb: expands past {self.limit / 2**20:,.0f} MiB, more than "
                f"{MAX_EXPANSION}x its size on disk; not read further"
            )
        return n


def _zstd_errors() -> tuple[type[Exception], ...]:
    try:
        import zstandard
    except ImportError:  # pragma: no cover - a dependency; kept optional for the plain formats
        return ()
    return (zstandard.ZstdError,)


def _jsonl_lines(handle: BinaryIO, config: IngestConfig) -> Iterator[tuple[int, str | UnreadableInput, str]]:
    """(line number, text or why it cannot be used, encoding) for each line, read as a stream.

    JSON Lines is UTF-8; a line that is not is decoded on its own like a file. A UTF-16 or
    UTF-32 file is decoded whole, within the size limit.
    """
    head = handle.peek(SNIFF_BYTES)[:SNIFF_BYTES]  # type: ignore[attr-defined]
    marked = (enc for bom, enc in BOMS if head.startswith(bom) and enc != "utf-8-sig")
    wide = next(marked, None) or unmarked_utf16(head)
    if wide:
        data = handle.read(config.max_file_bytes + 1)
        if len(data) > config.max_file_bytes:
            raise UnreadableInput(f"{wide} JSON Lines larger than the {_limit(config)}")
        text, encoding = decode_bytes(data)
        for line_no, line in enumerate(text.split("\n"), start=1):
            yield line_no, line, encoding
        return
    binary = binary_kind(head)
    if binary:
        raise UnreadableInput(f"binary file ({binary}), not text")
    encoding = "utf-8-sig" if head.startswith(BOMS[0][0]) else "utf-8"
    for line_no, raw in _capped_lines(handle, config.max_file_bytes):
        if raw is None:
            yield line_no, UnreadableInput(f"longer than the {_limit(config)}"), encoding
            continue
        if line_no == 1 and encoding == "utf-8-sig":
            raw = raw[len(BOMS[0][0]) :]
        try:
            yield line_no, raw.decode("utf-8"), encoding
        except UnicodeDecodeError:
            try:
                yield line_no, *decode_bytes(raw)
            except UnreadableInput as error:
                yield line_no, error, encoding


def _capped_lines(handle: BinaryIO, cap: int) -> Iterator[tuple[int, bytes | None]]:
    """(line number, bytes) for each line; None for a line over `cap` bytes, which is read past
    in chunks without being kept."""
    line_no = 0
    while raw := handle.readline(cap + 1):
        line_no += 1
        if len(raw) > cap and not raw.endswith(b"\n"):
            while (rest := handle.readline(_SKIP_CHUNK)) and not rest.endswith(b"\n"):
                pass
            yield line_no, None
        else:
            yield line_no, raw


def _limit(config: IngestConfig) -> str:
    return f"{config.max_file_bytes / 2**20:g} MiB limit (--max-file-mb)"


def _json_record(line: str, line_no: int, config: IngestConfig) -> dict | str:
    """The line's JSON object, or why it is not a usable article."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return f"invalid JSON on line {line_no}: {error.msg} (column {error.colno})"
    except (ValueError, RecursionError) as error:  # a 5,000-digit number, nesting too deep
        return f"invalid JSON on line {line_no}: {str(error).split(':')[0]}"
    return record_problem(record, f"line {line_no}", config) or record


def _compression(file: SourceFile) -> str:
    return "zstandard" if file.path.name.lower().endswith(".zst") else "gzip"

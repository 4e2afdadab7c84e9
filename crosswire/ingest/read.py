"""Discover and read stages: source paths in, raw articles (or reasons for rejecting them) out.

- discover: a source path is a file or a folder walked recursively for `.txt`, `.jsonl` and
  `.html`/`.htm` files. Hidden names (`.git/`, `.DS_Store`) and sidecars are passed over; any
  other file is rejected as not an article, and so is anything that is not a regular file (a
  named pipe would block the read forever). Symbolic links are not followed out of the given
  roots unless asked; a broken link and a link loop are rejected, each with its own reason.
- read: a file is opened once, checked against the size limit before and while it is read (so
  a 200 MB file costs nothing), and recorded with the size and modification time of what was
  read. A file deleted after discovery or not readable becomes a rejection, never an error.
- decode: a byte-order mark wins, then strict UTF-8, then UTF-8 whose few invalid bytes are read
  as Windows-1252, then UTF-16 without a mark, then the encoding charset-normalizer detects.
  Binary data (known magic numbers, NUL bytes) and empty files are rejected with a reason.
- `.txt`: the title is the first non-empty line. A sidecar `<file>.meta.json` may give `source`,
  `title`, `url`, `published_at` (for `.html` too, where it wins over the page's own metadata).
- `.html` (or a `.txt` that is an HTML page): the main text is extracted with trafilatura
  (Barbaresi 2021, ACL demos), its block elements becoming paragraphs; a page with no main text
  is rejected with that reason.
- `.jsonl`: one article per line (`text` required; `id`, `source`, `title`, `url`,
  `published_at` optional), streamed line by line; a bad line is rejected on its own while the
  good lines are kept.
- source (outlet): the JSONL field, else the sidecar, else the first folder under the source
  root, else the HTML page's site name, else the file stem.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import json
import os
import re
import stat
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from charset_normalizer import from_bytes

SUPPORTED_SUFFIXES = (".txt", ".jsonl", ".html", ".htm")
_HTML_SUFFIXES = (".html", ".htm")
_MAGIC_NUMBERS = {
    b"\x1f\x8b": "gzip archive",
    b"PK\x03\x04": "zip archive",
    b"%PDF": "PDF document",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
    b"GIF8": "GIF image",
    b"BZh": "bzip2 archive",
    b"\x7fELF": "executable",
}
_WESTERN = ("cp1252", "latin_1", "iso8859_15")
_BOMS = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
_SNIFF_BYTES = 8192
# a character normalization keeps: not whitespace, a control character or a zero-width mark, so
# text without one would become an empty document (which fails validation, and the whole batch)
_VISIBLE = re.compile(r"[^\s\x00-\x1f\x7f-\x9f\u200b\ufeff\u00ad]")
_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _invalid_utf8_as_cp1252(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: a stray byte in UTF-8 text is most often a pasted cp1252 character."""
    assert isinstance(error, UnicodeDecodeError)
    if error.end == len(error.object) and error.reason == "unexpected end of data":
        return "", error.end  # a character cut off at the end of the file
    return bytes(error.object[error.start : error.end]).decode("cp1252", errors="replace"), error.end


codecs.register_error("crosswire-cp1252", _invalid_utf8_as_cp1252)


@dataclass(frozen=True)
class IngestConfig:
    max_file_bytes: int = 64 * 1024 * 1024  # larger files are rejected with that reason
    follow_symlinks: bool = False  # read through links that leave the source roots
    suffixes: tuple[str, ...] = SUPPORTED_SUFFIXES


@dataclass(frozen=True)
class SourceFile:
    path: Path
    root: Path
    size_bytes: int
    mtime_ns: int


@dataclass(frozen=True)
class Rejection:
    path: str
    reason: str


@dataclass
class RawArticle:
    """One article as read from disk, before normalization."""

    path: str  # the file, or for a JSONL line 'file.jsonl:LINE'
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
    """Raised by `decode_bytes` with a reason a user can act on."""


# ---- discover -------------------------------------------------------------------------------


def discover_files(
    roots: Sequence[Path | str], config: IngestConfig = IngestConfig()
) -> tuple[list[SourceFile], list[Rejection]]:
    """Every supported file under the roots, sorted by path, plus paths that could not be used."""
    files: dict[Path, SourceFile] = {}
    rejected: dict[Rejection, None] = {}  # a path met under two roots is rejected once
    for root in (Path(r).absolute() for r in roots):
        if not root.exists() and not root.is_symlink():
            rejected[Rejection(str(root), "source path does not exist")] = None
            continue
        resolved_root = root.resolve() if root.exists() else root
        for path, problem in _walk(root, resolved_root, config):
            problem = problem or _file_problem(path, resolved_root, config)
            if problem:
                rejected[Rejection(str(path), problem)] = None
                continue
            try:
                status = path.stat()
            except OSError as error:
                rejected[Rejection(str(path), f"cannot stat file: {error.strerror or error}")] = None
                continue
            if not stat.S_ISREG(status.st_mode):
                rejected[Rejection(str(path), f"not a regular file ({_file_kind(status.st_mode)})")] = None
                continue
            files[path] = SourceFile(path, root, status.st_size, status.st_mtime_ns)
    return sorted(files.values(), key=lambda f: str(f.path)), list(rejected)


def _walk(root: Path, resolved_root: Path, config: IngestConfig) -> Iterator[tuple[Path, str | None]]:
    """(path, None) for every file under `root`, (path, reason) for a folder link not walked."""
    if not root.is_dir():
        yield root, None  # a file named on the command line, or something that is not a folder
        return
    walked = {resolved_root}
    for directory, dirnames, filenames in os.walk(root, followlinks=config.follow_symlinks):
        kept = []
        for name in sorted(dirnames):
            folder = Path(directory) / name
            if name.startswith("."):
                continue
            if folder.is_symlink():
                target = folder.resolve()
                if not config.follow_symlinks:
                    if not target.is_relative_to(resolved_root):
                        yield folder, _leaves_root(target)
                    continue  # a folder inside the root is walked where it really is
                if Path(directory).resolve().is_relative_to(target):
                    yield folder, f"symbolic link loop: leads back to {target}, a folder it is in"
                    continue
                if target in walked:
                    yield folder, f"symbolic link to {target}, a folder read already"
                    continue
            walked.add(folder.resolve())
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            # a sidecar is read with the file it describes
            if not name.startswith(".") and not name.endswith(".meta.json"):
                yield Path(directory) / name, None


def _file_problem(path: Path, resolved_root: Path, config: IngestConfig) -> str | None:
    """Why a walked path is not an article file to read, or None."""
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (RuntimeError, OSError) as error:
            # a loop raises RuntimeError up to Python 3.12, OSError(ELOOP) from 3.13 on
            if isinstance(error, RuntimeError) or error.errno == errno.ELOOP:
                return "symbolic link loop (following it never reaches a file)"
            return f"broken symbolic link: its target {os.readlink(path)} does not exist"
        root_dir = resolved_root if resolved_root.is_dir() else resolved_root.parent
        if not config.follow_symlinks and not target.is_relative_to(root_dir):
            return _leaves_root(target)
    if path.suffix.lower() not in config.suffixes:
        kind = f"'{path.suffix}' file" if path.suffix else "file without an extension"
        return f"not an article file ({kind}); crosswire reads {', '.join(config.suffixes)}"
    return None


def _leaves_root(target: Path) -> str:
    return f"symbolic link leaves the source root (to {target}); pass --follow-symlinks to read it"


def _file_kind(mode: int) -> str:
    return next((kind for test, kind in _FILE_KINDS if test(mode)), "not a plain file")


# ---- decode ---------------------------------------------------------------------------------


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode article bytes: BOM, else UTF-8, else the detected encoding. Returns (text, encoding).

    The encoding is a Python codec name, or `utf-8+cp1252` for UTF-8 holding a few bytes that are
    not (a pasted Windows-1252 `£` or `’`): those bytes are read as Windows-1252, and a character
    cut off at the end of the file is dropped.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise UnreadableInput(
                    f"invalid {encoding} after its byte-order mark: {error.reason}"
                ) from None
    binary = _binary_kind(data[:_SNIFF_BYTES])
    if binary:
        raise UnreadableInput(f"binary file ({binary}), not text")
    unmarked_utf16 = _unmarked_utf16(data[:_SNIFF_BYTES])
    if unmarked_utf16:
        try:
            return data.decode(unmarked_utf16), unmarked_utf16
        except UnicodeDecodeError:
            raise UnreadableInput("binary file (contains NUL bytes), not text") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(data):
        return data.decode("utf-8", errors="crosswire-cp1252"), "utf-8+cp1252"
    if len(data) - len(data.decode("ascii", errors="ignore")) <= max(3, len(data) // 50):
        # too few non-ASCII bytes for detection to tell encodings apart (a lone \x92 reads as
        # Ukrainian cp1125): take the commonest legacy encoding of Western news
        with contextlib.suppress(UnicodeDecodeError):
            return data.decode("cp1252"), "cp1252"
    matches = list(from_bytes(data[: 1 << 20]))
    if not matches:
        raise UnreadableInput("not decodable as text: no encoding fits these bytes")
    # charset-normalizer ranks by chaos alone, which a single stray byte (a cp1252 pound sign)
    # cannot separate; language coherence can, so rank by coherence minus chaos, with a small
    # head start for Windows-1252, by far the commonest legacy encoding of Western news.
    encoding = max(
        matches, key=lambda m: m.coherence - m.chaos + (0.1 if m.encoding in _WESTERN else 0.0)
    ).encoding
    try:
        return data.decode(encoding), encoding
    except (UnicodeDecodeError, LookupError):
        raise UnreadableInput(f"not decodable as text: detected {encoding} does not fit every byte") from None


def _binary_kind(head: bytes) -> str | None:
    """What binary data the first bytes of a file show (a magic number, NUL bytes), or None."""
    for magic, kind in _MAGIC_NUMBERS.items():
        if head.startswith(magic):
            return kind
    if head.count(b"\x00") > len(head) // 100 and not _unmarked_utf16(head):
        return "contains NUL bytes"
    return None


def _unmarked_utf16(head: bytes) -> str | None:
    """'utf-16-le'/'utf-16-be' for mostly-Latin UTF-16 without a byte-order mark: NUL every other byte."""
    even, odd = head[0::2], head[1::2]
    if len(odd) < 8:
        return None
    if odd.count(0) > 0.9 * len(odd) and even.count(0) < 0.1 * len(even):
        return "utf-16-le"
    if even.count(0) > 0.9 * len(even) and odd.count(0) < 0.1 * len(odd):
        return "utf-16-be"
    return None


def _mostly_utf8(data: bytes) -> bool:
    """Whether bytes that are not valid UTF-8 hold more valid multi-byte characters than invalid bytes."""
    replaced = data.decode("utf-8", errors="replace")
    invalid = replaced.count("\ufffd") - data.count("\ufffd".encode())
    non_ascii = len(replaced) - len(replaced.encode("ascii", errors="ignore"))
    return non_ascii - invalid >= max(invalid, 1)


# ---- read -----------------------------------------------------------------------------------


def read_source_file(
    file: SourceFile, config: IngestConfig = IngestConfig()
) -> tuple[list[RawArticle], list[Rejection]]:
    """Read one discovered file into articles; never raises for bad content or a vanished file.

    Either every article of the file is returned or none (a read that fails half-way rejects
    the file), so the file manifest never records a file whose rest was not read.
    """
    path = str(file.path)
    if file.size_bytes > config.max_file_bytes:
        return [], [Rejection(path, _too_large(config))]
    try:
        with _open_source(file.path) as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                return [], [Rejection(path, f"not a regular file ({_file_kind(status.st_mode)})")]
            # the size and time of what is read, which the manifest compares on the next run
            read = SourceFile(file.path, file.root, status.st_size, status.st_mtime_ns)
            if read.size_bytes > config.max_file_bytes:
                return [], [Rejection(path, _too_large(config))]
            if file.path.suffix.lower() == ".jsonl":
                return _jsonl_articles(read, handle, config)
            data = handle.read(config.max_file_bytes + 1)
    except FileNotFoundError:
        return [], [Rejection(path, "file disappeared before it could be read (deleted or moved)")]
    except PermissionError:
        return [], [Rejection(path, "permission denied: crosswire may not read this file")]
    except OSError as error:
        return [], [Rejection(path, f"cannot read file: {error.strerror or error}")]
    if len(data) > config.max_file_bytes:  # it grew after it was measured
        return [], [Rejection(path, _too_large(config))]
    try:
        text, encoding = decode_bytes(data)
    except UnreadableInput as error:
        return [], [Rejection(path, str(error))]
    if not _VISIBLE.search(text):
        return [], [Rejection(path, "empty file (no text)")]
    sidecar = _read_sidecar(file.path)
    if isinstance(sidecar, Rejection):
        return [], [sidecar]
    page: dict = {}
    if file.path.suffix.lower() in _HTML_SUFFIXES or _looks_like_html(text):
        try:
            page = extract_html(text)
        except UnreadableInput as error:
            return [], [Rejection(path, str(error))]
        text = page["text"]
    metadata = {**page, **sidecar}
    article = RawArticle(
        path=path,
        file_path=path,
        source=_source_for(read, sidecar.get("source"), page.get("sitename")),
        text=text,
        encoding=encoding,
        size_bytes=read.size_bytes,
        mtime_ns=read.mtime_ns,
        title=_optional_str(metadata.get("title")) or _first_line(text),
        url=_optional_str(metadata.get("url")),
        published_at=parse_timestamp(metadata.get("published_at")),
    )
    return [article], []


def _open_source(path: Path) -> BinaryIO:
    # O_NONBLOCK: a file swapped for a named pipe after discovery fails instead of blocking
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb")


def _too_large(config: IngestConfig) -> str:
    return f"file is larger than the {config.max_file_bytes / 2**20:g} MiB limit (--max-file-mb)"


def _looks_like_html(text: str) -> bool:
    return text.lstrip()[:100].lower().startswith(("<!doctype html", "<html"))


def extract_html(html: str) -> dict:
    """The main text of an HTML page (its block elements as paragraphs) and its metadata: keys
    `text`, `title`, `url`, `published_at`, `sitename`. Raises `UnreadableInput` for a page
    without main text."""
    import trafilatura  # slow to import; only for HTML input
    from trafilatura.settings import DEFAULT_CONFIG

    limit = DEFAULT_CONFIG.getint("DEFAULT", "MAX_FILE_SIZE")
    if len(html) > limit:
        raise UnreadableInput(f"HTML page larger than the {limit / 1e6:g} MB trafilatura reads")
    page = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, include_tables=False, favor_precision=True
    )
    lines = [line.strip() for line in (page.text or "").splitlines()] if page else []
    if not _VISIBLE.search("".join(lines)):
        raise UnreadableInput("HTML page without article text (trafilatura found no main content)")
    return {
        "text": "\n\n".join(line for line in lines if line),
        "title": page.title,
        "url": page.url,
        "published_at": page.date,
        "sitename": page.sitename,
    }


def _jsonl_articles(
    file: SourceFile, handle: BinaryIO, config: IngestConfig
) -> tuple[list[RawArticle], list[Rejection]]:
    articles: list[RawArticle] = []
    rejected: list[Rejection] = []
    try:
        for line_no, line, encoding in _jsonl_lines(handle, config):
            where = f"{file.path}:{line_no}"
            if isinstance(line, UnreadableInput):
                rejected.append(Rejection(where, f"line {line_no}: {line}"))
                continue
            if not line.strip():
                continue
            record = _json_record(line, line_no)
            if isinstance(record, str):
                rejected.append(Rejection(where, record))
                continue
            articles.append(_jsonl_article(file, where, record, encoding))
    except UnreadableInput as error:
        return [], [Rejection(str(file.path), str(error))]
    if not articles and not rejected:
        rejected.append(Rejection(str(file.path), "empty file (no JSON lines)"))
    return articles, rejected


def _jsonl_lines(handle: BinaryIO, config: IngestConfig) -> Iterator[tuple[int, str | UnreadableInput, str]]:
    """(line number, text or why it cannot be decoded, encoding) for each line, read as a stream.

    JSON Lines is UTF-8; a line that is not is decoded on its own like a file. A UTF-16 or
    UTF-32 file is decoded whole, within the size limit.
    """
    head = handle.peek(_SNIFF_BYTES)[:_SNIFF_BYTES]  # type: ignore[attr-defined]
    marked = (enc for bom, enc in _BOMS if head.startswith(bom) and enc != "utf-8-sig")
    wide = next(marked, None) or _unmarked_utf16(head)
    if wide:
        text, encoding = decode_bytes(handle.read(config.max_file_bytes + 1))
        for line_no, line in enumerate(text.split("\n"), start=1):
            yield line_no, line, encoding
        return
    binary = _binary_kind(head)
    if binary:
        raise UnreadableInput(f"binary file ({binary}), not text")
    encoding = "utf-8-sig" if head.startswith(_BOMS[0][0]) else "utf-8"
    for line_no, raw in enumerate(handle, start=1):
        if line_no == 1 and encoding == "utf-8-sig":
            raw = raw[len(_BOMS[0][0]) :]
        try:
            yield line_no, raw.decode("utf-8"), encoding
        except UnicodeDecodeError:
            try:
                yield line_no, *decode_bytes(raw)
            except UnreadableInput as error:
                yield line_no, error, encoding


def _json_record(line: str, line_no: int) -> dict | str:
    """The line's JSON object, or why it is not a usable article."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return f"invalid JSON on line {line_no}: {error.msg} (column {error.colno})"
    except (ValueError, RecursionError) as error:  # a 5,000-digit number, nesting too deep
        return f"invalid JSON on line {line_no}: {str(error).split(':')[0]}"
    if not isinstance(record, dict):
        return f"line {line_no} is not a JSON object"
    body = record.get("text")
    if not isinstance(body, str) or not _VISIBLE.search(body):
        return f"line {line_no} has no non-empty 'text' field"
    return record


def _jsonl_article(file: SourceFile, where: str, record: dict, encoding: str) -> RawArticle:
    body = record["text"]
    return RawArticle(
        path=where,
        file_path=str(file.path),
        source=_source_for(file, record.get("source")),
        text=body,
        encoding=encoding,
        size_bytes=file.size_bytes,
        mtime_ns=file.mtime_ns,
        title=_optional_str(record.get("title")) or _first_line(body),
        url=_optional_str(record.get("url")),
        published_at=parse_timestamp(record.get("published_at")),
    )


def _read_sidecar(path: Path) -> dict | Rejection:
    for candidate in (path.with_name(path.name + ".meta.json"), path.with_suffix(".meta.json")):
        if candidate.is_file():
            try:
                meta = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
                return Rejection(str(path), f"sidecar {candidate.name} is not valid JSON: {error}")
            return (
                meta if isinstance(meta, dict) else Rejection(str(path), f"{candidate.name} is not an object")
            )
    return {}


def _source_for(file: SourceFile, given: object, page_site: object = None) -> str:
    if isinstance(given, str) and given.strip():
        return given.strip()
    if file.root.is_dir():
        relative = file.path.relative_to(file.root)
        if len(relative.parts) > 1:
            return relative.parts[0]
    if isinstance(page_site, str) and page_site.strip():
        return page_site.strip()
    return file.path.stem


def _first_line(text: str) -> str | None:
    for line in text.splitlines():
        if line.strip():
            return line.strip()[:500]
    return None


def _optional_str(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_timestamp(value: object) -> datetime | None:
    """ISO 8601 (or anything dateparser reads) as an aware UTC datetime; None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):  # out of range: no usable time
            return None
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

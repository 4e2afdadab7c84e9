"""Discover and read stages: source paths in, raw articles (or reasons for rejecting them) out.

- discover: a source path is a file or a folder walked recursively for `.txt` and `.jsonl`
  files; symbolic links are not followed out of the given roots unless asked.
- read and decode: a byte-order mark wins, then strict UTF-8, then the encoding
  charset-normalizer detects; binary data (known magic numbers, NUL bytes) and empty files
  are rejected with a reason instead of raising.
- metadata: `.txt` takes its title from the first non-empty line; `.jsonl` holds one article
  per line (`text` required; `id`, `source`, `title`, `url`, `published_at` optional), and a bad
  line is rejected on its own while the good lines are kept. A sidecar `<file>.meta.json` may
  give `source`, `title`, `url`, `published_at` for a `.txt` file.
- source (outlet): the JSONL field, else the sidecar, else the first folder under the source
  root, else the file stem.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from charset_normalizer import from_bytes

SUPPORTED_SUFFIXES = (".txt", ".jsonl")
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

    path: str
    file_path: str
    source: str
    text: str
    encoding: str
    size_bytes: int
    mtime_ns: int
    title: str | None = None
    url: str | None = None
    published_at: datetime | None = None
    metadata: dict = field(default_factory=dict)


class UnreadableInput(ValueError):
    """Raised by `decode_bytes` with a reason a user can act on."""


def discover_files(
    roots: Sequence[Path | str], config: IngestConfig = IngestConfig()
) -> tuple[list[SourceFile], list[Rejection]]:
    """Every supported file under the roots, sorted by path, plus paths that could not be used."""
    files: dict[Path, SourceFile] = {}
    rejected: list[Rejection] = []
    for root in (Path(r).absolute() for r in roots):
        if not root.exists() and not root.is_symlink():
            rejected.append(Rejection(str(root), "source path does not exist"))
            continue
        resolved_root = root.resolve()
        candidates = [root] if root.is_file() or root.is_symlink() and not root.is_dir() else _walk(root)
        for path in candidates:
            if path.name.endswith(".meta.json") or path.suffix.lower() not in config.suffixes:
                continue
            problem = _link_problem(path, resolved_root, config)
            if problem:
                rejected.append(Rejection(str(path), problem))
                continue
            try:
                stat = path.stat()
            except OSError as error:
                rejected.append(Rejection(str(path), f"cannot stat file: {error.strerror or error}"))
                continue
            files[path] = SourceFile(path, root, stat.st_size, stat.st_mtime_ns)
    return sorted(files.values(), key=lambda f: str(f.path)), rejected


def _walk(root: Path) -> Iterable[Path]:
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames.sort()
        for name in sorted(filenames):
            yield Path(directory) / name


def _link_problem(path: Path, resolved_root: Path, config: IngestConfig) -> str | None:
    if not path.is_symlink():
        return None
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return "broken symbolic link or link loop"
    root_dir = resolved_root if resolved_root.is_dir() else resolved_root.parent
    if not config.follow_symlinks and not target.is_relative_to(root_dir):
        return f"symbolic link leaves the source root (to {target}); pass --follow-symlinks to read it"
    return None


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode article bytes: BOM, else UTF-8, else the detected encoding. Returns (text, encoding)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as error:
                raise UnreadableInput(
                    f"invalid {encoding} after its byte-order mark: {error.reason}"
                ) from None
    for magic, kind in _MAGIC_NUMBERS.items():
        if data.startswith(magic):
            raise UnreadableInput(f"binary file ({kind}), not text")
    if b"\x00" in data[:8192] and data[:8192].count(b"\x00") > len(data[:8192]) // 100:
        raise UnreadableInput("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
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


def read_source_file(
    file: SourceFile, config: IngestConfig = IngestConfig()
) -> tuple[list[RawArticle], list[Rejection]]:
    """Read one discovered file into articles; never raises for bad content."""
    path = str(file.path)
    if file.size_bytes > config.max_file_bytes:
        limit = config.max_file_bytes // (1024 * 1024)
        return [], [Rejection(path, f"file is larger than the {limit} MiB limit (--max-file-mb)")]
    try:
        data = file.path.read_bytes()
    except FileNotFoundError:
        return [], [Rejection(path, "file disappeared before it could be read")]
    except OSError as error:
        return [], [Rejection(path, f"cannot read file: {error.strerror or error}")]
    try:
        text, encoding = decode_bytes(data)
    except UnreadableInput as error:
        return [], [Rejection(path, str(error))]
    if file.path.suffix.lower() == ".jsonl":
        return _jsonl_articles(file, text, encoding)
    if not text.strip():
        return [], [Rejection(path, "empty file (no text)")]
    sidecar = _read_sidecar(file.path)
    if isinstance(sidecar, Rejection):
        return [], [sidecar]
    article = RawArticle(
        path=path,
        file_path=path,
        source=_source_for(file, sidecar.get("source")),
        text=text,
        encoding=encoding,
        size_bytes=file.size_bytes,
        mtime_ns=file.mtime_ns,
        title=sidecar.get("title") or _first_line(text),
        url=sidecar.get("url"),
        published_at=parse_timestamp(sidecar.get("published_at")),
        metadata=sidecar,
    )
    return [article], []


def _jsonl_articles(file: SourceFile, text: str, encoding: str) -> tuple[list[RawArticle], list[Rejection]]:
    articles: list[RawArticle] = []
    rejected: list[Rejection] = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{file.path}:{line_no}"
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            rejected.append(Rejection(where, f"invalid JSON on line {line_no}: {error.msg}"))
            continue
        if not isinstance(record, dict):
            rejected.append(Rejection(where, f"line {line_no} is not a JSON object"))
            continue
        body = record.get("text")
        if not isinstance(body, str) or not body.strip():
            rejected.append(Rejection(where, f"line {line_no} has no non-empty 'text' field"))
            continue
        articles.append(
            RawArticle(
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
                metadata={k: v for k, v in record.items() if k != "text"},
            )
        )
    if not articles and not rejected:
        rejected.append(Rejection(str(file.path), "empty file (no JSON lines)"))
    return articles, rejected


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


def _source_for(file: SourceFile, given: object) -> str:
    if isinstance(given, str) and given.strip():
        return given.strip()
    if file.root.is_dir():
        relative = file.path.relative_to(file.root)
        if len(relative.parts) > 1:
            return relative.parts[0]
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
    if isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
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

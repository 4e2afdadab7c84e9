"""Discover and read stages: source paths in, raw articles (or reasons for rejecting them) out.

- discover: a source is a file or a folder walked recursively for the formats below, written
  `PATH` or `OUTLET=PATH` (`crosswire.ingest.outlets`). Hidden names (`.git/`, `.DS_Store`) and
  sidecars are passed over; any other file is rejected as not an article, and so is anything
  that is not a regular file (a named pipe would block the read forever). Symbolic links are not
  followed out of the given roots unless asked; a broken link and a link loop are rejected, each
  with its own reason.
- read: a file is opened once and recorded with the size and modification time of what was
  read. A file deleted after discovery or not readable becomes a rejection, never an error.
  Either every article of a file is returned or none when the read itself fails half-way (a
  disk error), so the file manifest never records a file whose rest was not read.
- one document a file (`.txt`, `.html`/`.htm`): checked against `max_file_bytes` before and
  while it is read (so a 200 MB file costs nothing), decoded (`crosswire.ingest.decode`); the
  title is the first non-empty line. A sidecar `<file>.meta.json` may give `source`, `title`,
  `url`, `published_at` (for `.html` too, where it wins over the page's own metadata). An HTML
  page (or a `.txt` that is one) gives its main text (`crosswire.ingest.html`).
- many documents a file (`crosswire.ingest.jsonl`: `.jsonl`, `.jsonl.gz`, `.jsonl.zst`;
  `crosswire.ingest.tables`: `.parquet`, `.csv`; `crosswire.ingest.warc`: `.warc`,
  `.warc.gz`): streamed, `max_file_bytes` applying to each record; a bad record is rejected on
  its own (`file:LINE`, `file:ROW`, `file@OFFSET`) while the good ones are kept.
- a document longer than `max_doc_chars` is rejected with its length and the limit.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import BinaryIO

from crosswire.ingest.decode import decode_bytes
from crosswire.ingest.html import extract_html, looks_like_html
from crosswire.ingest.jsonl import jsonl_articles
from crosswire.ingest.outlets import outlet_of, parse_source
from crosswire.ingest.records import (
    FORMATS,
    VISIBLE,
    IngestConfig,
    RawArticle,
    Rejection,
    SourceFile,
    UnreadableInput,
    file_format,
    parse_timestamp,
    record_article,
    too_long,
)
from crosswire.ingest.tables import csv_articles, parquet_articles
from crosswire.ingest.warc import warc_articles

__all__ = [
    "IngestConfig",
    "RawArticle",
    "Rejection",
    "SourceFile",
    "UnreadableInput",
    "decode_bytes",
    "discover_files",
    "parse_timestamp",
    "read_source_file",
]

Reader = Callable[[SourceFile, BinaryIO, IngestConfig, dict], tuple[list[RawArticle], list[Rejection]]]
# formats of many documents a file, each streamed by its reader with a cap on each record
RECORD_READERS: dict[str, Reader] = {
    ".jsonl": jsonl_articles,
    ".jsonl.gz": jsonl_articles,
    ".jsonl.zst": jsonl_articles,
    ".parquet": parquet_articles,
    ".csv": csv_articles,
    ".warc": warc_articles,
    ".warc.gz": warc_articles,
}
_HTML_SUFFIXES = (".html", ".htm")

_FILE_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


# ---- discover -------------------------------------------------------------------------------


# `crosswire run` walks the sources before its flow starts (to fail fast, and to see whether
# anything changed); the flow's discover task, in the same process, takes that walk instead of
# repeating it (1.8 s for 100,000 files). Kept for one use, for the same roots and config.
_walk_handed_over: dict[tuple, tuple[list[SourceFile], list[Rejection]]] = {}


def hand_over_discovery(
    roots: Sequence[Path | str], config: IngestConfig, found: tuple[list[SourceFile], list[Rejection]] | None
) -> None:
    """Keep `found` for the next `discover_files(roots, config, reuse=True)` in this process
    (`None` for found: forget what was kept)."""
    _walk_handed_over.clear()
    if found is not None:
        _walk_handed_over[_walk_key(roots, config)] = found


def _walk_key(roots: Sequence[Path | str], config: IngestConfig) -> tuple:
    return tuple(str(Path(root)) for root in roots), config


def discover_files(
    roots: Sequence[Path | str], config: IngestConfig = IngestConfig(), *, reuse: bool = False
) -> tuple[list[SourceFile], list[Rejection]]:
    """Every supported file under the roots (each `PATH` or `OUTLET=PATH`), sorted by path, plus
    paths that could not be used. With `reuse`, the walk handed over for these roots and config
    (`hand_over_discovery`), if any, is taken instead."""
    if reuse and (found := _walk_handed_over.pop(_walk_key(roots, config), None)) is not None:
        return found
    files: dict[Path, SourceFile] = {}
    rejected: dict[Rejection, None] = {}  # a path met under two roots is rejected once
    for spec in roots:
        given, outlet = parse_source(spec)
        root = given.absolute()
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
            files[path] = SourceFile(path, root, status.st_size, status.st_mtime_ns, outlet)
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
    if file_format(path) is None:
        kind = f"'{path.suffix}' file" if path.suffix else "file without an extension"
        return f"not an article file ({kind}); crosswire reads {', '.join(FORMATS)}"
    return None


def _leaves_root(target: Path) -> str:
    return f"symbolic link leaves the source root (to {target}); pass --follow-symlinks to read it"


def _file_kind(mode: int) -> str:
    return next((kind for test, kind in _FILE_KINDS if test(mode)), "not a plain file")


# ---- read -----------------------------------------------------------------------------------


def read_source_file(
    file: SourceFile, config: IngestConfig = IngestConfig()
) -> tuple[list[RawArticle], list[Rejection]]:
    """Read one discovered file into articles; never raises for bad content or a vanished file.

    A file of many records returns its good records' articles and rejects its bad ones one by
    one; a read that fails half-way (a disk error) rejects the whole file.
    """
    path = str(file.path)
    reader = RECORD_READERS.get(file_format(file.path) or "")
    if reader is None and file.size_bytes > config.max_file_bytes:
        return [], [Rejection(path, _too_large(config))]
    sidecar = _read_sidecar(file.path)
    if isinstance(sidecar, Rejection):
        return [], [sidecar]
    try:
        with _open_source(file.path) as handle:
            status = os.fstat(handle.fileno())
            if not stat.S_ISREG(status.st_mode):
                return [], [Rejection(path, f"not a regular file ({_file_kind(status.st_mode)})")]
            # the size and time of what is read, which the manifest compares on the next run
            read = SourceFile(file.path, file.root, status.st_size, status.st_mtime_ns, file.outlet)
            if reader is not None:
                return reader(read, handle, config, sidecar)
            if read.size_bytes > config.max_file_bytes:
                return [], [Rejection(path, _too_large(config))]
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
        article = _file_article(read, data, sidecar, config)
    except UnreadableInput as error:
        return [], [Rejection(path, str(error))]
    return [article], []


def _file_article(file: SourceFile, data: bytes, sidecar: dict, config: IngestConfig) -> RawArticle:
    """The one article of a `.txt` or `.html` file; raises `UnreadableInput` saying why not."""
    text, encoding = decode_bytes(data)
    if not VISIBLE.search(text):
        raise UnreadableInput("empty file (no text)")
    page: dict = {}
    if file.path.suffix.lower() in _HTML_SUFFIXES or looks_like_html(text):
        page = extract_html(text)
        text = page["text"]
    problem = too_long(text, config)
    if problem:
        raise UnreadableInput(problem)
    source = outlet_of(file, sidecar=sidecar.get("source"), site_name=page.get("sitename"))
    return record_article(file, str(file.path), {**page, **sidecar, "text": text}, encoding, source)


def _open_source(path: Path) -> BinaryIO:
    # O_NONBLOCK: a file swapped for a named pipe after discovery fails instead of blocking
    return os.fdopen(os.open(path, os.O_RDONLY | os.O_NONBLOCK), "rb")


def _too_large(config: IngestConfig) -> str:
    return f"file is larger than the {config.max_file_bytes / 2**20:g} MiB limit (--max-file-mb)"


def _read_sidecar(path: Path) -> dict | Rejection:
    """The sidecar `<file>.meta.json` (or `<stem>.meta.json`) of a file, {} when it has none."""
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

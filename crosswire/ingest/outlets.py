"""Which outlet an article belongs to: the `source` of every document, which dedup's
cross-source views (`outlet_originality`, `source_overlap`) compare.

First match wins:
1. the record's own field: a JSONL/Parquet/CSV `source`, a WARC record's host (`www.` dropped);
2. the sidecar `<file>.meta.json`'s `source`;
3. the outlet named on the command line: `--source OUTLET=PATH`;
4. the first folder under the source root (`corpus/reuters/2017/a.txt` -> `reuters`);
5. an HTML page's own site name (`og:site_name`);
6. the source folder's own name, so a flat folder is one outlet (`bbc-politics/001.txt` ->
   `bbc-politics`); a file named as a source is its own outlet (`wire.jsonl` -> `wire`).
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from crosswire.ingest.records import SourceFile, file_format


def parse_source(spec: str | Path) -> tuple[Path, str | None]:
    """A `--source` value as (path, outlet or None). `OUTLET=PATH` names the outlet, unless the
    value exists as written (a path may hold `=`) or OUTLET holds a path separator."""
    text = str(spec)
    path = Path(text)
    outlet, equals, rest = text.partition("=")
    if path.exists() or path.is_symlink() or not equals or not outlet.strip() or "/" in outlet:
        return path, None
    return Path(rest), outlet.strip()


def outlet_of(
    file: SourceFile, field: object = None, sidecar: object = None, site_name: object = None
) -> str:
    """The outlet of an article of `file`, by the rules in this module's docstring."""
    for given in (field, sidecar, file.outlet):
        if isinstance(given, str) and given.strip():
            return given.strip()
    if file.root.is_dir():
        relative = file.path.relative_to(file.root)
        if len(relative.parts) > 1:
            return relative.parts[0]
    if isinstance(site_name, str) and site_name.strip():
        return site_name.strip()
    if file.root.is_dir() and file.root.name:
        return file.root.name
    suffix = file_format(file.path) or file.path.suffix
    return file.path.name.removesuffix(suffix) or file.path.name


def host_of(url: object) -> str | None:
    """The host of a URL without `www.`, lower-cased: a web page's outlet."""
    if not isinstance(url, str):
        return None
    host = (urlsplit(url.strip()).hostname or "").removeprefix("www.")
    return host or None

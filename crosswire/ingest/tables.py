"""Table exports (`.parquet`, `.csv`) with the JSON Lines columns: `text` required; `id`,
`source`, `title`, `url`, `published_at` optional; other columns are ignored.

Both are streamed: Parquet row group by row group in batches of `BATCH_ROWS` rows through
pyarrow (only the known columns are decoded), CSV row by row through the csv module (UTF-8, a
stray byte read as Windows-1252), so a 5 GB export never sits in memory whole. A bad row is
rejected on its own as `file:ROW` (ROW counts data rows from 1, the header not counted); a
Parquet row group that cannot be decoded rejects its rows, and the other groups are kept.
"""

from __future__ import annotations

import csv
import io
from typing import BinaryIO

from crosswire.ingest.decode import STRAY_BYTES_AS_CP1252
from crosswire.ingest.outlets import outlet_of
from crosswire.ingest.records import (
    IngestConfig,
    RawArticle,
    Rejection,
    SourceFile,
    record_article,
    record_problem,
)

COLUMNS = ("text", "id", "source", "title", "url", "published_at")
BATCH_ROWS = 1000
_READ_BUFFER = 8 << 20  # column chunks are read through a buffer of this size, not whole


class _Rows:
    """Collects a table's articles and rejections, row by row."""

    def __init__(self, file: SourceFile, config: IngestConfig, sidecar: dict) -> None:
        self.file, self.config, self.sidecar = file, config, sidecar
        self.articles: list[RawArticle] = []
        self.rejected: list[Rejection] = []
        self.n_rows = 0

    def add(self, record: dict) -> None:
        self.n_rows += 1
        where = f"{self.file.path}:{self.n_rows}"
        problem = record_problem(record, f"row {self.n_rows}", self.config)
        if problem:
            self.rejected.append(Rejection(where, problem))
            return
        source = outlet_of(self.file, record.get("source"), self.sidecar.get("source"))
        self.articles.append(record_article(self.file, where, record, "utf-8", source))

    def reject(self, where: str, reason: str) -> None:
        self.rejected.append(Rejection(where, reason))

    def result(self) -> tuple[list[RawArticle], list[Rejection]]:
        if not self.articles and not self.rejected:
            self.rejected.append(Rejection(str(self.file.path), "empty table (no rows)"))
        return self.articles, self.rejected


def parquet_articles(
    file: SourceFile, handle: BinaryIO, config: IngestConfig, sidecar: dict
) -> tuple[list[RawArticle], list[Rejection]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(handle, buffer_size=_READ_BUFFER)
    except (pa.ArrowException, ValueError) as error:
        return [], [Rejection(str(file.path), f"not a readable Parquet file: {error}")]
    names = parquet.schema_arrow.names
    if "text" not in names:
        return [], [Rejection(str(file.path), _no_text_column(names))]
    columns = [name for name in COLUMNS if name in names]
    rows = _Rows(file, config, sidecar)
    for group in range(parquet.num_row_groups):
        end = rows.n_rows + parquet.metadata.row_group(group).num_rows
        try:
            for batch in parquet.iter_batches(BATCH_ROWS, row_groups=[group], columns=columns):
                for record in batch.to_pylist():
                    rows.add(record)
        except (pa.ArrowException, ValueError) as error:
            first = rows.n_rows + 1
            rows.reject(
                f"{file.path}:{first}-{end}", f"rows {first}-{end}: row group {group} unreadable: {error}"
            )
            rows.n_rows = end
    return rows.result()


def csv_articles(
    file: SourceFile, handle: BinaryIO, config: IngestConfig, sidecar: dict
) -> tuple[list[RawArticle], list[Rejection]]:
    # a field may be as long as a record may be (the csv module's default is 128 KiB)
    csv.field_size_limit(max(csv.field_size_limit(), config.max_file_bytes))
    text = io.TextIOWrapper(handle, encoding="utf-8-sig", errors=STRAY_BYTES_AS_CP1252, newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        return [], [Rejection(str(file.path), "empty file (no CSV header)")]
    except csv.Error as error:
        return [], [Rejection(str(file.path), f"not a readable CSV header: {error}")]
    if "text" not in header:
        return [], [Rejection(str(file.path), _no_text_column(header))]
    rows = _Rows(file, config, sidecar)
    while True:
        try:
            values = next(reader)
        except StopIteration:
            break
        except csv.Error as error:
            rows.n_rows += 1
            rows.reject(f"{file.path}:{rows.n_rows}", f"row {rows.n_rows}: {error}")
            continue
        if not values:
            continue  # a blank line is no row
        if len(values) != len(header):
            rows.n_rows += 1
            rows.reject(
                f"{file.path}:{rows.n_rows}",
                f"row {rows.n_rows} has {len(values)} fields, the header {len(header)}",
            )
            continue
        rows.add({name: value for name, value in zip(header, values, strict=True) if name in COLUMNS})
    return rows.result()


def _no_text_column(names: list[str]) -> str:
    return f"no 'text' column (columns: {', '.join(names[:20]) or 'none'})"

"""The formats news comes in: web archives, compressed JSON Lines, Parquet and CSV exports.
Each becomes one article per record; a bad record is rejected on its own with its place in the
file (`file@OFFSET`, `file:LINE`, `file:ROW`), and the rest of the file is kept."""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
import tracemalloc
import zlib
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import zstandard
from test_ingest import read_all
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from bad_inputs import article, html_page
from crosswire.ingest.read import IngestConfig

SKIPPED = (
    "WARC records skipped, not article pages: "
    "1 HTTP 404 response, 1 image/png response, 1 metadata, 1 request"
)


def places(rejected, folder: Path) -> dict[str, str]:
    return {r.path.removeprefix(f"{folder}/"): r.reason for r in rejected}


def write_warc(path: Path, *, gzip_records: bool = True) -> dict[str, int]:
    """A CC-NEWS-like archive: a request, an HTML response, a 404, an image, a metadata record,
    then three more HTML responses of which the test may damage the first. Returns the offset of
    each article record by URL."""
    offsets = {}
    with path.open("wb") as out:
        writer = WARCWriter(out, gzip=gzip_records)

        def record(url: str, kind: str, body: bytes, **http: str) -> None:
            headers = None
            if http:
                headers = StatusAndHeaders(
                    http["status"], [("Content-Type", http["type"])], protocol="HTTP/1.1"
                )
            if kind == "response":
                offsets[url] = out.tell()
            writer.write_record(
                writer.create_warc_record(
                    url,
                    kind,
                    payload=io.BytesIO(body),
                    http_headers=headers,
                    warc_headers_dict={"WARC-Date": "2017-04-12T08:00:00Z"},
                )
            )

        record("https://www.gazette.example/river", "request", b"GET /river HTTP/1.1\r\nHost: x\r\n\r\n")
        page = html_page("river rights").encode()
        record("https://www.gazette.example/river", "response", page, status="200 OK", type="text/html")
        record(
            "https://www.gazette.example/gone",
            "response",
            b"<html></html>",
            status="404 Not Found",
            type="text/html",
        )
        record("https://cdn.gazette.example/a.png", "response", b"\x89PNG", status="200 OK", type="image/png")
        record("https://www.gazette.example/river", "metadata", b"fetchTimeMs: 120\r\n")
        for topic in ("grain exports", "fisheries", "port fees"):
            body = html_page(topic).replace('<meta name="date" content="2017-04-11">', "").encode()
            url = f"https://news.wire.example/{topic.replace(' ', '-')}"
            record(url, "response", body, status="200 OK", type="text/html; charset=utf-8")
    return offsets


def damage(path: Path, offset: int, length: int = 40) -> None:
    data = bytearray(path.read_bytes())
    for i in range(offset + 20, offset + 20 + length):
        data[i] ^= 0x55
    path.write_bytes(bytes(data))


@pytest.mark.parametrize("gzip_records", [True, False], ids=["warc.gz", "warc"])
def test_a_warc_gives_one_article_per_html_page_and_keeps_the_records_after_a_corrupt_one(
    tmp_path: Path, gzip_records: bool
):
    path = tmp_path / ("crawl.warc.gz" if gzip_records else "crawl.warc")
    offsets = write_warc(path, gzip_records=gzip_records)
    damaged = offsets["https://news.wire.example/grain-exports"]
    damage(path, damaged - (0 if gzip_records else 20))  # the member's data, or the record's header line
    articles, rejected = read_all(path)
    assert [(a.path, a.source, a.url) for a in articles] == [
        (f"{path}@{offsets[url]}", source, url)
        for url, source in [
            ("https://www.gazette.example/river", "gazette.example"),
            ("https://news.wire.example/fisheries", "wire.example".join(["news.", ""])),
            ("https://news.wire.example/port-fees", "news.wire.example"),
        ]
    ]
    river, fisheries, _ = articles
    assert river.text.startswith("Talks on river rights resume\n\nNegotiators met in Geneva")
    assert river.file_path == str(path)
    assert river.published_at == datetime(2017, 4, 11, tzinfo=UTC)  # the page's own date
    assert fisheries.published_at == datetime(2017, 4, 12, 8, tzinfo=UTC)  # else WARC-Date
    reasons = places(rejected, tmp_path)
    assert reasons.pop(path.name) == SKIPPED
    ((where, reason),) = reasons.items()
    assert where == f"{path.name}@{damaged}"
    assert reason.startswith(f"corrupt WARC record at byte {damaged}: ")


def test_a_warc_page_over_the_document_limit_is_rejected_with_its_length(tmp_path: Path):
    path = tmp_path / "crawl.warc.gz"
    offsets = write_warc(path)
    lengths = {a.url: len(a.text) for a in read_all(path)[0]}
    river = "https://www.gazette.example/river"
    limit = lengths[river] - 1
    articles, rejected = read_all(path, config=IngestConfig(max_doc_chars=limit))
    assert [a.url for a in articles] == [url for url, n in lengths.items() if n <= limit]
    assert places(rejected, tmp_path)[f"{path.name}@{offsets[river]}"] == (
        f"document is {lengths[river]:,} characters, over the {limit:,} limit (--max-doc-chars) ({river})"
    )


def jsonl_lines() -> bytes:
    lines = [
        json.dumps({"source": "Wire", "text": article("the port strike"), "published_at": "2017-04-11"}),
        "{not json",
        json.dumps({"title": "no text"}),
        json.dumps({"text": article("fisheries")}),
    ]
    return ("\n".join(lines) + "\n").encode()


@pytest.mark.parametrize(
    ("name", "compress"),
    [("wire.jsonl.gz", gzip.compress), ("wire.jsonl.zst", zstandard.ZstdCompressor().compress)],
)
def test_compressed_jsonl_is_read_line_by_line_like_jsonl(tmp_path: Path, name: str, compress):
    (tmp_path / name).write_bytes(compress(jsonl_lines()))
    articles, rejected = read_all(tmp_path)
    assert [(a.path, a.source) for a in articles] == [
        (f"{tmp_path / name}:1", "Wire"),
        (f"{tmp_path / name}:4", tmp_path.name),  # a flat folder is one outlet
    ]
    assert articles[0].published_at == datetime(2017, 4, 11, tzinfo=UTC)
    assert places(rejected, tmp_path) == {
        f"{name}:2": "invalid JSON on line 2: Expecting property name enclosed in double quotes (column 2)",
        f"{name}:3": "line 3 has no non-empty 'text' field",
    }


def test_a_gzip_stream_cut_off_keeps_the_lines_before_the_damage(tmp_path: Path):
    whole = gzip.compress(
        b"".join(json.dumps({"text": article(f"topic {i}")}).encode() + b"\n" for i in range(4000))
    )
    (tmp_path / "cut.jsonl.gz").write_bytes(whole[: len(whole) // 2])
    articles, rejected = read_all(tmp_path)
    assert 0 < len(articles) < 4000
    (rejection,) = rejected
    assert rejection.path == f"{tmp_path / 'cut.jsonl.gz'}:{len(articles) + 1}"
    assert rejection.reason.startswith(f"compressed data corrupt or cut off after line {len(articles)}")


def gzip_stream(*parts: tuple[bytes, int]) -> bytes:
    """gzip of each (bytes, repeat) in turn, compressed as a stream (never held whole)."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 31)
    return b"".join(compressor.compress(chunk) for chunk, n in parts for _ in range(n)) + compressor.flush()


def test_a_line_over_the_record_limit_is_skipped_without_being_held_in_memory(tmp_path: Path):
    good = json.dumps({"text": article("fisheries")}).encode() + b"\n"
    huge = (b'{"text": "' + os.urandom(3 << 19).hex().encode(), 1), (b'"}\n', 1)  # a 3 MiB line
    (tmp_path / "bomb.jsonl.gz").write_bytes(gzip_stream((good, 1), *huge, (good, 1)))
    config = IngestConfig(max_file_bytes=1 << 20)
    tracemalloc.start()
    try:
        articles, rejected = read_all(tmp_path, config=config)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [a.path.rsplit(":", 1)[1] for a in articles] == ["1", "3"]
    assert places(rejected, tmp_path) == {
        "bomb.jsonl.gz:2": "line 2: longer than the 1 MiB limit (--max-file-mb)"
    }
    assert peak < 8 << 20


def test_a_decompression_bomb_is_rejected_whole_after_its_limit(tmp_path: Path):
    line = json.dumps({"text": article("the same story")}).encode() + b"\n"
    (tmp_path / "bomb.jsonl.gz").write_bytes(gzip_stream((line * 1000, 2000)))  # 270 MB in 0.6 MB
    articles, rejected = read_all(tmp_path, config=IngestConfig(max_file_bytes=1 << 20))
    assert articles == []
    (rejection,) = rejected
    assert rejection.path == str(tmp_path / "bomb.jsonl.gz")
    assert rejection.reason.startswith("decompression bomb: expands past ")


ROWS = [
    {
        "id": "a1",
        "source": "Reuters",
        "title": "Port strike",
        "text": article("the port strike"),
        "published_at": "2017-04-11",
    },
    {"id": "a2", "source": None, "title": None, "text": "   ", "published_at": None},
    {"id": "a3", "source": None, "title": None, "text": article("fisheries"), "published_at": None},
]


def test_parquet_rows_become_articles_read_in_batches_and_bad_rows_are_rejected_by_number(tmp_path: Path):
    table = pa.Table.from_pylist(ROWS * 700).append_column("views", pa.array(range(2100)))
    pq.write_table(table, tmp_path / "export.parquet", row_group_size=500)
    articles, rejected = read_all(tmp_path / "export.parquet")
    assert len(articles) == 1400 and len(rejected) == 700
    first, second = articles[:2]
    assert (first.path, first.source, first.title) == (
        f"{tmp_path / 'export.parquet'}:1",
        "Reuters",
        "Port strike",
    )
    assert first.published_at == datetime(2017, 4, 11, tzinfo=UTC)
    assert (second.path.rsplit(":", 1)[1], second.source) == ("3", "export")  # a file source: its name
    assert places(rejected, tmp_path)["export.parquet:2099"] == "row 2099 has no non-empty 'text' field"


def test_a_parquet_export_without_a_text_column_is_rejected_naming_its_columns(tmp_path: Path):
    pq.write_table(pa.table({"body": ["x"], "id": ["1"]}), tmp_path / "export.parquet")
    _, rejected = read_all(tmp_path)
    assert places(rejected, tmp_path) == {"export.parquet": "no 'text' column (columns: body, id)"}


def test_csv_rows_become_articles_and_bad_rows_are_rejected_by_number(tmp_path: Path):
    with (tmp_path / "export.csv").open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["id", "source", "title", "text", "published_at"])
        writer.writerow(["a1", "Reuters", "Port strike", article("the port strike"), "2017-04-11"])
        writer.writerow(["a2", "", "", "", ""])
        writer.writerow(["a3", "AP", "too many", "text", "2017", "extra"])
        writer.writerow(["a4", "", "", article("fisheries"), ""])
    articles, rejected = read_all(tmp_path / "export.csv")
    assert [(a.path.rsplit(":", 1)[1], a.source, a.text.split("\n")[0]) for a in articles] == [
        ("1", "Reuters", "Talks on the port strike resume"),
        ("4", "export", "Talks on fisheries resume"),
    ]
    assert places(rejected, tmp_path) == {
        "export.csv:2": "row 2 has no non-empty 'text' field",
        "export.csv:3": "row 3 has 6 fields, the header 5",
    }


def test_a_30_mb_one_line_article_is_rejected_with_its_length_and_the_rest_of_its_file_loads(tmp_path: Path):
    n_chars = 30 * 2**20
    with (tmp_path / "wire.jsonl").open("w") as handle:
        handle.write(json.dumps({"text": article("fisheries")}) + "\n")
        handle.write(json.dumps({"text": ("A b. " * (n_chars // 5 + 1))[:n_chars]}) + "\n")
        handle.write(json.dumps({"text": article("port fees")}) + "\n")
    (tmp_path / "long.txt").write_text("word " * 250_000 + "end")
    articles, rejected = read_all(tmp_path)
    assert [Path(a.path).name for a in articles] == ["wire.jsonl:1", "wire.jsonl:3"]
    assert places(rejected, tmp_path) == {
        "wire.jsonl:2": "document is 31,457,280 characters, over the 1,000,000 limit (--max-doc-chars)",
        "long.txt": "document is 1,250,003 characters, over the 1,000,000 limit (--max-doc-chars)",
    }

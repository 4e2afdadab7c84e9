"""The bad-input corpus: every kind of broken file crosswire meets, and what must become of it.

`write_bad_inputs(folder)` writes the cases under `folder/corpus/` (a link target under
`folder/outside/`) and returns, for each path relative to `folder/corpus` (a JSONL line as
`file.jsonl:LINE`), what crosswire must make of it: a document holding a phrase, or a rejection
whose reason holds a phrase. The 200 MB file is written into `folder` too: always a temporary
folder, never the repository.

Two cases need the test's help, since no file on disk can be them by itself:
- `DELETED`: the test deletes it between discovery and read;
- `UNREADABLE` is chmod 000, which does not stop root: a test running as root makes reading it
  fail as it would for anyone else (`as_unprivileged`).

Run `python tests/bad_inputs.py FOLDER` to write the corpus for a manual `crosswire run`.
"""

from __future__ import annotations

import gzip
import json
import os
import stat
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

BIG_FILE_BYTES = 200 * 1024 * 1024
LONG_LINE_BYTES = 1_000_000  # the longest document read by default (IngestConfig.max_doc_chars)
DELETED = "deleted.txt"
UNREADABLE = "unreadable.txt"
SAME_ARTICLE = ("good/same_a.txt", "good/same_b.txt")
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)


@dataclass(frozen=True)
class Expected:
    """A document whose text holds `phrase`, or (with `reason`) a rejection whose reason holds it."""

    phrase: str
    reason: bool = False
    encoding: str | None = None

    @property
    def document(self) -> bool:
        return not self.reason


def document(phrase: str, encoding: str | None = None) -> Expected:
    return Expected(phrase, encoding=encoding)


def rejected(phrase: str) -> Expected:
    return Expected(phrase, reason=True)


def article(topic: str) -> str:
    """A short news article about `topic`, distinct for each topic."""
    return (
        f"Talks on {topic} resume\n\n"
        f"Negotiators met in Geneva on Tuesday to discuss {topic}, officials said.\n\n"
        f'"We are making progress on {topic}," the lead negotiator told reporters after the meeting.'
    )


def html_page(topic: str) -> str:
    return f"""<!DOCTYPE html>
<html><head><title>Talks on {topic} | The Gazette</title>
<meta property="og:site_name" content="The Gazette"><meta name="date" content="2017-04-11"></head>
<body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Talks on {topic} resume</h1>
<p>Negotiators met in Geneva on Tuesday to discuss {topic}, officials said after the first round.</p>
<p>"We are making progress on {topic}," the lead negotiator told reporters after the meeting.</p>
</article><footer>Copyright 2017 The Gazette</footer></body></html>
"""


def write_bad_inputs(
    folder: Path, *, big_file_bytes: int = BIG_FILE_BYTES, long_line_bytes: int = LONG_LINE_BYTES
) -> dict[str, Expected]:
    """Write every case under `folder/corpus/`; return what each path must become."""
    corpus, outside = folder / "corpus", folder / "outside"
    corpus.mkdir(parents=True)
    outside.mkdir()
    expected: dict[str, Expected] = {}

    def write(name: str, data: bytes | str, outcome: Expected) -> Path:
        path = corpus / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        expected[name] = outcome
        return path

    write("good/article.txt", article("fisheries"), document("discuss fisheries", "utf-8"))
    for name in SAME_ARTICLE:
        write(name, article("the same article"), document("the same article"))

    write("empty.txt", b"", rejected("empty file"))
    write("whitespace.txt", " \n\t\r\n  \n", rejected("empty file"))
    write("invisible.txt", "\u200b\x01 \ufeff\x02\u00ad\n", rejected("empty file"))
    write("photo.png", PNG, rejected("not an article file ('.png' file)"))
    write("photo.txt", PNG, rejected("binary file (PNG image)"))
    write("archive.gz", gzip.compress(article("gzip").encode(), mtime=0), rejected("not an article file"))
    write("archive.txt", gzip.compress(article("gzip").encode(), mtime=0), rejected("gzip archive"))
    write("archive.jsonl", gzip.compress(b'{"text": "x"}\n', mtime=0), rejected("gzip archive"))
    write("nul_bytes.txt", b"\x00\x01\x02text\x00\x00" * 200, rejected("NUL bytes"))
    write("stray_nul.txt", article("a stray NUL").replace("Geneva", "Gen\x00eva"), document("met in Geneva"))
    write(
        "invalid_utf8.txt",
        article("caf\u00e9 prices").encode() + b" It cost \xa35m.",
        document("It cost \u00a35m.", "utf-8+cp1252"),
    )
    write("not_text.txt", bytes(range(0x80, 0x100)) * 4, rejected("not decodable as text"))
    write(
        "windows_1252.txt",
        article("the \u00a315m caf\u00e9 \u201cdeal\u201d").encode("cp1252"),
        document('the \u00a315m caf\u00e9 "deal"', "cp1252"),
    )
    write(
        "latin_1.txt",
        article("na\u00efve r\u00e9sum\u00e9s").encode("latin-1"),
        document("r\u00e9sum\u00e9s"),
    )
    write(
        "utf8_bom.txt",
        b"\xef\xbb\xbf" + article("a UTF-8 mark").encode(),
        document("UTF-8 mark", "utf-8-sig"),
    )
    write(
        "utf16le_bom.txt",
        article("little-endian \u00fcber").encode("utf-16"),
        document("\u00fcber", "utf-16"),
    )
    write(
        "utf16be_bom.txt",
        b"\xfe\xff" + article("big-endian \u00fcber").encode("utf-16-be"),
        document("big-endian", "utf-16"),
    )
    # long words: the same megabyte in half the tokens, so half the NER time
    words = "negotiations continued throughout wednesday afternoon between representatives delegations "
    write(
        "long_line.txt", (words * (long_line_bytes // len(words) + 1))[:long_line_bytes], document(words[:40])
    )
    write("html/page.html", html_page("river rights"), document("discuss river rights"))
    write(
        "html/empty_page.html",
        "<html><head><script>var x = 1;</script></head><body></body></html>",
        rejected("HTML page without article text"),
    )
    write("html/saved_page.txt", html_page("grain exports"), document("discuss grain exports"))
    write("bad_sidecar.txt", article("a broken sidecar"), rejected("sidecar bad_sidecar.txt.meta.json"))
    (corpus / "bad_sidecar.txt.meta.json").write_text("{not json")
    write(DELETED, article("a file that vanished"), rejected("file disappeared"))
    os.chmod(write(UNREADABLE, article("a locked file"), rejected("permission denied")), 0)

    big = corpus / "huge.txt"
    with big.open("wb") as handle:
        chunk = (article("size limits") + "\n\n").encode() * 4096
        for _ in range(big_file_bytes // len(chunk)):
            handle.write(chunk)
        handle.write(chunk[: big_file_bytes % len(chunk)])
    expected["huge.txt"] = rejected("larger than the 64 MiB limit")

    (outside / "secret.txt").write_text(article("a secret outside the root"))
    links = {
        "escape.txt": (outside / "secret.txt", "leaves the source root"),
        "outside_folder": (outside, "leaves the source root"),
        "broken_link.txt": (corpus / "missing.txt", "broken symbolic link"),
        "self_loop.txt": (corpus / "self_loop.txt", "symbolic link loop"),
        "loop_a.txt": (corpus / "loop_b.txt", "symbolic link loop"),
        "loop_b.txt": (corpus / "loop_a.txt", "symbolic link loop"),
    }
    for name, (target, reason) in links.items():
        (corpus / name).symlink_to(target)
        expected[name] = rejected(reason)
    os.mkfifo(corpus / "pipe.txt")
    expected["pipe.txt"] = rejected("not a regular file (a named pipe)")

    lines = [
        json.dumps({"source": "Wire", "title": "Port strike", "text": article("the port strike")}),
        "{not json",
        json.dumps({"source": "Wire", "title": "No text"}),
        "[1, 2, 3]",
        json.dumps({"text": "   "}),
        "",
        json.dumps({"text": article("line separators") + "\u2028inside a string"}, ensure_ascii=False),
        json.dumps({"text": article("a pound of \u00a3 notes")}, ensure_ascii=False),
        '{"text": "' + "1" * 5000 + '", "n": ' + "9" * 5000 + "}",
    ]
    encoded = [line.encode("cp1252" if "\u00a3 notes" in line else "utf-8") for line in lines]
    (corpus / "wire.jsonl").write_bytes(b"\n".join(encoded) + b"\n")
    expected |= {
        "wire.jsonl:1": document("the port strike"),
        "wire.jsonl:2": rejected("invalid JSON on line 2"),
        "wire.jsonl:3": rejected("line 3 has no non-empty 'text' field"),
        "wire.jsonl:4": rejected("line 4 is not a JSON object"),
        "wire.jsonl:5": rejected("line 5 has no non-empty 'text' field"),
        "wire.jsonl:7": document("line separators"),
        "wire.jsonl:8": document("a pound of \u00a3 notes", "cp1252"),
        "wire.jsonl:9": rejected("invalid JSON on line 9"),
    }
    return expected


def as_unprivileged(open_source: Callable[[Path], object]) -> Callable[[Path], object]:
    """`open_source`, but refusing a file with no read permission, as the kernel does for non-root."""

    def open_as_unprivileged(path: Path):
        if not os.stat(path).st_mode & (stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH):
            raise PermissionError(13, "Permission denied", str(path))
        return open_source(path)

    return open_as_unprivileged


if __name__ == "__main__":
    target = Path(sys.argv[1])
    for path, outcome in write_bad_inputs(target).items():
        kind = "rejected:" if outcome.reason else "document:"
        print(f"{path:<28} {kind} {outcome.phrase}")
    print(f"\ncrosswire run --source {target / 'corpus'}")
    print(f"({DELETED} is rejected only when it vanishes between discovery and read)")

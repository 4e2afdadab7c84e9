"""Two corpora of equal size from the BBC articles: distinct articles, and wire copy.

- `distinct/`: N different BBC articles, taken evenly across the five topics, in one outlet folder.
- `wire/`: N/4 BBC articles, each carried by 4 outlets (`outlet-1/` .. `outlet-4/`) with the light
  edits outlets make to agency copy: a new headline, a dateline before the first paragraph, quote
  marks restyled (straight to curly), one paragraph dropped, a credit line at the end. Outlet 1
  prints the article as the agency sent it.
- `update/`: N/100 more BBC articles, none of them in the other two: the "+1% new documents" run.

The edits are deterministic (seeded by the article's position), so a corpus is the same on every
machine with the same BBC folder. Used by `benchmarks.wire`, `benchmarks.extract_cost` and the
wire-copy equality test.
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

OUTLETS = 4
TOPICS = ("business", "entertainment", "politics", "sport", "tech")
DATELINES = ("LONDON (Reuters) - ", "LONDON, {day} (AP) -- ", "London: ", "")
CREDITS = (
    "",
    "Reporting by Kate Holton; Editing by Mark Potter",
    "Copyright The Associated Press. All rights reserved.",
    "Additional reporting by agencies.",
)
HEADLINE_FORMS = ("{title}", "{title} - report", "UPDATE 1-{title}", "{title} | World news")


def bbc_articles(bbc: Path) -> list[Path]:
    """Every BBC article, interleaved across topics (business 1, entertainment 1, ..., business 2, ...)."""
    by_topic = [sorted((bbc / topic).glob("*.txt")) for topic in TOPICS]
    interleaved = []
    for index in range(max(len(files) for files in by_topic)):
        interleaved.extend(files[index] for files in by_topic if index < len(files))
    return interleaved


def read_text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252")  # the one BBC file that is not UTF-8


def wire_copy(text: str, outlet: int, seed: int) -> str:
    """The article as outlet number `outlet` (1-based) prints it; outlet 1 keeps the agency copy."""
    if outlet == 1:
        return text
    rng = random.Random(seed * 31 + outlet)
    title, _, body = text.partition("\n")
    paragraphs = [p for p in body.strip().split("\n\n") if p.strip()]
    title = HEADLINE_FORMS[outlet - 1].format(title=title.strip())
    dateline = DATELINES[outlet - 1].format(day=rng.choice(("Jan 3", "Feb 11", "Mar 22")))
    if paragraphs:
        paragraphs[0] = dateline + paragraphs[0]
    if outlet in (2, 3):  # curly quotes
        paragraphs = [_curly(p) for p in paragraphs]
    if len(paragraphs) > 3:
        del paragraphs[rng.randrange(1, len(paragraphs))]
    if CREDITS[outlet - 1]:
        paragraphs.append(CREDITS[outlet - 1])
    return title + "\n\n" + "\n\n".join(paragraphs) + "\n"


def _curly(paragraph: str) -> str:
    paragraph = re.sub(r'(^|[\s(\[])"', "\\1\u201c", paragraph)
    return paragraph.replace('"', "\u201d").replace("'", "\u2019")


def build(bbc: Path, out: Path, documents: int = 600) -> dict[str, Path]:
    """Write `distinct/`, `wire/` and `update/` under `out`; their paths by name."""
    articles = bbc_articles(bbc)
    stories = documents // OUTLETS
    n_update = max(1, documents // 100)
    if len(articles) < documents + n_update:
        raise SystemExit(f"{bbc} has {len(articles)} articles; {documents + n_update} are needed")
    folders = {name: out / name for name in ("distinct", "wire", "update")}
    (folders["distinct"] / "bbc").mkdir(parents=True)
    for index, path in enumerate(articles[:documents]):
        (folders["distinct"] / "bbc" / f"{index:04d}.txt").write_text(read_text(path), encoding="utf-8")
    for outlet in range(1, OUTLETS + 1):
        folder = folders["wire"] / f"outlet-{outlet}"
        folder.mkdir(parents=True)
        for index, path in enumerate(articles[:stories]):
            copy = wire_copy(read_text(path), outlet, index)
            (folder / f"{index:04d}.txt").write_text(copy, encoding="utf-8")
    (folders["update"] / "bbc-update").mkdir(parents=True)
    for index, path in enumerate(articles[documents : documents + n_update]):
        target = folders["update"] / "bbc-update" / f"{index:04d}.txt"
        target.write_text(read_text(path), encoding="utf-8")
    return folders


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bbc", type=Path, default=Path("../shared/corpora/bbc"))
    parser.add_argument("--out", type=Path, required=True, help="a new folder")
    parser.add_argument("--documents", type=int, default=600)
    args = parser.parse_args(argv)
    for name, folder in build(args.bbc, args.out, args.documents).items():
        print(f"{name}: {folder}")


if __name__ == "__main__":
    main()

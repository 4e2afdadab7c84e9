"""Who said what, shape by shape: short texts written for each attribution shape the parser-based
attribution (`crosswire.extract.attribution`) must read. Each test states the promise."""

from __future__ import annotations

import pytest

from crosswire.extract.facts import ExtractConfig, extract_facts, load_nlp
from crosswire.text.normalize import normalize_text
from crosswire.text.segment import segment_documents


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(ExtractConfig())


def quotes_of(nlp, text: str) -> list[dict]:
    documents = [{"doc_id": "d1", "source": "test", "text": normalize_text(text), "published_at": None}]
    return extract_facts(documents, segment_documents(documents), nlp)["quotes"]


def speaker_of(nlp, text: str, quote_start: str) -> dict:
    (quote,) = [q for q in quotes_of(nlp, text) if q["text"].startswith(quote_start)]
    return quote


def test_a_cue_outside_any_verb_list_still_names_the_speaker(nlp):
    text = (
        "Senator Dan Brooks opposed the bill from the start.\n\n"
        '"This bill will wreck the farm economy for a decade," Brooks fumed on Tuesday.'
    )
    quote = speaker_of(nlp, text, "This bill will wreck")
    assert (quote["speaker"], quote["cue"]) == ("Dan Brooks", "fumed")
    assert quote["speaker_kind"] == "person"


def test_titles_and_honorifics_before_the_name(nlp):
    text = (
        "Lawmakers returned to the capital on Monday.\n\n"
        '"We have the votes to pass it before the recess," said Rep. Ann Lee, a Democrat from Ohio.'
    )
    quote = speaker_of(nlp, text, "We have the votes")
    assert (quote["speaker"], quote["speaker_title"]) == ("Ann Lee", "Rep.")


def test_a_descriptive_speaker_is_kept_as_written_with_its_affiliation(nlp):
    text = (
        "Flights were cancelled across the region on Friday.\n\n"
        '"Safety is our first concern and we will not fly until it is clear," '
        "a spokesman for Northbank Airways said."
    )
    quote = speaker_of(nlp, text, "Safety is our first concern")
    assert (quote["speaker"], quote["speaker_kind"]) == ("a spokesman for Northbank Airways", "description")
    assert quote["speaker_affiliation"] == "Northbank Airways"
    assert quote["speaker_entity_id"] is None  # a description links to no one the text did not name


SHAPES = {
    # a colon ending the paragraph before introduces the quote
    "colon before the quote's paragraph": (
        "Governor Maria Alvarez answered her critics at the rally:\n\n"
        '"We built more schools in four years than they did in twelve, and we paid for every one."',
        "We built more schools",
        "Maria Alvarez",
    ),
    # he is the subject of the reporting clause's sentence before, not the last name seen
    "pronoun, not the last name seen": (
        "Prime Minister Tony Blair faced questions about David Blunkett on Monday.\n\n"
        'Asked if Mr Blunkett could return to the cabinet, he replied: "I am sure he has a great deal '
        'still to offer."',
        "I am sure he has",
        "Tony Blair",
    ),
    "according to": (
        "The plant closed in March.\n\n"
        'According to union leader Paula Grant, "nobody here was told until the gates were locked."',
        "nobody here was told",
        "Paula Grant",
    ),
}


@pytest.mark.parametrize("shape", SHAPES)
def test_the_speaker_of_each_shape(nlp, shape):
    text, quote_start, speaker = SHAPES[shape]
    assert speaker_of(nlp, text, quote_start)["speaker"] == speaker


@pytest.mark.parametrize(
    ("text", "quote_start", "speakers"),
    [
        (  # coordinated subjects of the reporting verb
            "Two senators wrote to the agency last week.\n\n"
            'Senators Ann Lee and Carlos Ortiz wrote that "the agency has failed the families it serves."',
            "the agency has failed",
            {"Ann Lee", "Carlos Ortiz"},
        ),
        (  # a list layout: names and a colon, no verb
            "What the pollsters said this week.\n\n"
            'Turnout models - Frank Newport and Jim Harter: "We found that turnout was higher than '
            'every model assumed in the final week."',
            "We found that turnout",
            {"Frank Newport", "Jim Harter"},
        ),
    ],
    ids=["coordinated subjects", "names and a colon"],
)
def test_several_speakers_are_all_kept(nlp, text, quote_start, speakers):
    assert set(speaker_of(nlp, text, quote_start)["speakers"]) == speakers


@pytest.mark.parametrize(
    ("text", "quote_start"),
    [
        (
            "The royal couple toured the city on Friday.\n\n"
            '"We are delighted to be back," the Queen and the Duke of Edinburgh said.',
            "We are delighted",
        ),
        (  # by metonymy
            "Four men were held at the base for two years.\n\n"
            'Washington has claimed all four "trained at camps run by the group and remain a danger".',
            "trained at camps",
        ),
    ],
    ids=["Duke of Edinburgh", "Washington has claimed"],
)
def test_a_place_is_never_a_speaker(nlp, text, quote_start):
    quote = speaker_of(nlp, text, quote_start)
    assert quote["speaker"] not in ("Edinburgh", "Washington")
    assert "Edinburgh" not in quote["speakers"] and "Washington" not in quote["speakers"]

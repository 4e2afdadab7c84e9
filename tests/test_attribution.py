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


def test_a_colon_at_the_end_of_the_paragraph_before_introduces_the_quote(nlp):
    text = (
        "Governor Maria Alvarez answered her critics at the rally:\n\n"
        '"We built more schools in four years than they did in twelve, and we paid for every one."'
    )
    quote = speaker_of(nlp, text, "We built more schools")
    assert quote["speaker"] == "Maria Alvarez"


def test_coordinated_subjects_are_all_speakers(nlp):
    text = (
        "Two senators wrote to the agency last week.\n\n"
        'Senators Ann Lee and Carlos Ortiz wrote that "the agency has failed the families it serves."'
    )
    quote = speaker_of(nlp, text, "the agency has failed")
    assert set(quote["speakers"]) == {"Ann Lee", "Carlos Ortiz"}


def test_a_pronoun_is_the_subject_of_the_reporting_clause_not_the_last_name_seen(nlp):
    text = (
        "Prime Minister Tony Blair faced questions about David Blunkett on Monday.\n\n"
        "Asked if Mr Blunkett could return to the cabinet, he replied: "
        '"I am sure he has a great deal still to offer."'
    )
    quote = speaker_of(nlp, text, "I am sure he has")
    assert quote["speaker"] == "Tony Blair"


def test_according_to_names_the_speaker(nlp):
    text = (
        "The plant closed in March.\n\n"
        'According to union leader Paula Grant, "nobody here was told until the gates were locked."'
    )
    quote = speaker_of(nlp, text, "nobody here was told")
    assert quote["speaker"] == "Paula Grant"


def test_a_place_is_never_a_speaker(nlp):
    text = (
        "The royal couple toured the city on Friday.\n\n"
        '"We are delighted to be back," the Queen and the Duke of Edinburgh said.'
    )
    quote = speaker_of(nlp, text, "We are delighted")
    assert quote["speaker"] != "Edinburgh"


def test_a_name_and_a_colon_introduce_the_quote_in_list_layouts(nlp):
    text = (
        "What the pollsters said this week.\n\n"
        'Turnout models - Frank Newport and Jim Harter: "We found that turnout was higher than '
        'every model assumed in the final week."'
    )
    quote = speaker_of(nlp, text, "We found that turnout")
    assert set(quote["speakers"]) == {"Frank Newport", "Jim Harter"}


def test_a_place_speaking_by_metonymy_is_no_speaker(nlp):
    text = (
        "Four men were held at the base for two years.\n\n"
        'Washington has claimed all four "trained at camps run by the group and remain a danger".'
    )
    quote = speaker_of(nlp, text, "trained at camps")
    assert quote["speaker"] is None

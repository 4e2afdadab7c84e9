"""Extract stage: given these articles, the entity and quote tables hold these rows."""

from __future__ import annotations

from pathlib import Path

import pytest

from crosswire import contract
from crosswire.extract.facts import ExtractConfig, extract_facts, load_nlp, recognize_entities
from crosswire.ids import stable_id
from crosswire.text.normalize import normalize_text
from crosswire.text.segment import segment_text

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TILLERSON_OPENS = "We want to relieve the suffering of the Syrian people"


@pytest.fixture(scope="module")
def nlp():
    return load_nlp(ExtractConfig())


def make_batch(texts: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """documents and sentences rows for {source: raw text}, the way the upstream stages make them."""
    documents, sentences = [], []
    for source, raw in texts.items():
        text = normalize_text(raw)
        doc_id = stable_id("d", text)
        documents.append({"doc_id": doc_id, "source": source, "text": text, "published_at": None})
        for index, span in enumerate(segment_text(text)):
            sentences.append(
                {
                    "doc_id": doc_id,
                    "sentence_idx": index,
                    "paragraph_idx": span.paragraph_idx,
                    "start_char": span.start_char,
                    "end_char": span.end_char,
                    "text": text[span.start_char : span.end_char],
                }
            )
    return documents, sentences


def run(nlp, texts: dict[str, str], known_entities: list[dict] | None = None) -> dict[str, list[dict]]:
    documents, sentences = make_batch(texts)
    return extract_facts(documents, sentences, nlp, ExtractConfig(), known_entities)


def quotes_starting(facts: dict, opening: str) -> list[dict]:
    found = [q for q in facts["quotes"] if q["text"].startswith(opening)]
    assert found, f"no quote starts with {opening!r}; quotes: {[q['text'][:40] for q in facts['quotes']]}"
    return found


def entity_named(facts: dict, name: str) -> dict:
    (row,) = [e for e in facts["entities"] if e["name"] == name]
    return row


@pytest.fixture(scope="module")
def seeds() -> dict[str, str]:
    return {path.stem: path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))}


@pytest.fixture(scope="module")
def seed_facts(nlp, seeds) -> dict[str, list[dict]]:
    return run(nlp, seeds)


@pytest.fixture(scope="module")
def seed_documents(seeds) -> dict[str, dict]:
    documents, _ = make_batch(seeds)
    return {doc["source"]: doc for doc in documents}


# --- the contract ------------------------------------------------------------------------------


def test_load_nlp_keeps_ner_and_the_parse_for_attribution_only(nlp):
    assert nlp.pipe_names == ["tok2vec", "tagger", "parser", "ner"]


def test_rows_have_exactly_the_contract_columns_and_types(seed_facts):
    for table in ("entity_mentions", "entities", "quotes"):
        rows = seed_facts[table]
        assert rows, table
        assert all(list(row) == contract.TABLES[table].column_names for row in rows), table
        assert contract.TABLES[table].to_arrow(rows).num_rows == len(rows)


def test_every_span_is_the_document_substring_at_its_offsets(seed_facts, seed_documents):
    texts = {doc["doc_id"]: doc["text"] for doc in seed_documents.values()}
    for row in seed_facts["entity_mentions"] + seed_facts["quotes"]:
        text = texts[row["doc_id"]]
        assert 0 <= row["start_char"] < row["end_char"] <= len(text)
        assert text[row["start_char"] : row["end_char"]] == row["text"]
        assert row["text"] == row["text"].strip()
    for quote in seed_facts["quotes"]:
        assert not quote["text"].startswith('"') and not quote["text"].endswith('"')


def test_labels_and_methods_come_from_the_contract_vocabularies(seed_facts):
    assert {m["label"] for m in seed_facts["entity_mentions"]} <= set(contract.ENTITY_LABELS)
    assert {e["label"] for e in seed_facts["entities"]} <= set(contract.ENTITY_LABELS)
    assert {m["link_method"] for m in seed_facts["entity_mentions"]} <= set(contract.LINK_METHODS)
    assert {q["speaker_method"] for q in seed_facts["quotes"]} <= set(contract.SPEAKER_METHODS)
    assert not any(m["text"] in ("11 April", "Tuesday", "2013") for m in seed_facts["entity_mentions"])


def test_ids_are_derived_from_content(seed_facts):
    for quote in seed_facts["quotes"]:
        assert quote["quote_id"] == stable_id("q", quote["doc_id"], quote["start_char"], quote["end_char"])
        assert quote["quote_cluster_id"] == stable_id("k", quote["normalized_key"])
    tillerson = entity_named(seed_facts, "Rex Tillerson")
    assert tillerson["entity_id"] == stable_id("e", "PERSON", "rextillerson")


# --- who said what in the seed articles ----------------------------------------------------------


def test_tillerson_says_the_suffering_quote_in_both_documents(seed_facts):
    quotes = quotes_starting(seed_facts, TILLERSON_OPENS)
    assert len({q["doc_id"] for q in quotes}) == 2
    tillerson_id = entity_named(seed_facts, "Rex Tillerson")["entity_id"]
    for quote in quotes:
        assert (quote["speaker"], quote["speaker_entity_id"]) == ("Rex Tillerson", tillerson_id)
        assert quote["speaker_method"] in ("named", "title")
    # the two articles quote the same words with different punctuation: one cluster
    assert len({q["quote_cluster_id"] for q in quotes_starting(seed_facts, "We want to relieve")}) == 2
    assert {q["cue"] for q in quotes} == {"said", "continued"}


def test_interrupted_quote_second_part_goes_to_the_secretary_of_state(seed_facts):
    (quote,) = quotes_starting(seed_facts, "and so Russia can be a part of that future")
    assert quote["speaker"] == "Rex Tillerson"
    assert quote["speaker_method"] in ("title", "continuation")
    assert quote["text"].endswith("longer-term.")  # runs to the end of its paragraph


def test_paragraph_that_reopens_a_quote_continues_it(seed_facts):
    (quote,) = quotes_starting(seed_facts, "But only Russia can answer that question.")
    assert (quote["speaker"], quote["speaker_method"], quote["cue"]) == (
        "Rex Tillerson",
        "continuation",
        None,
    )


def test_he_said_resolves_to_the_subject_not_the_last_name_mentioned(seed_facts):
    # "Assad" is mentioned between "Tillerson criticized ..." and '..." he said'
    (unclear,) = quotes_starting(seed_facts, "It is unclear whether Russia failed")
    assert (unclear["speaker"], unclear["speaker_method"], unclear["cue"]) == (
        "Rex Tillerson",
        "pronoun",
        "said",
    )
    (again,) = quotes_starting(seed_facts, "We can't let this happen again.")
    assert again["speaker"] == "Rex Tillerson"


def test_he_skips_a_name_that_is_the_object_of_a_preposition(nlp):
    facts = run(
        nlp,
        {
            "wire": "Club chairman John Wardle said the club was not inviting offers for England winger "
            'Shaun Wright-Phillips. He added: "I have no intention of selling him to anyone."'
        },
    )
    (quote,) = facts["quotes"]
    assert (quote["speaker"], quote["speaker_method"], quote["cue"]) == ("John Wardle", "pronoun", "added")


def test_speaker_before_a_colon(seed_facts):
    (quote,) = quotes_starting(seed_facts, "I don't understand what you mean. Go on discussing it.")
    assert (quote["speaker"], quote["speaker_method"], quote["cue"]) == ("Dmitry Peskov", "named", "said")
    assert quote["speaker_entity_id"] == entity_named(seed_facts, "Dmitry Peskov")["entity_id"]


def test_question_followed_by_x_asked(seed_facts):
    (quote,) = [
        q for q in quotes_starting(seed_facts, "Russia has really aligned itself") if q["cue"] == "asked"
    ]
    assert quote["text"].endswith("resolve the Syrian crisis?")
    assert quote["speaker"] == "Rex Tillerson"


def test_organisations_speak(seed_facts):
    (government,) = quotes_starting(seed_facts, "From now on we will respond with force")
    assert (government["speaker"], government["speaker_method"]) == ("Russian government", "organisation")
    (ministry,) = quotes_starting(seed_facts, "At the initiative of the former Washington authorities")
    assert (ministry["speaker"], ministry["speaker_method"]) == ("Russian Foreign Ministry", "organisation")
    assert ministry["speaker_entity_id"] == entity_named(seed_facts, "Russian Foreign Ministry")["entity_id"]
    (follow_on,) = quotes_starting(seed_facts, "We have a positive view")
    assert (follow_on["speaker"], follow_on["speaker_method"]) == ("Russian Foreign Ministry", "continuation")


def test_scare_quotes_are_not_quotes(seed_facts):
    texts = {q["text"] for q in seed_facts["quotes"]}
    assert not texts & {"alliance", "direct participation", "reset"}
    # a partial quote that ends its sentence and is attributed stays
    (partial,) = quotes_starting(seed_facts, "aligned themselves with an unreliable partner")
    assert (partial["speaker"], partial["cue"]) == ("Rex Tillerson", "told")


def test_attributed_fragments_two_words_and_up_are_partial_quotes(nlp):
    facts = run(
        nlp,
        {
            "wire": 'Tony Blair said the claims were "nonsense". Michael Howard said the plans were '
            '"deeply flawed" and would fail.'
        },
    )
    (quote,) = facts["quotes"]
    assert (quote["text"], quote["speaker"]) == ("deeply flawed", "Michael Howard")


def test_every_seed_quote_has_a_speaker(seed_facts):
    assert len(seed_facts["quotes"]) == 15
    assert all(q["speaker"] and q["speaker_method"] != "none" for q in seed_facts["quotes"])


# --- entities in the seed articles ----------------------------------------------------------------


def test_one_tillerson_across_documents_including_the_typo(seed_facts):
    tillerson = entity_named(seed_facts, "Rex Tillerson")
    mentions = [m for m in seed_facts["entity_mentions"] if "llerson" in m["text"]]
    assert {m["entity_id"] for m in mentions} == {tillerson["entity_id"]}
    assert {m["label"] for m in mentions} == {"PERSON"}  # spaCy tags some "Tillerson" as ORG
    (typo,) = [m for m in mentions if m["text"] == "Tllerson"]
    assert typo["link_method"] == "fuzzy"
    assert {m["link_method"] for m in mentions if m["text"] == "Tillerson"} == {"partial"}
    assert tillerson["aliases"] == ["Rex Tillerson", "Tillerson", "Tllerson"]
    assert (tillerson["n_documents"], tillerson["n_sources"]) == (2, 2)


def test_titles_are_split_from_names(seed_facts):
    titles = {(m["text"], m["title"]) for m in seed_facts["entity_mentions"] if m["title"]}
    assert ("Rex Tillerson", "Secretary of State") in titles  # "US Secretary of State Rex Tillerson"
    assert ("Sergey Lavrov", "Foreign Minister") in titles
    assert ("Boris Johnson", "Foreign Secretary") in titles
    assert ("Dmitry Peskov", "spokesman") in titles
    assert not [m for m in seed_facts["entity_mentions"] if m["text"] in ("State", "State Rex Tillerson")]


def test_assad_variants_are_one_person(seed_facts):
    assad = entity_named(seed_facts, "Bashar al-Assad")
    assert assad["aliases"] == ["Assad", "Bashar Assad", "Bashar al-Assad"]
    assert assad["entity_id"] == stable_id("e", "PERSON", "basharassad")
    variants = [m for m in seed_facts["entity_mentions"] if m["text"] in assad["aliases"]]
    assert {m["entity_id"] for m in variants} == {assad["entity_id"]}


def test_g7_and_g_7_are_one_entity(seed_facts):
    (g7,) = [e for e in seed_facts["entities"] if "G7" in e["aliases"]]
    assert g7["aliases"] == ["G-7", "G7"]
    assert g7["name"] == "G7"  # the more frequent spelling
    assert g7["n_documents"] == 2


def test_possessives_and_articles_are_cut_from_spans(seed_facts):
    texts = {m["text"] for m in seed_facts["entity_mentions"]}
    assert "Hillary Clinton" in texts and "United States" in texts
    assert not [t for t in texts if t.endswith("'s") or t.startswith("the ")]


def test_entity_rows_count_this_batch(seed_facts):
    mentions = seed_facts["entity_mentions"]
    for entity in seed_facts["entities"]:
        own = [m for m in mentions if m["entity_id"] == entity["entity_id"]]
        assert entity["n_mentions"] == len(own)
        assert entity["n_documents"] == len({m["doc_id"] for m in own})
        assert entity["aliases"] == sorted({m["text"] for m in own})
    assert len({e["entity_id"] for e in seed_facts["entities"]}) == len(seed_facts["entities"])


def test_mentions_point_at_their_sentence(seed_facts, seed_documents):
    documents, sentences = make_batch({doc["source"]: doc["text"] for doc in seed_documents.values()})
    spans = {(s["doc_id"], s["sentence_idx"]): (s["start_char"], s["end_char"]) for s in sentences}
    for mention in seed_facts["entity_mentions"]:
        start, end = spans[(mention["doc_id"], mention["sentence_idx"])]
        assert start <= mention["start_char"] < end


# --- small synthetic articles ---------------------------------------------------------------------


def test_unattributed_quote_has_no_speaker(nlp):
    facts = run(
        nlp,
        {
            "wire": "Protesters gathered outside the parliament in Berlin on Monday.\n\n"
            "Banners read: nothing. One sign said little.\n\n"
            '"Nobody listens to us anymore, and nobody will until we stop working."\n\n'
            "The crowd left at dusk."
        },
    )
    (quote,) = facts["quotes"]
    assert quote["text"].startswith("Nobody listens")
    assert (quote["speaker"], quote["speaker_entity_id"], quote["speaker_method"]) == (None, None, "none")


def test_said_x_order_and_title_words_before_the_name(nlp):
    facts = run(
        nlp,
        {
            "wire": "Shares rose sharply in London on Friday.\n\n"
            '"It looks like the job situation is improving," said economist Gary Thayer of AG Edwards.'
        },
    )
    (quote,) = facts["quotes"]
    assert (quote["speaker"], quote["speaker_method"], quote["cue"]) == ("Gary Thayer", "named", "said")
    (thayer,) = [m for m in facts["entity_mentions"] if m["text"] == "Gary Thayer"]
    assert thayer["title"] == "economist"


def test_told_names_the_listener_not_the_speaker(nlp):
    facts = run(
        nlp,
        {
            "wire": "Sales were weak over Christmas.\n\n"
            "One dealer, who asked not to be named, told Reuters the season was "
            '"not what anybody in the trade had hoped for at all".'
        },
    )
    (quote,) = facts["quotes"]
    assert (quote["speaker"], quote["speaker_method"], quote["cue"]) == ("One dealer", "description", "told")


def test_unnamed_speaker_does_not_inherit_the_previous_speaker(nlp):
    facts = run(
        nlp,
        {
            "wire": "Tony Blair spoke outside the court in London on Monday.\n\n"
            '"We will appeal against this ruling," said Mr Blair.\n\n'
            '"The ruling stands and the case is closed," a court spokesman said.\n\n'
            "The court spokesman also said the judges had been unanimous. "
            '"There is nothing more to add to that decision," he added.'
        },
    )
    appeal, stands, nothing = facts["quotes"]
    assert (appeal["speaker"], appeal["speaker_method"]) == ("Tony Blair", "named")
    assert (stands["speaker"], stands["speaker_method"], stands["cue"]) == (
        "a court spokesman",
        "description",
        "said",
    )
    # "he" follows "the spokesman said", so it is not Tony Blair
    assert (nothing["speaker"], nothing["speaker_method"], nothing["cue"]) == (None, "none", "added")


def test_quote_inside_a_quote_stays_in_one_row(nlp):
    facts = run(
        nlp,
        {
            "wire": 'Club chairman Freddy Shepherd said: "He told the players he was going to "fake" an '
            'injury in training. That is cheating."'
        },
    )
    (quote,) = facts["quotes"]
    assert (
        quote["text"] == 'He told the players he was going to "fake" an injury in training. That is cheating.'
    )
    assert quote["speaker"] == "Freddy Shepherd"


def test_a_name_before_a_title_only_describes_the_speaker(nlp):
    facts = run(
        nlp,
        {
            "wire": "Kurt Cobain died in 1994.\n\n"
            '"The band was never pretty, or always in tune," said Cobain biographer Charles Cross.'
        },
    )
    (quote,) = facts["quotes"]
    assert (quote["speaker"], quote["speaker_method"]) == ("Charles Cross", "named")


def test_multi_paragraph_quote_attributed_at_its_end(nlp):
    facts = run(
        nlp,
        {
            "wire": "Mayor Maria Lopez presented the city budget on Monday.\n\n"
            '"The budget is balanced for the first time in a decade. We did it without raising taxes.\n\n'
            '"Next year we will invest in schools and parks," Lopez said.'
        },
    )
    first, second = facts["quotes"]
    assert first["text"] == (
        "The budget is balanced for the first time in a decade. We did it without raising taxes."
    )
    assert (second["speaker"], second["speaker_method"]) == ("Maria Lopez", "named")
    assert (first["speaker"], first["speaker_method"]) == ("Maria Lopez", "continuation")


def test_curly_quotes_are_read(nlp):
    facts = run(
        nlp,
        {"wire": "\u201cWe will appeal against this ruling,\u201d said Tony Blair on Tuesday in London."},
    )
    (quote,) = facts["quotes"]
    assert quote["text"] == "We will appeal against this ruling,"  # normalize straightened the marks
    assert quote["speaker"] == "Tony Blair"


def test_people_with_similar_names_stay_apart(nlp):
    facts = run(
        nlp,
        {
            "a": "Jon Smith opened the new library in Leeds on Monday.",
            "b": "John Smith closed the old museum in York on Tuesday.",
            "c": "Pamela Anderson met Hans Christian Andersen's biographer. Anderson said it was fun.",
        },
    )
    ids = {m["text"]: m["entity_id"] for m in facts["entity_mentions"]}
    assert ids["Jon Smith"] != ids["John Smith"]
    assert ids["Anderson"] == ids["Pamela Anderson"]
    linked = {m["text"]: m["link_method"] for m in facts["entity_mentions"]}
    assert linked["Anderson"] == "partial"


LATER_ARTICLE = (
    "Tillerson arrived in Moscow on Wednesday. Tllerson met officials for two hours.\n\n"
    '"We had a frank exchange of views," Tillerson said afterwards.'
)


@pytest.mark.parametrize(
    ("known_aliases", "expected_methods"),
    [
        ("from the warehouse", {"Tillerson": {"alias"}, "Tllerson": {"alias"}}),
        ("name only", {"Tillerson": {"partial"}, "Tllerson": {"fuzzy"}}),
    ],
)
def test_known_entities_are_reused_across_batches(nlp, seeds, known_aliases, expected_methods):
    first = run(nlp, {"000": seeds["000_9bed5375e8ab3aa3"]})
    known = [dict(row, entity_id="e-warehouse-" + row["name"]) for row in first["entities"]]
    if known_aliases == "name only":
        known = [dict(row, aliases=[row["name"]]) for row in known]
    later = run(nlp, {"later": LATER_ARTICLE}, known_entities=known)
    tillerson = [m for m in later["entity_mentions"] if "llerson" in m["text"]]
    assert {m["entity_id"] for m in tillerson} == {"e-warehouse-Rex Tillerson"}
    assert {m["label"] for m in tillerson} == {"PERSON"}  # spaCy tags the first "Tillerson" ORG
    for text, methods in expected_methods.items():
        assert {m["link_method"] for m in tillerson if m["text"] == text} == methods
    (quote,) = later["quotes"]
    assert (quote["speaker"], quote["speaker_entity_id"]) == ("Rex Tillerson", "e-warehouse-Rex Tillerson")
    (row,) = [e for e in later["entities"] if e["entity_id"] == "e-warehouse-Rex Tillerson"]
    assert row["name"] == "Rex Tillerson" and row["n_mentions"] == len(tillerson)
    assert {"Tillerson", "Tllerson", "Rex Tillerson"} <= set(row["aliases"])
    moscow = [m for m in later["entity_mentions"] if m["text"] == "Moscow"]
    assert moscow and moscow[0]["entity_id"] == "e-warehouse-Moscow"


def test_a_paragraph_longer_than_a_piece_is_read_in_sentence_pieces_with_its_own_offsets(nlp):
    sentence = "Angela Merkel met Emmanuel Macron in Paris on Monday to discuss the budget."
    text = " ".join([sentence] * 6)  # one paragraph, no breaks
    sentences = [(start, start + len(sentence), 0) for start in range(0, len(text), len(sentence) + 1)]
    whole = recognize_entities(nlp, [(text, sentences)], ExtractConfig(piece_chars=len(text)))
    pieces = recognize_entities(nlp, [(text, sentences)], ExtractConfig(piece_chars=2 * len(sentence) + 1))
    assert pieces == whole
    assert len([span for span in whole[0] if text[span[0] : span[1]] == "Paris"]) == 6

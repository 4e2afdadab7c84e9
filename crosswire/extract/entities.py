"""Entity mentions: clean spaCy NER spans, split titles from person names, link to canonical entities.

Method (rule-based canonicalization on top of spaCy's statistical NER):
- Span cleanup: leading "the", possessive "'s", surrounding quotes and punctuation are cut; a span
  that crosses a line break keeps its first line; `<acronym> summit|meeting|talks` is a mention of
  the acronym's body ("the G-7 Summit" -> "G-7"); spans with no capital letter or digit are dropped.
- Titles: a person name keeps only the name. Title words inside the span ("President Vladimir
  Putin") and the title chain right before it ("US Secretary of State Rex Tillerson") become
  `title` ("Secretary of State"): lexicon words (heads such as Secretary, Minister, spokesman,
  modifiers such as Foreign, Deputy, former), the connectors of/for/and, and capitalized
  complements after of/for. A nationality or place before the title ("US", "Russian") is not part
  of it, and a nationality word NER put before a name of two or more words is cut ("Russian
  Dmitriy Bogdanov"). A title in apposition counts too ("The Bishop of Durham, the Rt Rev Dr Tom
  Wright"). Honorifics (Mr, Ms, Dr, Rt Rev) are stripped and give a grammatical gender for
  pronouns, as do gendered titles (Baroness, Duke); a span of honorifics and titles alone is no
  person.
- Label repair (the small model mislabels often; these rules fix the cases seen in news):
  a span of any label that follows a title head and reads as a name of two or more words
  ("Secretary of State Rex Tillerson" tagged ORG) is a PERSON; within one document a form tagged
  PERSON at least as often as anything else is a person everywhere (one sense per document), and
  so is a non-GPE span equal to part of a person's full name or one typo away from a person's
  surname ("Tillerson", "Daveport" tagged ORG), and a GPE span whose form the document tags PERSON
  more often ("Spain but McIlroy is unfazed"); a PERSON span ending in United, City, FC, Rangers,
  Party, Group, Bank ... is an ORG ("Manchester United"). A span made only of title words after
  "<head> of/for" ("State" in "Secretary of State") is dropped.
- Names NER missed: capitalized words right after a title head or honorific that no span covers
  ("race director David Bedford", "Mr Hayman"), and further occurrences of a person's name or
  surname in the same document that no span covers, are PERSON mentions too. At the start of a
  sentence (or after "But", "And", ...) such a surname needs a verb-like word after it ("O'Leary
  has", "But Wardle added"; not "Young people"); a sentence opening with one other capitalized
  word before such a surname and a verb-like word is a full name NER missed ("Mark Lewis-Francis
  has"); a DATE span that is a person's name before a verb of saying is that person ("May wrote").
- Canonical key: `normalized_key` (NFKC, casefold, letters and digits) of the name; for people,
  name particles (al-, bin, van, de, ...) are dropped first, so "Bashar al-Assad" = "Bashar Assad"
  and "G7" = "G-7". Entity id = stable_id("e", label group, key).
- Label groups: PERSON, and NAME for every other label. spaCy swaps ORG, GPE, NORP, LOC, FAC and
  PRODUCT for the same name ("G7" is GPE, ORG and PRODUCT in one article; "Russia" ORG or GPE), so
  splitting them would split one thing into several entities; a person and a place that share a
  name ("Jordan") stay apart. The entity's label is the most frequent one among its mentions.
- Linking of a person mention that is not a full name (one word, or part of a longer name), in
  order: (1) `partial`: part of a full name in the same document, the latest one before it, else
  the first after it; (2) `alias`: a known alias of exactly one warehouse entity; (3) `partial`:
  the surname of exactly one full name in this batch or the warehouse; (4) `fuzzy`: one word of
  >= `fuzzy_min_letters` letters at Levenshtein distance 1 from the surname of exactly one full
  name in the document, else in the batch or warehouse ("Tllerson" -> Rex Tillerson), with the
  same first letter and not a plural ("Beckhams") or prefixed form ("O'Callaghan"); (5) `exact`:
  its own entity. Full names and other labels link by key (`exact`), else by known alias (`alias`);
  a one-word ORG mention that is the last word of exactly one longer ORG name in the document, or
  the first word of one that only adds a generic ending or a partner, is that organisation
  (`partial`: "Rangers" -> "Glasgow Rangers", "Labour" -> "Labour Party", "Marsh" -> "Marsh &
  McLennan"; never "BBC" -> "BBC News").
  Full names are linked first over the whole batch, so the order of documents does not matter.
Limits: full names never link fuzzily (distinct people such as "Jon Smith" and "John Smith", or
"Brian Johnson" and "Brian Johnston", stay apart, and so does a misspelt full name); a surname
shared by several known people stays unlinked outside documents that name one of them; acronyms
are not expanded ("UN" and "United Nations" are two entities unless a known alias joins them);
a club and its city ("Liverpool") share the NAME group and so one entity; works and teams that
spaCy tags PERSON ("Finding Nemo") stay people unless the document tags them otherwise.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from rapidfuzz import process
from rapidfuzz.distance import Levenshtein

from crosswire import contract
from crosswire.ids import stable_id
from crosswire.text.edits import OneEditIndex
from crosswire.text.lexicon import (
    ARTICLE_PREFIXES,
    DEMONYMS,
    GROUP_NAMES,
    HONORIFIC_GENDER,
    NAME_PARTICLES,
    NAME_STYLES,
    NOT_FIRST_NAMES,
    ORG_NAME_ENDINGS,
    REPORTING_VERBS,
    SENTENCE_CONNECTIVES,
    SPEECH_VERBS,
    TITLE_CONNECTORS,
    TITLE_GENDER,
    TITLE_HEADS,
    TITLE_MODIFIERS,
    TITLE_SURNAMES,
)
from crosswire.text.normalize import normalized_key

NAME_GROUP_PERSON = "PERSON"
NAME_GROUP_OTHER = "NAME"

_PARTICLE_PREFIX = re.compile(r"^(?:" + "|".join(ARTICLE_PREFIXES) + r")-(?=\w)", re.IGNORECASE)
_WORD = re.compile(r"\S+")
_WORD_ENDING_AT = re.compile(r"([\w.'&-]+) $")
_TITLE_COMPLEMENT_BEFORE = re.compile(r"\b([\w-]+) (?:of|for) (?:the )?$", re.IGNORECASE)
_TITLE_PREFIX = re.compile(r"^(?:then|ex|former)-", re.IGNORECASE)
_EVENT_SUFFIX = re.compile(r"\s+(?:summit|summits|meeting|talks)$", re.IGNORECASE)
_ACRONYM = re.compile(r"^(?=.*[A-Z].*[A-Z0-9])[A-Z0-9][A-Za-z0-9.&-]*$")
_LEADING_ARTICLE = re.compile(r"(?:the|The|THE)\s+")
_POSSESSIVE = re.compile(r"(?:'s|'S|(?<=s)')$")
_PREVIOUS_WORD = re.compile(r"([\w.'-]+) +$")
_NEXT_WORD = re.compile(r" +([\w'-]+)")
_SENTENCE_INITIAL = re.compile(r"(?:^|[.!?][\"')]?\s+|\n\s*|[\"(]\s*)$")
_NEXT_CAPITALIZED = re.compile(r" +[A-Z]")
_APPOSITION_BEFORE = re.compile(
    r", (?:the )?(?:(?:" + "|".join(style.capitalize() for style in NAME_STYLES) + r")\.? )*$"
)
_TITLED_NAME = re.compile(
    r"(?<![\w'-])(?P<title>(?i:"
    + "|".join(
        re.escape(word) for word in sorted(TITLE_HEADS | HONORIFIC_GENDER.keys(), key=len, reverse=True)
    )
    + r"))\.? (?P<name>[A-Z][a-z][\w'-]*(?: [A-Z][a-z][\w'-]*){0,2})(?![\w-])"
)
_EDGE_PUNCT = "\"'()[]{}<>,;:!?*|/\\- \t\n"


def label_group(label: str) -> str:
    """PERSON, or NAME for every other label (see the module docstring for why)."""
    return NAME_GROUP_PERSON if label == "PERSON" else NAME_GROUP_OTHER


def word_key(word: str) -> str:
    """Lexicon key of one word: casefolded, no dots, no then-/ex-/former- prefix."""
    return _TITLE_PREFIX.sub("", word.casefold().strip(".,"))


def is_title_word(word: str) -> bool:
    key = word_key(word)
    return key in TITLE_HEADS or key in TITLE_MODIFIERS or key.rsplit("-", 1)[-1] in TITLE_HEADS


def is_title_head(word: str) -> bool:
    key = word_key(word)
    return key in TITLE_HEADS or key.rsplit("-", 1)[-1] in TITLE_HEADS


def name_parts(name: str, keep_leading_particle: bool = False) -> tuple[str, ...]:
    """Normalized words of a person name without particles ("Bashar al-Assad" -> bashar, assad).

    With `keep_leading_particle`, a capitalized first-word particle stays ("Al Gore", "Van Morrison").
    """
    words = name.split()
    parts = []
    for index, word in enumerate(words):
        is_particle = word.casefold().strip(".") in NAME_PARTICLES and len(words) > 1
        if is_particle and not (keep_leading_particle and index == 0 and word[:1].isupper()):
            continue
        key = normalized_key(_PARTICLE_PREFIX.sub("", word))
        if key:
            parts.append(key)
    return tuple(parts)


def fullest_form(forms: Counter[str]) -> str:
    """An entity's name among its surface forms: the most words, then the most frequent, then
    the longest."""
    return max(forms, key=lambda form: (len(form.split()), forms[form], len(form)))


def canonical_key(name: str, label: str) -> str:
    """The key an entity id is derived from: particle-stripped for people, then `normalized_key`."""
    if label_group(label) == NAME_GROUP_PERSON:
        return "".join(name_parts(name, keep_leading_particle=True)) or normalized_key(name)
    return normalized_key(_LEADING_ARTICLE.sub("", name))


@dataclass
class Mention:
    """One cleaned NER span of one document, before and after linking."""

    start_char: int
    end_char: int
    text: str
    label: str
    title: str | None = None
    # where the name and its title chain begin (equals start_char when there is no title)
    title_start: int = 0
    gender: str | None = None
    entity: Entity | None = None
    link_method: str = "exact"

    @cached_property
    def parts(self) -> tuple[str, ...]:
        return name_parts(self.text)

    @property
    def is_full_name(self) -> bool:
        return self.label == "PERSON" and len(self.parts) >= 2


@dataclass(eq=False)
class Entity:
    """A canonical entity: one known warehouse row or one created by this batch."""

    entity_id: str
    group: str
    key: str
    name: str
    known_label: str | None = None
    known_aliases: frozenset[str] = frozenset()
    labels: Counter = field(default_factory=Counter)
    aliases: set[str] = field(default_factory=set)
    name_forms: Counter = field(default_factory=Counter)  # exact-linked surface forms, in first-seen order
    n_mentions: int = 0
    doc_ids: set[str] = field(default_factory=set)
    sources: set[str] = field(default_factory=set)

    @cached_property
    def parts(self) -> tuple[str, ...]:
        return name_parts(self.name)

    @property
    def canonical_name(self) -> str:
        """The fullest exact form (most words), then the most frequent, then the longest.

        A known entity keeps its warehouse name unless a form with more words turns up, so names
        do not flip between batches.
        """
        forms = Counter(self.name_forms)
        if self.known_label is not None:
            forms = Counter({f: n for f, n in forms.items() if len(f.split()) > len(self.name.split())})
        return fullest_form(forms) if forms else self.name

    @property
    def label(self) -> str:
        if self.known_label:
            return self.known_label
        return self.labels.most_common(1)[0][0]


def clean_mentions(text: str, spans: list[tuple[int, int, str]], fuzzy_min_letters: int = 6) -> list[Mention]:
    """Cleaned, title-split, label-repaired mentions of one document, in text order."""
    mentions = []
    for start, end, label in spans:
        if label not in contract.ENTITY_LABELS:
            continue
        start, end = _trim_span(text, start, end)
        if end > start and any(ch.isupper() or ch.isdigit() for ch in text[start:end]):
            mentions.append(Mention(start, end, text[start:end], label, title_start=start))
    mentions += _untagged_titled_names(text, mentions, spans)
    _names_after_a_quote(text, mentions)
    for mention in mentions:
        _split_title(text, mention)
    _repair_labels(mentions, fuzzy_min_letters)
    _not_persons(mentions)
    kept = [
        m
        for m in mentions
        if not (m.label not in ("GPE", "LOC") and _only_titles(m.text))
        and (m.label == "PERSON" or not _is_title_complement(text, m))
    ]
    repeats = _untagged_name_repeats(text, kept, spans)
    for mention in repeats:
        _split_title(text, mention)
    return sorted(kept + repeats, key=lambda m: m.start_char)


def _names_after_a_quote(text: str, mentions: list[Mention]) -> None:
    """`"…," Doug Usher, director of research, said`: the small model tags a name right after a
    closing quote mark WORK_OF_ART; a capitalised run of two to five words there, followed by a
    comma or a verb of saying, is the speaker's name (PERSON)."""
    for mention in mentions:
        if mention.label != "WORK_OF_ART" or '"' in mention.text:
            continue
        words = mention.text.split()
        after = _NEXT_WORD.match(text, mention.end_char)
        if (
            2 <= len(words) <= 5
            and all(w[:1].isupper() for w in words)
            and re.search(r'[,?!.]" *$', text[max(0, mention.start_char - 4) : mention.start_char])
            and (text.startswith(",", mention.end_char) or (after and after.group(1) in REPORTING_VERBS))
        ):
            mention.label = "PERSON"


def _not_persons(mentions: list[Mention]) -> None:
    """Nationalities, places and titles are never persons: a PERSON mention that is a demonym
    ("Welsh") becomes NORP, one the document also tags as a place becomes that place."""
    places = {m.text: m.label for m in mentions if m.label in ("GPE", "LOC")}
    for mention in mentions:
        if mention.label != "PERSON" or mention.title:
            continue
        if word_key(mention.text) in DEMONYMS:
            mention.label = "NORP"
        elif mention.text in places:
            mention.label = places[mention.text]


def _only_titles(name: str) -> bool:
    """'Rt Rev Dr', 'Prime Minister', 'MSP', 'Duke': honorifics or title words, and no name. A
    capitalised title word that is also a surname ("Major" for John Major) stays."""
    words = name.split()
    if all(word_key(w) in HONORIFIC_GENDER for w in words):
        return True
    if len(words) == 1 and word_key(name) in TITLE_HEADS and word_key(name) not in TITLE_SURNAMES:
        return True
    return len(words) >= 2 and all(is_title_word(w) or word_key(w) in HONORIFIC_GENDER for w in words)


def _repair_labels(mentions: list[Mention], fuzzy_min_letters: int) -> None:
    """The label repairs of the module docstring, for one document's mentions."""
    for mention in mentions:
        if mention.label == "PERSON" and _has_org_ending(mention):
            mention.label = "ORG"  # "Manchester United", "Goldman Sachs Group"
    # one sense per document: each surface form's labels, GPE left out ("Washington" stays a place)
    labels_of: dict[str, Counter] = {}
    for mention in mentions:
        if mention.label != "GPE":
            labels_of.setdefault(mention.text, Counter())[mention.label] += 1
    person_texts = {text for text, labels in labels_of.items() if 2 * labels["PERSON"] >= labels.total() > 0}
    person_texts = {text for text in person_texts if labels_of[text]["PERSON"]}
    for mention in mentions:
        if (
            mention.label == "PERSON"
            and mention.text not in person_texts
            and not (mention.title or mention.gender)
        ):
            others = labels_of[mention.text] - Counter({"PERSON": labels_of[mention.text]["PERSON"]})
            mention.label = others.most_common(1)[0][0]
    # a form tagged GPE once but PERSON more often ("Spain but McIlroy is unfazed") is the person
    gpe_counts = Counter(m.text for m in mentions if m.label == "GPE")
    for mention in mentions:
        if (
            mention.label == "GPE"
            and labels_of.get(mention.text, Counter())["PERSON"] > gpe_counts[mention.text]
        ):
            mention.label = "PERSON"
    name_runs = _name_runs([m.parts for m in mentions if m.is_full_name])
    surnames = {m.parts[-1] for m in mentions if m.label == "PERSON" and m.parts}
    surnames = OneEditIndex(surname for surname in surnames if _letters(surname) >= fuzzy_min_letters)
    for mention in mentions:
        if _may_be_person(mention) and (
            mention.text in person_texts
            or mention.parts in name_runs
            or _near_surname(mention.parts, surnames, fuzzy_min_letters)
        ):
            mention.label = "PERSON"


def _may_be_person(mention: Mention) -> bool:
    """A non-PERSON span that label repair may turn into a person (never a GPE: "Washington")."""
    return mention.label not in ("PERSON", "GPE") and not _has_org_ending(mention)


def _has_org_ending(mention: Mention) -> bool:
    return mention.text.split()[-1].casefold() in ORG_NAME_ENDINGS


def _name_runs(full_names: list[tuple[str, ...]]) -> set[tuple[str, ...]]:
    """Every run of one to three contiguous words of the full names (a surname, a first name, ...)."""
    return {
        name[i : i + size] for name in full_names for size in (1, 2, 3) for i in range(len(name) - size + 1)
    }


def _near_surname(parts: tuple[str, ...], surnames: OneEditIndex, min_letters: int) -> bool:
    """One long word at edit distance 1 from a surname of the document ('Daveport' tagged ORG)."""
    return (
        len(parts) == 1
        and _letters(parts[0]) >= min_letters
        and any(_is_typo(parts[0], surname, min_letters) for surname in surnames.near(parts[0]))
    )


def _is_typo(word: str, name: str, min_letters: int) -> bool:
    """`word` is `name` with one letter wrong, missing or extra: both long, same first letter,
    and not a plural or an added prefix ("Beckhams", "O'Callaghan" are other names)."""
    shorter, longer = sorted((word, name), key=len)
    return (
        word[:1] == name[:1]
        and _letters(shorter) >= min_letters
        and Levenshtein.distance(word, name, score_cutoff=1) == 1
        and longer != shorter + "s"
    )


def _is_free(taken: list[tuple[int, int]], taken_starts: list[int], start: int, end: int) -> bool:
    """No span of `taken` (sorted by start) overlaps [start, end)."""
    index = bisect_left(taken_starts, end)
    return all(taken[i][1] <= start for i in range(max(0, index - 4), index))


def _taken_spans(
    text: str, mentions: list[Mention], spans: list[tuple[int, int, str]]
) -> tuple[list, list[int]]:
    """Every NER span (up to its first line break, as `_trim_span` keeps it) and every mention."""
    clipped = [(start, end if (cut := text.find("\n", start, end)) == -1 else cut) for start, end, _ in spans]
    taken = sorted(clipped + [(m.title_start, m.end_char) for m in mentions])
    return taken, [start for start, _ in taken]


def _untagged_titled_names(
    text: str, mentions: list[Mention], spans: list[tuple[int, int, str]]
) -> list[Mention]:
    """Names NER missed right after a title or honorific: 'race director David Bedford', 'Mr Hayman'.

    A title head or honorific followed by capitalized words (two or three after a title, one or two
    after an honorific) that no NER span covers is a person.
    """
    taken, taken_starts = _taken_spans(text, mentions, spans)
    found = []
    for match in _TITLED_NAME.finditer(text):
        start, end = match.span("name")
        words = match.group("name").split()
        honorific = word_key(match.group("title")) in HONORIFIC_GENDER
        if len(words) < (1 if honorific else 2) or any(is_title_word(w) for w in words):
            continue
        if _is_free(taken, taken_starts, start, end) and not _NEXT_CAPITALIZED.match(text, end):
            found.append(Mention(start, end, match.group("name"), "PERSON", title_start=start))
    return found


def _untagged_name_repeats(
    text: str, mentions: list[Mention], spans: list[tuple[int, int, str]]
) -> list[Mention]:
    """Other occurrences of a person's name or surname in the document that NER did not tag.

    A small NER model tags "Tillerson" in one sentence and misses it in the next. An occurrence
    counts when no NER span of any label covers it ("May" the month is a DATE; but a DATE span
    that is a person's name before a verb of saying, "May wrote", is that person), no other
    capitalized word is next to it (a title word before it is fine), and, at the start of a
    sentence, a verb-like word follows ("Tillerson told", "O'Leary has"; not "Young people").
    A surname whose sentence starts with one other capitalized word and goes on with a verb-like
    word is a full name NER missed ("Mark Lewis-Francis has stepped up").
    """
    forms = set()
    for mention in mentions:
        if mention.label == "PERSON":
            words = mention.text.split()
            forms.update({mention.text, words[-1]} if len(words) > 1 else {mention.text})
    forms = {form for form in forms if _letters(form) >= 3 and form[:1].isupper()}
    if not forms:
        return []
    alternatives = "|".join(re.escape(form) for form in sorted(forms, key=len, reverse=True))
    pattern = re.compile(r"(?<![\w'-])(?:" + alternatives + r")(?![\w-])")
    spans = [span for span in spans if not _is_name_tagged_date(text, span, forms)]
    taken, taken_starts = _taken_spans(text, mentions, spans)
    found = []
    for match in pattern.finditer(text):
        start, end = match.span()
        if not _is_free(taken, taken_starts, start, end) or _NEXT_CAPITALIZED.match(text, end):
            continue
        previous_word = _PREVIOUS_WORD.search(text, max(0, start - 40), start)
        sentence_initial = bool(_SENTENCE_INITIAL.search(text, max(0, start - 5), start))
        after_conjunction = (
            previous_word
            and previous_word.group(1) in SENTENCE_CONNECTIVES
            and (_SENTENCE_INITIAL.search(text, max(0, previous_word.start() - 5), previous_word.start()))
        )
        first_name = (
            previous_word
            and " " not in match.group()
            and previous_word.group(1).isalpha()
            and previous_word.group(1)[:1].isupper()
            and previous_word.group(1) not in NOT_FIRST_NAMES
            and not is_title_word(previous_word.group(1))
            and _SENTENCE_INITIAL.search(text, max(0, previous_word.start() - 5), previous_word.start())
        )
        if after_conjunction or sentence_initial or first_name:
            if not _verb_follows(text, end):
                continue
            if first_name and not after_conjunction:
                if not _is_free(taken, taken_starts, previous_word.start(1), end):
                    continue  # the word before is tagged as something else ("Russian Smith")
                start = previous_word.start(1)
        elif (
            previous_word
            and previous_word.group(1)[:1].isupper()
            and not is_title_word(previous_word.group(1))
        ):
            continue
        found.append(Mention(start, end, text[start:end], "PERSON", title_start=start))
    return found


def _verb_follows(text: str, end: int) -> bool:
    next_word = _NEXT_WORD.match(text, end, end + 40)
    verb = next_word.group(1) if next_word else ""
    return verb in SPEECH_VERBS or (verb.islower() and verb.endswith(("ed", "s")))


def _is_name_tagged_date(text: str, span: tuple[int, int, str], forms: set[str]) -> bool:
    """A DATE span that is a person's name before a verb of saying: "May wrote on his website"."""
    start, end, label = span
    next_word = _NEXT_WORD.match(text, end, end + 40)
    return (
        label == "DATE"
        and text[start:end] in forms
        and bool(next_word)
        and next_word.group(1) in SPEECH_VERBS
    )


def _trim_span(text: str, start: int, end: int) -> tuple[int, int]:
    newline = text.find("\n", start, end)
    if newline != -1:
        end = newline
    while start < end and text[start] in _EDGE_PUNCT:
        start += 1
    while end > start and text[end - 1] in _EDGE_PUNCT:
        end -= 1
    article = _LEADING_ARTICLE.match(text, start, end)
    if article and article.end() < end:
        start = article.end()
    possessive = _POSSESSIVE.search(text, start, end)
    if possessive and possessive.start() > start:
        end = possessive.start()
    suffix = _EVENT_SUFFIX.search(text, start, end)
    if suffix and _ACRONYM.match(text[start : suffix.start()]):
        end = suffix.start()
    while end > start and text[end - 1] in _EDGE_PUNCT:
        end -= 1
    return start, end


def _split_title(text: str, mention: Mention) -> None:
    """Move leading title words and honorifics out of the span; find the title chain before it."""
    words = [
        (w.start() + mention.start_char, w.end() + mention.start_char) for w in _WORD.finditer(mention.text)
    ]
    name_from = 0
    while name_from < len(words) - 1:
        word = text[slice(*words[name_from])]
        is_nationality = word.casefold() in DEMONYMS and len(words) - name_from >= 3
        if (
            is_title_word(word)
            or word.casefold() in TITLE_CONNECTORS
            or word_key(word) in HONORIFIC_GENDER
            or is_nationality
        ):
            name_from += 1
        else:
            break
    name_start = words[name_from][0]
    gender, honorific_start = _honorific_before(text, name_start)
    title_start = _title_chain_start(text, honorific_start)
    name_words = [text[slice(*w)] for w in words[name_from:]]
    if not name_words[0][:1].isupper():
        return
    has_title = title_start is not None
    if mention.label != "PERSON":
        looks_like_name = len(name_words) <= 4 and all(w[:1].isupper() for w in name_words)
        # a title head before a name of two or more capitalized words is strong evidence of a person
        if looks_like_name and ((has_title and len(name_words) >= 2) or gender):
            mention.label = "PERSON"
        else:
            return
    if name_start != mention.start_char:
        mention.start_char, mention.text = name_start, text[name_start : mention.end_char]
    mention.gender = gender
    if has_title:
        mention.title = text[title_start:honorific_start].strip()
        mention.title_start = title_start
        if gender is None:
            mention.gender = next(
                (TITLE_GENDER[word_key(w)] for w in mention.title.split() if word_key(w) in TITLE_GENDER),
                None,
            )
    else:
        mention.title_start = min(honorific_start, name_start)
        mention.title = _apposition_title(text, honorific_start)


def _apposition_title(text: str, start: int) -> str | None:
    """A title chain right before `, [the] [Rt Rev ...]` and the name: 'The Bishop of Durham, the
    Rt Rev Dr Tom Wright' -> 'Bishop of Durham'."""
    apposition = _APPOSITION_BEFORE.search(text, max(0, start - 30), start)
    if not apposition:
        return None
    comma = apposition.start()
    title_start = _title_chain_start(text[:comma] + " ", comma + 1)
    return text[title_start:comma] if title_start is not None else None


def _honorific_before(text: str, name_start: int) -> tuple[str | None, int]:
    """Gender from an honorific right before `name_start` (also inside the original span)."""
    match = _WORD_ENDING_AT.search(text, max(0, name_start - 12), name_start)
    if match and word_key(match.group(1)) in HONORIFIC_GENDER and match.group(1)[:1].isupper():
        return HONORIFIC_GENDER[word_key(match.group(1))], match.start(1)
    return None, name_start


def _title_chain_start(text: str, end: int) -> int | None:
    """Start of the title phrase ending right before `end` ("Secretary of State "), if any."""
    words: list[tuple[int, str]] = []
    cursor = end
    while len(words) < 8:
        match = _WORD_ENDING_AT.search(text, max(0, cursor - 40), cursor)
        if not match:
            break
        word = match.group(1)
        if not (is_title_word(word) or word.casefold() in TITLE_CONNECTORS or word[:1].isupper()):
            break
        if word.endswith(".") and not (len(word) <= 5 and is_title_word(word)):
            break  # the end of the previous sentence, not an abbreviated title ("Gen.", "Sen.")
        words.insert(0, (match.start(1), word))
        cursor = match.start(1)
    for first in range(len(words)):
        if is_title_chain([w for _, w in words[first:]]):
            return words[first][0]
    return None


def is_title_chain(words: list[str]) -> bool:
    if not words or not is_title_word(words[0]) or words[-1].casefold() in TITLE_CONNECTORS:
        return False
    after_of = False
    for previous, word in zip([""] + words, words, strict=False):
        folded = word.casefold()
        if folded in ("of", "for"):
            after_of = True
            continue
        misplaced_article = folded == "the" and previous.casefold() not in ("of", "for")
        stray_word = folded not in TITLE_CONNECTORS and not is_title_word(word) and not after_of
        if misplaced_article or stray_word:
            return False
    return any(is_title_head(word) for word in words)


def _is_title_complement(text: str, mention: Mention) -> bool:
    """'State' in 'Secretary of State', 'Defense' in 'Secretary of Defense'."""
    if not all(is_title_word(word) for word in mention.text.split()):
        return False
    before = _TITLE_COMPLEMENT_BEFORE.search(text, max(0, mention.start_char - 40), mention.start_char)
    return bool(before) and is_title_head(before.group(1))


class EntityIndex:
    """Every entity the batch can link to: the warehouse's known entities plus new ones."""

    def __init__(self, known_entities: list[dict] | None, fuzzy_min_letters: int):
        self.fuzzy_min_letters = fuzzy_min_letters
        self.by_key: dict[tuple[str, str], Entity] = {}
        self.by_alias: dict[tuple[str, str], set[Entity]] = {}
        self.by_surname: dict[str, set[Entity]] = {}
        self._fuzzy_anywhere: dict[str, Entity | None] = {}  # by word, while by_surname is unchanged
        for row in known_entities or ():
            entity = Entity(
                entity_id=row["entity_id"],
                group=label_group(row["label"]),
                key=canonical_key(row["name"], row["label"]),
                name=row["name"],
                known_label=row["label"],
                known_aliases=frozenset(row.get("aliases") or ()),
            )
            self.by_key.setdefault((entity.group, entity.key), entity)
            for alias in (entity.name, *entity.known_aliases):
                self.by_alias.setdefault((entity.group, canonical_key(alias, row["label"])), set()).add(
                    entity
                )
            self._index_surname(entity)

    def _index_surname(self, entity: Entity) -> None:
        if entity.group == NAME_GROUP_PERSON and len(entity.parts) >= 2:
            self.by_surname.setdefault(entity.parts[-1], set()).add(entity)
            self._fuzzy_anywhere.clear()

    def by_name(self, name: str, label: str) -> tuple[Entity, str]:
        """The entity with this canonical key (`exact`), or with this known alias (`alias`), or new."""
        group, key = label_group(label), canonical_key(name, label)
        entity = self.by_key.get((group, key))
        if entity:
            return entity, "exact"
        aliased = self.by_alias.get((group, key), set())
        if len(aliased) == 1:
            return next(iter(aliased)), "alias"
        entity = Entity(stable_id("e", group, key), group, key, name)
        self.by_key[(group, key)] = entity
        self._index_surname(entity)
        return entity, "exact"

    def fuzzy_surname(self, word: str, among: DocumentNames | None = None) -> Entity | None:
        """The one full name whose surname is at edit distance 1 from `word` (both long enough).

        Searches `among` (a document's people) when given, else every full name in the index
        (one scan of its surnames per word and batch: a document repeats its words).
        """
        if _letters(word) < self.fuzzy_min_letters:
            return None
        if among is None:
            if word not in self._fuzzy_anywhere:
                self._fuzzy_anywhere[word] = self._fuzzy(word, list(self.by_surname), None)
            return self._fuzzy_anywhere[word]
        return self._fuzzy(word, among.surnames.near(word), among.entities)

    def _fuzzy(self, word: str, surnames: Iterable[str], among: set[Entity] | None) -> Entity | None:
        found: set[Entity] = set()
        for surname, _, _ in process.extract(
            word, surnames, scorer=Levenshtein.distance, score_cutoff=1, limit=None
        ):
            if _is_typo(word, surname, self.fuzzy_min_letters):
                found |= {e for e in self.by_surname.get(surname, ()) if among is None or e in among}
        return next(iter(found)) if len(found) == 1 else None


def _letters(word: str) -> int:
    return sum(ch.isalpha() for ch in word)


def link_mentions(mentions_by_doc: dict[str, list[Mention]], index: EntityIndex) -> None:
    """Attach an entity and a link method to every mention (two passes: full names, then parts)."""
    for mentions in mentions_by_doc.values():
        for mention in mentions:
            group = group_name(mention.text)
            if group:  # "Tories", "the Conservatives": one organisation, whatever NER called it
                mention.label = "ORG"
                entity, method = index.by_name(group, "ORG")
                mention.entity, mention.link_method = entity, method if mention.text == group else "alias"
            elif mention.label != "PERSON" or mention.is_full_name:
                mention.entity, mention.link_method = index.by_name(mention.text, mention.label)
        _link_short_organisations(mentions)
    for mentions in mentions_by_doc.values():
        full_names = DocumentNames([m for m in mentions if m.is_full_name])
        for mention in mentions:
            if mention.entity is None:
                mention.entity, mention.link_method = _link_partial_person(mention, full_names, index)


def group_name(text: str) -> str | None:
    """The canonical name of a party or group named one of its ways (`GROUP_NAMES`), else None."""
    return GROUP_NAMES.get(_LEADING_ARTICLE.sub("", text).casefold())


def _link_short_organisations(mentions: list[Mention]) -> None:
    """A one-word ORG mention that is the last word of exactly one longer ORG name of the same
    document is that organisation ("Rangers" -> "Glasgow Rangers"), and so is the first word of
    a name that only adds a legal or generic ending or a partner ("Labour" -> "Labour Party",
    "Marsh" -> "Marsh & McLennan"; not "BBC" -> "BBC News", "Sony" -> "Sony BMG"). Generic words
    ("City", "Bank", "Party", title words) never link this way."""
    longer: dict[str, set[Entity]] = {}
    for mention in mentions:
        words = mention.text.split()
        if mention.label != "ORG" or len(words) < 2:
            continue
        longer.setdefault(words[-1], set()).add(mention.entity)
        if words[1] == "&" or (len(words) == 2 and words[1].casefold() in ORG_NAME_ENDINGS):
            longer.setdefault(words[0], set()).add(mention.entity)
    for mention in mentions:
        word = mention.text
        owners = longer.get(word, set())
        if (
            mention.label == "ORG"
            and " " not in word
            and len(owners) == 1
            and word.casefold() not in ORG_NAME_ENDINGS
            and not is_title_word(word)
        ):
            mention.entity, mention.link_method = next(iter(owners)), "partial"


class DocumentNames:
    """A document's full person names (in text order), by each of their words and by surname."""

    def __init__(self, full_names: list[Mention]) -> None:
        self.entities = {m.entity for m in full_names}
        self.surnames = OneEditIndex({entity.parts[-1] for entity in self.entities})
        self._by_word: dict[str, tuple[list[int], list[Mention]]] = {}
        self._by_surname: dict[str, tuple[list[int], list[Mention]]] = {}
        for name in full_names:
            for word in dict.fromkeys(name.parts):
                _file(self._by_word, word, name)
            _file(self._by_surname, name.parts[-1], name)

    def nearest(self, word: str, position: int, surname_only: bool) -> Mention | None:
        """The last full name before `position` with `word` among its words (or as its surname),
        else the first after it."""
        starts, names = (self._by_surname if surname_only else self._by_word).get(word, ([], []))
        before = bisect_left(starts, position)
        if before:
            return names[before - 1]
        after = bisect_right(starts, position)
        return names[after] if after < len(names) else None


def _file(index: dict[str, tuple[list[int], list[Mention]]], word: str, name: Mention) -> None:
    starts, names = index.setdefault(word, ([], []))
    starts.append(name.start_char)
    names.append(name)


def _link_partial_person(
    mention: Mention, full_names: DocumentNames, index: EntityIndex
) -> tuple[Entity, str]:
    """A person mention of one word (it is not a full name: those are linked by key)."""
    parts = mention.parts
    # a titled one-word name ("Prince Charles") is not a first name: only a surname links it
    nearest = full_names.nearest(parts[0], mention.start_char, bool(mention.title)) if parts else None
    if nearest is not None:
        return nearest.entity, "partial"
    aliased = index.by_alias.get((NAME_GROUP_PERSON, canonical_key(mention.text, "PERSON")), set())
    if len(aliased) == 1:
        return next(iter(aliased)), "alias"
    if len(parts) == 1:
        same_surname = index.by_surname.get(parts[0], set())
        if len(same_surname) == 1:
            return next(iter(same_surname)), "partial"
        if not same_surname:
            in_document = index.fuzzy_surname(parts[0], full_names)
            fuzzy = in_document or index.fuzzy_surname(parts[0])
            if fuzzy:
                return fuzzy, "fuzzy"
    return index.by_name(mention.text, mention.label)


def record_mention(entity: Entity, mention: Mention, doc_id: str, source: str) -> None:
    """Count a linked mention into its entity's batch aggregates."""
    entity.labels[mention.label] += 1
    entity.aliases.add(mention.text)
    if mention.link_method == "exact":
        entity.name_forms[mention.text] += 1
    entity.n_mentions += 1
    entity.doc_ids.add(doc_id)
    entity.sources.add(source)


def entity_row(entity: Entity) -> dict:
    """One `entities` row with batch-level counts; aliases include the warehouse's known ones."""
    return {
        "entity_id": entity.entity_id,
        "name": entity.canonical_name,
        "label": entity.label,
        "aliases": sorted(entity.aliases | entity.known_aliases),
        "n_mentions": entity.n_mentions,
        "n_documents": len(entity.doc_ids),
        "n_sources": len(entity.sources),
    }

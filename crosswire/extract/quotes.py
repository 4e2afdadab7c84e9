"""Direct quotes and who said them: quote-mark pairing, then the speaker from the dependency parse
(`crosswire/extract/attribution.py`) and the rules below over the entity mentions.

Quote spans (a regular-expression scan, paragraph by paragraph):
- A straight `"` opens when whitespace or a bracket is before it and a non-space after it, closes in
  the mirror case; otherwise it toggles. Curly and guillemet marks say which they are.
- An opening mark after the end of a sentence inside an open quote closes the open one first: a
  paragraph that re-opens without closing (the "new paragraph" convention after paragraphs were
  joined). An opening mark in mid-sentence inside a quote starts a nested quote, whose closing
  mark does not close the outer one ('he was going to "fake" an injury'). A quote still open at the
  end of a paragraph ends there, and when the next paragraph starts with an opening mark that quote
  continues it. Every part is its own row; offsets exclude the marks.
- Scare quotes and titles are not speech: a span is skipped when it is Title Case with no closing
  punctuation ("Lord of the Rings"), a single word with no closing punctuation ("invade"), or,
  without a resolved speaker, shorter than 4 words ("reset") or a fragment with no closing
  punctuation that the sentence runs on after ("direct participation" of other G7 countries).

Speaker. First the parse: a name (or a he/she resolved to the main-clause subject of the
sentence before) that the parse gives as the subject of the quote's governing verb wins; an
organisation or a description the parse gives ("a spokesman for the airline", kept as written,
method `description`, only through a verb of saying) fills in where the rules below find no one.
The rules (a resolved speaker after the quote wins, then one before it; the cue word is recorded):
- after the closing mark, in the same sentence: `"...," <speaker> [also|later|...] <cue>` (a few
  describing words may precede the name: `"...," deputy planning director Jose Leibovich said`) or
  `"...," <cue> <speaker>` (however long the speaker's description: `"...?" said X, secretary
  general of Y.`) or `"...," AP quoted <speaker> as saying`; when the quote ends a sentence with
  . ! or ? and the speaker comes first, the attribution sentence must end within 6 words of the
  cue (`"..." Tillerson said.`, not `"..." He said the plan ...`); a cue followed by ':' belongs to
  the next quote, and a passive (`have been announced`) is no cue. A person's attribution that
  closes the sentence after a comma speaks for a quoted phrase earlier in it (`The US was "very
  bad at coordinating" and India had its problems, Ms Short said.`);
- before the opening mark, in the same sentence: the last cue with its speaker before it
  (`Kremlin spokesman Dmitry Peskov said: "`, `X told reporters that ... "`, `X, the party's
  chairman, said`) or after it (`according to X, "`, `Said the report: "`; never after told or
  asked, whose object is the listener); a participle cue (`..., adding: "`) or a coordinated cue
  (`Dunne is keen to ... and said: "`) takes the subject of its sentence, unless a person comes
  right before the participle (`with Rovers boss Mark Hughes claiming "`); a bare `<person>: "`
  has the cue ':';
- a speaker phrase after a cue runs until punctuation, a function word or a third lower-case word
  (`said Janco Partners analyst Martin Pyykkonen`); its first person is the speaker;
- a speaker is a PERSON mention (`named`, its entity's canonical name); `he`/`she` (`pronoun`:
  candidates are the people and same-gender he/she outside quotes in this and the two previous
  paragraphs, skipping possessives, objects of a preposition or possessive determiner,
  coordinated names and a known gender that disagrees; of the nearest sentence that has any, a
  known agreeing gender beats an unknown one, a subject (a verb, `, who` or an apposition follows)
  beats other mentions, the later beats the earlier; a he/she that wins is resolved in turn; the
  persons of a sentence that `, he said.` closes are what was said, so that sentence is skipped;
  a described person in between, "the 25-year-old Dubliner", stops the search); `the <title>` or
  `our <title>` (`title`: the one person the document introduced with that title, complements
  aside, so "the Bishop" is "The Bishop of Durham, the Rt Rev Dr Tom Wright"; then-/former-
  titles do not count; a role in `EPITHET_HEADS` that no one was introduced with, "the prop
  said", is resolved like a pronoun without gender); an ORG/GPE/FAC mention or plural NORP ("the
  Conservatives") or a `the <Capitalized words | government | ministry | ...>` phrase
  (`organisation`); or `Mr|Ms|Dr <Name>` when NER missed the name (`named`, no entity);
- no cue: a quote that continues an earlier quote (next paragraph or re-opened), or that follows a
  quote with a speaker with nothing but that quote's attribution in between, takes its speaker
  (`continuation`); a chain whose later part is attributed gives that speaker to its earlier parts
  when they open their sentence (not `... having "done nothing". "B," he added.`); a first-person
  quote that opens a sentence right after a narrative sentence of the same paragraph whose only
  subject is one person is that person's (`continuation`: `Lewis-Francis still feels the
  frustration ... "That was heartbreaking, but I ..."`).
- otherwise the speaker is null and the method `none`: unresolved pronouns, ambiguous titles
  ("the president" with two presidents in the story), offices no one was introduced with ("the
  minister said") and "they said", "it added" are never guessed (a description the parse gives is
  kept as written, above); the cue is still recorded when there was one, but an unresolved cue does not save
  a short or embedded phrase from the scare-quote filter.
Measured on the hand-annotated gold set (`tests/data/gold/`, `benchmarks/score_extraction.py`).
Limits: single-quoted speech (British headline style) is not read; a stray or missing mark can
pair the rest of its paragraph wrongly (never beyond it); the pronoun rule is salience with
filters, not coreference, and a work or club that NER tags PERSON can be picked; "they said" and
"it said" stay unresolved; a speaker NER did not tag and no title or honorific introduces ("said
Papadoyiannakis") stays unresolved; attributed two- and three-word phrases ("green light") are
kept as quotes.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterator
from dataclasses import dataclass, replace

from crosswire.extract.attribution import ParsedAttribution, ParsedSpeaker, ParsedText
from crosswire.extract.entities import (
    Entity,
    Mention,
    is_title_chain,
    is_title_head,
    is_title_word,
    word_key,
)
from crosswire.ids import stable_id
from crosswire.text.lexicon import (
    ANONYMOUS_HEADS,
    BE_FORMS,
    BEFORE_SPEECH_VERB,
    CALENDAR_NAMES,
    DESCRIPTION_DETERMINERS,
    EPITHET_HEADS,
    FIRST_PERSON,
    FUNCTION_WORDS,
    LEAD_INS,
    LISTENER_VERBS,
    NOT_VERBS,
    ORG_MODIFIERS,
    ORG_NOUNS,
    PERSONAL_PRONOUNS,
    PREPOSITIONS,
    PREPOSITIONS_AND_DETERMINERS,
    REPORTING_PARTICIPLES,
    REPORTING_VERBS,
    SPEECH_PARTICIPLES,
    SPEECH_PHRASES,
    SPEECH_VERBS,
    SURNAME_HONORIFICS,
    TITLE_CONNECTORS,
)
from crosswire.text.normalize import normalized_key

_MARK = re.compile('["\u201c\u201d\u201e\u00ab\u00bb]')
_CUE = re.compile(r"\b(" + "|".join([*SPEECH_PHRASES, *sorted(SPEECH_VERBS), *SPEECH_PARTICIPLES]) + r")\b")
_ADVERB_TAIL = re.compile(r"(?:[\s,]+(?:" + "|".join(BEFORE_SPEECH_VERB) + r"))+[\s,]*$")
_PRONOUN_END = re.compile(r"(?<![\w'-])(he|she|He|She)$")
_PRONOUN_START = re.compile(r"(he|she|He|She)\b")
_PRONOUN = re.compile(r"(?<![\w'-])(he|she|He|She)\b")
_FIRST_PERSON = re.compile(r"\b(?:" + "|".join(FIRST_PERSON) + r")\b", re.IGNORECASE)
# `..., he said.` closing a sentence: the pronoun is not about the persons of the words reported
_CLOSING_ATTRIBUTION = re.compile(r"(?:he|she|He|She) +[a-z]+(?: +[\w'-]+){0,6} *[.!?]")
_HONORIFIC_NAME = r"(?:" + "|".join(h.capitalize() for h in SURNAME_HONORIFICS) + r")\.?\s+([A-Z][\w'-]+)"
_HONORIFIC_END = re.compile(r"(?<![\w'-])" + _HONORIFIC_NAME + "$")
_HONORIFIC_START = re.compile(_HONORIFIC_NAME + r"\b")
_ARTICLE = re.compile(r"(?<![\w'-])(?:[Tt]he|[Oo]ur)\s+")  # "our correspondent said"
_PHRASE_WORD = re.compile(r"[\w'&.-]+")
_LEAD_IN = re.compile(r"(?:(?:" + "|".join(LEAD_INS) + r")\b[\s,]*)*")
_SENTENCE_END_BEFORE = re.compile(r"[.!?][\"')\]]* +$")
_SENTENCE_END_REACH = 40  # how far back it is looked for: one mark, closers and a space
_SENTENCE_START_BEFORE = re.compile(r"(?:^|[.!?][\"')\]]* +|\n\s*)$")
_NEXT_PHRASE_WORD = re.compile(r"(?:'s?)? +([\w'-]+)")
_TITLE_REFERENCE = re.compile(
    r"\b[Tt]he (?:[\w'-]+ ){0,3}?(?P<head>(?i:"
    + "|".join(ANONYMOUS_HEADS)
    + r")),? (?:\w+ )??(?:"
    + "|".join(sorted(SPEECH_VERBS))
    + r")\b"
)
_NAME_AFTER_COMMA = re.compile(r", *")
_QUOTED_AS_SAYING = re.compile(r"\bquoted (?P<speaker>[^,;:.]{2,80}?) as saying\b")
_AUXILIARY_BEFORE = re.compile(r"\b(?:" + "|".join(BE_FORMS) + r")\s+$")
_AND_BEFORE = re.compile(r"\band\s+$")
_DESCRIPTION_BEFORE = re.compile(r"\b(?:the|a|an) [a-z0-9][\w-]* $")
# what follows a person in subject position: a verb (maybe after an adverb), a relative clause or
# an apposition ("Aragones insisted", "Boothroyd, who was", "Peskov, the Kremlin spokesman,")
_SUBJECT_FOLLOWS = re.compile(
    r",? (?:who|whose)\b|, (?:the|a|an) |"
    r"(?P<verb_after_comma>,)? (?:[a-z]+ly )?"
    r"(?!(?:" + "|".join(NOT_VERBS) + r")\b)[a-z]+\b"
)
_ONLY_PUNCTUATION = re.compile(r"[\s,.;:!?-]*")
_BLANK = re.compile(r"\s*")
_TERMINAL = tuple(".!?,;:-")
_MAX_SPEAKER_WORDS = 8
_MAX_TAIL_WORDS = 6
_PRONOUN_PARAGRAPHS = 2
_MAX_PRONOUN_CHAIN = 4  # "he" resolved through at most this many earlier he/she
# nor further back than this many characters (a paragraph can be a whole transcript)
_PRONOUN_REACH = 3_000


@dataclass
class QuoteSpan:
    """One contiguous quoted span: marks, inner offsets, and the quote it continues, if any."""

    open_mark: int
    close_mark: int  # the closing mark, or where an unclosed quote stops
    start_char: int
    end_char: int
    paragraph_idx: int
    closed: bool
    continues: int | None = None


@dataclass(frozen=True)
class Attribution:
    speaker: str | None
    entity_id: str | None
    method: str
    cue: str | None
    # text consumed by the attribution: where its speaker phrase starts, where the clause ends
    phrase_start: int = 0
    clause_end: int | None = None
    title: str | None = None  # the speaker's title ("chief economist", "Secretary of State")
    affiliation: str | None = None  # the organisation the text ties the speaker to
    also: tuple[str, ...] = ()  # further speakers of a coordinated subject ("Lee and Ortiz wrote")
    pronoun: str | None = None  # the pronoun the text used, when it stayed unresolved


NO_SPEAKER = Attribution(None, None, "none", None)


@dataclass
class _TitleHolders:
    """The persons a document introduces with one title: the first, and the first other one."""

    first_start: int
    first: Entity
    second_start: int | None = None
    second: Entity | None = None


def quote_spans(text: str, paragraphs: list[tuple[int, int]]) -> list[QuoteSpan]:
    """Every quoted span of a document, in text order (before the speech/scare-quote filter)."""
    spans: list[QuoteSpan] = []
    carried: int | None = None
    for paragraph_idx, (paragraph_start, paragraph_end) in enumerate(paragraphs):
        unclosed_before, carried = carried, None
        open_at: int | None = None
        continues: int | None = None
        nested = 0
        for match in _MARK.finditer(text, paragraph_start, paragraph_end):
            position, kind = match.start(), _mark_kind(text, match.start())
            if open_at is None:
                if kind != "close":
                    opens_paragraph = _is_blank(text, paragraph_start, position)
                    open_at, continues = position, unclosed_before if opens_paragraph else None
                unclosed_before = None
            elif kind == "open" and not _SENTENCE_END_BEFORE.search(
                text, max(open_at, position - _SENTENCE_END_REACH), position
            ):
                nested += 1  # a quote inside the quote: 'he was going to "fake" an injury'
            elif nested:
                nested -= 1
            elif kind == "open":
                part = QuoteSpan(open_at, position, 0, 0, paragraph_idx, closed=False, continues=continues)
                continues, open_at = _add_span(text, spans, part), position
            else:
                part = QuoteSpan(open_at, position, 0, 0, paragraph_idx, closed=True, continues=continues)
                _add_span(text, spans, part)
                open_at = None
        if open_at is not None:
            part = QuoteSpan(open_at, paragraph_end, 0, 0, paragraph_idx, closed=False, continues=continues)
            carried = _add_span(text, spans, part)
    return spans


def _is_blank(text: str, start: int, end: int) -> bool:
    """Only whitespace in text[start:end] (without copying it: the range can be a whole paragraph)."""
    return _BLANK.fullmatch(text, start, end) is not None


def _end_before_space(text: str, end: int) -> int:
    """`len(text[:end].rstrip())`, without copying the text before `end`."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end


def _add_span(text: str, spans: list[QuoteSpan], span: QuoteSpan) -> int | None:
    """Append `span` with its inner offsets (inside the marks, whitespace trimmed); its index."""
    start, end = span.open_mark + 1, span.close_mark
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end <= start:
        return None
    span.start_char, span.end_char = start, end
    spans.append(span)
    return len(spans) - 1


def _mark_kind(text: str, position: int) -> str:
    mark = text[position]
    if mark in "\u201c\u201e\u00ab":
        return "open"
    if mark in "\u201d\u00bb":
        return "close"
    before = text[position - 1] if position > 0 else " "
    after = text[position + 1] if position + 1 < len(text) else " "
    opens = (before.isspace() or before in "([{-/") and not after.isspace()
    closes = not before.isspace() and (after.isspace() or after in ".,;:!?)]}-/")
    if opens != closes:
        return "open" if opens else "close"
    return "either"


class QuoteContext:
    """One document's text, sentences, paragraphs and mentions, indexed for attribution."""

    def __init__(self, text: str, sentences: list[tuple[int, int, int]], mentions: list[Mention]):
        self.text = text
        self.sentences = sentences  # (start_char, end_char, paragraph_idx)
        self.sentence_starts = [start for start, _, _ in sentences]
        self.sentence_ends = [end for _, end, _ in sentences]
        bounds: dict[int, list[int]] = {}
        for start, end, paragraph_idx in sentences:
            bounds.setdefault(paragraph_idx, [start, end])[1] = end
        self.paragraphs = [tuple(bounds[index]) for index in sorted(bounds)]
        self.paragraph_starts = [start for start, _ in self.paragraphs]
        self.mentions = mentions
        self.mention_starts = [m.start_char for m in mentions]
        self.ending_at = {m.end_char: m for m in mentions}
        self.starting_at = {m.start_char: m for m in mentions} | {m.title_start: m for m in mentions}
        self.persons = [m for m in mentions if m.label == "PERSON" and m.entity is not None]
        self.person_starts = [m.start_char for m in self.persons]
        self.gender = {m.entity: m.gender for m in self.persons if m.gender}
        # persons by surname, and titled persons by the last word of their title, in text order
        self.persons_by_surname: dict[str, tuple[list[int], list[Mention]]] = {}
        self.titled_by_head: dict[str, dict[tuple[str, ...], _TitleHolders]] = {}
        for mention in self.persons:
            if mention.parts:
                starts, persons = self.persons_by_surname.setdefault(mention.parts[-1], ([], []))
                starts.append(mention.start_char)
                persons.append(mention)
            title_words = mention.title.split() if mention.title else []
            # then-/ex-/former- titles are not current
            if not title_words or word_key(title_words[0]) != title_words[0].casefold().strip(".,"):
                continue
            if title_words[0].casefold() != "former" and (title := tuple(_title_keys(title_words))):
                holders = self.titled_by_head.setdefault(title[-1], {}).get(title)
                if holders is None:
                    self.titled_by_head[title[-1]][title] = _TitleHolders(mention.start_char, mention.entity)
                elif holders.second is None and mention.entity is not holders.first:
                    holders.second_start, holders.second = mention.start_char, mention.entity
        self.quoted: list[tuple[int, int]] = []
        self.quote_opens: list[int] = []
        self.resumes: list[int | None] = []  # per quote: the first at or after it after a comma
        self.parsed: ParsedText | None = None  # the parse of the sentences around the quotes
        self.entity_labels = {m.entity.entity_id: m.entity.label for m in mentions if m.entity is not None}

    def sentence_start(self, position: int) -> int:
        index = bisect_right(self.sentence_starts, position) - 1
        return self.sentence_starts[index] if index >= 0 else 0

    def sentence_end_after(self, position: int) -> int:
        index = bisect_right(self.sentence_ends, position)
        return self.sentence_ends[index] if index < len(self.sentence_ends) else len(self.text)

    def set_quotes(self, spans: list[QuoteSpan]) -> None:
        """The document's quoted spans (in text order, none inside another), indexed by position."""
        self.quoted = [(span.open_mark, span.close_mark) for span in spans]
        self.quote_opens = [open_mark for open_mark, _ in self.quoted]
        self.resumes = [None] * (len(spans) + 1)
        for index in range(len(spans) - 1, -1, -1):
            after_comma = self.text.endswith(",", 0, _end_before_space(self.text, self.quote_opens[index]))
            self.resumes[index] = self.quote_opens[index] if after_comma else self.resumes[index + 1]

    def in_quote(self, position: int) -> bool:
        index = bisect_left(self.quote_opens, position) - 1
        return index >= 0 and position < self.quoted[index][1]

    def first_quote_after(self, position: int) -> int | None:
        """The opening mark of the first quote that opens after `position`."""
        index = bisect_right(self.quote_opens, position)
        return self.quote_opens[index] if index < len(self.quote_opens) else None

    def latest_person(self, surname: str, position: int) -> Mention | None:
        """The last person with this surname mentioned before `position`."""
        starts, persons = self.persons_by_surname.get(surname, ([], []))
        index = bisect_left(starts, position)
        return persons[index - 1] if index else None

    def title_holders(self, reference: tuple[str, ...], position: int) -> set[Entity]:
        """Persons introduced before `position` with a title that ends with `reference` or that
        `reference` ends with; at most two per title (enough to tell one from several)."""
        found = set()
        for title, holders in self.titled_by_head.get(reference[-1], {}).items() if reference else ():
            if holders.first_start < position and (
                _ends_with(reference, title) or _ends_with(title, reference)
            ):
                found.add(holders.first)
                if holders.second_start is not None and holders.second_start < position:
                    found.add(holders.second)
        return found

    def paragraph_of(self, position: int) -> int:
        return max(0, bisect_right(self.paragraph_starts, position) - 1)


def extract_quotes(doc_id: str, ctx: QuoteContext) -> list[dict]:
    """`quotes` rows of one document."""
    text = ctx.text
    spans = quote_spans(text, ctx.paragraphs)
    ctx.set_quotes(spans)
    continued = {span.continues for span in spans if span.continues is not None}
    attributions: dict[int, Attribution] = {}
    kept: list[int] = []
    for index, span in enumerate(spans):
        after, before = _attribution_after(ctx, span), _attribution_before(ctx, spans, index)
        own = next((a for a in (after, before) if a and a.speaker), after or before)
        chained = span.continues is not None or index in continued
        parsed = _attribution_parsed(ctx, span)
        # an utterance the parse attributes (`"Quiet," he demanded`) is speech however short
        uttered = bool(parsed and parsed.speaker) and text[span.start_char : span.end_char].endswith(
            _UTTERANCE_END
        )
        # a cue whose speaker stays unknown does not make a short or embedded phrase speech
        if not _is_speech(text, span, bool(own and own.speaker) or chained or uttered):
            continue
        # the parse's answer wins when it is a name; otherwise it fills what the rules left empty
        if parsed and parsed.speaker and parsed.method in ("named", "pronoun"):
            own = parsed
        if own is None:
            own = _continuation(ctx, spans, index, kept[-1] if kept else None, attributions)
        if not own.speaker and parsed and parsed.speaker:
            own = parsed
        attributions[index] = own
        kept.append(index)
    _share_chain_speakers(text, spans, kept, attributions)
    _topic_speakers(ctx, spans, kept, attributions)
    rows = []
    for index in kept:
        span, attribution = spans[index], attributions[index]
        quote_text = text[span.start_char : span.end_char]
        key = normalized_key(quote_text)
        rows.append(
            {
                "quote_id": stable_id("q", doc_id, span.start_char, span.end_char),
                "doc_id": doc_id,
                "start_char": span.start_char,
                "end_char": span.end_char,
                "text": quote_text,
                "normalized_key": key,
                "quote_cluster_id": stable_id("k", key),
                "speaker": attribution.speaker,
                "speaker_entity_id": attribution.entity_id,
                "speaker_method": attribution.method,
                "cue": attribution.cue,
                "speaker_kind": _speaker_kind(ctx, attribution),
                "speaker_title": attribution.title,
                "speaker_affiliation": attribution.affiliation,
                "speakers": [attribution.speaker, *attribution.also] if attribution.speaker else [],
            }
        )
    return rows


def _speaker_kind(ctx: QuoteContext, attribution: Attribution) -> str:
    """person, organisation, description, pronoun (one left unresolved) or none."""
    if attribution.speaker is None:
        return "pronoun" if attribution.pronoun else "none"
    if attribution.method in ("organisation", "description"):
        return attribution.method
    label = ctx.entity_labels.get(attribution.entity_id) if attribution.entity_id else "PERSON"
    return "person" if label == "PERSON" else "organisation"


def _attribution_parsed(ctx: QuoteContext, span: QuoteSpan) -> Attribution | None:
    """The speaker the dependency parse gives (`crosswire.extract.attribution`), resolved against
    the document's mentions: a person, an organisation, a pronoun or a title; else the phrase as
    written (`a spokesman for the airline`). Places and nationalities are never speakers."""
    if ctx.parsed is None:
        return None
    parsed = ctx.parsed.attribute(span.start_char, span.end_char, span.open_mark, span.close_mark)
    if parsed is None:
        return None
    attribution = _resolve_parsed_speaker(ctx, parsed, parsed.speakers[0])
    first = parsed.speakers[0]
    others = [_resolve_parsed_speaker(ctx, parsed, other) for other in parsed.speakers[1:]]
    attribution = replace(
        attribution,
        title=attribution.title or first.title,
        affiliation=attribution.affiliation or first.affiliation,
        also=tuple(o.speaker for o in others if o.speaker and o.speaker != attribution.speaker),
    )
    if parsed.cue_start > span.close_mark:  # `"…," X said …`: the clause runs to the end of its
        end = ctx.sentence_end_after(parsed.cue_start)  # sentence, or to a quote it resumes after a
        resumed = ctx.resumes[bisect_right(ctx.quote_opens, parsed.cue_start)]
        resumed = resumed if resumed is not None and resumed < end else end
        attribution = replace(attribution, clause_end=resumed)  # comma (`X said, "…"`)
    return attribution


def _resolve_parsed_speaker(
    ctx: QuoteContext, parsed: ParsedAttribution, speaker: ParsedSpeaker
) -> Attribution:
    text, cue = ctx.text, parsed.cue
    head = text[speaker.head_start : speaker.head_end]
    for start, end in filter(None, (speaker.name_span, (speaker.head_start, speaker.head_end))):
        mention = _mention_over(ctx, start, end)
        if mention is None:
            continue
        if mention.label == "PERSON" and mention.entity is not None:
            return _named(mention, cue, speaker.start_char)
        if _is_organisation(mention):
            return _organisation_mention(mention, cue, speaker.start_char)
        return replace(NO_SPEAKER, cue=cue, phrase_start=speaker.start_char)  # a place, a nationality
    if head.lower() in ("he", "she"):
        resolved = _pronoun_from_parse(ctx, speaker.head_start, head, cue) or _resolve_pronoun(
            ctx, speaker.head_start, head, cue
        )
        return resolved if resolved.speaker else replace(resolved, pronoun=head)
    if head.lower() in PERSONAL_PRONOUNS:
        return replace(NO_SPEAKER, cue=cue, phrase_start=speaker.start_char, pronoun=head)
    if not head[:1].isalpha():
        return replace(NO_SPEAKER, cue=cue, phrase_start=speaker.start_char)
    phrase = text[speaker.start_char : speaker.end_char]
    if head[:1].isupper() and not is_title_word(head):
        return _unrecognized_name(ctx, phrase, head, speaker, cue)
    if is_title_head(head) or head.casefold() in EPITHET_HEADS:
        titled = _resolve_title(ctx, [head], speaker.start_char, cue, speaker.start_char)
        if titled.speaker:
            return titled
    words = phrase.split()
    described = len(words) >= 2 and (
        words[0].casefold() in DESCRIPTION_DETERMINERS or _POSSESSIVE_OPENING.match(phrase)
    )
    # a description speaks only through a verb of saying: "the first incident came" is no speaker
    reports = (
        cue.casefold() in REPORTING_VERBS or cue.casefold() in REPORTING_PARTICIPLES or cue == "according to"
    )
    if not (described and reports):
        return replace(NO_SPEAKER, cue=cue, phrase_start=speaker.start_char)
    return Attribution(phrase, None, "description", cue, speaker.start_char)


def _pronoun_from_parse(ctx: QuoteContext, position: int, pronoun: str, cue: str) -> Attribution | None:
    """he/she as the subject of a reporting clause: the person who is the main-clause subject of
    the nearest sentence before with one, gender agreeing where the text shows it; else None."""
    gender = "m" if pronoun.lower() == "he" else "f"
    sentence_start = ctx.sentence_start(position)
    for start, end in ctx.parsed.main_subjects_before(sentence_start) if ctx.parsed else ():
        if ctx.text[start:end].lower() in PERSONAL_PRONOUNS:
            continue  # "He told ... He said": the same person, named further back
        mention = _mention_over(ctx, start, end)
        if mention is None or mention.label != "PERSON" or mention.entity is None:
            return None  # a described subject ("the 25-year-old Dubliner") may be who "he" is
        if len(mention.entity.canonical_name.split()) < 2:
            return None
        if ctx.gender.get(mention.entity, gender) == gender:
            return Attribution(
                mention.entity.canonical_name, mention.entity.entity_id, "pronoun", cue, position
            )
    return None


def _unrecognized_name(
    ctx: QuoteContext, phrase: str, head: str, speaker: ParsedSpeaker, cue: str
) -> Attribution:
    """A capitalised subject NER did not tag: `Mr Ortiz`, or a surname an earlier person of the
    document bears (`Smbatyan added`), links to that person; a name of two or more capitalised
    words after its titles (`Rear Admiral Guan Youfei`) is kept as written; else no speaker."""
    honorific = re.match(_HONORIFIC_NAME, phrase)
    if honorific:
        return _resolve_honorific(ctx, honorific, cue)
    surname = normalized_key(head)
    earlier = ctx.latest_person(surname, speaker.head_start)
    if earlier:
        return _named(earlier, cue, speaker.start_char)
    words = text_words = phrase.split()
    while words and (is_title_word(words[0]) or not words[0][:1].isupper()):
        words = words[1:]
    if (
        2 <= len(words) <= 4
        and words == text_words[len(text_words) - len(words) :]
        and all(
            w[:1].isupper() and not w.isupper() and w.strip(".").isalpha() and w not in CALENDAR_NAMES
            for w in words
        )
    ):
        return Attribution(" ".join(words), None, "named", cue, speaker.start_char)
    return replace(NO_SPEAKER, cue=cue, phrase_start=speaker.start_char)


def _mention_over(ctx: QuoteContext, start: int, end: int) -> Mention | None:
    index = bisect_right(ctx.mention_starts, start) - 1
    for mention in ctx.mentions[max(0, index - 2) : index + 3]:
        if mention.start_char < end and start < mention.end_char:
            return mention
    return None


_UTTERANCE_END = (",", ".", "!", "?")
_POSSESSIVE_OPENING = re.compile(
    r"(?:[A-Z][\w.-]*\s+){0,3}[A-Z][\w.-]*'s?\s"
)  # "Hillary Clinton's right-hand woman"


def _is_speech(text: str, span: QuoteSpan, attributed: bool) -> bool:
    quoted = text[span.start_char : span.end_char]
    words = quoted.split()
    punctuated = quoted.endswith(_TERMINAL) or quoted.endswith("...")
    long_words = [w for w in words if len(w.strip("\"',.;:!?()")) > 3]
    if not punctuated and long_words and all(w[:1].isupper() for w in long_words):
        return False  # a title or slogan: "Lord of the Rings", "Back the Bid"
    if len(words) == 1 and not punctuated:
        return False  # one attributed word ("invade", "pioneers") is a label, not a quote
    if attributed:
        return True
    if len(words) < 4:
        return False
    return punctuated or not _runs_on(text, span)


def _runs_on(text: str, span: QuoteSpan) -> bool:
    """The sentence continues after the closing mark with a lower-case word ('... of other G7')."""
    if not span.closed:
        return False
    following = re.match(r"\s*([\w(])", text[span.close_mark + 1 : span.close_mark + 30])
    return bool(following) and (following.group(1).islower() or following.group(1).isdigit())


def _attribution_after(ctx: QuoteContext, span: QuoteSpan) -> Attribution | None:
    """`"...," X said` or `"...," said X`, in the clause right after the closing mark."""
    if not span.closed:
        return None
    text = ctx.text
    start = span.close_mark + 1
    first_word = start + len(text[start : start + 50]) - len(text[start : start + 50].lstrip())
    sentence_end = min(ctx.paragraphs[span.paragraph_idx][1], ctx.sentence_end_after(first_word))
    following = ctx.first_quote_after(span.close_mark)
    end = min(sentence_end, start + 250, len(text) if following is None else following)
    quoted_as = _QUOTED_AS_SAYING.search(text, start, end)
    if quoted_as and len(text[start : quoted_as.start()].split()) <= _MAX_SPEAKER_WORDS:
        # `"...," AP quoted prosecutor Russell McGuire as saying.`
        attribution = _speaker_starting_at(
            ctx, quoted_as.start("speaker"), quoted_as.end("speaker"), "saying"
        )
        return replace(attribution or replace(NO_SPEAKER, cue="saying"), clause_end=end)
    cue = _CUE.search(text, start, end)
    if not cue or len(text[start : cue.start()].split()) > _MAX_SPEAKER_WORDS + 2:
        return None
    if text[cue.end() : end].rstrip().endswith(":"):
        return None  # `He added: "...` introduces the next quote
    if _AUXILIARY_BEFORE.search(text, max(start, cue.start() - 12), cue.start()):
        return None  # `"..." Four movies have been announced`: a passive, nobody speaks
    lead = start + len(text[start : cue.start()]) - len(text[start : cue.start()].lstrip(" ,"))
    verb = cue.group(1)
    quoted = text[span.start_char : span.end_char]
    if lead >= cue.start():
        attribution = _speaker_starting_at(ctx, cue.end(), end, verb) or replace(NO_SPEAKER, cue=verb)
        return replace(attribution, clause_end=end)  # `"...?" said X, secretary general of Y.`
    attribution = _speaker_ending_at(ctx, lead, cue.start(), verb)
    if (
        attribution
        and not _is_descriptor(text[lead : attribution.phrase_start])
        and (
            quoted.endswith((".", "!", "?"))
            or not _closes_sentence(text, lead, attribution, cue.end(), sentence_end)
        )
    ):
        return None
    if attribution is None:
        # `"...," a spokesman said`: attributed, to someone the text does not name
        subject = [w for w in text[lead : cue.start()].split() if w.lower() not in ("a", "an", "the", "one")]
        if not _is_descriptor(" ".join(subject)):
            return None
        attribution = replace(NO_SPEAKER, cue=verb)
    if quoted.endswith((".", "!", "?")) and len(text[cue.end() : sentence_end].split()) > _MAX_TAIL_WORDS:
        return None  # `"..." He said the plan ...` is a new sentence about something else
    return replace(attribution, clause_end=end)


def _closes_sentence(text: str, lead: int, attribution: Attribution, cue_end: int, sentence_end: int) -> bool:
    """A person's attribution that closes the sentence after a comma speaks for a quoted phrase
    earlier in it: `The US was "very bad at coordinating" and India had its problems, Ms Short said.`"""
    gap = text[lead : attribution.phrase_start]
    return (
        attribution.method in ("named", "pronoun", "title")
        and gap.rstrip().endswith(",")
        and not re.search(r"[.!?;:][\"')]*\s", gap)
        and len(text[cue_end:sentence_end].split()) <= _MAX_TAIL_WORDS
    )


def _attribution_before(ctx: QuoteContext, spans: list[QuoteSpan], index: int) -> Attribution | None:
    """`X said: "...`, `X told reporters that "...`, `according to X, "...`, `X: "...`."""
    span = spans[index]
    if span.continues is not None:
        return None
    text = ctx.text
    lo = max(ctx.paragraphs[span.paragraph_idx][0], ctx.sentence_start(span.open_mark))
    if index > 0 and spans[index - 1].paragraph_idx == span.paragraph_idx:
        lo = max(lo, spans[index - 1].close_mark + 1)
    cues = list(_CUE.finditer(text, lo, span.open_mark))
    if not cues:
        before = text[lo : span.open_mark].rstrip()
        if before.endswith(":"):
            colon = lo + len(before) - 1
            attribution = _speaker_ending_at(ctx, lo, colon, ":", persons_only=True)
            return attribution if attribution and attribution.method != "none" else None
        return None
    cue = cues[-1]
    verb = cue.group(1)
    if verb in SPEECH_PARTICIPLES or _AND_BEFORE.search(text, max(lo, cue.start() - 6), cue.start()):
        # `..., adding: "` and `Dunne is keen to ... and said: "` take the sentence's subject, unless
        # a person comes right before the participle (`with Rovers boss Mark Hughes claiming "`)
        own_subject = _speaker_ending_at(ctx, lo, cue.start(), verb, persons_only=True)
        if own_subject and own_subject.method == "named" and verb in SPEECH_PARTICIPLES:
            return own_subject
        lead_in = _LEAD_IN.match(text, ctx.sentence_start(cue.start()), cue.start())
        return _speaker_starting_at(ctx, lead_in.end(), cue.start(), verb)
    if verb.lower() == "according to":
        return _speaker_starting_at(ctx, cue.end(), span.open_mark, "according to", up_to=span.open_mark)
    attribution = _speaker_ending_at(ctx, lo, cue.start(), verb)
    if attribution is None and verb not in LISTENER_VERBS:
        # `Said the Pew report: "...`; `told X` and `asked X` name whom it was said to
        attribution = _speaker_starting_at(ctx, cue.end(), span.open_mark, verb, up_to=span.open_mark)
    return attribution or replace(NO_SPEAKER, cue=verb)


def _is_descriptor(gap: str) -> bool:
    """Words between a quote and its speaker that only describe the speaker ('deputy planning',
    "Authenti-corp's CEO,")."""
    gap = gap.rstrip(" ,")
    words = gap.split()
    return (
        len(words) <= 5
        and not re.search(r"[,;:.!?\"]", gap)
        and not set(w.lower() for w in words) & FUNCTION_WORDS
    )


def _is_bare_title(phrase: str) -> bool:
    """A title without an article: 'PTC president and conservative activist'."""
    words = phrase.split()
    return (
        0 < len(words) <= 8
        and any(is_title_head(w) for w in words)
        and not {w.lower() for w in words} & (FUNCTION_WORDS | {"the"}) - {"and"}
    )


def _speaker_ending_at(
    ctx: QuoteContext, lo: int, end: int, cue: str, persons_only: bool = False
) -> Attribution | None:
    """The speaker phrase that ends right before a cue, allowing adverbs and an appositive."""
    text = ctx.text
    end = _end_before_space(text, end)
    tail = _ADVERB_TAIL.search(text, lo, end)
    if tail:
        end = _end_before_space(text, tail.start())
    ends = [end]
    comma = text.rfind(",", lo, end)
    if comma != -1 and not text.endswith(",", lo, end) and _is_bare_title(text[comma + 1 : end]):
        ends = [end, comma]  # "Brent Bozell, PTC president and conservative activist said"
    if text.endswith(",", lo, end):
        # "Peskov, the Kremlin spokesman, said" or "the Shadow Secretary, Theresa May, said"
        inner = text.rfind(",", lo, end - 1)
        relative_clause = (
            re.match(r"\s*(?:who|whose|which|whom)\b", text[inner + 1 : end]) if inner != -1 else None
        )
        ends = [inner] if relative_clause else [inner, end - 1] if inner != -1 else [end - 1]
    for person_level in (True, False):
        if not person_level and persons_only:
            break
        for phrase_end in ends:
            phrase_end = _end_before_space(text, phrase_end)
            attribution = _phrase_ending_at(ctx, lo, phrase_end, cue, person_level)
            if attribution:
                return attribution
    return None


def _phrase_ending_at(
    ctx: QuoteContext, lo: int, end: int, cue: str, person_level: bool
) -> Attribution | None:
    text = ctx.text
    if end <= lo:
        return None
    mention = ctx.ending_at.get(end)
    if mention and mention.title_start < lo:
        mention = None
    if person_level:
        pronoun = _PRONOUN_END.search(text, lo, end)
        if pronoun:
            return _resolve_pronoun(ctx, pronoun.start(), pronoun.group(1), cue)
        if mention and mention.label == "PERSON":
            return _named(mention, cue, mention.title_start)
        honorific = _HONORIFIC_END.search(text, lo, end)
        return _resolve_honorific(ctx, honorific, cue) if honorific else None
    if mention and _is_organisation(mention):
        article = _ARTICLE.search(text, max(lo, mention.start_char - 4), mention.start_char)
        return _organisation_mention(mention, cue, article.start() if article else mention.start_char)
    for article in _ARTICLE.finditer(text, max(lo, end - 120), end):
        words = [(w.start(), w.group()) for w in _PHRASE_WORD.finditer(text, article.end(), end)]
        if not words or len(words) > _MAX_SPEAKER_WORDS or re.search(r"[,;:]", text[article.end() : end]):
            continue
        attribution = _noun_phrase(ctx, [w for _, w in words], words[0][0], end, cue, article.start())
        if attribution:
            return attribution
    return None


def _speaker_starting_at(
    ctx: QuoteContext, start: int, hi: int, cue: str, up_to: int | None = None
) -> Attribution | None:
    """The speaker noun phrase that starts right after a cue (`said Tillerson`, `said race director
    David Bedford`, `according to the ministry`) or a sentence (`Smith ..., adding: "`).

    The phrase runs until punctuation, a function word or a third lower-case word; its first
    person is the speaker, else an organisation at its start, else `the <title | organisation>`.
    With `up_to`, the phrase must reach it with nothing but `,` or `:` in between.
    """
    text = ctx.text
    while start < hi and text[start] in " ,":
        start += 1
    pronoun = _PRONOUN_START.match(text, start, hi)
    words = _noun_phrase_words(text, start, hi)
    if pronoun:
        end = pronoun.end()
    elif words:
        end = words[-1].end()
    else:
        return None
    if up_to is not None and not re.fullmatch(r"[\s,:]*", text[end:up_to]):
        return None
    if pronoun:
        return _resolve_pronoun(ctx, start, pronoun.group(1), cue)
    first, last = bisect_left(ctx.mention_starts, start), bisect_left(ctx.mention_starts, end)
    inside = [m for m in ctx.mentions[first:last] if m.end_char <= end]
    for mention in inside:
        next_word = _NEXT_PHRASE_WORD.match(text, mention.end_char, end)
        if next_word and is_title_head(next_word.group(1)):
            continue  # "Cobain biographer Charles Cross": Cobain only describes the biographer
        if mention.label == "PERSON":
            return _named(mention, cue, start)
    if is_title_word(text[words[-1].start() : end]):
        # `said EEF chief economist, Steve Radley`: the title, then the name after a comma
        named = _NAME_AFTER_COMMA.match(text, end, hi)
        mention = ctx.starting_at.get(named.end()) if named else None
        if mention and mention.label == "PERSON":
            return _named(mention, cue, start)
    honorific = _HONORIFIC_START.match(text, start, end)
    if honorific:
        return _resolve_honorific(ctx, honorific, cue)
    article = _ARTICLE.match(text, start, end)
    body = article.end() if article else start
    if inside and inside[0].start_char == body and _is_organisation(inside[0]):
        return _organisation_mention(inside[0], cue, start)
    if not article:
        return None
    phrase = [w.group() for w in words if w.start() >= body]
    return _noun_phrase(ctx, phrase, body, end, cue, start) if phrase else None


def _noun_phrase_words(text: str, start: int, hi: int) -> list[re.Match]:
    words: list[re.Match] = []
    lower_case = 0
    for word in _PHRASE_WORD.finditer(text, start, min(hi, start + 150)):
        gap = text[words[-1].end() : word.start()] if words else text[start : word.start()]
        if gap.strip() or len(words) == 10 or word.group().lower() in FUNCTION_WORDS:
            break
        folded = word.group().casefold()
        if not word.group()[:1].isupper() and not is_title_word(folded) and folded not in TITLE_CONNECTORS:
            lower_case += 1
            if lower_case == 3:
                break
        words.append(word)
    while words and words[-1].group().casefold() in TITLE_CONNECTORS:
        words.pop()
    return words


def _is_organisation(mention: Mention) -> bool:
    """ORG or a plural NORP ('the Conservatives'), not a bare title ('the Bishop'). A place is never
    a speaker, not even by metonymy ("Washington has claimed"): who speaks for it is not said."""
    if mention.label == "PERSON" or all(is_title_word(w) for w in mention.text.split()):
        return False
    if mention.label == "NORP":
        return mention.text.endswith("s") and not mention.text.endswith("ss")  # not "Swiss"
    # the entity's label, over all its mentions: "Edinburgh" tagged ORG in "Duke of Edinburgh"
    return mention.label == "ORG" and (mention.entity is None or mention.entity.label == "ORG")


def _noun_phrase(
    ctx: QuoteContext, words: list[str], start: int, end: int, cue: str, phrase_start: int
) -> Attribution | None:
    """`the Secretary of State` (a title) or `the Russian government` (an organisation)."""
    for first in range(len(words)):
        if is_title_chain(words[first:]):
            return _resolve_title(ctx, words[first:], start, cue, phrase_start)
    last = words[-1]
    mention = ctx.ending_at.get(end)
    if mention and mention.label == "NORP" and not _is_organisation(mention):
        return None  # `the American said`: a person we cannot name
    if not any(w[:1].isupper() for w in words) or not (last.casefold() in ORG_NOUNS or last[:1].isupper()):
        return None
    for word in words[:-1]:
        folded = word.casefold()
        if not (
            word[:1].isupper() or folded in ORG_NOUNS or folded in ORG_MODIFIERS or folded in TITLE_CONNECTORS
        ):
            return None
    return _organisation(ctx.text[start:end], None, cue, phrase_start)


def _resolve_title(
    ctx: QuoteContext, words: list[str], position: int, cue: str, phrase_start: int
) -> Attribution:
    """The one person introduced earlier in the document with this title, else no speaker."""
    reference = tuple(_title_keys(words))
    matches = ctx.title_holders(reference, position)
    if not matches and len(reference) == 1 and reference[0] in EPITHET_HEADS:
        resolved = _resolve_pronoun(ctx, phrase_start, None, cue)
        return replace(resolved, method="title") if resolved.speaker else resolved
    if len(matches) != 1:
        return replace(NO_SPEAKER, cue=cue, phrase_start=phrase_start)
    entity = matches.pop()
    return Attribution(entity.canonical_name, entity.entity_id, "title", cue, phrase_start)


def _title_keys(words: list[str]) -> list[str]:
    """The title words of a title, without its complement: 'Bishop of Durham' -> ['bishop']."""
    keys = [word_key(w) for w in words if is_title_word(w) or w.casefold() in TITLE_CONNECTORS]
    while keys and keys[-1] in TITLE_CONNECTORS:
        keys.pop()
    return keys


def _ends_with(words: tuple[str, ...], suffix: tuple[str, ...]) -> bool:
    return bool(suffix) and len(suffix) <= len(words) and words[len(words) - len(suffix) :] == suffix


def _named(mention: Mention, cue: str, phrase_start: int) -> Attribution:
    entity = mention.entity
    return Attribution(
        entity.canonical_name, entity.entity_id, "named", cue, phrase_start, title=mention.title
    )


def _organisation(name: str, entity_id: str | None, cue: str, phrase_start: int) -> Attribution:
    return Attribution(name, entity_id, "organisation", cue, phrase_start)


def _organisation_mention(mention: Mention, cue: str, phrase_start: int) -> Attribution:
    return _organisation(mention.entity.canonical_name, mention.entity.entity_id, cue, phrase_start)


def _resolve_honorific(ctx: QuoteContext, match: re.Match, cue: str) -> Attribution:
    """`Mr Smith` when NER missed Smith: the latest person with that surname, else the surface name."""
    surname = normalized_key(match.group(1))
    earlier = ctx.latest_person(surname, match.start())
    if earlier:
        return _named(earlier, cue, match.start())
    return Attribution(match.group(1), None, "named", cue, match.start())


def _resolve_pronoun(
    ctx: QuoteContext, position: int, pronoun: str | None, cue: str | None, depth: int = 0
) -> Attribution:
    """he/she: a salient person mentioned before `position` (see the module docstring).

    Candidates (people, and he/she of the same gender outside quotes) are searched backwards;
    among those of the nearest sentence that has any, a known gender that agrees beats an unknown
    one, a subject beats other mentions, the later beats the earlier. A pronoun that wins is
    resolved in turn ("He told ... He said:"). The persons of a sentence that `, he said.` closes
    are what was said, not who said it, so the search starts before that sentence. Without a
    pronoun (an epithet, `the prop said`) the same search runs with no gender.
    """
    gender = None if pronoun is None else "m" if pronoun.lower() == "he" else "f"
    paragraph = ctx.paragraph_of(position)
    window_start = max(ctx.paragraphs[max(0, paragraph - _PRONOUN_PARAGRAPHS)][0], position - _PRONOUN_REACH)
    text = ctx.text
    before = position
    if text.endswith(",", 0, _end_before_space(text, position)) and _CLOSING_ATTRIBUTION.match(
        text, position
    ):
        before = ctx.sentence_start(position)
    candidates: list[tuple[int, int, Mention | None]] = []  # (start, end, person or None: a pronoun)
    candidates_sentence = None
    for sentence, start, end, mention in _backwards(ctx, window_start, before, gender):
        if candidates and sentence != candidates_sentence:
            break
        if mention is None:
            candidates.append((start, end, None))
            candidates_sentence = sentence
            continue
        if end > position or ctx.in_quote(start):
            continue
        after = text[end : end + 6]
        if _DESCRIPTION_BEFORE.search(text, max(0, mention.title_start - 40), mention.title_start):
            break  # "the 25-year-old Dubliner ... He added": someone described, not named
        if _is_object(text, mention.title_start) or after.startswith(("'", " and ", " or ")):
            continue
        if gender and ctx.gender.get(mention.entity, gender) != gender:
            continue
        if _unnamed_person_between(ctx, mention, position):
            break
        candidates.append((start, end, mention))
        candidates_sentence = sentence
    if not candidates:
        return replace(NO_SPEAKER, cue=cue, phrase_start=position)
    start, end, best = max(
        candidates,
        key=lambda c: (
            c[2] is None or ctx.gender.get(c[2].entity) == gender,
            c[2] is None or _is_subject(text, c[2]),
            c[0],
        ),
    )
    if best is None:
        if depth >= _MAX_PRONOUN_CHAIN:
            return replace(NO_SPEAKER, cue=cue, phrase_start=position)
        resolved = _resolve_pronoun(ctx, start, text[start:end], cue, depth + 1)
        return replace(resolved, phrase_start=position)
    return Attribution(best.entity.canonical_name, best.entity.entity_id, "pronoun", cue, position)


def _backwards(
    ctx: QuoteContext, window_start: int, before: int, gender: str | None
) -> Iterator[tuple[int, int, int, Mention | None]]:
    """(sentence index, start, end, person or None for a he/she of `gender` outside quotes) of the
    candidates in text[window_start:before], the nearest sentence first and, within a sentence,
    the later first. Lazy: the search reads only as far back as its caller asks."""
    sentence = bisect_right(ctx.sentence_starts, before - 1) - 1
    hi = before
    while hi > window_start:
        lo = max(window_start, ctx.sentence_starts[sentence] if sentence >= 0 else 0)
        persons = ctx.persons[bisect_left(ctx.person_starts, lo) : bisect_left(ctx.person_starts, hi)]
        found = [(m.start_char, m.end_char, m) for m in persons]
        for match in _PRONOUN.finditer(ctx.text, lo, before):
            if match.start() >= hi:
                break
            he = match.group(1).lower() == "he"
            if gender in (None, "m" if he else "f") and not ctx.in_quote(match.start()):
                found.append((match.start(), match.end(), None))
        for start, end, mention in sorted(found, key=lambda c: c[0], reverse=True):
            yield sentence, start, end, mention
        sentence, hi = sentence - 1, lo


def _is_subject(text: str, mention: Mention) -> bool:
    """A verb, a relative clause or an apposition follows the person, and no title ("James Hardie
    chairwoman" names a company, not a subject)."""
    next_word = _NEXT_PHRASE_WORD.match(text, mention.end_char)
    if next_word and is_title_head(next_word.group(1)):
        return False
    follows = _SUBJECT_FOLLOWS.match(text, mention.end_char)
    if follows and follows.group("verb_after_comma"):
        # "chairwoman, Meredith Hellicar, said": an apposition; not "made to X, were meant"
        return text[: mention.title_start].endswith(", ")
    return bool(follows)


def _is_object(text: str, start: int) -> bool:
    """The name at `start` follows a preposition or article, maybe with one place or team word
    between ("with the Assad regime", "offers for England winger Shaun Wright-Phillips")."""
    before = text[max(0, start - 40) : start].split()
    if before and before[-1].casefold() in PREPOSITIONS_AND_DETERMINERS:
        return True
    if (
        len(before) < 2
        or not before[-1][:1].isupper()
        or not before[-1].isalpha()
        or before[-1] in CALENDAR_NAMES
    ):
        return False  # "on Tuesday Mr Ebbers denied" is a subject
    return before[-2] in PREPOSITIONS


def _unnamed_person_between(ctx: QuoteContext, mention: Mention, position: int) -> bool:
    """An unnamed spokesman or official speaking between the candidate and the pronoun who is not
    the candidate ("Smith spoke ... the spokesman said ... he added"): the pronoun may mean them."""
    for match in _TITLE_REFERENCE.finditer(ctx.text, mention.end_char, position):
        if ctx.in_quote(match.start()):
            continue
        resolved = _resolve_title(ctx, [match.group("head")], match.start(), "", match.start())
        if resolved.entity_id != mention.entity.entity_id:
            return True
    return False


def _continuation(
    ctx: QuoteContext,
    spans: list[QuoteSpan],
    index: int,
    previous_kept: int | None,
    attributions: dict[int, Attribution],
) -> Attribution:
    """The previous quote's speaker, when this quote continues it or directly follows it."""
    span = spans[index]
    if span.continues is not None and span.continues in attributions:
        return _as_continuation(attributions[span.continues])
    if previous_kept is None:
        return NO_SPEAKER
    previous = spans[previous_kept]
    attribution = attributions[previous_kept]
    gap_start = max(previous.close_mark + 1, attribution.clause_end or 0)
    if attribution.speaker and _ONLY_PUNCTUATION.fullmatch(ctx.text, gap_start, span.open_mark):
        return _as_continuation(attribution)
    return NO_SPEAKER


def _as_continuation(attribution: Attribution) -> Attribution:
    if attribution.speaker is None:
        return NO_SPEAKER
    return replace(attribution, method="continuation", cue=None, phrase_start=0, clause_end=None)


def _topic_speakers(
    ctx: QuoteContext, spans: list[QuoteSpan], kept: list[int], attributions: dict[int, Attribution]
) -> None:
    """Quotes still without a speaker or a cue, in text order: the speaker of the quote they
    continue or directly follow, else the topic speaker (`_topic_speaker`), shared along their
    chain. A quote whose cue found no speaker ("a spokesman said") is left alone."""
    for position, index in enumerate(kept):
        if attributions[index] != NO_SPEAKER:
            continue
        attribution = _continuation(ctx, spans, index, kept[position - 1] if position else None, attributions)
        if attribution == NO_SPEAKER:
            attribution = _topic_speaker(ctx, spans[index]) or NO_SPEAKER
        attributions[index] = attribution


def _topic_speaker(ctx: QuoteContext, span: QuoteSpan) -> Attribution | None:
    """A first-person quote with no attribution that opens a sentence right after a narrative
    sentence of the same paragraph about one person (its only subject) is that person's
    (`Lewis-Francis still feels the frustration ... "That was heartbreaking, but I ..."`)."""
    text = ctx.text
    if not _FIRST_PERSON.search(text, span.start_char, span.end_char):
        return None
    sentence_start = ctx.sentence_start(span.open_mark)
    if (
        not _is_blank(text, sentence_start, span.open_mark)
        or sentence_start <= ctx.paragraphs[span.paragraph_idx][0]
    ):
        return None
    previous_start = ctx.sentence_start(sentence_start - 1)
    if previous_start < ctx.paragraphs[span.paragraph_idx][0] or _MARK.search(
        text, previous_start, sentence_start
    ):
        return None
    subjects: dict[str | None, Attribution] = {}
    first = bisect_left(ctx.person_starts, previous_start)
    for mention in ctx.persons[first : bisect_left(ctx.person_starts, sentence_start)]:
        if _is_subject(text, mention) and not _is_object(text, mention.title_start):
            subjects[mention.entity.entity_id] = _as_continuation(_named(mention, "", mention.start_char))
    for pronoun in _PRONOUN.finditer(text, previous_start, sentence_start):
        resolved = _resolve_pronoun(ctx, pronoun.start(), pronoun.group(1), None)
        if resolved.speaker:
            subjects[resolved.entity_id] = _as_continuation(resolved)
    return next(iter(subjects.values())) if len(subjects) == 1 else None


def _share_chain_speakers(
    text: str, spans: list[QuoteSpan], kept: list[int], attributions: dict[int, Attribution]
) -> None:
    """A multi-part quote attributed only in a later part, or a quote right before an attributed
    one with nothing but punctuation between (`"A." "B," he added.`): the earlier takes that
    speaker."""
    for position in range(len(kept) - 1, 0, -1):
        index = kept[position]
        earlier = spans[index].continues
        previous = spans[kept[position - 1]]
        if (
            earlier is None
            and _ONLY_PUNCTUATION.fullmatch(text, previous.close_mark + 1, spans[index].open_mark)
            and _SENTENCE_START_BEFORE.search(text, max(0, previous.open_mark - 5), previous.open_mark)
        ):
            earlier = kept[position - 1]  # not `... having "done nothing". "B," he added.`
        if earlier is None or earlier not in attributions:
            continue
        if attributions[earlier] == NO_SPEAKER and attributions[index].speaker:
            attributions[earlier] = _as_continuation(attributions[index])

"""Who said a quote, read from the dependency parse of the sentences around it.

Method (after the quotation attribution rules of Pareti 2016 and the spaCy-based rules of the
GenderGapTracker, Asr et al. 2021, which reach 86.5% speaker accuracy): only the sentences that
hold or border a quote are parsed (`en_core_web_sm`'s tok2vec, tagger and parser; NER runs on its
own), so the cost follows the quotes, not the text. For a quote:

1. the *governing verb*: the verb outside the quote that the quote's words hang from (its clausal
   complement, object or oprd: `X said "…"`, `"…," X fumed`, `called him "…"`), or a verb that
   hangs from the quote's own root (`"…," Trump barked` parsed as parataxis); climbing through
   a noun or a preposition to the nearest verb (`described it as "…"`). With no verb in the
   sentence, a sentence that ends in a colon right before the quote (`Cruz continued:` then the
   quote as its own paragraph) gives its last verb;
2. the verb's *subject*: its nsubj (inverted or not: `said X`, `X said`); a participle or a
   coordinated verb with no subject of its own takes its head's (`X rallied supporters, saying
   "…"`, `X is keen to … and said "…"`); `according to X` inside the quote's clause; coordinated
   subjects are all kept (`Lee and Ortiz wrote`);
3. the subject's *phrase*: the subject with its modifiers, without relative clauses; an
   apposition gives a title and affiliation (`Brent Bozell, founder of the Media Research
   Center`), or the name when the subject is a description (`a spokeswoman for the group, Jane
   Roe`).

The cue word (the governing verb) is evidence, never the gate: the verb need not be a speech
verb when the quote is its clausal complement. Limits: a parse error can hang a quote from the
wrong verb (the rules prefer the regular-expression attribution where the two disagree and the
parse's answer is not a name); only the sentence holding the quote and the one before are read.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field

from spacy.tokens import Doc, Span, Token

from crosswire.text.lexicon import REPORTING_PARTICIPLES, REPORTING_VERBS

# dependency labels by which a quote's words hang from the verb that reports them; through the
# weaker ones (an object, a predicate: `called him "a stiff"`) only a speech verb reports
_COMPLEMENT_DEPS = frozenset({"ccomp", "parataxis", "advcl", "conj"})
_OBJECT_DEPS = frozenset({"dobj", "oprd", "xcomp", "npadvmod", "pobj", "appos", "nsubj", "punct"})
# labels of a verb hanging from the quote's root that reports it (misparsed inversions)
_REPORTING_CHILD_DEPS = frozenset({"parataxis", "appos", "advcl", "conj", "ccomp", "relcl"})
_SUBJECT_DEPS = frozenset({"nsubj"})
_PARTICIPLE_DEPS = frozenset({"advcl", "conj", "xcomp", "acl"})
_PHRASE_CUT_DEPS = frozenset({"relcl", "appos", "punct", "cc", "conj", "acl", "advcl"})
_MAX_CLIMB = 3
# a parsed window's length: windows of sentences that touch are joined up to it, and a longer
# sentence is cut (parser memory grows with the window; news sentences are far shorter)
MAX_WINDOW_CHARS = 10_000


@dataclass(frozen=True)
class ParsedSpeaker:
    """A speaker phrase as the parse gives it: character spans into the document."""

    start_char: int
    end_char: int
    head_start: int  # the subject's head word (the name or the noun of a description)
    head_end: int
    title: str | None = None  # from an apposition ("founder of the Media Research Center")
    affiliation: str | None = None  # the organisation in that apposition or description
    name_span: tuple[int, int] | None = None  # a named apposition of a description (", Jane Roe")


@dataclass(frozen=True)
class ParsedAttribution:
    cue: str  # the governing verb (or "according to", ":")
    cue_start: int
    speakers: tuple[ParsedSpeaker, ...] = field(default_factory=tuple)


def parse_windows(
    text: str, sentences: list[tuple[int, int, int]], quotes: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """The character windows to parse, merged where they touch within a paragraph: each sentence
    that holds part of a quote that may be speech (not a scare quote: three words or fewer with no
    closing punctuation), and the sentence before it when that one ends in a colon (`He said:`)
    or the quote's sentence has a he/she to resolve against its main-clause subject."""
    if not quotes or not sentences:
        return []
    starts = [start for start, _, _ in sentences]
    wanted: set[int] = set()
    for quote_start, quote_end in quotes:
        quoted = text[quote_start:quote_end]
        if len(quoted.split()) <= 3 and not quoted.rstrip().endswith((",", ".", "!", "?")):
            continue
        first = max(0, bisect_right(starts, quote_start) - 1)
        last = max(0, bisect_right(starts, max(quote_start, quote_end - 1)) - 1)
        wanted.update(range(first, last + 1))
        if first and _needs_sentence_before(
            text, sentences[first - 1], sentences[last], quote_start, quote_end
        ):
            wanted.add(first - 1)
        after = last + 1  # `"…?" Trump said of Apple`: the attribution is the next sentence
        if (
            after < len(sentences)
            and sentences[after][2] == sentences[last][2]
            and quote_end >= sentences[last][1] - 2
        ):
            wanted.add(after)
    windows: list[list[int]] = []
    for index in sorted(wanted):  # a window never crosses a paragraph break: the parser would
        start, end, paragraph = sentences[index]  # join a paragraph's last clause to the next's
        joins = index - 1 in wanted and sentences[index - 1][2] == paragraph
        if windows and joins and end - windows[-1][0] <= MAX_WINDOW_CHARS:
            windows[-1][1] = end
        else:
            windows.append([start, end])
    return [piece for start, end in windows for piece in _cut(text, start, end)]


def _cut(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """text[start:end] in pieces of at most MAX_WINDOW_CHARS, cut after a space where there is
    one (a sentence that long is junk, not prose: its parse only has to be bounded)."""
    pieces = []
    while end - start > MAX_WINDOW_CHARS:
        cut = text.rfind(" ", start + 1, start + MAX_WINDOW_CHARS)
        cut = cut + 1 if cut != -1 else start + MAX_WINDOW_CHARS
        pieces.append((start, cut))
        start = cut
    pieces.append((start, end))
    return pieces


_HE_SHE = re.compile(r"\b(?:he|she|He|She)\b")


def _needs_sentence_before(
    text: str, before: tuple[int, int, int], last: tuple[int, int, int], quote_start: int, quote_end: int
) -> bool:
    """The sentence before ends in a colon, or the narration around the quote (up to the end of
    its last sentence) has a he/she."""
    if text[before[0] : before[1]].rstrip().endswith(":"):
        return True
    # searched in place: the narration can be a long run-on sentence with many quotes
    return bool(_HE_SHE.search(text, before[1], quote_start) or _HE_SHE.search(text, quote_end, last[1]))


class ParsedText:
    """The parsed windows of one document, looked up by character offset."""

    def __init__(self, text: str, parses: list[tuple[int, Doc]], quoted: list[tuple[int, int]]) -> None:
        self.text = text
        # a window the parser did not annotate (never expected) is left out rather than read
        self.parses = sorted((p for p in parses if p[1].has_annotation("DEP")), key=lambda p: p[0])
        self.offsets = [offset for offset, _ in self.parses]
        self.quoted = sorted(quoted)  # (open_mark, close_mark) of every quote, kept or not
        self.quote_opens = [open_mark for open_mark, _ in self.quoted]
        self._token_starts: dict[int, list[int]] = {}  # by window offset, made when first read
        self._sentences: list[tuple[int, Span]] | None = None  # (window offset, sentence), in order
        self._sentence_ends: list[int] = []

    def doc_at(self, position: int) -> tuple[int, Doc] | None:
        index = bisect_right(self.offsets, position) - 1
        if index >= 0 and position < self.offsets[index] + len(self.parses[index][1].text):
            return self.parses[index]
        return None

    def tokens_between(self, offset: int, doc: Doc, start_char: int, end_char: int) -> Span:
        """The tokens of the window at `offset` that start in text[start_char:end_char]."""
        starts = self._token_starts.get(offset)
        if starts is None:
            starts = self._token_starts[offset] = [token.idx for token in doc]
        return doc[bisect_left(starts, start_char - offset) : bisect_left(starts, end_char - offset)]

    def in_quote(self, position: int) -> bool:
        index = bisect_right(self.quote_opens, position) - 1
        return index >= 0 and position < self.quoted[index][1]

    def attribute(
        self, start_char: int, end_char: int, open_mark: int, close_mark: int | None = None
    ) -> ParsedAttribution | None:
        """The attribution of the quote whose words are text[start_char:end_char]."""
        found = self.doc_at(start_char)
        if found is None:
            return None
        offset, doc = found
        inside = list(self.tokens_between(offset, doc, start_char, end_char))
        if not inside:
            return None
        outside = _Outside(self, offset)
        verb = _governing_verb(inside, outside)
        if verb is not None:
            speakers = _subjects(verb, offset, outside)
            if speakers:
                return ParsedAttribution(verb.text, offset + verb.idx, speakers)
        according = _according_to(inside, offset)
        if according:
            return according
        before = open_mark
        while before > 0 and self.text[before - 1].isspace():
            before -= 1
        if self.text.endswith(":", 0, before):
            return self._colon_introduction(before - 1)
        if close_mark is not None:
            return self._attribution_sentence_after(close_mark)
        return None

    def _attribution_sentence_after(self, close_mark: int) -> ParsedAttribution | None:
        """`"…, who knows?" Trump told ITV in an interview …`: the parser ends the sentence at the
        question mark, so the attribution is the next sentence; it counts when that sentence starts
        right after the closing mark and its main verb reports speech."""
        found = self.doc_at(close_mark + 1)
        if found is None:
            return None
        offset, doc = found
        for token in self.tokens_between(offset, doc, close_mark + 1, close_mark + 3):
            if not token.is_sent_start:
                continue
            root = token.sent.root
            subject_first = any(c.dep_ in _SUBJECT_DEPS and c.i < root.i for c in root.children)
            if root.lower_ in REPORTING_VERBS and subject_first and self.text[close_mark - 1] in "?!":
                speakers = _subjects(root, offset, _Outside(self, offset))
                if speakers:
                    return ParsedAttribution(root.text, offset + root.idx, speakers)
        return None

    def _colon_introduction(self, colon: int) -> ParsedAttribution | None:
        """A quote right after a colon (`Reporter Jomana Karadsheh says:`, `Cruz called them on
        it:` ending the paragraph before): the clause before the colon reports it. Its verb is the
        reporting verb nearest the colon, else the nearest verb with a subject."""
        found = self.doc_at(colon)
        if found is None:
            return None
        offset, doc = found
        colon_token = next(iter(self.tokens_between(offset, doc, colon, colon + 1)), None)
        if colon_token is None:
            return None
        outside = _Outside(self, offset)
        clause = _clause_before(colon_token)
        verbs = [t for t in clause if _is_verb(t) and outside(t)]
        speech = [t for t in verbs if t.lower_ in REPORTING_VERBS or t.lower_ in REPORTING_PARTICIPLES]
        for verb in [*reversed(speech), *reversed(verbs)]:
            speakers = _subjects(verb, offset, outside)
            if speakers:
                return ParsedAttribution(verb.text, offset + verb.idx, speakers)
        return _name_before_colon(colon_token, offset)

    def main_subjects_before(self, position: int, sentences: int = 2) -> list[tuple[int, int]]:
        """Character spans of the main-clause subjects of the parsed sentences before the one
        holding `position`, nearest first (at most `sentences` sentences back): the candidates a
        he/she of a reporting clause refers to. Subjects inside quotes and of subordinate clauses
        ("Asked if Mr Blunkett could return, he replied") do not count."""
        found: list[tuple[int, int]] = []
        if self._sentences is None:
            self._sentences = [(offset, sent) for offset, doc in self.parses for sent in doc.sents]
            self._sentence_ends = [offset + sent.end_char for offset, sent in self._sentences]
        before = bisect_right(self._sentence_ends, position)
        for offset, sent in reversed(self._sentences[max(0, before - sentences) : before]):
            verbs = [sent.root, *[c for c in sent.root.children if c.dep_ == "conj" and _is_verb(c)]]
            for verb in verbs:
                for subject in (c for c in verb.children if c.dep_ in _SUBJECT_DEPS):
                    if not self.in_quote(offset + subject.idx):
                        found.append((offset + subject.idx, offset + subject.idx + len(subject)))
        return found


def _clause_before(colon: Token) -> list[Token]:
    """The tokens of the colon's sentence before it, after the last dash ("The interplay has been
    important - Philip Bump:" is Philip Bump's introduction)."""
    start = colon.sent.start
    for token in colon.sent:
        if token.i < colon.i and token.text in ("-", "--", "–", "—"):
            start = token.i + 1
    return [t for t in colon.sent if start <= t.i < colon.i]


def _name_before_colon(colon: Token, offset: int) -> ParsedAttribution | None:
    """`SMITH: "…"`, `Frank Newport and Jim Harter: "…"`, `Jane Roe, The Daily Ledger: "…"`: with
    no verb, the proper names of the last clause before the colon (after a dash or the sentence
    start): the first run of names speaks, coordinated runs speak too, one after a comma is the
    speaker's affiliation."""
    clause = _clause_before(colon)
    if not clause or not all(t.tag_ in ("NNP", "NNPS", ",", "CC", "POS") for t in clause):
        return None
    runs: list[list[Token]] = [[]]
    separators: list[str] = []
    for token in clause:
        if token.tag_ in ("NNP", "NNPS", "POS"):
            runs[-1].append(token)
        elif runs[-1]:
            separators.append(token.text)
            runs.append([])
    runs = [run for run in runs if run]
    if not runs:
        return None
    speakers, affiliation = [runs[0]], None
    for separator, run in zip(separators, runs[1:], strict=False):
        if separator == ",":
            affiliation = affiliation or run
        else:
            speakers.append(run)

    def speaker(run: list[Token]) -> ParsedSpeaker:
        start, head, end = offset + run[0].idx, offset + run[-1].idx, offset + run[-1].idx + len(run[-1])
        named_affiliation = " ".join(t.text for t in affiliation) if affiliation else None
        return ParsedSpeaker(start, end, head, end, affiliation=named_affiliation)

    return ParsedAttribution(":", offset + colon.idx, tuple(speaker(run) for run in speakers))


class _Outside:
    """Whether a token of one parsed window lies outside every quote (narration, not speech)."""

    def __init__(self, parsed: ParsedText, offset: int) -> None:
        self.parsed, self.offset = parsed, offset

    def __call__(self, token: Token) -> bool:
        return not self.parsed.in_quote(self.offset + token.idx)


def _is_verb(token: Token) -> bool:
    return token.tag_.startswith("VB") or token.tag_ == "MD"


def _governing_verb(inside: list[Token], outside: _Outside) -> Token | None:
    inside_ids = {t.i for t in inside}
    last_inside = inside[-1].i
    for token in inside:
        head = token.head
        if head.i in inside_ids or head.i == token.i:
            continue
        if token.dep_ not in _COMPLEMENT_DEPS and token.dep_ not in _OBJECT_DEPS:
            continue
        for _ in range(_MAX_CLIMB):
            if _is_verb(head):
                if (
                    token.dep_ in _COMPLEMENT_DEPS
                    or head.lower_ in REPORTING_VERBS
                    or head.lower_ in REPORTING_PARTICIPLES
                ):
                    return head
                break
            if head.head.i == head.i:
                break
            head = head.head
    for token in inside:  # a reporting verb hanging from the quote's own words
        for child in token.children:
            reports = child.dep_ in _REPORTING_CHILD_DEPS and _is_verb(child) and outside(child)
            # after the quote any verb may report it (`"…," Trump barked`); before it, only a
            # verb of saying (not "The interplay has been important - X: "…"")
            if reports and (child.i > last_inside or child.lower_ in REPORTING_VERBS):
                return child
    return None


def _subjects(verb: Token, offset: int, outside: _Outside) -> tuple[ParsedSpeaker, ...]:
    for _ in range(_MAX_CLIMB):
        # a subject inside a quote is what was said, never who said it (a misparse)
        subjects = [c for c in verb.children if c.dep_ in _SUBJECT_DEPS and outside(c)]
        if subjects:
            subject = subjects[0]
            heads = [subject, *[c for c in subject.children if c.dep_ == "conj"]]
            return tuple(_speaker(head, offset) for head in heads)
        if verb.dep_ in _PARTICIPLE_DEPS and verb.head.i != verb.i and outside(verb.head):
            verb = verb.head
            continue
        # a misparsed inversion: a name right before the verb, after the quote (`"…," Trump barked`)
        before = verb.nbor(-1) if verb.i > 0 else None
        if before is not None and before.tag_ == "NNP" and outside(before):
            start = before
            while start.i > 0 and start.nbor(-1).tag_ == "NNP" and outside(start.nbor(-1)):
                start = start.nbor(-1)
            return (ParsedSpeaker(offset + start.idx, offset + before.idx + len(before), offset + before.idx,
                                  offset + before.idx + len(before)),)  # fmt: skip
        return ()
    return ()


def _speaker(head: Token, offset: int) -> ParsedSpeaker:
    kept = _phrase_tokens(head)
    start, end = kept[0], kept[-1]
    title = affiliation = None
    name_span = None
    for child in head.children:
        if child.dep_ != "appos":
            continue
        appos = _phrase_tokens(child)
        appos_text = head.doc[appos[0].i : appos[-1].i + 1]
        if child.tag_ == "NNP" and head.tag_ != "NNP":
            name_span = (offset + appos_text.start_char, offset + appos_text.end_char)
        elif head.tag_ == "NNP":
            title = appos_text.text
        affiliation = affiliation or _affiliation(child)
    affiliation = affiliation or _affiliation(head)
    return ParsedSpeaker(
        offset + start.idx,
        offset + end.idx + len(end),
        offset + head.idx,
        offset + head.idx + len(head),
        title=title,
        affiliation=affiliation,
        name_span=name_span,
    )


def _phrase_tokens(head: Token) -> list[Token]:
    """The head with its modifiers, without relative clauses, appositions and what follows them."""
    kept = [head]
    for child in head.children:
        if child.dep_ in _PHRASE_CUT_DEPS:
            continue
        kept.extend(child.subtree)
    kept.sort(key=lambda t: t.i)
    run = [kept[0]]
    for token in kept[1:]:  # one contiguous run around the head
        if token.i != run[-1].i + 1:
            if token.i > head.i:
                break
            run = [token]
            continue
        run.append(token)
    if head not in run:
        run = [head]
    return run


def _affiliation(token: Token) -> str | None:
    """The proper-noun object of `of`/`for`/`at` after a role (`spokesman for Ryanair`)."""
    for prep in token.children:
        if prep.dep_ == "prep" and prep.lower_ in ("of", "for", "at", "with", "from"):
            for obj in prep.children:
                if obj.dep_ == "pobj":
                    tokens = sorted(obj.subtree, key=lambda t: t.i)
                    span = token.doc[tokens[0].i : tokens[-1].i + 1]
                    if any(t.tag_ == "NNP" for t in span):
                        return span.text.removeprefix("the ").removeprefix("The ")
    return None


def _according_to(inside: list[Token], offset: int) -> ParsedAttribution | None:
    inside_ids = {t.i for t in inside}
    for token in inside:
        for child in token.children:
            if child.lower_ == "according" and child.i not in inside_ids:
                for to in child.children:
                    for obj in to.children:
                        if obj.dep_ == "pobj":
                            return ParsedAttribution(
                                "according to", offset + child.idx, (_speaker(obj, offset),)
                            )
    return None

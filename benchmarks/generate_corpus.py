"""Generated multi-source news: N events, each carried by K outlets that rewrite the same wire copy.

    python -m benchmarks.generate_corpus --events 500 --outlets 10 --out /tmp/gen5k [--seed 7] [--format txt]

What an outlet does to the wire copy (seeded, so the same arguments give the same bytes):
- quotes with a different attribution: `"X," Smith said.`, `Ana Smith said: "X."`,
  `"X," the minister told reporters.`, `"X," said Ana Smith, the minister of finance.`;
- re-punctuation (a comma turned into a dash, commas dropped), case (first words in capitals,
  a sentence in lower case) and spacing changes (doubled spaces, a space before a comma),
  one-letter typos (swapped, dropped or doubled letter);
- a sentence split in two at its ", and"/", but", or two sentences merged into one;
- a clause moved to the front ("On Tuesday, at least 12 people ..." for "... on Tuesday.");
- a dateline on the lead, sentences dropped or swapped, one line of its own per article;
- boilerplate lines of its own ("Follow us on Twitter @ledger", "Copyright 2017 Daily Ledger.");
- a developing figure: some outlets report a later number in an otherwise identical sentence
  ("At least 12 ..." / "At least 14 ..."). Such sentences differ only in a number and must
  never merge.
Vocabulary and templates are in this module; nothing is downloaded.

Output, written as it is generated (one event's K articles in memory at a time):
- txt: `DIR/articles/<outlet>/<event>.txt`, so crosswire takes the outlet from the folder;
  jsonl: `DIR/articles.jsonl`, one article a line (`id`, `source`, `title`, `url`,
  `published_at`, `text`). The text is the same in both formats: the title, a blank line,
  then paragraphs.
- `DIR/ground_truth.jsonl`, next to (never inside) the articles, one JSON object a line:
  - `{"type": "document", "id", "source", "event", "n_sentences"}` for each article;
  - `{"type": "base", "base_id", "event", "kind", "text", "variants": [{"text", "transforms",
    "documents", "part"?, "merged_with"?}], "number_variant_of"?}` for each base sentence: every
    variant derives from it and should share its cluster. A number variant is a base of its own
    whose `number_variant_of` names the base it must not merge with. Boilerplate bases are per
    outlet (`kind` "boilerplate"); stock phrases repeat across events (`kind` "stock").
  - `{"type": "number_pair", "base_id", "number_variant_id", "texts": [a, b]}`: two sentences,
    both in the corpus, that differ only in a number.
  Limits: the same template with the same slot values can render the same text in two events,
  so two bases may hold an identical text; compare texts, not only base ids.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

# ---- vocabulary -----------------------------------------------------------------------------

FIRST_NAMES = """James Maria Ahmed Li Sofia Daniel Amara Pavel Ingrid Tomas Chen Fatima Oliver Hannah
    Kwame Yuki Elena Rafael Priya Lars Nadia Samuel Grace Viktor Leila Marcus Aisha Dmitri Clara Hugo
    Zara Kenji Olga Mateo Ruth Omar Freya Andrei Lucia Ibrahim""".split()
SURNAMES = """Smith Okafor Novak Lindqvist Haddad Moreau Tanaka Kowalski Alvarez Mensah Petrov Brennan
    Castillo Nakamura Schultz Osei Ricci Hansen Dubois Kaplan Ferreira Mahmoud Larsen Volkov Adeyemi
    Sato Bauer Quinn Romero Eriksen Gallagher Ivanova Mwangi Fischer Costa Duarte Reyes Holm Abara
    Whitfield""".split()
PLACES = [
    ("Lisbon", "Portugal"), ("Nairobi", "Kenya"), ("Manila", "the Philippines"), ("Lima", "Peru"),
    ("Krakow", "Poland"), ("Osaka", "Japan"), ("Accra", "Ghana"), ("Valencia", "Spain"),
    ("Izmir", "Turkey"), ("Quito", "Ecuador"), ("Dhaka", "Bangladesh"), ("Porto Alegre", "Brazil"),
    ("Gothenburg", "Sweden"), ("Cork", "Ireland"), ("Lyon", "France"), ("Hamburg", "Germany"),
    ("Mombasa", "Kenya"), ("Cebu", "the Philippines"), ("Durban", "South Africa"), ("Perth", "Australia"),
    ("Tbilisi", "Georgia"), ("Cluj", "Romania"), ("Bergen", "Norway"), ("Naples", "Italy"),
]  # fmt: skip
DISTRICTS = "Old Town|Harbour|Northgate|Riverside|Hillcrest|Market|Eastfield|Station".split("|")
COMPANIES = """Northwind Energy|Arcadia Motors|Bluewater Telecom|Halden Foods|Orion Logistics|Vesta Pharma|
    Crestline Bank|Solace Airlines|Meridian Steel|Tallis Software""".replace("\n    ", "").split("|")
TEAMS = "Rovers|City|Athletic|United|Wanderers|Albion".split("|")
DISASTERS = ["earthquake", "flash flood", "wildfire", "landslide", "storm"]
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
OUTLETS = """Daily Ledger|Evening Courier|Harbour Gazette|Metro Wire|Northern Herald|Capital Post|
    Coastal Times|Morning Star Report|Valley Chronicle|City Bulletin|Global Dispatch|Weekly Sentinel|
    Union Journal|Frontier Mail|Republic Observer|Plains Tribune""".replace("\n    ", "").split("|")
STOCK_SENTENCES = [
    "The ministry did not respond to a request for comment.",
    "Further details were not immediately available.",
    "An investigation is under way.",
    "Officials said they would publish a full report later this year.",
    "The announcement was welcomed by opposition parties.",
]
OUTLET_LINES = [
    "{outlet} has contacted {org} for comment.",
    "Additional reporting by {reporter}.",
    "{outlet} will update this story as more information becomes available.",
]

# ---- templates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Template:
    """One base sentence of an event.

    `text` is the main clause; `|` marks where an outlet may split it (before ", and"/", but");
    `adjunct` is a phrase an outlet may move to the front; a quote sentence has `quote` (the
    quoted words) and `speaker` (a person slot); `developing` marks the sentence whose `{update}`
    figure later reports change.
    """

    text: str = ""
    adjunct: str | None = None
    quote: str | None = None
    speaker: str | None = None
    developing: bool = False


T = Template
EVENT_KINDS: dict[str, tuple[list[str], list[Template]]] = {
    "disaster": (
        ["Deadly {disaster} strikes {city}", "{city} counts the cost of the {disaster}"],
        [
            T("A powerful {disaster} struck {city}|, and rescue teams searched collapsed buildings in the "
              "{district} district through the night", adjunct="on {weekday}"),
            T("The death toll rose to {update}, the regional health office said", developing=True),
            T("Doctors said {n1} people had been taken to hospital|, and {n2} of them were in a serious "
              "condition"),
            T(quote="We are doing everything we can to reach the families who are still missing in {city}",
              speaker="official"),
            T("Roads into the city were closed|, and power was cut to about {n3} homes",
              adjunct="on {weekday}"),
            T(quote="The damage in the {district} district is worse than anything we have seen in a "
                    "generation",
              speaker="expert"),
            T("The government of {country} promised {money} in emergency aid",
              adjunct="according to a statement from the prime minister's office"),
            T("It was the worst disaster to hit {city} since {year}"),
            T(quote="Our priority now is shelter, clean water and medical care for {n3} families",
              speaker="second"),
            T("Forecasters warned that more rain could fall on {city} over the weekend"),
        ],
    ),
    "politics": (
        ["{country} parliament backs {official_last} reform", "Vote on {official_last} plan passes"],
        [
            T("Lawmakers in {country} approved a reform of the pension system", adjunct="on {weekday}"),
            T("The bill passed by {update} votes to {n1}", developing=True),
            T("The reform, proposed by {official_title} {official}, raises the retirement age to {n4}"),
            T(quote="This reform secures the pensions of our children and grandchildren", speaker="official"),
            T("Opposition parties said the plan would hurt low-paid workers|, but they failed to block it"),
            T("Thousands of people marched through central {city} against the reform",
              adjunct="on {weekday}"),
            T(quote="We will keep fighting this law in the courts and on the streets of {city}",
              speaker="second"),
            T("The reform is expected to save {money} over the next decade",
              adjunct="according to the finance ministry"),
            T(quote="Markets will welcome the vote, but the real test is whether the savings appear",
              speaker="expert"),
            T("The upper house must still approve the bill before it becomes law"),
        ],
    ),
    "business": (
        ["{company} profits jump", "{company} beats forecasts"],
        [
            T("{company} reported its best quarter in a decade", adjunct="on {weekday}"),
            T("Quarterly profit rose {update} per cent to {money}", developing=True),
            T("Sales in {country} grew strongly|, but the company warned of higher costs next year"),
            T(quote="This has been a record quarter for {company} and for our customers", speaker="official"),
            T("Shares in the company rose {n4} per cent in early trading", adjunct="in {city}"),
            T("The firm plans to hire {n3} people at its plant near {city}"),
            T(quote="The results are strong, but the outlook for the second half is less certain",
              speaker="expert"),
            T("{company} employs about {n2} people worldwide"),
            T("The company will pay a dividend of {n1} cents a share", adjunct="in {month}"),
        ],
    ),
    "sport": (
        ["{city} {team} win the derby", "Late goal lifts {city} {team}"],
        [
            T("{city} {team} beat their rivals {score}", adjunct="on {weekday}"),
            T("The match was watched by a crowd of {update}", developing=True),
            T("{official} scored the winner in the {n4}th minute|, and the home side held on"),
            T(quote="The players showed great character today and the fans pushed us over the line",
              speaker="official"),
            T("The visitors had a goal ruled out for offside before half-time"),
            T(quote="We were the better side for an hour, but football does not reward that",
              speaker="second"),
            T("The win moves {team} up to {n5}th place in the table"),
            T("{team} play their next match away", adjunct="on {weekday}"),
        ],
    ),
    "court": (
        ["Court jails former {company} executive", "{company} fraud trial ends"],
        [
            T("A court in {city} sentenced a former executive of {company} to prison",
              adjunct="on {weekday}"),
            T("He must serve {update} years before he can apply for parole", developing=True),
            T("The judge found that he had hidden losses of {money} from investors|, and that he misled "
              "auditors"),
            T(quote="The sentence reflects the harm done to thousands of ordinary savers",
              speaker="official"),
            T("His lawyers said he would appeal against the verdict"),
            T(quote="My client has always maintained his innocence and will clear his name",
              speaker="second"),
            T("The case is one of the largest fraud trials in the history of {country}"),
            T("Prosecutors had asked for a sentence of {n4} years", adjunct="during the trial"),
        ],
    ),
}  # fmt: skip

ROLES = {
    "disaster": {"official": "the mayor of {city}", "second": "head of the Red Cross in {country}",
                 "expert": "a structural engineer at the University of {city}"},
    "politics": {"official": "the prime minister", "second": "leader of the main union",
                 "expert": "an economist at {company}"},
    "business": {"official": "chief executive of {company}", "second": "the finance director",
                 "expert": "an analyst at Crestline Bank"},
    "sport": {"official": "the {team} coach", "second": "the visiting coach",
              "expert": "a former international"},
    "court": {"official": "the chief prosecutor", "second": "a lawyer for the defendant",
              "expert": "a professor of law in {city}"},
}  # fmt: skip
SHORT_TITLES = {"disaster": "mayor", "politics": "prime minister", "business": "chief executive",
                "sport": "coach", "court": "prosecutor"}  # fmt: skip

# ---- events ---------------------------------------------------------------------------------


@dataclass
class Person:
    first: str
    last: str
    title_phrase: str  # "the mayor of Lisbon"
    short_title: str  # "mayor"

    @property
    def full(self) -> str:
        return f"{self.first} {self.last}"


@dataclass
class Event:
    event_id: str
    kind: str
    date: datetime
    slots: dict[str, str]
    people: dict[str, Person]
    headline: str
    templates: list[Template]
    update: int  # the developing figure as first reported
    later_update: int  # the figure later reports carry


def make_event(seed: int, index: int, width: int) -> Event:
    rng = random.Random(f"{seed}:event:{index}")
    kind = rng.choice(sorted(EVENT_KINDS))
    headlines, templates = EVENT_KINDS[kind]
    city, country = rng.choice(PLACES)
    date = datetime(2017, 1, 1, 6, tzinfo=UTC) + timedelta(days=index % 365)
    update = rng.randint(3, 60) if kind != "sport" else rng.randint(9, 60) * 1000
    slots = {
        "city": city,
        "country": country,
        "district": rng.choice(DISTRICTS),
        "company": rng.choice(COMPANIES),
        "team": rng.choice(TEAMS),
        "disaster": rng.choice(DISASTERS),
        "weekday": WEEKDAYS[date.weekday()],
        "month": date.strftime("%B"),
        "year": str(rng.randint(1950, 2010)),
        "money": f"${rng.randint(2, 950)}m",
        "score": f"{rng.randint(1, 4)}-{rng.randint(0, 1)}",
        "n1": str(rng.randint(10, 400)),
        "n2": str(rng.randint(2, 90)),
        "n3": str(rng.randint(200, 90000)),
        "n4": str(rng.randint(2, 89)),
        "n5": str(rng.randint(2, 19)),
    }
    people = {}
    for role, phrase in ROLES[kind].items():
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        people[role] = Person(first, last, phrase.format(**slots), SHORT_TITLES[kind])
    slots.update(
        official=people["official"].full,
        official_last=people["official"].last,
        official_title=SHORT_TITLES[kind].title(),
    )
    return Event(
        event_id=f"e{index:0{width}d}",
        kind=kind,
        date=date,
        slots=slots,
        people=people,
        headline=rng.choice(headlines).format(**slots),
        templates=templates,
        update=update,
        later_update=update + rng.randint(1, 5) * (1000 if kind == "sport" else 1),
    )


# ---- outlets --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outlet:
    name: str
    slug: str  # folder name and source
    attribution_weights: tuple[float, ...]  # preference for each quote form
    sloppiness: float  # scales typo, case and spacing rates
    sentences_per_paragraph: int
    dateline: bool
    boilerplate: tuple[str, ...]


def make_outlets(seed: int, count: int) -> list[Outlet]:
    outlets = []
    for index in range(count):
        rng = random.Random(f"{seed}:outlet:{index}")
        base = OUTLETS[index % len(OUTLETS)]
        name = base if index < len(OUTLETS) else f"{base} {index // len(OUTLETS) + 1}"
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        handle = slug.replace("-", "")
        boilerplate = [f"Copyright 2017 {name}. All rights reserved."]
        if rng.random() < 0.7:
            boilerplate.append(f"Follow us on Twitter @{handle}")
        if rng.random() < 0.4:
            boilerplate.append(f"Sign up for the {name} morning briefing.")
        outlets.append(
            Outlet(
                name=name,
                slug=slug,
                attribution_weights=tuple(rng.random() + 0.1 for _ in range(len(QUOTE_FORMS))),
                sloppiness=rng.uniform(0.3, 1.8),
                sentences_per_paragraph=rng.choice((1, 1, 2, 3)),
                dateline=rng.random() < 0.5,
                boilerplate=tuple(boilerplate),
            )
        )
    return outlets


# ---- rewriting ------------------------------------------------------------------------------

QUOTE_FORMS = (
    lambda q, p: f'"{q}," {p.last} said.',
    lambda q, p: f'{p.full} said: "{q}."',
    lambda q, p: f'"{q}," the {p.short_title} told reporters.',
    lambda q, p: f'"{q}," said {p.full}, {p.title_phrase}.',
    lambda q, p: f'{p.full}, {p.title_phrase}, said: "{q}."',
)


@dataclass
class Variant:
    """One sentence as an outlet prints it, with what it derives from."""

    text: str
    base_ids: tuple[str, ...]
    transforms: list[str] = field(default_factory=list)
    part: int | None = None  # 1 or 2 when a base sentence was split
    kind: str = "sentence"  # or headline, stock, outlet-line, boilerplate
    number_variant_of: str | None = None  # the base this one differs from only in a number
    developing: bool = False  # the developing-figure sentence: never rewritten or merged


def _lower_first(text: str, template_text: str) -> str:
    """Lower-case the opening letter unless the template opens with a name slot."""
    return text if template_text.startswith("{") else text[:1].lower() + text[1:]


def _render(template: Template, event: Event, structure: str, update: int) -> list[str]:
    """The sentence(s) of a template: 'plain', 'front' (adjunct first), 'split' or a quote form."""
    slots = {**event.slots, "update": str(update)}
    if template.quote is not None:
        quote = template.quote.format(**slots)
        return [QUOTE_FORMS[int(structure)](quote, event.people[template.speaker])]
    main = template.text.format(**slots)
    adjunct = template.adjunct.format(**slots) if template.adjunct else None
    if structure == "front" and adjunct:
        return [f"{adjunct[:1].upper()}{adjunct[1:]}, {_lower_first(main.replace('|', ''), template.text)}."]
    if structure == "split" and "|" in main:
        head, tail = main.split("|", 1)
        tail = re.sub(r"^, (and )?", "", tail)
        tail = tail[:1].upper() + tail[1:]
        return [f"{head}.", f"{tail}{' ' + adjunct if adjunct else ''}."]
    return [f"{main.replace('|', '')}{' ' + adjunct if adjunct else ''}."]


def _typo(text: str, rng: random.Random) -> str | None:
    words = [m for m in re.finditer(r"[A-Za-z]{5,}", text)]
    if not words:
        return None
    word = rng.choice(words)
    letters = list(word.group())
    at = rng.randrange(1, len(letters) - 2)
    how = rng.randrange(3)
    if how == 0:
        letters[at], letters[at + 1] = letters[at + 1], letters[at]
    elif how == 1:
        del letters[at]
    else:
        letters.insert(at, letters[at])
    return text[: word.start()] + "".join(letters) + text[word.end() :]


def _surface(text: str, rng: random.Random, outlet: Outlet) -> tuple[str, list[str]]:
    """Re-punctuation, case, spacing and typo changes, each with the outlet's own rate."""
    transforms = []
    if "," in text and rng.random() < 0.15:
        if rng.random() < 0.5:
            text = text.replace(", ", " - ", 1)
            transforms.append("repunctuate:dash")
        else:
            text = text.replace(",", "")
            transforms.append("repunctuate:no-commas")
    if rng.random() < 0.05 * outlet.sloppiness:
        if rng.random() < 0.5:
            words = text.split(" ")
            text = " ".join([w.upper() for w in words[:3]] + words[3:])
            transforms.append("case:upper-lead")
        else:
            text = text.lower()
            transforms.append("case:lower")
    if rng.random() < 0.08 * outlet.sloppiness:
        spaces = [m.start() for m in re.finditer(" ", text)]
        if spaces and rng.random() < 0.5:
            at = rng.choice(spaces)
            text = text[:at] + "  " + text[at + 1 :]
            transforms.append("spacing:double")
        elif "," in text:
            text = text.replace(",", " ,", 1)
            transforms.append("spacing:before-comma")
    if rng.random() < 0.06 * outlet.sloppiness:
        typo = _typo(text, rng)
        if typo is not None:
            text = typo
            transforms.append("typo")
    return text, transforms


def write_article_variants(
    event: Event, outlet: Outlet, outlet_index: int, stock_index: int
) -> list[Variant]:
    """The body sentences of one outlet's article on the event, in reading order."""
    rng = random.Random(f"{event.event_id}:{outlet.slug}:{outlet_index}")
    # outlet 0 reports the first figure and outlet 1 the later one, so both are in any corpus of
    # two or more outlets; the others pick at random
    later = outlet_index == 1 or (outlet_index > 1 and rng.random() < 0.4)
    chosen = [
        (index, template)
        for index, template in enumerate(event.templates)
        if index == 0 or template.developing or rng.random() < 0.85
    ]
    if len(chosen) > 3 and rng.random() < 0.3:
        at = rng.randrange(1, len(chosen) - 1)
        chosen[at], chosen[at + 1] = chosen[at + 1], chosen[at]

    variants: list[Variant] = []
    for index, template in chosen:
        base_id = f"{event.event_id}-s{index:02d}"
        if template.developing:
            # the figure is all that changes: rendered plainly, with no other rewrite
            update = event.later_update if later else event.update
            text = _render(template, event, "plain", update)[0]
            variants.append(
                Variant(text, (base_id + "n",), number_variant_of=base_id, developing=True)
                if later
                else Variant(text, (base_id,), developing=True)
            )
            continue
        if template.quote is not None:
            form = rng.choices(range(len(QUOTE_FORMS)), weights=outlet.attribution_weights)[0]
            structure, transforms = str(form), [f"attribution:{form}"]
        elif template.adjunct and rng.random() < 0.3:
            structure, transforms = "front", ["reorder"]
        elif "|" in template.text and rng.random() < 0.3:
            structure, transforms = "split", ["split"]
        else:
            structure, transforms = "plain", []
        texts = _render(template, event, structure, event.update)
        for part, text in enumerate(texts, start=1):
            text, surface = _surface(text, rng, outlet)
            variants.append(Variant(text, (base_id,), transforms + surface, part if len(texts) > 1 else None))

    # merge two neighbouring plain sentences ("X, and y.") now and then
    for at in range(1, len(variants) - 1):
        left, right = variants[at], variants[at + 1]
        plain = not any(t.startswith(("attribution", "split")) for t in left.transforms + right.transforms)
        fixed = left.developing or right.developing
        if plain and not fixed and len(left.base_ids) == len(right.base_ids) == 1 and rng.random() < 0.08:
            joined = f"{left.text.rstrip('.')}, and {right.text[:1].lower()}{right.text[1:]}"
            variants[at] = Variant(joined, left.base_ids + right.base_ids, ["merge"])
            del variants[at + 1]
            break

    if rng.random() < 0.3:
        stock = STOCK_SENTENCES[(stock_index + outlet_index) % len(STOCK_SENTENCES)]
        stock_id = f"stock-{STOCK_SENTENCES.index(stock)}"
        variants.insert(len(variants) - 1, Variant(stock, (stock_id,), kind="stock"))
    reporter = f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}"
    own = rng.choice(OUTLET_LINES).format(outlet=outlet.name, org=event.slots["company"], reporter=reporter)
    variants.append(Variant(own, (f"{event.event_id}-{outlet.slug}-own",), kind="outlet-line"))
    if outlet.dateline:
        lead = variants[0]
        lead.text = f"{event.slots['city'].upper()} ({outlet.name}) - {lead.text}"
        lead.transforms.append("dateline")
    return variants


def _title(event: Event, outlet: Outlet, rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.2:
        return event.headline.upper()
    if roll < 0.4:
        return event.headline.lower().capitalize()
    return event.headline


def compose_text(title: str, variants: list[Variant], outlet: Outlet) -> str:
    paragraphs, current = [], []
    for variant in variants:
        current.append(variant.text)
        if len(current) >= outlet.sentences_per_paragraph:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    paragraphs.extend(outlet.boilerplate)
    return f"{title}\n\n" + "\n\n".join(paragraphs) + "\n"


# ---- writing --------------------------------------------------------------------------------


@dataclass
class Article:
    article_id: str  # "<outlet>/<event>"
    source: str
    title: str
    url: str
    published_at: str
    text: str


def generate(events: int, outlets: int, seed: int = 0) -> Iterator[tuple[list[Article], list[dict]]]:
    """The ground truth of the outlets' boilerplate first, then event by event: the K articles
    and the ground-truth records of that event."""
    outlet_list = make_outlets(seed, outlets)
    yield [], [
        {"type": "base", "base_id": f"boilerplate:{outlet.slug}:{k}", "kind": "boilerplate",
         "outlet": outlet.slug,
         "variants": [{"text": line, "transforms": [], "documents": "all of the outlet"}]}
        for outlet in outlet_list
        for k, line in enumerate(outlet.boilerplate)
    ]  # fmt: skip
    width = max(4, len(str(events - 1)))
    for index in range(events):
        event = make_event(seed, index, width)
        articles: list[Article] = []
        bases: dict[str, dict] = {}
        truth: list[dict] = []
        for outlet_index, outlet in enumerate(outlet_list):
            rng = random.Random(f"{seed}:{event.event_id}:{outlet.slug}:title")
            variants = write_article_variants(event, outlet, outlet_index, index)
            title = _title(event, outlet, rng)
            article_id = f"{outlet.slug}/{event.event_id}"
            published = event.date + timedelta(hours=outlet_index % 12, minutes=rng.randrange(60))
            articles.append(
                Article(
                    article_id=article_id,
                    source=outlet.slug,
                    title=title,
                    url=f"https://{outlet.slug}.example/news/{event.event_id}",
                    published_at=published.isoformat(),
                    text=compose_text(title, variants, outlet),
                )
            )
            headline = Variant(title, (f"{event.event_id}-h",), kind="headline")
            for variant in [headline, *variants]:
                for base_id in variant.base_ids:
                    _add_variant(bases, base_id, variant, article_id, event.event_id)
            truth.append(
                {"type": "document", "id": article_id, "source": outlet.slug, "event": event.event_id,
                 "n_sentences": 1 + len(variants) + len(outlet.boilerplate)}
            )  # fmt: skip
        truth.extend(bases.values())
        for base_id, base in bases.items():
            if base.get("number_variant_of") in bases:
                original = bases[base["number_variant_of"]]
                truth.append(
                    {"type": "number_pair", "base_id": original["base_id"], "number_variant_id": base_id,
                     "texts": [original["variants"][0]["text"], base["variants"][0]["text"]]}
                )  # fmt: skip
        yield articles, truth


def _add_variant(
    bases: dict[str, dict], base_id: str, variant: Variant, article_id: str, event_id: str
) -> None:
    base = bases.get(base_id)
    if base is None:
        base = bases[base_id] = {"type": "base", "base_id": base_id, "event": event_id, "kind": variant.kind}
        if variant.number_variant_of:
            base["number_variant_of"] = variant.number_variant_of
        base["variants"] = []
    for entry in base["variants"]:
        if entry["text"] == variant.text:
            entry["documents"].append(article_id)
            return
    entry = {"text": variant.text, "transforms": variant.transforms, "documents": [article_id]}
    if variant.part is not None:
        entry["part"] = variant.part
    if len(variant.base_ids) > 1:
        entry["merged_with"] = [b for b in variant.base_ids if b != base_id]
    base["variants"].append(entry)


def write_corpus(events: int, outlets: int, out: Path, seed: int = 0, fmt: str = "txt") -> dict:
    """Write the corpus and its ground truth under `out`; returns counts and paths."""
    articles_path = out / ("articles" if fmt == "txt" else "articles.jsonl")
    truth_path = out / "ground_truth.jsonl"
    for path in (articles_path, truth_path):
        if path.exists():
            raise SystemExit(f"{path} already exists; pass an empty or new --out folder")
    out.mkdir(parents=True, exist_ok=True)
    n_articles = n_pairs = n_bases = 0
    jsonl = articles_path.open("w", encoding="utf-8") if fmt == "jsonl" else None
    try:
        with truth_path.open("w", encoding="utf-8") as truth_file:
            for articles, truth in generate(events, outlets, seed):
                for article in articles:
                    if jsonl is not None:
                        record = {
                            "id": article.article_id,
                            "source": article.source,
                            "title": article.title,
                            "url": article.url,
                            "published_at": article.published_at,
                            "text": article.text,
                        }
                        jsonl.write(json.dumps(record, ensure_ascii=False) + "\n")
                    else:
                        path = articles_path / f"{article.article_id}.txt"
                        path.parent.mkdir(parents=True, exist_ok=True)
                        path.write_text(article.text, encoding="utf-8")
                    n_articles += 1
                for record in truth:
                    truth_file.write(json.dumps(record, ensure_ascii=False) + "\n")
                    n_pairs += record["type"] == "number_pair"
                    n_bases += record["type"] == "base"
    finally:
        if jsonl is not None:
            jsonl.close()
    return {
        "articles": str(articles_path),
        "ground_truth": str(truth_path),
        "n_articles": n_articles,
        "n_base_sentences": n_bases,
        "n_number_pairs": n_pairs,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.generate_corpus",
        description="Write a seeded multi-source news corpus (events x outlets) and its ground truth.",
    )
    parser.add_argument("--events", type=int, required=True, help="number of news events")
    parser.add_argument("--outlets", type=int, required=True, help="outlets carrying each event")
    parser.add_argument("--out", type=Path, required=True, help="new folder for articles and ground truth")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--format", choices=("txt", "jsonl"), default="txt")
    args = parser.parse_args(argv)
    if args.events < 1 or args.outlets < 1:
        parser.error("--events and --outlets must be at least 1")
    began = time.perf_counter()
    summary = write_corpus(args.events, args.outlets, args.out, args.seed, args.format)
    print(
        f"wrote {summary['n_articles']} articles ({args.events} events x {args.outlets} outlets) "
        f"in {time.perf_counter() - began:.1f} s\n"
        f"  corpus:       {summary['articles']}   (pass it as --corpus / --source)\n"
        f"  ground truth: {summary['ground_truth']}   ({summary['n_base_sentences']} base sentences, "
        f"{summary['n_number_pairs']} number-only pairs)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()

"""The English word lists of every stage, defined once (as datatrove keeps its in `utils/text.py`).

Segmentation, dedup, entity and quote extraction and date reading all read words: months,
function words, verbs of saying, titles, honorifics. Each list is here, under what it means, with
the stage that reads it; where two stages need different lists, one is derived from the other
and a comment says why. The stages build their regular expressions from these lists.

Lower-case lists are compared with case-folded words; lists of capitalized words
(`CALENDAR_NAMES`, `NOT_FIRST_NAMES`, ...) are compared as written. Limits: English only, and
the lists are what the rules were measured with (`benchmarks/score_extraction.py`,
`benchmarks/dedup_quality.py`): a word added or removed changes extraction, and in the
segmentation and dedup lists also the ids of stored sentences and the band hashes of the
warehouse's dedup index.
"""

from __future__ import annotations

# ---- calendar ---------------------------------------------------------------------------------

MONTHS = tuple(
    "January February March April May June July August September October November December".split()
)
# with a full stop or without ("Jan. 5", "Sept 11"); May has none
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "Jun", "Jul", "Aug", "Sept", "Sep", "Oct", "Nov", "Dec")
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
CALENDAR_NAMES = frozenset(WEEKDAYS + MONTHS)
NUMBER_WORDS = tuple("zero one two three four five six seven eight nine ten eleven twelve".split())
# words before a year or a bare month that make it a date ("in 2014", "since March")
DATE_PREPOSITIONS = frozenset(
    """in since until till by from during before after through throughout between of early late
    mid around circa for spring summer autumn winter""".split()
)
# words before a four-digit number that make it a year ("the 2011 elections", "its 2013 report")
YEAR_DETERMINERS = frozenset("the a an its his her their our this that".split())
# nouns that make a four-digit number a quantity ("2000 people"), not a year
COUNTED_NOUNS = frozenset(
    """people jobs troops workers soldiers staff members votes copies units cars homes houses times
    pounds dollars euros yen metres meters miles feet kilometres tonnes tons barrels shares
    points runs goals calories words pages""".split()
)
# words that make a weekday part of a name: before it ("Black Friday"), after it ("Sunday Times")
WEEKDAY_NAME_PREFIXES = frozenset(
    "black good super ash bloody easter palm holy cyber maundy shrove whit".split()
)
WEEKDAY_NAME_SUFFIXES = frozenset(
    """times telegraph mirror express people herald post mail sport independent tribune observer
    business""".split()
)

# ---- function words ---------------------------------------------------------------------------

# common English function words: a text a fifth of whose words are these is English (`guess_language`)
STOPWORDS = frozenset(
    """the a an and or but of to in on at for with by from as is are was were be been has have had
    it its this that these those he she they we you i not said will would can could""".split()
)
# left out of dedup's MinHash shingles (not of verification): shared function words made random
# sentences LSH candidates (242,727 candidate pairs on the BBC corpus; 25,934 without them).
# Fewer than STOPWORDS: the band hashes a warehouse has stored were made with exactly this set,
# and "not" is a negation, which must weigh
SHINGLE_STOPWORDS = STOPWORDS - {"these", "those", "you", "not", "can", "could"}
NEGATIONS = frozenset("not no never nor cannot without none nobody nothing neither".split())
# words whose swap reverses a fact although they are neither names nor numbers (dedup never merges)
CONTRAST_WORDS = frozenset(
    """north south east west northern southern eastern western northeast northwest southeast southwest
    up down rise fall rose fell higher lower increase decrease before after""".split()
)
# words after which a name is not a subject: prepositions, articles, possessive determiners
# ("with the Assad regime", "during his Anfield playing career")
PREPOSITIONS_AND_DETERMINERS = frozenset(
    """of the with by to from against for on in at about and or than between under over like as
    toward towards into onto upon without his her their its my our your""".split()
)
PREPOSITIONS = PREPOSITIONS_AND_DETERMINERS - {"the", "and", "or"}
# words that end a speaker phrase or a description of a speaker (quotes.py)
FUNCTION_WORDS = frozenset(
    """a an in on at with to from by after before during as that who whose which when while because
    and but or so then not it he she they his her its their is was has had will would said says
    told yesterday today tonight afterwards later earlier recently last this next""".split()
)
# words that cannot be the verb after a subject ("Smith of ...", "Smith and ...")
NOT_VERBS = tuple(
    """of and or in at on for with to from by as the a an but than he she it they we i you his her its
    their""".split()
)
BE_FORMS = ("been", "being", "be", "is", "are", "was", "were")
FIRST_PERSON = tuple("I I'm I've I'd I'll me my mine we we're we've we'll us our ours".split())
# after a dotted acronym ("U.S."), a sentence ends when one of these follows
SENTENCE_OPENERS = frozenset(
    """the a an he she it they we i you this that these those there but and in on at
    for if when while after before as his her its their our mr mrs ms dr""".split()
)
# dedup: a capitalized first word that is one of these is no name; more than SENTENCE_OPENERS,
# whose every word moves sentence boundaries (and so the ids of stored sentences)
NOT_NAME_OPENERS = SENTENCE_OPENERS | frozenset(
    "however meanwhile according also so yet still then now last next mr mrs ms dr".split()
)
SENTENCE_CONNECTIVES = frozenset("But And Yet So Then However Meanwhile When While As If".split())
# capitalized words that open sentences but are no one's first name ("Yesterday Smith said")
NOT_FIRST_NAMES = (
    frozenset("The A An This That These Those Now Yesterday Today Tomorrow Earlier Later Last Next".split())
    | frozenset("Also Former Only Even".split())
    | SENTENCE_CONNECTIVES
    | CALENDAR_NAMES
)
# words that may open a sentence before its subject ("But Smith, adding: ...")
LEAD_INS = tuple("But And However Meanwhile Earlier Later Yesterday Today Now So Then Also".split())

# ---- verbs of saying --------------------------------------------------------------------------

# the common verbs of saying, with their inflections: what every rule below reads
_SAYING = frozenset(
    """said says say told tells asked asks added adds continued continues wrote writes explained
    explains warned warns insisted insists replied replies noted stated declared declares argued
    argues""".split()
)
# verbs of saying with their inflections: evidence of a quote's speaker, and that a capitalized
# word before one is a name
SPEECH_VERBS = _SAYING | frozenset(
    """claimed admitted admits acknowledged acknowledges announced suggested suggests commented
    remarked responded recalled conceded concedes stressed stresses urged urges tweeted posted
    cautioned complained joked predicted predicts protested confirmed confirms revealed
    reveals""".split()
)
# the verb of an attribution clause that leaves a sentence the same sentence: `"...?" Tillerson
# asked.` is one sentence, and a sentence that only adds such a clause is contained in dedup.
# Only the common verbs, as each verb added moves sentence boundaries (so stored sentence ids);
# "notes", "states", "according" count here but are no quote cue ("member states"; quotes.py
# reads "according to" whole)
ATTRIBUTION_CUES = _SAYING | {"notes", "states", "according"}
# speech phrases that are not one verb
SPEECH_PHRASES = ("according to", "According to", "went on", "pointed out")
# participles of saying, whose subject is the sentence's (`..., adding: "`)
SPEECH_PARTICIPLES = tuple(
    """saying adding telling writing warning explaining insisting noting asking arguing
    claiming declaring stressing urging""".split()
)
# verbs of saying whose object is the listener, not the speaker (`told Reuters`, `asked the minister`)
# verbs that report speech or writing, wider than SPEECH_VERBS (which also decide sentence and name
# rules): evidence for the attribution parse, never a gate on it
REPORTING_VERBS = SPEECH_VERBS | frozenset(
    """report reports reported note notes observe observes observed conclude concludes concluded
    recall recalls fume fumes fumed implore implores implored interject interjects interjected
    chime chimes chimed reiterate reiterates reiterated reply quip quips quipped retort retorts
    retorted echo echoes echoed counter counters countered boom boomed bark barked shout shouts
    shouted yell yells yelled tweet tweets write say tell ask add explain warn insist argue claim
    declare label labels labeled labelled call calls called describe describes described dub
    dubbed brand branded shot""".split()
)
# a quote that is a verb's object or predicate is speech only after these (`calling him "a stiff"`)
REPORTING_PARTICIPLES = frozenset(SPEECH_PARTICIPLES) | {"calling", "describing"}
# subject pronouns an attribution can have: he/she resolve to a person, the others stay unresolved
PERSONAL_PRONOUNS = ("he", "she", "they", "i", "we")
# the words a descriptive speaker opens with ("a spokesman for the airline", "one dealer")
DESCRIPTION_DETERMINERS = frozenset("a an the one another two three several some".split())
LISTENER_VERBS = frozenset("told tells asked asks urged urges warned warns".split())
# past tenses of saying after which a bare weekday is past ("said Tuesday he will")
PAST_REPORTING_VERBS = ("said", "told", "announced", "confirmed", "added", "wrote", "reported")
# words between a speaker and the verb ("X also said", "X has since said")
BEFORE_SPEECH_VERB = ("also", "later", "then", "has", "had", "have", "was", "once", "previously",
                      "reportedly", "recently", "earlier", "simply", "quickly", "flatly", "bluntly",
                      "today", "yesterday", "again", "further", "repeatedly", "would", "will",
                      "has since", "only")  # fmt: skip

# ---- people: honorifics, titles, names --------------------------------------------------------

# honorifics before a surname ("Mr Hayman") and the grammatical gender each says (None: either)
SURNAME_HONORIFICS = {
    "mr": "m", "mrs": "f", "ms": "f", "miss": "f", "dr": None, "sir": "m", "dame": "f", "lord": "m",
    "lady": "f", "prof": None,
}  # fmt: skip
# styles before a full name, also after an apposition ("The Bishop of Durham, the Rt Rev Dr Tom Wright")
NAME_STYLES = ("rt", "rev", "revd", "hon", "dr", "prof")
HONORIFIC_GENDER = (
    SURNAME_HONORIFICS
    | dict.fromkeys(NAME_STYLES)
    | {"herr": "m", "monsieur": "m", "mme": "f", "mlle": "f", "mx": None}
)
# titles that say the holder's grammatical gender ("Baroness Boothroyd ... she said")
TITLE_GENDER = {
    "baroness": "f", "duchess": "f", "countess": "f", "queen": "f", "princess": "f",
    "baron": "m", "duke": "m", "earl": "m", "king": "m", "prince": "m",
}  # fmt: skip
# roles that, as `the <role>` with no one introduced under that title, mean the person the story
# is about ("The prop said:" after "Adam Jones says ..."); offices ("the minister") are never guessed
EPITHET_HEADS = frozenset(
    """defender striker midfielder goalkeeper keeper winger skipper player prop flanker sprinter
    athlete boxer golfer jockey batsman bowler star actor actress singer songwriter rapper
    musician guitarist drummer bassist vocalist frontman comedian comic presenter author writer
    novelist""".split()
)
# the head word of a title ("Secretary", "spokesman", "striker"): offices, and every epithet but
# "player", which is a surname too (Gary Player)
TITLE_HEADS = (EPITHET_HEADS - {"player"}) | frozenset(
    """president vice-president president-elect premier minister secretary secretary-general
    chancellor spokesman spokeswoman spokesperson senator sen congressman congresswoman rep
    representative governor gov mayor general gen colonel col lieutenant lt major maj captain capt
    sergeant sgt admiral adm commander commissioner ambassador envoy judge justice king queen prince
    princess emperor sheikh emir pope cardinal archbishop bishop rabbi imam ayatollah chairman
    chairwoman chair chief director ceo executive boss leader head manager coach host producer
    analyst economist professor prof dr doctor lawyer attorney prosecutor detective inspector
    superintendent constable officer dictator mp mep msp mla candidate nominee founder editor correspondent
    adviser advisor aide deputy official diplomat negotiator champion speaker whip treasurer dean
    sheriff marshal lord baroness baron duke duchess earl reverend dj referee umpire biographer
    historian expert scientist researcher consultant strategist critic commentator pundit columnist
    journalist reporter photographer designer architect engineer activist campaigner organiser
    organizer composer""".split()
)
# words before a title head that belong to the title ("Foreign Secretary", "former chief executive")
TITLE_MODIFIERS = frozenset(
    """foreign home defence defense deputy vice assistant acting interim former ex shadow junior
    senior chief first prime executive general state affairs interior trade industry health
    education finance financial treasury culture sport sports transport environment energy labor
    work pensions agriculture economy economic communications technology information media security
    intelligence national international public press social managing lead co team club party
    opposition majority minority commerce development immigration housing local government
    attorney principal""".split()
)
TITLE_CONNECTORS = frozenset({"of", "for", "and", "the"})
# `the <spokesman | official | ...> said`: an unnamed person speaking ("the court spokesman said")
ANONYMOUS_HEADS = ("spokesman", "spokeswoman", "spokesperson", "official", "source", "aide", "insider")
# nationality words NER sometimes puts at the front of a person's name ("Russian Dmitriy Bogdanov")
DEMONYMS = frozenset(
    """american british english scottish welsh irish french german italian spanish portuguese dutch
    belgian swiss austrian swedish norwegian danish finnish russian ukrainian polish czech hungarian
    romanian bulgarian greek turkish serbian croatian israeli palestinian lebanese syrian iraqi
    iranian saudi egyptian libyan moroccan algerian nigerian kenyan ethiopian zimbabwean ghanaian
    chinese japanese korean vietnamese thai indian pakistani afghan bangladeshi indonesian
    malaysian filipino australian canadian mexican brazilian argentine argentinian chilean
    colombian venezuelan peruvian cuban jamaican dutchman frenchman englishman scotsman irishman
    welshman briton spaniard""".split()
)
# title words that are also common surnames: alone, they may be a person ("Major", "King")
TITLE_SURNAMES = frozenset("major king bishop marshal sheriff judge chancellor baron earl knight".split())
# parties and groups that news names several ways: one organisation each (lower-cased surface,
# "the" dropped -> canonical name). A group is an organisation, never a person.
GROUP_NAMES = {
    **dict.fromkeys(
        ("tory", "tories", "conservatives", "conservative party", "tory party"), "Conservative Party"
    ),
    **dict.fromkeys(("labour", "labour party"), "Labour Party"),
    **dict.fromkeys(
        ("lib dem", "lib dems", "liberal democrats", "liberal democrat party", "libdems"), "Liberal Democrats"
    ),
    **dict.fromkeys(("ukip", "uk independence party"), "UK Independence Party"),
    **dict.fromkeys(("snp", "scottish national party"), "Scottish National Party"),
    **dict.fromkeys(("gop", "republican party"), "Republican Party"),
    **dict.fromkeys(("democratic party",), "Democratic Party"),
}
# name particles a person's key leaves out ("Bashar al-Assad" = "Bashar Assad"): words, and the
# Arabic article's forms before a hyphen
NAME_PARTICLES = frozenset(
    "al el bin ibn van von der den de da di du del della dos das le la ter ten".split()
)
ARTICLE_PREFIXES = ("al", "el", "ad", "ash", "as", "az", "an", "ar", "at", "ul", "ud")

# ---- organisations ----------------------------------------------------------------------------

# last words of an organisation's name, never of a person's ("Manchester United", "Labour Party")
ORG_NAME_ENDINGS = frozenset(
    """united city fc rovers rangers athletic county town wanderers albion party inc ltd plc corp group bank
    council office university college association club airlines airways motors securities partners
    holdings""".split()
)
# heads of `the <...>` phrases that name an organisation speaking ("the Russian government said")
ORG_NOUNS = frozenset(
    """government ministry department office council committee commission agency company firm
    group party police army military court embassy administration authority authorities bank union
    federation association board foundation institute organisation organization service regime
    cabinet parliament congress senate assembly league club team campaign charity watchdog regulator
    network channel newspaper broadcaster""".split()
)
ORG_MODIFIERS = TITLE_MODIFIERS | {"federal", "central", "joint", "regional", "royal"}

# ---- abbreviations ----------------------------------------------------------------------------

# words whose full stop does not end a sentence ("Mr.", "Gen.", "Jan.", "e.g.")
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st gen gov sen rep lt col sgt capt cmdr adm maj rev hon jr sr messrs mme
    mlle fr pres supt insp det cpl pte brig ft mt no nos vs v e.g i.e cf al approx fig inc ltd co
    corp bros dept est""".split()
) | {month.lower() for month in MONTH_ABBREVIATIONS}

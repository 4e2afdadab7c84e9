"""Hostile but plausible documents (issue 16): crawled junk that is not an article.

Each shape is a function of a target length in characters that returns one document's text of
about that length, made by repeating a unit (the tests measure how work grows between two
lengths). The first five are the issue's; the others are junk seen in crawls.
"""

from __future__ import annotations

from collections.abc import Callable


def _repeat(unit: str, chars: int) -> str:
    return unit * max(1, chars // len(unit))


def tiny_sentences(chars: int) -> str:
    """200,000 tiny sentences at 1 MB: `A b. A b. ...`."""
    return _repeat("A b. ", chars)


def titled_names(chars: int) -> str:
    """The same titled names over and over."""
    return _repeat("Mr. Smith met Dr. Jones and Gen. Lee. ", chars)


def quote_storm(chars: int) -> str:
    """Quote marks around one word, repeated: `"a" "a" ...`."""
    return _repeat('"a" ', chars)


def unclosed_quotes(chars: int) -> str:
    """An opening quote mark that never closes, repeated within one paragraph."""
    return _repeat('"It was going to be fine, ', chars)


def run_on(chars: int) -> str:
    """A capitalised run-on with no full stop (a title-cased menu or tag cloud)."""
    words = ["Alpha", "Bravo", "Charlie", "Delta", "Echo", "Foxtrot", "Golf", "Hotel", "India", "Juliet"]
    return _repeat(" ".join(words) + " ", chars).strip()


def number_table(chars: int) -> str:
    """A table flattened to text: rows of numbers, percentages and years, one row a line."""
    return _repeat("2017 | 12.5 | 1,204 | 33% | -0.7 | 2018 | 45.25 | 2,000\n", chars)


def scraper_loop(chars: int) -> str:
    """One news paragraph repeated thousands of times as paragraphs (a scraper stuck in a loop)."""
    unit = (
        'Prime Minister Theresa May said on Tuesday, April 11, 2017: "We will not give in." '
        '"It is a matter of trust," she added, according to Reuters.\n\n'
    )
    return _repeat(unit, chars)


def said_chain(chars: int) -> str:
    """Attributed quotes and pronouns in one endless paragraph (a transcript without breaks)."""
    return _repeat('Smith said: "We will win." "It is fine," he added. The minister told him. ', chars)


def long_words(chars: int) -> str:
    """Very long "words": URLs and base64 blobs of thousands of characters."""
    unit = "See https://example.org/" + "a1b2c3d4" * 150 + " and " + "Q" * 600 + ". "
    return _repeat(unit, chars)


def many_dates(chars: int) -> str:
    """Dates and relative time expressions, dense."""
    return _repeat(
        "On Tuesday, April 11, 2017 and last March, 3 days ago, in 2005 and next week we will meet Friday. ",
        chars,
    )


SHAPES: dict[str, Callable[[int], str]] = {
    "tiny_sentences": tiny_sentences,
    "titled_names": titled_names,
    "quote_storm": quote_storm,
    "unclosed_quotes": unclosed_quotes,
    "run_on": run_on,
    "number_table": number_table,
    "scraper_loop": scraper_loop,
    "said_chain": said_chain,
    "long_words": long_words,
    "many_dates": many_dates,
}

"""Words within one edit of a word, found by lookup instead of a scan of every word.

Method: the symmetric-delete index of SymSpell (Garbe 2012): every word is filed under itself
and each of its one-letter deletions; two words at Levenshtein distance 1 share an entry (a
deletion makes the shorter of an insertion pair, and the same deletion turns both words of a
substitution pair into one string). A query costs as many lookups as its length, however many
words are indexed. The entries also hold pairs at distance 2 (a transposition, `ab`/`ba`) and
the word itself: callers verify the distance they need.
"""

from __future__ import annotations

from collections.abc import Iterable


def _deletions(word: str) -> set[str]:
    return {word, *(word[:index] + word[index + 1 :] for index in range(len(word)))}


class OneEditIndex:
    """A set of words that answers `near(word)`: every indexed word one edit or less away, plus
    a few two edits away (see the module docstring)."""

    def __init__(self, words: Iterable[str] = ()) -> None:
        self._by_deletion: dict[str, set[str]] = {}
        for word in words:
            self.add(word)

    def add(self, word: str) -> None:
        for key in _deletions(word):
            self._by_deletion.setdefault(key, set()).add(word)

    def near(self, word: str) -> set[str]:
        found: set[str] = set()
        for key in _deletions(word):
            found |= self._by_deletion.get(key, set())
        return found

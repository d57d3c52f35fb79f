"""The snippet of a search hit: a few words of the page around what matched, each match [marked], made here in
Python for both backends from the page text the search already read.

SQLite's snippet() and PostgreSQL's ts_headline() cost more than the ranking itself (they tokenize every shown
page again inside the database: bench/WEB_LOAD.md), and marked different words on each backend. Here a match is
what the backend's own index matched: on SQLite (FTS5, unicode61 with diacritics removed) a query term's words,
in order, whatever their case and accents; on PostgreSQL (the english configuration) a word whose Snowball stem
is one of the query's lexemes, stemmed by PyStemmer, the same Snowball algorithm PostgreSQL uses.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from functools import lru_cache
from itertools import accumulate
from typing import Iterable, Optional

WORD = re.compile(r"\w+")
_WORDS_AND_GAPS = re.compile(r"(\w+)")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
OPEN, CLOSE, MORE = "[", "]", "…"


@lru_cache(maxsize=4096)
def _fold_char(ch: str) -> str:
    base = unicodedata.normalize("NFD", ch)[0]
    return base if len(base) == 1 else ch


def fold(text: str) -> str:
    """Accents off, character for character (so positions in the result are positions in `text`). Only the
    characters outside ASCII are looked at (a page of OCR text has a few curly quotes and dashes among thousands)."""
    return text if text.isascii() else _NON_ASCII.sub(lambda m: _fold_char(m.group()), text)


class Terms:
    """What to mark: `phrases` (each a tuple of words that must stand in that order, as FTS5 matches them) or,
    with `stems`, every word whose English Snowball stem is one of them (as PostgreSQL matches)."""

    def __init__(self, phrases: Iterable[tuple[str, ...]] = (), stems: Iterable[str] = ()):
        self.stems = frozenset(stems)
        self.patterns = [re.compile(r"\b" + r"\W+".join(re.escape(fold(w)) for w in phrase) + r"\b", re.I)
                         for phrase in phrases if phrase]
        # A Snowball stem is a prefix of its word but for its last letter (happy -> happi): look for that prefix.
        self.prefixes = [re.compile(r"\b" + re.escape(s[:-1] if len(s) > 2 else s) + r"\w*", re.I)
                         for s in sorted(self.stems)]

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, which term) of every match in the text, in order."""
        folded = fold(text)
        found = [(m.start(), m.end(), i) for i, p in enumerate(self.patterns) for m in p.finditer(folded)]
        if self.stems:
            stem = _stemmer().stemWord
            for i, p in enumerate(self.prefixes, len(self.patterns)):
                found += [(m.start(), m.end(), i) for m in p.finditer(folded) if stem(m.group().lower()) in self.stems]
        return sorted(found)


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: Snowball's C stemmers
    return Stemmer.Stemmer("english")


def snippet(text: str, terms: Terms, *, words: int = 12) -> str:
    """About `words` words of the text, the window that shows the most different terms (then the most matches,
    then the earliest), with each match marked and an ellipsis where the text goes on."""
    # Where each word starts and ends, from the lengths of the text's words and the gaps between them (no Python
    # call per word: a 3,000-character page has 500 of them).
    bounds = [0, *accumulate(map(len, _WORDS_AND_GAPS.split(text)))]
    starts, ends = bounds[1:-1:2], bounds[2::2]
    if not starts:
        return " ".join(text.split())
    matches = terms.find(text)
    hits = [(bisect_right(starts, s) - 1, bisect_right(starts, e - 1) - 1, i) for s, e, i in matches]
    firsts = [h[0] for h in hits]   # in order, as the matches are
    best, window = None, 0
    for at in sorted({max(0, min(first - words // 4, len(starts) - words)) for first in firsts}):
        # The hits inside [at, at + words), found by bisection: a page full of a common word costs its hits
        # times the window, not its hits squared.
        inside = [h for h in hits[bisect_left(firsts, at):bisect_left(firsts, at + words)] if h[1] < at + words]
        score = (len({h[2] for h in inside}), len(inside), -at)
        if best is None or score > best:
            best, window = score, at
    end = min(window + words, len(starts)) - 1
    last = end == len(starts) - 1
    out, at = [], starts[window] if window else 0   # the text's own first and last characters when shown
    stop = len(text) if last else ends[end]
    for s, e, _i in matches:
        if s < at or e > stop:
            continue
        out += [text[at:s], OPEN, text[s:e], CLOSE]
        at = e
    out.append(text[at:stop])
    body = " ".join("".join(out).split())
    return (MORE if window > 0 else "") + body + ("" if last else MORE)


def lexemes(tsquery: Optional[str]) -> set[str]:
    """The lexemes of a PostgreSQL tsquery, from its text form ('union' & 'worker' <-> 'parti')."""
    return {m.group(1).replace("''", "'") for m in re.finditer(r"'((?:[^']|'')*)'", tsquery or "")}


def stems(words: Iterable[str]) -> set[str]:
    return set(_stemmer().stemWords([w.lower() for w in words]))

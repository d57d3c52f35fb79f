"""Blocking keys: which held documents a citation could name, found by index instead of by comparing
it with every document.

The resolver (provenance.matching.resolve) links a citation only when its author or issuing body agrees with the
document's creator (a surname at fuzzy ratio >= 88, a corporate name at >= 90), or its title agrees with
the document's title (>= 88) where no creator contradicts it. Two names or titles that similar share
their words, up to OCR slips, in the same order. So:
- a surname is keyed as its word together with its deletion neighbourhood (the word with any one
  letter left out, and any two for words of 10 letters or more): two words one substitution apart, or
  one letter added or dropped, share a key, and so do long words with two slips (symmetric-delete
  matching);
- a corporate name or a title is keyed by its significant words taken together: its single word, its
  two words, or, from three on, each run of three consecutive words (and each run of four with one
  word left out, for a word OCR ran together or split). A run of three is about as rare as the name
  ('Lemfield Weavers' League'), where a pair is not ('Weavers' League' in every town), and a name
  that agrees at the scorer's ratio keeps such a run. Within a run each word is keyed by its first
  three letters or its last four (at least one word of the run by its first): one slip leaves one
  of them as printed, and neither depends on the word's length. Words of five letters or fewer also by
  themselves and their one-letter deletions; a name with a word one slip from a stopword ('thc') is
  keyed with and without it.
The keys are stored for documents and for citations (indexed), so both directions are one join:
- a citation's candidates are the documents sharing any of its keys;
- a new or changed document reaches the held citations sharing any of its keys.
The scorer then decides among the candidates exactly as it would among all documents
(tests/test_archive_scale.py measures what the keys retrieve of what the scorer links).

Namespaces keep the join as narrow as the scorer's rules:
- ``n:`` surnames: of a document's authors; of the persons a citation names (and the last word of a
  cited body, which the scorer also compares with surnames);
- ``o:`` corporate names: a document's organization and publisher; a citation's cited author or body;
- ``t:`` titles of documents that name no creator (author or organization); a cited title may agree
  with these even when the citation names an author;
- ``T:`` titles of documents that name a creator; only a citation that names no author can be linked
  to one of these by its title alone (an author that disagrees rules it out).
A citation without an author carries its title's keys under both ``t:`` and ``T:``.
"""

from __future__ import annotations

import re
from itertools import combinations, product
from typing import Iterable, Optional

from provenance.citations import FoundCitation
from provenance.citations import bibliography as bib
from provenance.matching.resolve import Candidate, query_fields, title_key

# Bump when the rules below change: stored keys of an older version are rebuilt (provenance.matching.linking).
KEYS_VERSION = 1

_MIN_WORD = 3          # shorter words are keyed only as part of the whole name
_ONE_SLIP = 5          # from this length a surname's one-letter deletions are keys too
_TWO_SLIPS = 10        # from this length its two-letter deletions as well
_TITLE_STOP = {"the", "a", "an", "and", "of", "for", "to", "in", "on", "at", "by", "with", "from", "or", "as",
               "le", "la", "les", "der", "die", "das", "el", "et", "de", "du", "des", "und", "is", "its"}


def neighbourhood(word: str) -> set[str]:
    """A surname and its deletion variants (see the module docstring)."""
    out = {word}
    if len(word) >= _ONE_SLIP:
        out.update(word[:i] + word[i + 1:] for i in range(len(word)))
    if len(word) >= _TWO_SLIPS:
        out.update("".join(c for k, c in enumerate(word) if k not in (i, j))
                   for i, j in combinations(range(len(word)), 2))
    return out


def _slips(word: str) -> set[str]:
    """A word of a name or title and its one-letter deletions."""
    return {word, *(word[:i] + word[i + 1:] for i in range(len(word)))}


def _tokens(word: str) -> tuple[set[str], set[str]]:
    """How a word of a name or title is keyed within a run: (heads, tails), see the docstring."""
    heads, tails = {word[:3] + ">"}, {"<" + word[-4:]}
    if len(word) <= 6:
        tails.add("<" + word[-3:])     # head and tail of a six-letter word overlap
    if len(word) <= 5:
        heads |= _slips(word)           # a slip there can touch both
    return heads, tails


def _edits(word: str) -> set[str]:
    """Every word one slip (a letter replaced, added or dropped) from this one."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    out = {word[:i] + word[i + 1:] for i in range(len(word))}
    out |= {word[:i] + c + word[i + 1:] for i in range(len(word)) for c in letters}
    out |= {word[:i] + c + word[i:] for i in range(len(word) + 1) for c in letters}
    return out


_STOP_SLIPS = frozenset(v for w in _TITLE_STOP for v in _edits(w) if len(v) >= _MIN_WORD)


def _words(text: str, stop: set[str] = frozenset()) -> list[str]:
    return [w for w in bib.norm_words(text).split() if len(w) >= _MIN_WORD and w not in stop]


def _readings(words: list[str]) -> list[list[str]]:
    """The words as printed, and without those a slip away from a stopword ('thc', 'anmd', 'iin'): such
    a word may be a slipped stopword or a word of its own ('land', 'tith[e]'); both readings are keyed."""
    plain = [w for w in words if w not in _STOP_SLIPS]
    return [words, plain] if plain != words and plain else [words]


def _runs(n: int, main: int) -> list[tuple[int, ...]]:
    """Which words (by position) form each run: all, up to three; else runs of three, and runs of four
    with one inner word left out; only runs that start in the main title (the first `main` words)."""
    if n <= 3:
        return [tuple(range(n))]
    runs = [(i, i + 1, i + 2) for i in range(n - 2)]
    runs += [(i, j, k) for i in range(n - 3) for j, k in ((i + 1, i + 3), (i + 2, i + 3))]
    return [r for r in runs if r[0] < main]


def sequence_keys(words: list[str], main: Optional[int] = None) -> set[str]:
    """Keys of a corporate name or a title from its significant words, in order (see the docstring).
    With `main`, the first `main` words are the main title and the rest its subtitle: the keys are
    the main title's, and those of the runs that start in it and reach into the subtitle (a cited title
    agrees with the main title, or with main title and subtitle together; subtitles alone are
    formulaic: 'A History of the ... Union')."""
    if not words:
        return set()
    if main is not None and 0 < main < len(words):
        return sequence_keys(words[:main]) | _run_keys(words, [r for r in _runs(len(words), main) if r[-1] >= main])
    if len(words) == 1:
        return neighbourhood(words[0]) | _slips(words[0])
    return _run_keys(words, _runs(len(words), len(words)))


def _run_keys(words: list[str], runs: list[tuple[int, ...]]) -> set[str]:
    tokens = [_tokens(w) for w in words]
    keys: set[str] = set()
    for run in runs:
        # every word by its head or its tail, but at least one by its head: tails alone say little
        # ('-kers -ague')
        for by_tail in product((False, True), repeat=len(run)):
            if all(by_tail):
                continue
            parts = [tokens[i][1] if tail else tokens[i][0] for i, tail in zip(run, by_tail)]
            keys.update(" ".join(combo) for combo in product(*parts))
    return keys


def _whole(name: str) -> set[str]:
    """The whole name without spaces: initialisms ('I.L.P.') and names OCR ran together."""
    whole = bib.norm_words(name).replace(" ", "")
    return {whole} if whole else set()


def surname_keys(name: Optional[str]) -> set[str]:
    """Keys of a surname: its words' neighbourhoods, and the whole name."""
    if not name:
        return set()
    return set().union(*(neighbourhood(w) for w in _words(name))) | _whole(name)


def body_keys(name: Optional[str]) -> set[str]:
    """Keys of a corporate name: its word pairs, and the whole name."""
    if not name:
        return set()
    words = _words(name, _TITLE_STOP) or _words(name)
    return set().union(*(sequence_keys(r) for r in _readings(words))) | _whole(name)


def title_keys(title: Optional[str], subtitle: Optional[str] = None) -> set[str]:
    """Keys of a title and its subtitle: given apart (a document's), or in one string whose main title
    ends at the first ': ' or '. ' (a cited title, as the resolver splits it)."""
    if not title:
        return set()
    if subtitle is None:
        title, subtitle = (re.split(r"[:.]\s", title, maxsplit=1) + [""])[:2]
    keys: set[str] = set()
    for main in _readings(_words(title_key(title), _TITLE_STOP) or _words(title_key(title))):
        for rest in _readings(_words(title_key(subtitle), _TITLE_STOP)) if subtitle else [[]]:
            keys |= sequence_keys(main + rest, len(main)) if main else sequence_keys(rest)
    return keys


def _prefixed(prefix: str, keys: Iterable[str]) -> set[str]:
    return {prefix + k for k in keys}


def document_keys(cand: Candidate) -> set[str]:
    """Keys under which a held document can be found by a citation."""
    surnames: set[str] = set()
    for full in cand.authors:
        surnames |= surname_keys(bib.surname(full))
    bodies = body_keys(cand.organization) | body_keys(cand.publisher)
    titles = title_keys(cand.title or "", cand.subtitle or "")
    creatorless = not cand.authors and not cand.organization
    return _prefixed("n:", surnames) | _prefixed("o:", bodies) | _prefixed("t:" if creatorless else "T:", titles)


def citation_keys(citation: FoundCitation) -> set[str]:
    """Keys under which a citation finds the documents it could name."""
    author, title = query_fields(citation)
    keys: set[str] = set()
    if author:
        persons = bib.person_names(author) if (bib.is_person(author) or re.search(r"\s(and|&)\s", author)) else []
        surnames: set[str] = set()
        for p in persons or [author]:
            surnames |= surname_keys(bib.surname(p))
        keys |= _prefixed("n:", surnames) | _prefixed("o:", body_keys(author))
    titles = title_keys(title)
    keys |= _prefixed("t:", titles)
    if not author:
        keys |= _prefixed("T:", titles)
    return keys

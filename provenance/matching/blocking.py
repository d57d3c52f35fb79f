"""Blocking keys: which held documents a citation could name, found by index instead of by comparing
it with every document.

The resolver (provenance.matching.resolve) links a citation only when its author or issuing body agrees with the
document's creator (a surname at fuzzy ratio >= 88, a corporate name at >= 90), or its title agrees with
the document's title (>= 88) where no creator contradicts it. Two names or titles that similar share
their words, up to OCR slips, and in the same order. So:
- a surname is keyed as its word together with its deletion neighbourhood (the word with any one
  letter left out, and any two for words of 10 letters or more): two words one substitution apart, or
  one letter added or dropped, share a key, and so do long words with two slips (symmetric-delete
  matching);
- a corporate name or a title is keyed by its pairs of consecutive significant words (and of words one
  apart), each word of a pair by its first three and its last four letters (a slip leaves one of the
  two as printed; short words by themselves and their deletions), and by its single word where it has
  one. A pair is far rarer than a word ('workers education' against 'workers'), so a common word alone
  retrieves nothing.
The keys are stored for documents and for citations (indexed), so both directions are one join:
- a citation's candidates are the documents sharing any of its keys;
- a new or changed document reaches the held citations sharing any of its keys.
The scorer then decides among the candidates exactly as it would among all documents.

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
from itertools import combinations
from typing import Iterable, Optional

from provenance.citations import bibliography as bib
from provenance.citations import FoundCitation
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
    """How a word of a name or title is keyed within a pair: (heads, tails). Its first three letters and
    its last four: one slip leaves one of them as printed, and neither depends on the word's length, so
    a letter dropped or added changes nothing else. Six-letter words also give their last three (their
    head and tail would overlap), shorter words themselves and their one-letter deletions."""
    if len(word) < 4:
        return {word}, set()
    heads, tails = {word[:3] + ">"}, {"<" + word[-4:]}
    if len(word) <= 6:
        tails.add("<" + word[-3:])
    if len(word) <= 5:
        heads |= _slips(word)
    return heads, tails


def _words(text: str, stop: set[str] = frozenset()) -> list[str]:
    return [w for w in bib.norm_words(text).split() if len(w) >= _MIN_WORD and w not in stop]


def sequence_keys(words: list[str]) -> set[str]:
    """Keys of a corporate name or a title from its significant words, in order (see the docstring):
    pairs of neighbours, and of words one apart (a slip can make a stopword look significant: 'the'
    read as 'thc'); a single word with its neighbourhood."""
    if len(words) == 1:
        return neighbourhood(words[0]) | _slips(words[0])
    keys: set[str] = set()
    tokens = [_tokens(w) for w in words]
    for i in range(len(words) - 1):
        for j in (i + 1, i + 2):
            if j < len(words):
                (hi, ti), (hj, tj) = tokens[i], tokens[j]
                # head with head, head with tail, tail with head: a pair is found unless both its
                # words slipped near their start (two tails alone say little: '-ers -tion')
                keys.update(f"{x} {y}" for x in hi for y in hj | tj)
                keys.update(f"{x} {y}" for x in ti for y in hj)
    return keys


def surname_keys(name: Optional[str]) -> set[str]:
    """Keys of a surname: its words' neighbourhoods, and the whole name without spaces."""
    if not name:
        return set()
    keys: set[str] = set()
    for w in _words(name):
        keys |= neighbourhood(w)
    whole = bib.norm_words(name).replace(" ", "")
    if whole:
        keys.add(whole)
    return keys


def body_keys(name: Optional[str]) -> set[str]:
    """Keys of a corporate name: its word pairs, and the whole name without spaces (for 'I.L.P.')."""
    if not name:
        return set()
    keys = sequence_keys(_words(name, _TITLE_STOP) or _words(name))
    whole = bib.norm_words(name).replace(" ", "")
    if whole:
        keys.add(whole)
    return keys


def title_keys(title: Optional[str]) -> set[str]:
    if not title:
        return set()
    key = title_key(title)
    return sequence_keys(_words(key, _TITLE_STOP) or _words(key))


def _prefixed(prefix: str, keys: Iterable[str]) -> set[str]:
    return {prefix + k for k in keys}


def document_keys(cand: Candidate) -> set[str]:
    """Keys under which a held document can be found by a citation."""
    surnames: set[str] = set()
    for full in cand.authors:
        surnames |= surname_keys(bib.surname(full))
    bodies = body_keys(cand.organization) | body_keys(cand.publisher)
    titles = title_keys(cand.title)
    if cand.subtitle:
        titles |= title_keys(f"{cand.title or ''} {cand.subtitle}")
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

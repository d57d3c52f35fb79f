"""Blocking keys: which held documents a citation could name, found by index instead of by comparing
it with every document.

The resolver (provenance.resolve) links a citation only when its author or issuing body agrees with the
document's creator (a surname at fuzzy ratio >= 88, a corporate name at >= 90), or its title agrees with
the document's title (>= 88) where no creator contradicts it. So a document can be linked only if it
shares a *word* of a creator name or of a title with the citation, up to OCR slips in that word. Each
word is keyed together with its deletion neighbourhood (the word with any one letter left out, and with
any two left out for words of 10 letters or more): two words one substitution apart, or one letter
added or dropped, share a key, and so do long words with two slips (symmetric-delete matching). The
keys are stored for documents and for citations (indexed), so both directions are one join:
- a citation's candidates are the documents sharing any of its keys;
- a new or changed document reaches the held citations sharing any of its keys.
The scorer then decides among the candidates exactly as it would among all documents.

Namespaces keep the join as narrow as the scorer's rules:
- ``n:`` words of creator names: a document's authors' surnames, organization and publisher; a
  citation's cited author or body;
- ``t:`` title words of documents that name no creator (author or organization); a cited title
  may agree with these even when the citation names an author;
- ``T:`` title words of documents that name a creator; only a citation that names no author can be
  linked to one of these by its title alone (an author that disagrees rules it out).
A citation without an author carries its title words under both ``t:`` and ``T:``.
"""

from __future__ import annotations

import re
from itertools import combinations
from typing import Iterable, Optional

from provenance import bibliography as bib
from provenance.citations import FoundCitation
from provenance.resolve import Candidate, query_fields, title_key

# Bump when the rules below change: stored keys of an older version are rebuilt (provenance.linking).
KEYS_VERSION = 1

_MIN_WORD = 3          # shorter words are keyed only as part of the whole name
_ONE_SLIP = 5          # from this length a word's one-letter deletions are keys too
_TWO_SLIPS = 10        # from this length its two-letter deletions as well
_TITLE_STOP = {"the", "a", "an", "and", "of", "for", "to", "in", "on", "at", "by", "with", "from", "or", "as",
               "le", "la", "les", "der", "die", "das", "el", "et", "de", "du", "des", "und", "is", "its"}


def neighbourhood(word: str) -> set[str]:
    """The word and its deletion variants (see the module docstring)."""
    out = {word}
    if len(word) >= _ONE_SLIP:
        out.update(word[:i] + word[i + 1:] for i in range(len(word)))
    if len(word) >= _TWO_SLIPS:
        out.update("".join(c for k, c in enumerate(word) if k not in (i, j))
                   for i, j in combinations(range(len(word)), 2))
    return out


def _words(text: str, stop: set[str] = frozenset()) -> list[str]:
    return [w for w in bib.norm_words(text).split() if len(w) >= _MIN_WORD and w not in stop]


def name_keys(name: Optional[str]) -> set[str]:
    """Keys of one name (a surname, or a corporate name): each word's neighbourhood, and the whole name
    without spaces (for initialisms such as 'I.L.P.')."""
    if not name:
        return set()
    keys: set[str] = set()
    for w in _words(name):
        keys |= neighbourhood(w)
    whole = bib.norm_words(name).replace(" ", "")
    if whole:
        keys.add(whole)
    return keys


def title_words_keys(title: Optional[str]) -> set[str]:
    if not title:
        return set()
    keys: set[str] = set()
    for w in _words(title_key(title), _TITLE_STOP) or _words(title_key(title)):
        keys |= neighbourhood(w)
    return keys


def _prefixed(prefix: str, keys: Iterable[str]) -> set[str]:
    return {prefix + k for k in keys}


def document_keys(cand: Candidate) -> set[str]:
    """Keys under which a held document can be found by a citation."""
    names: set[str] = set()
    for full in cand.authors:
        names |= name_keys(bib.surname(full))
    for body in (cand.organization, cand.publisher):
        names |= name_keys(body)
    titles = title_words_keys(cand.title) | title_words_keys(cand.subtitle)
    creatorless = not cand.authors and not cand.organization
    return _prefixed("n:", names) | _prefixed("t:" if creatorless else "T:", titles)


def citation_keys(citation: FoundCitation) -> set[str]:
    """Keys under which a citation finds the documents it could name."""
    author, title = query_fields(citation)
    keys: set[str] = set()
    if author:
        names = name_keys(author)
        persons = bib.person_names(author) if (bib.is_person(author) or re.search(r"\s(and|&)\s", author)) else []
        for p in persons or [author]:
            names |= name_keys(bib.surname(p))
        keys |= _prefixed("n:", names)
    titles = title_words_keys(title)
    keys |= _prefixed("t:", titles)
    if not author:
        keys |= _prefixed("T:", titles)
    return keys


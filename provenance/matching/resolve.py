"""Resolution of found citations to documents the archive holds, and grouping keys for outside works."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

from rapidfuzz import fuzz

from provenance.citations import FoundCitation
from provenance.citations import bibliography as bib

# A link is made only at or above this confidence: author (or issuing body) AND title or year must agree,
# or a long title must agree exactly where the citation names no author. Author alone is never enough:
# one author or organization usually has many works, and a wrong link is worse than none.
LINK_THRESHOLD = 0.7
_NAME_RATIO = 88       # surname similarity tolerated for one garbled OCR letter in names of 5+ letters
_ORG_RATIO = 90        # whole corporate-name similarity
_TITLE_RATIO = 88      # title similarity counted as agreement
_TITLE_CONFLICT = 60   # below this the citation names a different work
_ARTICLES = {"the", "a", "an", "le", "la", "les", "der", "die", "das", "el"}


@dataclass(frozen=True)
class Candidate:
    """A document the archive holds, described by its recovered metadata."""

    id: int
    title: str | None
    subtitle: str | None
    authors: tuple[str, ...]
    organization: str | None
    publisher: str | None
    year: str | None        # publication year if known


@dataclass(frozen=True)
class Match:
    """A resolved link from a citation to a held document."""

    target_id: int
    confidence: float       # 0..1
    evidence: str


@lru_cache(maxsize=1 << 12)
def _year4(y: str | None) -> int | None:
    m = re.search(bib.YEAR_RE, y or "")
    return int(m.group(0)) if m else None


@lru_cache(maxsize=1 << 16)
def title_key(t: str) -> str:
    """A title as compared: folded words, leading articles dropped."""
    words = bib.norm_words(t).split()
    while words and words[0] in _ARTICLES:
        words = words[1:]
    return " ".join(words)


def _author_match(name: str, cand: Candidate) -> tuple[float, str] | None:
    """How well a cited author or issuing body names this candidate's creator."""
    best: tuple[float, str] | None = None
    folded = bib.norm_words(name)
    persons = bib.person_names(name) if (bib.is_person(name) or re.search(r"\s(and|&)\s", name)) else []
    for full in cand.authors:
        cand_sn = bib.norm_words(bib.surname(full))
        for p in persons or [name]:
            sn = bib.norm_words(bib.surname(p))
            if not sn or not cand_sn:
                continue
            need = _NAME_RATIO if min(len(sn), len(cand_sn)) >= 5 else 100
            r = fuzz.ratio(sn, cand_sn)
            if r >= need:
                # a cited given name or initial must not contradict the held author's
                given = [t for t in bib.norm_words(p.replace(bib.surname(p), "")).split()]
                cand_given = bib.norm_words(full.replace(bib.surname(full), "")).split()
                if given and cand_given and given[0][0] != cand_given[0][0]:
                    continue
                score = 0.6 if r == 100 else 0.55
                ev = f"author '{name}' = '{full}' (surname{'' if r == 100 else f', {r:.0f}%'})"
                if best is None or score > best[0]:
                    best = (score, ev)
    for label, body in (("organization", cand.organization), ("publisher", cand.publisher)):
        if not body or persons and len(persons) > 1:
            continue
        r = fuzz.ratio(folded, bib.norm_words(body))
        if r >= _ORG_RATIO and len(folded) >= 4:
            score = (0.65 if label == "organization" else 0.6) - (0 if r == 100 else 0.03)
            ev = f"author '{name}' = {label} '{body}'{'' if r == 100 else f' ({r:.0f}%)'}"
            if best is None or score > best[0]:
                best = (score, ev)
    return best


def _title_score(title: str, cand: Candidate) -> tuple[float, str]:
    """Best similarity of a cited title to the candidate's title or title: subtitle (0..100)."""
    if not cand.title:
        return -1.0, ""
    t = title_key(title)
    forms = [cand.title]
    if cand.subtitle:
        forms.append(f"{cand.title}: {cand.subtitle}")
    best, which = 0.0, cand.title
    for f in forms:
        r = fuzz.ratio(t, title_key(f))
        if r > best:
            best, which = r, f
    # a short cited title is the main title before the colon
    main = title_key(re.split(r"[:.]\s", title)[0])
    r = fuzz.ratio(main, title_key(cand.title))
    if r > best and len(main.split()) >= 2:
        best, which = r, cand.title
    return best, which


def query_fields(citation: FoundCitation) -> tuple[str | None, str | None]:
    """The cited creator and title a citation is matched by: a citation that gives only a title
    names no creator, and a cited body's name may stand for a title (a periodical, an anonymous tract)."""
    title_only = citation.author is not None and citation.author == citation.title
    author = None if title_only else citation.author
    title = citation.title or (citation.author if citation.author and not bib.is_person(citation.author) else None)
    return author, title


def resolve(citation: FoundCitation, candidates: Sequence[Candidate], *, citing_id: int | None = None,
            citing_year: str | None = None) -> list[Match]:
    """Held documents this citation refers to; [] unless the match is strong."""
    scored: list[tuple[float, Candidate, str]] = []
    cy = _year4(citing_year)
    author, title = query_fields(citation)
    for cand in candidates:
        if citing_id is not None and cand.id == citing_id:
            continue
        ty = _year4(cand.year)
        if cy is not None and ty is not None and ty > cy:
            continue  # a document only cites works older than or as old as itself
        evidence: list[str] = []
        a = _author_match(author, cand) if author else None
        ts, tform = _title_score(title, cand) if title else (-1.0, "")
        t_agree = ts >= _TITLE_RATIO and len(title_key(title or "")) >= 4
        if author and a is None and not t_agree:
            continue
        if author and a is None and (cand.authors or cand.organization):
            continue  # the title agrees but the cited author names someone else
        if citation.title and ts >= 0 and ts < _TITLE_CONFLICT and a is not None:
            continue  # same author, a different work
        cit_y = _year4(citation.year)
        y_agree = cit_y is not None and ty is not None and cit_y == ty
        if cit_y is not None and ty is not None and cit_y != ty:
            continue  # a different edition or a different work
        score = 0.0
        if a:
            score = a[0]
            evidence.append(a[1])
        if t_agree:
            evidence.append(f"title '{title}' ~ '{tform}' ({ts:.0f}%)")
            score = score + 0.32 if a else (0.72 if len(title_key(title or "").split()) >= 3 and ts >= 95 else 0.5)
        if y_agree:
            evidence.append(f"year {cit_y} = {ty}")
            score += 0.22 if a or t_agree else 0.0
        elif ty is not None and cy is not None:
            evidence.append(f"year {ty} <= citing {cy}")
        score = min(score, 0.99)
        if score >= LINK_THRESHOLD:
            scored.append((score, cand, "; ".join(evidence)))
    if not scored:
        return []
    scored.sort(key=lambda s: -s[0])
    top_score, top, _ = scored[0]
    # several links only for copies of one work: same title and creators as the best match
    same = [s for s in scored if top_score - s[0] <= 0.05 and _same_work(s[1], top)]
    if len(same) < len([s for s in scored if top_score - s[0] <= 0.05]):
        return []  # two different held works fit equally well: ambiguous, link none
    return [Match(c.id, round(sc, 3), ev) for sc, c, ev in same]


def _same_work(a: Candidate, b: Candidate) -> bool:
    ta, tb = title_key(a.title or ""), title_key(b.title or "")
    if ta != tb and fuzz.ratio(ta, tb) < 95:
        return False
    ca = {bib.norm_words(x) for x in (*a.authors, a.organization or "") if x}
    cb = {bib.norm_words(x) for x in (*b.authors, b.organization or "") if x}
    return not ca or not cb or bool(ca & cb)


def creator_key(citation: FoundCitation) -> str:
    """Surnames of the cited persons ('kahn+sayers'), or the folded name of a body; '' when none is named."""
    author = citation.author if citation.author and citation.author != citation.title else None
    if not author:
        return ""
    author = re.sub(r"\s*\bet\.?\s*al\.?", "", author).strip(" ,") or author
    if bib.is_person(author) or re.search(r"\s(and|&)\s", author):
        return "+".join(bib.norm_words(bib.surname(p)) for p in bib.person_names(author))
    return bib.norm_words(author)


def _main_title(title: str | None) -> str:
    return title_key(re.split(r":\s|\.\s", title)[0]) if title else ""


def _same_title(a: str, b: str) -> bool:
    """Two cited forms of one title: equal, nearly equal, or one the short form of the other."""
    return a == b or fuzz.ratio(a, b) >= 90 or bool(a and b) and (a.startswith(b) or b.startswith(a))


def external_keys(citations: Sequence[FoundCitation]) -> list[str]:
    """Grouping keys for works outside the archive, decided over all citations together so that one work
    cited in different styles shares a key: '(Hartley 1971, 45)' and 'J. Hartley, Rent and Revolt (London,
    1971), 52' are one work when the creator and year agree -- unless the creator has two different titles
    of that year ('1974a', '1974b'), which then keep their titles apart."""
    info = [(creator_key(c), _year4(c.year), _main_title(c.title)) for c in citations]
    titles: dict[tuple[str, int], list[str]] = {}        # distinct titles per creator and year
    years_of: dict[str, dict[str, set[int]]] = {}        # per creator: the years each title is cited with
    for who, y, t in info:
        if y is not None and t:
            known = titles.setdefault((who, y), [])
            if not any(_same_title(t, k) for k in known):
                known.append(t)
            years_of.setdefault(who, {}).setdefault(t, set()).add(y)
    keys = []
    for who, y, t in info:
        if y is None and t:
            ys = {yy for tt, yset in years_of.get(who, {}).items() if _same_title(t, tt) for yy in yset}
            if len(ys) == 1:
                y = ys.pop()   # 'Hartley, Rent and Revolt, 60': the same title is cited elsewhere with its year
        if y is None:
            keys.append(f"{who}|t:{t}" if t else f"{who}|")
            continue
        known = titles.get((who, y), [])
        if len(known) > 1 and t:
            canon = next((k for k in known if _same_title(t, k)), t)
            keys.append(f"{who}|y:{y}|t:{canon}")
        else:
            keys.append(f"{who}|y:{y}")
    return keys


def external_key(citation: FoundCitation) -> str:
    """Grouping key for one work outside the archive, by itself (external_keys decides over many)."""
    return external_keys([citation])[0]

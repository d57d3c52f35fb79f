"""Joining citations to their reference-list entries and to earlier notes (ibid., op. cit., short forms)."""

from __future__ import annotations

import re

from rapidfuzz import fuzz

from provenance.citations import bibliography as bib
from provenance.citations.grammar import Work


def matches_entry(w: Work, entries: list[dict]) -> bool:
    return bool(entries) and entry_for(w, entries) is not None


def _surnames(name: str) -> list[str]:
    name = re.sub(r"\s*\bet\.?\s*al\.?", "", name).strip(" ,") or name   # 'Price et al.' is led by Price
    if bib.is_person(name) or " and " in name or " & " in name:
        return [bib.norm_words(bib.surname(p)) for p in bib.person_names(name)]
    return [bib.norm_words(name)]


def same_name(a: str, b: str) -> bool:
    sa, sb = _surnames(a), _surnames(b)
    if not sa or not sb:
        return False
    if len(sa) > 1 and len(sb) > 1 and len(sa) == len(sb):
        return all(fuzz.ratio(x, y) >= 88 for x, y in zip(sa, sb))
    if len(sa) == 1 and len(sb) >= 1:
        x, y = sa[0], sb[0]
        if fuzz.ratio(x, y) >= (88 if min(len(x), len(y)) >= 5 else 100):
            return True
        return fuzz.ratio(bib.norm_words(a), bib.norm_words(b)) >= 90
    return fuzz.ratio(bib.norm_words(a), bib.norm_words(b)) >= 90


def entry_for(w: Work, entries: list[dict]) -> int | None:
    """Position in `entries` of the one bibliography entry this work refers to, or None."""
    cands = []
    for i, e in enumerate(entries):
        if w.author and w.author != w.title:
            if e.get("author") and same_name(w.author, e["author"]) or w.author == e.get("abbrev"):
                cands.append(i)
        elif w.title:
            if e.get("title") and fuzz.ratio(bib.norm_words(w.title), bib.norm_words(e["title"])) >= 88:
                cands.append(i)
    if w.year and len(cands) > 1:
        cands = [i for i in cands if entries[i].get("year") == w.year] or cands
    elif w.year:
        cands = [i for i in cands if entries[i].get("year") in (None, w.year)]
    if w.suffix and len(cands) > 1:     # '1971a' and '1971b': two works of one year, told apart by the letter
        cands = [i for i in cands if entries[i].get("year_suffix") == w.suffix]
    if w.title and w.author != w.title and len(cands) > 1:
        t = bib.norm_words(w.title)
        cands = [i for i in cands if entries[i].get("title")
                 and fuzz.partial_ratio(t, bib.norm_words(entries[i]["title"])) >= 85]
    return cands[0] if len(cands) == 1 else None


def link(out: list[dict]) -> None:
    """Join citations to bibliography entries; point ibid./op. cit. back to the earlier citation."""
    entries = [f for f in out if f["kind"] == "bibliography"]
    entry_pos = {id(f): k for k, f in enumerate(out)}
    last_by_kind: dict[str, int] = {}
    for k, f in enumerate(out):
        if f["kind"] == "bibliography":
            continue
        if f.get("ibid"):
            prev = last_by_kind.get(f["kind"])
            if prev is not None:
                f["entry_index"] = prev
                src = out[prev]
                for key in ("author", "title", "year", "place", "publisher"):
                    f[key] = f.get(key) or src.get(key)
            continue
        if f.get("op_cit"):
            named = f.get("author") or _named_in(f.get("context") or "", out[:k], f["kind"])
            for p in range(k - 1, -1, -1):
                g = out[p]
                if g["kind"] == f["kind"] and not g.get("ibid") and not g.get("op_cit") and g.get("author") \
                        and named and same_name(named, g["author"]):
                    f["author"] = f.get("author") or g["author"]
                    f["entry_index"] = p
                    for key in ("title", "year", "place", "publisher"):
                        f[key] = f.get(key) or g.get(key)
                    break
            last_by_kind[f["kind"]] = k
            continue
        last_by_kind[f["kind"]] = k
        target_pos = None
        if f.get("entry_number"):
            # '[12]': the entry the list numbers 12 (the first list after the citation, or the last one)
            numbered = [e for e in entries if e.get("note_number") == f["entry_number"]]
            after = [e for e in numbered if (e["page"], e["start"]) >= (f["page"], f["start"])]
            if numbered:
                target = (after or numbered[-1:])[0]
                f["entry_index"] = entry_pos[id(target)]
                for key in ("author", "title", "year", "place", "publisher"):
                    f[key] = target.get(key)
            continue
        if entries and (f.get("author") or f.get("title")):
            w = Work(author=f.get("author"), title=f.get("title"), year=f.get("year"), suffix=f.get("year_suffix"))
            e = entry_for(w, entries)
            if e is not None:
                target_pos = entry_pos[id(entries[e])]
        if target_pos is None and f["kind"] == "note" and f.get("author"):
            target_pos = _earlier_full_note(out, k)
        if target_pos is not None:
            target = out[target_pos]
            f["entry_index"] = target_pos
            if f.get("author") and f["author"] == target.get("abbrev"):
                f["author"] = target["author"]     # '(LTF, 1979)' cites 'Leeds Tenants' Federation [LTF]'
            for key in ("title", "year", "place", "publisher"):
                if not f.get(key) or key == "title" and target.get("title") and target["kind"] == "note":
                    f[key] = target.get(key) or f.get(key)


def _earlier_full_note(out: list[dict], k: int) -> int | None:
    """A short-form note ('Marchetti, Hard Times, 60') points back to the note that cited the work in full."""
    f = out[k]
    short = bib.norm_words(f.get("title") or "")
    for p in range(k - 1, -1, -1):
        g = out[p]
        if g["kind"] != "note" or g.get("ibid") or g.get("op_cit") or not g.get("author") or not g.get("title"):
            continue
        if g.get("entry_index") is not None and out[g["entry_index"]]["kind"] == "note":
            continue
        if not same_name(f["author"], g["author"]) or f.get("year") and g.get("year") and f["year"] != g["year"]:
            continue   # another author, or another of the author's works ('Hartley 1975, 12' after a 1971 book)
        full = bib.norm_words(g["title"])
        if not short or full.startswith(short) or fuzz.partial_ratio(short, full) >= 90:
            return p
    return None


def _named_in(context: str, earlier: list[dict], kind: str) -> str | None:
    """For a bare 'Op. cit.': the author of an earlier citation whom the calling sentence names last."""
    best, best_pos = None, -1
    for g in earlier:
        if g["kind"] != kind or g.get("ibid") or g.get("op_cit") or not g.get("author"):
            continue
        for sn in _surnames(g["author"]):
            hits = [m.start() for m in re.finditer(rf"\b{re.escape(sn)}\b", bib.fold(context))]
            if hits and hits[-1] > best_pos:
                best, best_pos = g["author"], hits[-1]
    return best

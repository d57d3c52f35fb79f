"""The reference-list sections (Works Cited, References) of a document, read line by line, and their entries."""

from __future__ import annotations

import re

from provenance.citations import bibliography as bib
from provenance.text import Line, is_notes_heading, is_works_cited_heading


def join_lines(ls: list[Line], first_offset: int = 0) -> tuple[int, int, str]:
    """Start, end (on the first line's page) and joined raw text of a run of lines."""
    first = ls[0]
    start = first.start + first_offset
    same = [ln for ln in ls if ln.page == first.page]
    end = same[-1].end
    text = "\n".join([ls[0].text[first_offset:]] + [ln.text for ln in ls[1:]])
    return start, end, bib.clean_spaces(text)


_LABEL_RE = re.compile(r"^\s*(?:\[(?P<b>\d{1,3})\]|(?P<d>\d{1,3})\.)\s+(?=\S)")


def numbered_groups(region: list[Line]) -> list[tuple[str, int, list[Line]]] | None:
    """A numbered list ('[1] ...' or '1. ...', numbers running on from 1): [(number, label length, lines)]."""
    first = next((ln for ln in region if ln.text.strip()), None)
    m = _LABEL_RE.match(first.text) if first else None
    if not m or (m.group("b") or m.group("d")) != "1":
        return None
    bracket = m.group("b") is not None
    groups: list[tuple[str, int, list[Line]]] = []
    for ln in region:
        if not ln.text.strip():
            continue
        lm = _LABEL_RE.match(ln.text)
        num = (lm.group("b") if bracket else lm.group("d")) if lm else None
        if num is not None and int(num) == int(groups[-1][0] if groups else 0) + 1:
            groups.append((num, lm.end(), [ln]))
        elif groups and len(groups[-1][2]) < 5:
            groups[-1][2].append(ln)   # the entry runs on (hanging indents are often lost)
        else:
            break
    return groups


def _settle_places(entries: list[dict]) -> None:
    """In a list that prints 'Place: Publisher, Year', a lone 'Sheffield, 1947' names the place, not a publisher."""
    with_pub = [e for e in entries if e.get("publisher")]
    placed = [e for e in with_pub if e.get("place")]
    if not placed or 2 * len(placed) < len(with_pub):
        return
    for e in with_pub:
        if not e.get("place") and bib.looks_like_place(e["publisher"]):
            e["place"], e["publisher"] = e["publisher"], None


def bibliography_entries(page_lines: list[list[Line]], pnum: list[int | None],
                         excluded: list[list[tuple[int, int]]]) -> list[dict]:
    """Entries of every reference list (a heading, then entries until prose, a footer or another heading)."""
    entries: list[dict] = []
    flat: list[Line] = [ln for pi, ls in enumerate(page_lines) for li, ln in enumerate(ls) if li != pnum[pi]]
    i = 0
    while i < len(flat):
        if not is_works_cited_heading(flat[i].text):
            i += 1
            continue
        j = i + 1
        while j < len(flat) and not is_works_cited_heading(flat[j].text) and not is_notes_heading(flat[j].text):
            j += 1
        region = flat[i + 1:j]
        before = len(entries)
        numbered = numbered_groups(region)
        if numbered and bib.reads_as_notes([join_lines(ls, off)[2] for _, off, ls in numbered]):
            i = j      # endnotes under a 'References' heading: the notes finder reads them
            continue
        last_end = _numbered_entries(region, i, entries) if numbered else _unnumbered_entries(region, i, entries)
        _settle_places(entries[before:])
        if len(entries) > before:
            first = flat[i]
            page_text = "\n".join(line.text for line in page_lines[first.page])
            excluded[first.page].append((first.start, len(page_text)))
            if last_end is not None and last_end.page != first.page:
                for p in range(first.page + 1, last_end.page + 1):
                    excluded[p].append((0, last_end.end if p == last_end.page else 10 ** 9))
        i = j
    return entries


def _entry(ls: list[Line], section: int, author_of_dash: str | None = None, *, label: str | None = None,
           offset: int = 0) -> dict:
    start, end, raw = join_lines(ls, offset)
    dash = bib.SAME_AUTHOR_RE.match(raw)
    # a same-author dash stands for the previous entry's author: parse the entry as if it were printed
    text = author_of_dash.rstrip(".") + ". " + raw[dash.end():] if dash and author_of_dash else raw
    pw = bib.parse_entry(text, numbered=label is not None)
    sm = re.search(rf"\b{pw.year}(?P<s>[a-z])\b", raw) if pw.year else None
    author = author_of_dash if dash and author_of_dash else pw.author
    # 'Leeds Tenants' Federation [LTF]': the short form the text cites the body by
    am = re.search(r"\s*[\[(](?P<ab>[A-Z][A-Z&.]{1,9})[\])]$", author or "")
    if am:
        author = author[:am.start()].strip() or author
    return dict(page=ls[0].page, start=start, end=end, raw=raw, kind="bibliography", abbrev=am and am.group("ab"),
                author=author, title=pw.title, year=pw.year,
                locator=pw.locator, place=pw.place, publisher=pw.publisher, section=section, note_number=label,
                year_suffix=sm.group("s") if sm else None)


def _numbered_entries(region: list[Line], section: int, entries: list[dict]) -> Line | None:
    last_end = None
    for num, offset, ls in numbered_groups(region) or []:
        e = _entry(ls, section, label=num, offset=offset)
        if not bib.looks_like_entry(e["raw"], numbered=True):
            break
        entries.append(e)
        last_end = ls[-1]
    return last_end


def _unnumbered_entries(region: list[Line], section: int, entries: list[dict]) -> Line | None:
    groups = bib.split_entries([ln.text for ln in region], [ln.text[:1] in " \t" for ln in region])
    misses = 0
    last_end: Line | None = None
    pending: list[Line] | None = None   # opens like an entry but has no date yet
    for g in groups:
        ls = [region[k] for k in g]
        raw = join_lines(ls)[2]
        dash = bib.SAME_AUTHOR_RE.match(raw) is not None
        if pending is not None and len(bib.segments(raw)) == 1 and bib.looks_like_entry(raw) \
                and not bib.parse_entry(raw).title:
            # 'Kemp, Doris. Papers of the People.' then 'West Riding Community Press, 1990.': the imprint
            ls = pending + ls
            raw = join_lines(ls)[2]
        elif not dash and not bib.starts_like_entry(raw):
            if not bib.continues_entry(raw):
                break  # prose, a colophon or a footer: the list has ended
            if pending is not None:                # 'Title.' then 'Boston: Press, 1988.' on the next line
                ls = pending + ls
                raw = join_lines(ls)[2]
            elif entries and entries[-1]["section"] == section:
                _extend_entry(entries[-1], ls, raw)
                last_end = ls[-1]
                continue
            else:
                break
        pending = None
        if not dash and not bib.looks_like_entry(raw):
            misses += 1
            if misses >= 2:
                break
            pending = ls
            continue
        misses = 0
        prev = entries[-1]["author"] if entries and entries[-1]["section"] == section else None
        entries.append(_entry(ls, section, prev))
        last_end = ls[-1]
    return last_end


def _extend_entry(entry: dict, ls: list[Line], raw: str) -> None:
    entry["raw"] = entry["raw"] + " " + raw
    if ls[0].page == entry["page"]:
        entry["end"] = [ln for ln in ls if ln.page == entry["page"]][-1].end
    pw = bib.parse_entry(entry["raw"])
    for key in ("title", "year", "place", "publisher", "locator"):
        entry[key] = getattr(pw, key)

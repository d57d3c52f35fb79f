"""Page lines, page numbers and the reference-list sections (Works Cited, References) of a document."""

from __future__ import annotations

import re
from dataclasses import dataclass

from provenance import bibliography as bib

_PAGE_NUMBER_RE = re.compile(r"^\W{0,3}(?:\d{1,4}|[ivxlcdm]{1,7})\W{0,3}$", re.I)


@dataclass
class Line:
    """One printed line of a page, with its character offsets in the page text."""

    page: int   # 0-based
    start: int
    end: int
    text: str


def lines_of(text: str, page: int) -> list[Line]:
    """The page's lines with their offsets (page is 0-based)."""
    out, pos = [], 0
    for raw in text.split("\n"):
        out.append(Line(page, pos, pos + len(raw), raw))
        pos += len(raw) + 1
    return out


def page_number_line(lines: list[Line]) -> int | None:
    """Index of the page number when it is the page's last printed line."""
    for i in range(len(lines) - 1, -1, -1):
        if lines[i].text.strip():
            return i if _PAGE_NUMBER_RE.match(lines[i].text.strip()) else None
    return None


def join_lines(ls: list[Line], first_offset: int = 0) -> tuple[int, int, str]:
    """Start, end (on the first line's page) and joined raw text of a run of lines."""
    first = ls[0]
    start = first.start + first_offset
    same = [ln for ln in ls if ln.page == first.page]
    end = same[-1].end
    text = "\n".join([ls[0].text[first_offset:]] + [ln.text for ln in ls[1:]])
    return start, end, bib.clean_spaces(text)


def bibliography_entries(page_lines: list[list[Line]], pnum: list[int | None],
                          excluded: list[list[tuple[int, int]]]) -> list[dict]:
    entries: list[dict] = []
    flat: list[Line] = [ln for pi, ls in enumerate(page_lines) for li, ln in enumerate(ls) if li != pnum[pi]]
    i = 0
    while i < len(flat):
        if not bib.is_heading(flat[i].text):
            i += 1
            continue
        j = i + 1
        while j < len(flat) and not bib.is_heading(flat[j].text) and not bib.NOTES_HEADING_RE.match(flat[j].text):
            j += 1
        region = flat[i + 1:j]
        groups = bib.split_entries([ln.text for ln in region],
                                   [ln.text[:1] in " \t" for ln in region])
        misses = 0
        last_end: Line | None = None
        pending: list[Line] | None = None   # opens like an entry but has no date yet
        for g in groups:
            ls = [region[k] for k in g]
            start, end, raw = join_lines(ls)
            dash = raw.startswith(("—", "--", "__"))
            if not dash and not bib.starts_like_entry(raw):
                if not bib.continues_entry(raw):
                    break  # prose, a colophon or a footer: the list has ended
                if pending is not None:                # 'Title.' then 'Boston: Press, 1988.' on the next line
                    ls = pending + ls
                    start, end, raw = join_lines(ls)
                elif entries and entries[-1]["section"] == i:
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
            pw = bib.parse_entry(raw)
            author = entries[-1]["author"] if dash and entries else pw.author
            entries.append(dict(page=ls[0].page, start=start, end=end, raw=raw, kind="bibliography",
                                author=author, title=pw.title, year=pw.year, locator=pw.locator,
                                place=pw.place, publisher=pw.publisher, section=i))
            last_end = ls[-1]
        if entries and entries[-1]["section"] == i:
            first = flat[i]
            excluded[first.page].append((first.start, len("\n".join(l.text for l in page_lines[first.page]))))
            if last_end is not None and last_end.page != first.page:
                for p in range(first.page + 1, last_end.page + 1):
                    excluded[p].append((0, last_end.end if p == last_end.page else 10 ** 9))
        i = j
    return entries


def _extend_entry(entry: dict, ls: list[Line], raw: str) -> None:
    entry["raw"] = entry["raw"] + " " + raw
    if ls[0].page == entry["page"]:
        entry["end"] = [ln for ln in ls if ln.page == entry["page"]][-1].end
    pw = bib.parse_entry(entry["raw"])
    for key in ("title", "year", "place", "publisher", "locator"):
        entry[key] = getattr(pw, key)

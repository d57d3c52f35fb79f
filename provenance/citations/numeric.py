"""Numbered citations in brackets ([12], [3, p. 14], [2, 5], [4]-[6]) pointing into a numbered reference list."""

from __future__ import annotations

import re

from provenance.citations import bibliography as bib

_BRACKET_RE = re.compile(r"\[(?P<c>[^\[\]\n]{1,60}(?:\n[^\[\]\n]{1,40})?)\](?:\s*[-–]\s*\[(?P<to>\d{1,3})\])?")
_NUMBERS_RE = re.compile(r"^(?P<n>\d{1,3}(?:\s*[-–]\s*\d{1,3})?(?:\s*,\s*\d{1,3}(?:\s*[-–]\s*\d{1,3})?)*)"
                         r"(?:\s*,\s*(?P<loc>(?:pp?|ch|chap|sec|fig|para|vol|n)\.\s*[\dIVXLCivxlc]+(?:\s*[-–]\s*\d+)?"
                         r"|pages?\s+\d+(?:\s*[-–]\s*\d+)?))?$")


def _expand(spec: str) -> list[int]:
    """'2, 5-7' -> [2, 5, 6, 7]; [] for a backward or implausibly long range."""
    out: list[int] = []
    for part in re.split(r"\s*,\s*", spec):
        m = re.fullmatch(r"(\d+)(?:\s*[-–]\s*(\d+))?", part)
        lo = int(m.group(1))
        hi = int(m.group(2)) if m.group(2) else lo
        if hi < lo or hi - lo > 20:
            return []
        out.extend(range(lo, hi + 1))
    return out


def bracket_citations(text: str, excluded: list[tuple[int, int]], numbers: set[str]) -> list[dict]:
    """Each work a bracket in the body cites, as found-citation fields with the reference number to join;
    a bracket counts only when every number in it is a number of the list ('[1979]', '[sic]' do not)."""
    out = []
    for m in _BRACKET_RE.finditer(text):
        if any(a <= m.start() < b for a, b in excluded):
            continue
        nm = _NUMBERS_RE.match(bib.clean_spaces(m.group("c")))
        if not nm:
            continue
        nums = _expand(nm.group("n"))
        if m.group("to"):
            if len(nums) != 1 or int(m.group("to")) <= nums[0]:
                continue
            nums = list(range(nums[0], int(m.group("to")) + 1))
        if not nums or any(str(n) not in numbers for n in nums):
            continue
        raw = bib.clean_spaces(m.group(0))
        for n in nums:
            out.append(dict(start=m.start(), end=m.end(), raw=raw, author=None, title=None, year=None,
                            locator=nm.group("loc"), entry_number=str(n), kind="in-text"))
    return out

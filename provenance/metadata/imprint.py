"""Publication statements: imprint and colophon lines ("Published by ...", "Printed for ... by ..."), copyright."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from provenance.metadata.dates import ParsedDate, find_dates
from provenance.metadata.words import body_name_like, is_place, is_press, split_people


@dataclass
class Part:
    """A piece of a statement: its text and span relative to the statement's start."""

    text: str
    start: int
    end: int


@dataclass
class Statement:
    """What one imprint, colophon or copyright statement says."""

    kind: str                        # "imprint" | "copyright"
    verb: str                        # "published", "issued", "printed", "printed for", "copyright" ...
    agent: Part | None = None        # the body named as publishing or issuing
    sponsor: Part | None = None      # "Published for X by Y": X
    printer: Part | None = None
    place: Part | None = None
    date: tuple[ParsedDate, int, int] | None = None
    undated: bool = False            # "n.d." stated
    people: list[str] = field(default_factory=list)   # personal copyright holders
    complete: bool = True            # every segment of the statement was understood
    first: bool = False              # "First published ...": the date of the first edition, not of this copy
    edition: str | None = None       # "Second edition, revised": the edition the statement dates


# A publication verb at the start of a statement or a segment of a line, as OCR may misread it
# ("Pub1ished", "lssued", "Printcd").
_PUB, _PRINT, _ISSUE = r"pub[l1I|]i[s5]h[ec]d", r"pr[i1l|]nt[ec]d", r"(?<![a-z])[iIl1|]ssu[ec]d"
VERB_RE = re.compile(
    r"(?P<verb>(?:(?:first|originally)\s+)?(?:(?:written|compiled|edited|designed|typeset|researched|prepared)"
    rf"(?:,\s*\w+)?\s+and\s+)?(?:{_PUB}|{_ISSUE}|{_PRINT}|produced|re{_PRINT}|reissued|distributed|promoted|"
    rf"publication)(?:\s+and\s+(?:{_PUB}|{_PRINT}|{_ISSUE}|distributed|promoted))?)"
    r"(?:\s+(?:monthly|quarterly|weekly|annually|bi-?monthly|fortnightly|twice\s+a\s+year))?\b",
    re.I)
COPY_RE = re.compile(r"(?:(?:©|\(c\))\s*Copyright|©|\(c\)|Copyright\s*(?:©|\(c\))?|Copr\.|"
                      r"@(?=\s*(?:1[4-9]|20)\d\d))\s*", re.I)
# A line that opens a statement of responsibility or publication ("Published by ...", "(c) 1979", "by X"):
# in a title block it is a statement, however much it reads like prose.
STATEMENT_START_RE = re.compile(r"^\W{0,3}(?:©|\(c\)|copyright|published|issued|printed|produced|"
                                r"(?:\w+\s+)?by\s+[A-Z])", re.I)
_RIGHTS_RE = re.compile(r"[.,;]?\s*(?:All\s+rights\s+reserved|Some\s+rights\s+reserved|Reproduction\s+.*|"
                        r"Permission\s+.*|Licensed\s+.*)\.?\s*$", re.I)
# Edition and impression statements: "Second edition, revised", "Third impression", "Reprinted".
EDITION_RE = re.compile(
    r"(?P<ed>(?:(?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|new|revised|enlarged|"
    r"popular|cheap|\d{1,2}(?:st|nd|rd|th))\s+(?:(?:and|revised|enlarged|popular)\s+){0,2}"
    r"(?:edition|impression|printing|reprint)|reprint(?:ed)?|re-?issued?)(?:,?\s+(?:revised|enlarged|"
    r"corrected|revised\s+and\s+enlarged))?)\b", re.I)
# A line's parts: set off by · | or dashes, by a wide gap (OCR keeps the spaces between parts of a
# masthead line set apart), or sentences that start a new statement
# ("First published 1931. Reprinted 1947.").
_SEGMENT_SPLIT = re.compile(r"\s+[·•|]\s+|\s+[—–]\s+|[ \t]{3,}|\s+-\s+(?=[A-Z(©])|(?<=[a-z\d]\.)\s+"
                            r"(?=(?:(?:First|Originally)\s+)?(?:Published|Printed|Issued|Reprinted|Re-?issued|©|"
                            r"Copyright\b)|(?:[A-Z]\w+\s+){1,2}(?:[Ee]dition|[Ii]mpression|[Pp]rinting)\b)")


def segments(text: str) -> list[Part]:
    """A line cut at its visual separators (·, •, |, spaced dashes) into parts with offsets."""
    parts: list[Part] = []
    pos = 0
    for m in _SEGMENT_SPLIT.finditer(text):
        parts.append(Part(text[pos:m.start()], pos, m.start()))
        pos = m.end()
    parts.append(Part(text[pos:], pos, len(text)))
    return [p for p in parts if p.text.strip()]


def _strip_the(text: str, start: int) -> tuple[str, int]:
    m = re.match(r"(?:the|The|THE)\s+", text)
    if m:
        return text[m.end():], start + m.end()
    return text, start


def _trim(text: str, start: int) -> Part:
    """Trim spaces and closing punctuation from a piece, keeping its offsets right."""
    lead = len(text) - len(text.lstrip(" ,;:"))
    t = text.strip(" ,;:")
    t = t.rstrip(".") if not re.search(r"\b(?:[A-Z]|Ltd|Inc|Co|St)\.$", t) else t
    return Part(t, start + lead, start + lead + len(t))


def _comma_parts(rest: str, base: int) -> list[Part]:
    """Cut at commas, except commas inside a date ('12th March, 1985', 'March 4, 1902')."""
    protected = [(s, e) for _, s, e in find_dates(rest)]
    pieces: list[Part] = []
    pos = 0
    for m in re.finditer(r",\s*", rest):
        if any(s <= m.start() < e for s, e in protected):
            continue
        pieces.append(Part(rest[pos:m.start()], base + pos, base + m.start()))
        pos = m.end()
    pieces.append(Part(rest[pos:], base + pos, base + len(rest)))
    return pieces


def _agent_and_rest(rest: str, base: int) -> tuple[Part | None, list[Part]]:
    """Split 'the X Society, Riverside, October 1952' into the agent and the trailing comma parts."""
    pieces = _comma_parts(rest, base)
    if not pieces or not pieces[0].text.strip():
        return None, pieces
    agent = pieces[0]
    i = 1
    # A body named through its parent: "Department of Special Collections, Harwick University Library".
    while i < len(pieces) and body_name_like(pieces[i].text) and not find_dates(pieces[i].text):
        agent = Part(rest[agent.start - base:pieces[i].end - base], agent.start, pieces[i].end)
        i += 1
    return agent, pieces[i:]


_POSTAL_PLACE_RE = re.compile(r"^([A-Z][\w'’. -]*?),?\s+(?:[A-Z]{1,2}\d{1,2}[A-Z]?(?:\s+\d[A-Z]{2})?|\d{1,2}|"
                              r"(?:[A-Z]{2}\s+)?\d{5}(?:-\d{4})?)$")
_STREET_RE = re.compile(r"^(?:\d+[A-Za-z]?\s+\S.*|.*\b(?:P\.?\s?O\.?\s+Box|Street|Road|Avenue|Lane|Square)\b.*"
                        r"|.*\b[A-Z]{1,2}\d{1,2}[A-Z]?\s+\d[A-Z]{2}\b.*)$", re.I)


# A four-character token where a year stands, with a letter or sign OCR put for a digit ("1Q74", "19?1").
_GARBLED_YEAR_RE = re.compile(r"[12lI][0-9A-Za-z?]{3}")


def _read_tail(st: Statement, tail: list[Part]) -> None:
    """Place and date from the parts after the agent; flag the statement incomplete on anything else."""
    for piece in tail:
        t = piece.text.strip()
        if not t:
            continue
        t_clean = _RIGHTS_RE.sub("", t)
        if not t_clean.strip():
            continue
        dates = find_dates(t_clean)
        reprints = st.verb.startswith(("reprinted", "reissued"))
        if dates:
            # "Reprinted 1947, 1952 and 1960": this copy is of the last impression named.
            pd, s, e = max(dates, key=lambda d: d[0].year or 0) if reprints else dates[0]
            lead = len(piece.text) - len(piece.text.lstrip())
            if pd.undated:
                st.undated = True
            elif st.date is None or (reprints and pd.year > st.date[0].year):
                st.date = (pd, piece.start + lead + s, piece.start + lead + e)
            left = t_clean
            for _, ds, de in sorted(dates if reprints else [(pd, s, e)], key=lambda d: -d[1]):
                left = left[:ds] + left[de:]
            left = re.sub(r"^(?:\s*(?:and|&)\s*)+|(?:\s*(?:and|&)\s*)+$", "", left.strip(" .,;[]")) if reprints \
                else left.strip(" .,;[]")
            if left and st.place is None and is_place(left):
                p = t.find(left)
                st.place = _trim(left, piece.start + lead + p)
            elif left and not re.fullmatch(r"(?:in|on|the|dated)(?:\s+(?:in|on|the))*", left, re.I):
                st.complete = False
            continue
        if st.place is None and is_place(t):
            lead = len(piece.text) - len(piece.text.lstrip())
            st.place = _trim(t, piece.start + lead)
            continue
        pm = _POSTAL_PLACE_RE.match(t.rstrip("."))
        if pm and is_place(pm.group(1)):
            # "Leeds LS7 3AP", "Leeds 7", "Chicago, Illinois 60601": the town before its postal code.
            if st.place is None:
                lead = len(piece.text) - len(piece.text.lstrip())
                st.place = _trim(pm.group(1), piece.start + lead)
            continue
        if _STREET_RE.match(t.rstrip(".")):
            continue                     # a street address: understood, but not a place of publication
        if piece is tail[-1] and _GARBLED_YEAR_RE.fullmatch(t.rstrip(".")) and sum(ch.isdigit() for ch in t) >= 2:
            continue                     # "1Q74": a year OCR could not read; the statement stands without a date
        st.complete = False


def _cut_date(rest: str) -> tuple[str, tuple[ParsedDate, int, int] | None]:
    """Take a date that is not set off by a comma off the end of an agent: 'the X on the third of
    March, 1971', 'the X [c. 1979]', 'the X in 1988'. Returns the text left and the date."""
    found = find_dates(rest)
    if not found:
        return rest, None
    pd, s, e = found[-1]
    tail = rest[e:]
    if tail.strip(" .,;])") and not tail.lstrip(" ])").startswith(","):
        return rest, None
    pre = rest[:s]
    m = re.search(r"(?:,?\s*(?:on|in|dated)?(?:\s+the)?\s*\[?\s*)$", pre)
    head = pre[:m.start()] if m else pre
    if "," in head and not head.rstrip().endswith(","):
        # "X, Riverside, October 1952": the comma parts are read by _read_tail.
        return rest, None
    return head.rstrip(" ,["), (pd, s, e)


def _canon_verb(verb: str) -> str:
    """The verb as printed, lower case and spelled right: 'Pub1ished' -> 'published'."""
    verb = re.sub(r"\s+", " ", verb.lower())
    for wrong, right in ((_PUB, "published"), (_PRINT, "printed"), (_ISSUE, "issued")):
        verb = re.sub(wrong, right, verb, flags=re.I)
    return verb


def parse_imprint(text: str) -> Statement | None:
    """Parse one imprint segment that starts with a publication verb, or PLACE: PUBLISHER, DATE."""
    m = VERB_RE.match(text)
    if not m:
        return _parse_edition(text) or _parse_place_colon(text)
    verb = _canon_verb(m.group("verb"))
    first = bool(re.match(r"(?:first|originally)\s", verb))
    verb = re.sub(r"^(?:first|originally)\s+", "", verb)
    # "Written and published by X": X wrote it as well as published it.
    wrote = re.match(r"(?:written|compiled|edited|researched|prepared)\b", verb) is not None
    verb = re.sub(r"^(?:written|compiled|edited|designed|typeset|researched|prepared)(?:,\s*\w+)?\s+and\s+", "", verb)
    st = Statement("imprint", verb, first=first,
                   edition=m.group("verb") if verb.startswith(("reprinted", "reissued")) else None)
    rest = text[m.end():]
    base = m.end()
    # "Published in Boston by X" / "Published in 1988 by X"
    # Statements set in capitals ("PUBLISHED BY THE X") read alike: the small words match in any case.
    if re.match(r"\s+(?i:from)\s", rest) and verb.startswith(("reprinted", "reissued")):
        st.complete = False
        return st                    # "Reprinted from the Weekly Citizen, 1931": the date is the source's
    pm = re.match(r"\s+(?i:in)\s+([A-Z][\w .'-]*?)(?=\s+(?i:by)\b|,|\s+(?i:in)\b|$)", rest)
    if pm and is_place(pm.group(1)):
        st.place = _trim(pm.group(1), base + pm.start(1))
        base += pm.end()
        rest = rest[pm.end():]
    # "Published in 1998 by X", "Issued on 3 March 1971 by X": a date straight after the verb.
    dm = re.match(r"\s+(?i:in|on)?\s*", rest)
    lead_dates = find_dates(rest)
    if lead_dates and lead_dates[0][1] == dm.end() and re.match(r"[\s,]+(?i:by|for)\s", rest[lead_dates[0][2]:]):
        pd, s, e = lead_dates[0]
        if not pd.undated:
            st.date = (pd, base + s, base + e)
        after = rest[e:]
        rest = after.lstrip(",")
        base += e + len(after) - len(rest)
    fm = re.match(r"\s+(?i:for)\s+(.+?)\s+(?i:by)\s+", rest)
    if fm:
        sponsor_text, s0 = _strip_the(fm.group(1), base + fm.start(1))
        st.sponsor = _trim(sponsor_text, s0)
        base += fm.end()
        rest = rest[fm.end():]
        agent_text, s0 = _strip_the(rest, base)
        agent, tail = _agent_and_rest(agent_text, s0)
        if verb.startswith("printed") and "publish" not in verb:
            st.printer = _trim(agent.text, agent.start) if agent else None
        else:
            st.agent = _trim(agent.text, agent.start) if agent else None
        _read_tail(st, tail)
        return st
    bm = re.match(r"\s+(?i:by|for)\s+", rest)
    if bm:
        by_for = "for" if bm.group().strip().lower() == "for" else "by"
        base += bm.end()
        rest = rest[bm.end():]
        rest, cut_date = _cut_date(rest)
        if cut_date is not None:
            pd, s, e = cut_date
            if pd.undated:
                st.undated = True
            else:
                st.date = (pd, base + s, base + e)
        agent_text, s0 = _strip_the(rest, base)
        agent, tail = _agent_and_rest(agent_text, s0)
        if agent is not None and by_for == "by":
            agent = _split_for(st, agent)
            if wrote and split_people(agent.text):
                st.people = split_people(agent.text)
        if agent is not None:
            # "... by the X in Boston": cut a trailing 'in PLACE' off the agent.
            im = re.search(r"\s+(?i:in|at)\s+([A-Z][\w .'-]*)$", agent.text)
            if im and is_place(im.group(1)) and st.place is None:
                st.place = _trim(im.group(1), agent.start + im.start(1))
                agent = Part(agent.text[:im.start()], agent.start, agent.start + im.start())
            part = _trim(agent.text, agent.start)
            if verb.startswith("printed") and "publish" not in verb and by_for == "by":
                st.printer = part
            elif by_for == "for":
                st.verb = verb + " for"
                st.sponsor = part
            else:
                st.agent = part
        _read_tail(st, tail)
        return st
    # "Published 12 March 2015", "Published in 1988", "Published October 1952, Riverside"
    _read_tail(st, _comma_parts(rest, base) if rest.strip() else [])
    if st.date is None and st.place is None:
        return None
    return st


def _split_for(st: Statement, agent: Part) -> Part:
    """'Printed by the Falcon Press for the Millbrook Library Committee': the body after 'for' is the
    one the work was made for. Split only between two whole names, so that 'Center for Vernacular
    Print Research' stays one."""
    m = re.search(r"\s+(?i:for|on\s+behalf\s+of)\s+(?:(?i:the)\s+)?", agent.text)
    if not m:
        return agent
    head, tail = agent.text[:m.start()], agent.text[m.end():]
    # "Promoted by J. Smith on behalf of the Leeds Labour Party": an agent acting for a body.
    behalf = "behalf" in m.group().lower()
    if not (body_name_like(head) or is_press(head) or (behalf and split_people(head))) \
            or not body_name_like(tail.rstrip(" .")):
        return agent
    st.sponsor = _trim(tail, agent.start + m.end())
    if not st.verb.endswith(" for"):
        st.verb += " for"
    return Part(head, agent.start, agent.start + len(head))


def _parse_edition(text: str) -> Statement | None:
    """'Second edition, revised, 1956', 'Reprinted 1947', 'Third impression, London, 1950'."""
    m = EDITION_RE.match(text)
    if not m:
        return None
    ed = m.group("ed")
    st = Statement("imprint", "reprinted" if re.match(r"re", ed, re.I) else "edition", edition=ed,
                   first=bool(re.match(r"first|1st", ed, re.I)))
    rest = text[m.end():]
    pm = re.match(r"[\s,]*(?:published|issued|printed)?\s*", rest, re.I)
    _read_tail(st, _comma_parts(rest[pm.end():], m.end() + pm.end()))
    if st.date is None:
        return None
    return st


def _parse_place_colon(text: str) -> Statement | None:
    """'London: Lawrence & Wishart, 1938' — the bibliographic imprint order."""
    m = re.match(r"(?P<place>[A-Z][\w .'-]{1,40}?):\s+(?P<rest>.+)$", text)
    if not m or not is_place(m.group("place")):
        return None
    st = Statement("imprint", "published")
    st.place = _trim(m.group("place"), 0)
    agent_text, s0 = _strip_the(m.group("rest"), m.start("rest"))
    agent, tail = _agent_and_rest(agent_text, s0)
    if agent is None or not (body_name_like(agent.text) or is_press(agent.text)
                             or re.search(r"\s&\s|\b(?:Ltd|Inc|Co)\.?$", agent.text)):
        return None
    st.agent = _trim(agent.text, agent.start)
    _read_tail(st, tail)
    if st.date is None:
        return None
    return st


def parse_copyright(text: str) -> Statement | None:
    """'© 2011 Center for Vernacular Print Research. All rights reserved.', '© J. R. Pelham 1994'."""
    m = COPY_RE.match(text)
    if not m:
        return None
    st = Statement("copyright", "copyright")
    rest = text[m.end():]
    base = m.end()
    cut = _RIGHTS_RE.search(rest)
    if cut:
        rest = rest[:cut.start()]
    dates = find_dates(rest)
    hs, he = 0, len(rest)
    if dates:
        pd, s, e = dates[0]
        if pd.undated:
            st.undated = True
        else:
            st.date = (pd, base + s, base + e)
        if not rest[:s].strip(" ,.;:"):     # "© 2011 Holder"
            hs = e
        else:                               # "© Holder 2011" / "© Holder, 2011"
            he = s
    seg = rest[hs:he]
    bm = re.match(r"[\s,.;:]*(?:by\s+)?(?:the\s+)?", seg, re.I)
    lead = bm.end() if bm else 0
    holder = _trim(seg[lead:], base + hs + lead)
    if holder.text:
        if body_name_like(holder.text) or is_press(holder.text):
            st.agent = holder
        else:
            people = split_people(holder.text)
            if people:
                st.people = people
                st.sponsor = holder
    if st.date is None and st.agent is None and not st.people:
        return None
    return st


def find_statements(text: str) -> list[tuple[Statement, int]]:
    """Every publication statement in one line, with the offset of the segment it was read from."""
    out: list[tuple[Statement, int]] = []
    for seg in segments(text):
        lead = len(seg.text) - len(seg.text.lstrip())
        s = seg.text.strip()
        # A statement starts a line or a segment with a capital: "... published by the X" in running
        # prose is about some other work.
        if not s or not (s[0].isupper() or s[0] in "©(@" or re.match(r"[l1|]ssu", s)):
            continue
        st = parse_copyright(s) or parse_imprint(s)
        if st is not None:
            out.append((st, seg.start + lead))
    return out

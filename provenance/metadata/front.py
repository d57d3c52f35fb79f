"""The title block of the first page: where it ends, which lines are the title and subtitle, which state things."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from provenance.metadata.imprint import COPY_RE, STATEMENT_START_RE, VERB_RE
from provenance.metadata.lines import (
    ADDRESS_RE,
    BYLINE_START_RE,
    SERIES_WORD_RE,
    HeadLine,
    classify,
    lone_place,
    series_name,
)
from provenance.metadata.typeset import PageType
from provenance.metadata.words import body_name_like, is_press, sentence_like, top_body
from provenance.text import Line

MAX_HEADER_LINES = 16

# "A Guide to ...", "An Appeal ...": a line naming the genre of the work, which the title follows or is.
_GENRE_RE = re.compile(
    r"^(?:A|An)\s+(?:\w+\s+){0,2}(?:Handbook|Guide|History|Study|Catalogue|Catalog|Report|Survey|Reply|"
    r"Statement|Programme|Program|Critique|Manual|Introduction|Collection|Record|Account|Memoir|Appeal|Letter|"
    r"Call|Primer|Proposal|Contribution|Note|Manifesto|Analysis|Discussion|Review|Selection|Bibliography|"
    r"Chronicle|Tribute|Pamphlet|Reader|Commentary|Answer|Defence|Defense|Essay|Lecture|Speech|Address|"
    r"Story|Sketch|Outline|Course|Textbook|Play|Portrait|Celebration|Souvenir)\b")
_CONNECTOR_END = re.compile(r"(?:\b(?:of|and|the|for|in|on|to|a|an|at|with|from|by|or)|[,&:;—–-])$", re.I)


@dataclass
class TitleBlock:
    """The title block of page 1 as found."""

    lines: list[HeadLine]
    title: list[HeadLine]
    subtitle: list[HeadLine]
    letterhead: HeadLine | None
    masthead: bool
    all_lines: list[HeadLine] = field(default_factory=list)   # every line above the text, read or not
    page: int = 1                                             # 1-based page the block is on
    types: PageType | None = None                             # how its lines were set, where the layout is known
    by_type: bool = False                                     # the title was found as the dominant type
    unreadable: bool = False                                  # the title's display type could not be read


def merge_statement_lines(lines: list[Line], page_text: str) -> list[Line]:
    """Join a publication statement printed over two lines ("Published for the X / by the Y Press, 1976")
    into one Line whose span covers both (its text keeps the line break)."""
    out: list[Line] = []
    i = 0
    while i < len(lines):
        ln = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else None
        if nxt is not None and ln.text and nxt.text and nxt.index == ln.index + 1 and ln.text[0].isupper() \
                and (VERB_RE.match(ln.text) or COPY_RE.match(ln.text)) \
                and (re.match(r"(?:by|for|in|and|at)\s", nxt.text)
                     or re.search(r"(?:\b(?:for|by|of|the|and|in)|,)$", ln.text)):
            out.append(Line(ln.page, ln.index, ln.start, nxt.end, page_text[ln.start:nxt.end]))
            i += 2
            continue
        out.append(ln)
        i += 1
    return out


def header_lines(lines: list[Line], page_text: str) -> list[Line]:
    """The lines above the first paragraph of running prose on page 1."""
    content = merge_statement_lines([ln for ln in lines if ln.text], page_text)
    out: list[Line] = []
    for i, ln in enumerate(content):
        if len(out) >= MAX_HEADER_LINES:
            break
        nxt = content[i + 1] if i + 1 < len(content) else None
        if sentence_like(ln.text) and (nxt is None or sentence_like(nxt.text) or len(ln.text) > 60) \
                and not STATEMENT_START_RE.match(ln.text):
            break
        out.append(ln)
    return out



def _joinable(prev: str, nxt: HeadLine, *, wrap_len: int) -> bool:
    """The next line continues the previous one (a wrapped title or subtitle)."""
    if nxt.kind != "text" or nxt.text.startswith("by "):
        return False
    if prev.endswith(":"):
        return False
    if _caps(prev) and _caps(nxt.text) and len(nxt.text.split()) <= 3:
        return True                  # a display title set in capitals over two lines: "THE TENANTS' / VOICE"
    if _CONNECTOR_END.search(prev) or nxt.text[:1].islower():
        return True
    return len(prev) >= wrap_len and len(nxt.text) <= 30 and not re.search(r"[.!?]$", prev)


def _caps(text: str) -> bool:
    return bool(re.search(r"[A-Z]{2}", text)) and not re.search(r"[a-z]", text)


def _above_title(content: list[HeadLine]) -> tuple[int, HeadLine | None]:
    """Where the title starts, past the lines printed above it: series and issue lines, the body a
    series belongs to, a periodical's "Newsletter of the X", a letterhead (a body with its address)."""
    letterhead = None
    i = 0
    while i < len(content):
        h = content[i]
        if h.kind in ("series", "issue", "address", "founded", "note") or (h.kind == "dateline" and (
                letterhead is not None or h.date is None or h.date[0].precision != "year" or h.date[0].season)):
            i += 1
            continue
        nxt = content[i + 1] if i + 1 < len(content) else None
        if h.kind == "organ" and nxt is not None and nxt.kind == "text" and (_caps(nxt.text) or (
                i + 2 < len(content) and content[i + 2].kind in ("issue", "dateline"))):
            i += 1                   # "Newsletter of the X" over the name of the paper: "THE TENANTS' VOICE"
            continue
        if h.kind == "org" and nxt is not None and nxt.kind in ("series", "issue") and i + 2 < len(content) \
                and content[i + 2].kind in ("text", "org"):
            # "Leeds Tenants' Federation / Occasional Paper No. 3 / Title": the body heads its series.
            i += 1
            continue
        if h.kind == "org" and h.body and ADDRESS_RE.search(h.text[h.body[2] - h.start:]):
            h.kind = "letterhead"    # "LEEDS TENANTS' FEDERATION · 21 Chapeltown Road, Leeds 7"
            letterhead = h
            i += 1
            continue
        near = content[i + 1:i + 4]
        if any(x.kind in ("address", "founded") for x in near) and (h.kind == "org" or body_name_like(h.text)) \
                and all(x.kind in ("address", "founded", "note", "org", "series") for x in
                        near[:next(n for n, x in enumerate(near) if x.kind in ("address", "founded")) + 1]):
            if h.body is None:
                h.body = (h.text, h.start, h.end)
            h.kind = "letterhead"
            letterhead = h
            i += 1
            continue
        break
    return i, letterhead


def read_title_block(lines: list[Line], page_text: str, types: PageType | None = None) -> TitleBlock:
    """Classify the title-block lines of page 1 and pick out the title and subtitle lines; where the
    page's layout is known (`types`), the title is the dominant type near the top."""
    heads = _classify_lines(header_lines(lines, page_text), page_text)
    content = [h for h in heads if h.kind != "noise"]
    i, letterhead = _above_title(content)
    by_type = False
    if types is not None:
        j = _dominant(content, i, types)
        if j is not None:
            _set_above(content[i:j])
            i, by_type = j, True
    # A letter: under the letterhead and its date, "To all affiliated associations" is the addressee.
    if letterhead is not None and i < len(content) and re.match(r"To\s", content[i].text) \
            and any(x.kind == "dateline" for x in content[:i]):
        content = content[:i]
    # The block ends at the first section heading or salutation: what follows is the text.
    for k in range(i + 1, len(content)):
        if content[k].kind in ("heading", "salutation"):
            content = content[:k]
            break
    masthead = any(h.kind in ("issue", "organ") for h in content)
    title: list[HeadLine] = []
    subtitle: list[HeadLine] = []
    pos = i
    if i < len(content) and content[i].kind in ("text", "org", "name", "organ"):
        title = [content[i]]
        j = i + 1
        while j < len(content):
            same = _same_type(title[-1], content[j], types)
            if same is False or not _joinable(title[-1].text, content[j], wrap_len=40 if same else 10 ** 6):
                break
            title.append(content[j])
            j += 1
        pos = j
        if j < len(content) and content[j].kind == "text":
            cand = [content[j]]
            k = j + 1
            while k < len(content) and _joinable(cand[-1].text, content[k], wrap_len=40):
                cand.append(content[k])
                k += 1
            nxt = content[k] if k < len(content) else None
            if nxt is not None and nxt.kind == "text" and len(cand) == 1 and len(cand[0].text.split()) <= 4 \
                    and not _GENRE_RE.match(cand[0].text) and not cand[0].text.endswith(":") \
                    and k + 1 < len(content) and content[k + 1].kind in _CORE | _SOFT:
                # "The Case for a Municipal / Printing Works / A Memorandum ...": the short line
                # finishes the title and the next one is the subtitle.
                title.append(cand[0])
                cand = [nxt]
                k += 1
                while k < len(content) and _joinable(cand[-1].text, content[k], wrap_len=40):
                    cand.append(content[k])
                    k += 1
            front_after = k < len(content) and content[k].kind in _CORE | _SOFT
            if front_after or title[-1].text.endswith(":") or _GENRE_RE.match(cand[0].text) \
                    or (not masthead and _set_apart(title, cand, lines)) or _display_subtitle(title, cand, types):
                subtitle = cand
                pos = k
    unreadable = False
    if types is not None:
        title, subtitle, unreadable = _readable(heads, content, i, title, subtitle, types, page_text)
        _run_in_names(content, lines, types, {id(h) for h in title + subtitle})
    _stacked_imprint(content, pos)
    if any(h.event for h in content):
        # "PUBLIC MEETING / 14th October 1982 / Chapeltown Community Centre": below the title of a
        # flyer for an event, a day is the day of the event, not of issue (a letter's date under its
        # letterhead, above the title, stays).
        for h in content[i:]:
            if h.kind == "dateline" and h.date and h.date[0].precision == "day":
                h.date, h.place, h.event = None, None, True
    # A title found as the dominant type is the document's name, not an event line, though it may name
    # one ("Annual Conference"): the body printed over it issues the programme, it is not the venue.
    titled = {id(h) for h in title} if by_type else set()
    for k, h in enumerate(content):
        # "Holbeck Labour Club / Thursday 12th June, 7.30 pm": a body beside an event line is the venue.
        if h.kind == "org" and not h.imprint and any(content[n].event and id(content[n]) not in titled
                                                     for n in (k - 1, k + 1) if 0 <= n < len(content)):
            h.kind, h.body = "venue", None
    front = _front_lines(content, pos, title + subtitle, masthead)
    return TitleBlock(front, title, subtitle, letterhead, masthead, heads, types=types, by_type=by_type,
                      unreadable=unreadable)


# OCR's mean word confidence under which a line of display type is taken as unread, when the page's
# text reads well (Tesseract gives 90+ to clean text and under 50 to letters it guessed).
_UNREAD_CONFIDENCE = 50.0
_WELL_READ = 75.0


def _readable(heads: list[HeadLine], content: list[HeadLine], i: int, title: list[HeadLine],
              subtitle: list[HeadLine], types: PageType, page_text: str
              ) -> tuple[list[HeadLine], list[HeadLine], bool]:
    """A title whose display type OCR could not read is left unread, not given as what OCR guessed
    ("IN@ INEINT IRUSIE"): when its words' confidence is low on a page whose text reads well (unless
    the page's text uses its words: "Save our baths" in the text vouches for "SAVE OUR BATHS"), or
    when the largest type at the top of the page read as specks and the line taken for the title is
    not display type itself (a logo read as specks over a real title leaves it be). A subtitle set in
    display type under it stays; a line at text size is never promoted to a title."""
    confs = [t.confidence for t in types.lines.values() if t.confidence is not None]
    if not confs or sorted(confs)[len(confs) // 2] < _WELL_READ:
        return title, subtitle, False
    tconf = [types.lines[h.line.index].confidence for h in title if h.line.index in types.lines]
    tconf = [x for x in tconf if x is not None]
    if title and tconf and sum(tconf) / len(tconf) < _UNREAD_CONFIDENCE \
            and not _vouched(title, page_text):
        return [], subtitle, True
    first = content[i] if i < len(content) else None
    if first is None or not title:
        return title, subtitle, False
    fsize = types.size(first.line.index)
    for h in heads:
        if h is first or h.line.index > first.line.index:
            break
        t = types.lines.get(h.line.index)
        if h.kind == "noise" and t is not None and t.size >= _DISPLAY_RATIO * types.body_size \
                and (fsize is None or (t.size > 1.2 * fsize and fsize < _DISPLAY_RATIO * types.body_size)):
            keep = fsize is not None and fsize >= 1.12 * types.body_size and not sentence_like(first.text)
            return [], (title if keep and not subtitle else subtitle if keep else []), True
    return title, subtitle, False


# A title is set at least this much larger than the running text, and what stands above it at most
# this fraction of the title's size (a series line, a kicker, the body's name in small capitals).
_DISPLAY_RATIO = 1.3
_SMALLER = 0.8
_TITLE_KINDS = {"text", "org", "name", "organ"}


def _run_in_names(content: list[HeadLine], lines: list[Line], types: PageType, used: set[int]) -> None:
    """A name that opens a paragraph ("Tom Mann / spoke at the Town Hall last night ..."), set in the
    text's size with the next line of prose straight under it, is the text, not a byline."""
    by_index = {ln.index: ln for ln in lines}
    for h in content:
        if h.kind != "name" or id(h) in used:
            continue
        nxt = next((by_index[k] for k in range(h.line.index + 1, h.line.index + 3) if k in by_index
                    and by_index[k].text), None)
        a, b = types.lines.get(h.line.index), types.lines.get(nxt.index) if nxt is not None else None
        if a is None or b is None or not sentence_like(nxt.text):
            continue
        lo, hi = sorted((a.size, b.size))
        gap = b.box[1] - a.box[3]
        if hi <= lo * 1.12 and a.size <= types.body_size * 1.12 and gap < 0.6 * max(a.box[3] - a.box[1], 1):
            h.kind, h.people = "text", []


def _vouched(title: list[HeadLine], page_text: str) -> bool:
    """Most of the title's words (of three letters or more) occur in the rest of the page's text."""
    words = [w.lower() for h in title for w in re.findall(r"[A-Za-z]{3,}", h.text)]
    if not words:
        return False
    rest = (page_text[:title[0].start] + " " + page_text[title[-1].end:]).lower()
    found = {w for w in re.findall(r"[a-z]{3,}", rest)}
    return sum(w in found for w in words) >= 0.5 * len(words)


def _dominant(content: list[HeadLine], i: int, types: PageType) -> int | None:
    """Where the title starts by type: the first line of the largest type among the block's first lines,
    set clearly larger than the text, when it comes after lines set smaller than it (which are then
    above the title, not part of it). None when the type says nothing the wording did not."""
    head = content[:min(len(content), i + 8)]
    sized = [(k, types.size(h.line.index)) for k, h in enumerate(head)]
    sized = [(k, s) for k, s in sized if s is not None]
    if not sized:
        return None
    top = max(s for _, s in sized)
    j = next(k for k, s in sized if s >= top * 0.95)
    if j <= i or top < _DISPLAY_RATIO * types.body_size or content[j].kind not in _TITLE_KINDS:
        return None
    above = [types.size(h.line.index) for h in content[i:j]]
    if any(s is None or s > _SMALLER * top for s in above):
        return None
    if any(h.kind in ("issue", "organ", "dateline", "range") for h in content[i + 1:j]):
        return None     # a periodical's nameplate over its issue line: a larger headline under it is an article's
    return j


def _set_above(above: list[HeadLine]) -> None:
    """Lines set small above the title: a series ("Studies in Local Labour History"), the body that
    issues it (kept as a body line), the author's name (kept as a name line), or a kicker ("Special
    Report"), never part of the title."""
    for h in above:
        if h.kind == "series" or (h.kind == "text" and SERIES_WORD_RE.search(h.text) and len(h.text.split()) <= 10):
            h.kind = "series"
            if h.series is None:
                h.series = series_name(h.text, h.start)
        elif h.kind in ("text", "name", "heading") and body_name_like(h.text.strip(" .")) and not h.people:
            # "CENTRE FOR THE STUDY OF POPULAR PRINT" over the title: the body, whatever its name's words
            # say ("Study of" reads as a title's words where the line might be the title).
            h.kind, h.body = "org", (top_body(h.text.strip(" .")), h.start, h.start + len(h.text.strip(" .")))
        elif h.kind == "name" and h.people:
            continue                    # "MARGARET HOLROYD" over the title, as covers set the author
        elif h.kind in ("text", "name", "heading"):
            h.kind, h.people = "kicker", []


def _same_type(a: HeadLine, b: HeadLine, types: PageType | None) -> bool | None:
    """Two lines set in one size (True), in clearly different sizes (False), or unknown (None)."""
    if types is None:
        return None
    sa, sb = types.size(a.line.index), types.size(b.line.index)
    if sa is None or sb is None:
        return None
    lo, hi = sorted((sa, sb))
    if hi <= lo * 1.12:
        return True
    return False if hi > lo * 1.2 else None


def _display_subtitle(title: list[HeadLine], cand: list[HeadLine], types: PageType | None) -> bool:
    """A line under the title set smaller than the title and larger than the text is its subtitle."""
    if types is None or not title or not cand:
        return False
    st, sc = types.size(title[-1].line.index), types.size(cand[0].line.index)
    if st is None or sc is None:
        return False
    # Set again further down the page, that size is the style of the section headings, not a subtitle.
    below = [t for k, t in types.lines.items() if k > cand[-1].line.index + 1 and abs(t.size - sc) <= 0.05 * sc]
    return sc <= st * 0.85 and sc >= types.body_size * 1.12 and not below \
        and not sentence_like(" ".join(h.text for h in cand))


def _classify_lines(hlines: list[Line], page_text: str) -> list[HeadLine]:
    """Classify each line; a byline that runs on to the next line ("by A, B and / C") is read as one."""
    out: list[HeadLine] = []
    i = 0
    while i < len(hlines):
        ln = hlines[i]
        h = classify(ln, page_text)
        nxt = hlines[i + 1] if i + 1 < len(hlines) else None
        if h.kind != "byline" and nxt is not None and nxt.index == ln.index + 1 and BYLINE_START_RE.match(ln.text):
            both = classify(Line(ln.page, ln.index, ln.start, nxt.end, page_text[ln.start:nxt.end]), page_text)
            if both.kind == "byline":
                out.append(both)
                i += 2
                continue
        out.append(h)
        i += 1
    return out


def _set_apart(title: list[HeadLine], cand: list[HeadLine], lines: list[Line]) -> bool:
    """A line in smaller case straight under a display title in capitals, set off from the text by a
    blank line, is its subtitle ("KNOW YOUR RIGHTS / Free advice on benefits and appeals"). Under a
    title in upper and lower case the same line may be the first section heading ("On Trotskyites /
    Trotskyism is Not Leninism", whose blank line OCR lost), so it is left unread there."""
    after = cand[-1].line.index + 1
    blank_after = after >= len(lines) or not lines[after].text
    text = " ".join(h.text for h in cand)
    return blank_after and cand[0].line.index == title[-1].line.index + 1 and len(text.split()) <= 12 \
        and _caps(" ".join(h.text for h in title)) and not _caps(text) \
        and not re.search(r"[.!?]$", text) and not sentence_like(text)


def _stacked_imprint(content: list[HeadLine], pos: int) -> None:
    """A place alone on a line at the foot of a title page, beside the publisher's name or the date
    ("London / The Workers' Educational Association / 1947"): the place of publication, and the body
    beside it the publisher."""
    for k in range(pos, len(content)):
        h = content[k]
        place = lone_place(h.text) if h.kind == "text" else None
        if place is None:
            continue
        near = [content[n] for n in (k - 1, k + 1) if pos <= n < len(content)]
        names = [x for x in near if x.kind in ("org", "letterhead") or (x.kind == "text" and is_press(x.text))]
        if not names and not any(x.kind in ("imprint", "dateline", "edition") for x in near):
            continue
        h.kind = "place"
        off = h.start + h.text.find(place)
        h.place = (place, off, off + len(place))
        for x in names:
            x.imprint = True
            if x.body is None:
                x.body = (x.text, x.start, x.end)


_CORE = {"byline", "imprint", "dateline", "issue", "range", "series", "letterhead", "address", "organ", "founded",
         "note", "edition", "place"}
_SOFT = {"name", "org"}


def _front_lines(content: list[HeadLine], pos: int, used: list[HeadLine], masthead: bool) -> list[HeadLine]:
    """The lines of the block that state something. The block runs from the title to the first line of
    text or heading; inside it, name and body lines count when a statement line follows them (or when
    the block has no statement line at all), so a name-shaped headline under a masthead is not a
    byline; a body's line after the last statement counts as weaker evidence, except under a masthead.
    Past the block only publication statements and bylines count."""
    used_ids = {id(h) for h in used}
    end = next((k for k in range(pos, len(content)) if content[k].kind in ("text", "heading", "salutation")),
               len(content))
    core_idx = [k for k in range(pos, end) if content[k].kind in _CORE]
    last_core = max(core_idx) if core_idx else -1
    out = []
    for k, h in enumerate(content):
        if id(h) in used_ids:
            continue
        if k >= end:
            # "A Leeds Tenants' Federation pamphlet" just under the block names its body too.
            if h.kind in ("imprint", "byline") or (h.kind == "text" and h.body and k <= end + 1):
                out.append(h)
            continue
        if k >= pos and h.kind in _SOFT and core_idx and k > last_core:
            if h.kind != "org" or masthead:
                continue
            h.trailing = True
        out.append(h)
    return out


def join_text(parts: list[HeadLine]) -> str:
    """Lines of a title joined as one string: a soft hyphen at a line end is closed up."""
    out = ""
    for h in parts:
        t = h.text
        if out.endswith("-") and t[:1].islower():
            out = out[:-1] + t
        else:
            out = (out + " " + t).strip()
    return re.sub(r"\s+", " ", out).strip().rstrip(":;,")

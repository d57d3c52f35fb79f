"""Fields of a footnote or endnote text (Chicago note forms): full, short, ibid. and op. cit. notes."""

from __future__ import annotations

import re

from provenance.citations.entries import ParsedWork, parse_entry, pub_fields, strip_end
from provenance.citations.names import CONNECTORS, ORG_WORDS, YEAR_RE, clean_spaces
from provenance.text import IBID_OPENING_NOTE, OP_CIT, norm_words

_MONTH_NAMES = "jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec"

# 'Ibid.' and what OCR makes of it: 'lbid.', 'ipid,', 'IDid.' (never a word of running text)
_IBID_RE = re.compile(rf"^\s*{IBID_OPENING_NOTE}\.?,*\s*(?P<rest>.*)$", re.I)
_OPCIT_RE = re.compile(rf"\b{OP_CIT}\b\.?,?\s*(?P<rest>.*)$", re.I)
_NOTE_PREFIX_RE = re.compile(r"^(?:see also|see|cf\.|compare|quoted in|qtd\. in|cited in|on this,? see)\s+", re.I)


_DATE_RE = re.compile(r"(?:\d{1,2}\s+)?(?:" + _MONTH_NAMES + r")[a-z]*\.?(?:\s+\d{1,2},?)?\s+(?P<y>" + YEAR_RE + r")",
                      re.I)
# 'For the debate see Ruth Morgan, ...': a discursive opening before the work cited
_SEE_RE = re.compile(r"\b(?:[Ss]ee(?:\s+(?:also|especially|further|generally))?|[Cc]f\.|[Cc]ompare)\s+(?=[A-Z“\"])")
_QUOTED_IN_RE = re.compile(r",?\s+\b(?:quoted|cited|qtd\.?|reprinted)\s+in\s+(?=[A-Z“\"])")
_AUTHOR_DATE_RE = re.compile(r"^(?P<a>[A-Z][\w'’\-]+(?:(?:\s+|,\s+)(?:and|&|et al\.?|[A-Z][\w'’\-.]*))*?)\s*,?\s*"
                             r"\(?(?P<y>" + YEAR_RE + r"[a-z]?|n\.\s?d\.)\)?(?:\s*[,:]\s*(?P<l>[^;()]+?))?\.?$")
_EDS_RE = re.compile(r"\s*\((?:eds?|editors?|comps?)\.?\)(?=,)", re.I)   # 'Carr and Lowe (eds.), The Printing...'


def parse_note(text: str) -> ParsedWork | None:
    """Parse a footnote/endnote text (Chicago note form); None when it cites nothing recognisable."""
    text = clean_spaces(text)
    m = _IBID_RE.match(text)
    if m:
        return ParsedWork(locator=_locator_of(m.group("rest")), ibid=True)
    body = re.sub(r"^(?:and|also|but)\s+", "", _NOTE_PREFIX_RE.sub("", text))
    m = _OPCIT_RE.search(body)
    if m:
        author = strip_end(body[: m.start()])
        if not author and m.start() == 0:
            # a bare 'Op. cit., p. 40.': the text names the author where the note is called
            return ParsedWork(locator=_locator_of(m.group("rest")), op_cit=True)
        if author and len(author) < 80:
            return ParsedWork(author=author, locator=_locator_of(m.group("rest")), op_cit=True)
    body = _EDS_RE.sub("", body)
    qm = _QUOTED_IN_RE.search(body)
    # 'Minutes of ..., 3 May 1937, quoted in Hartley, Rent and Revolt, 88.': the work that quotes is the one read
    pw = (_full_or_short(body[qm.end():]) or _author_date(body[qm.end():])) if qm else None
    if pw is None:
        pw = _full_or_short(body)
    if pw is None:
        sm = _SEE_RE.search(body)
        if sm and sm.start() > 0:
            pw = _full_or_short(body[sm.end():])
    if pw is None:
        pw = _author_date(body)
    if pw is None:
        # 'Hartley, Rent and Revolt, 52. The figure is disputed.': a citation, then a comment
        cut = re.match(r"^(.{8,}?\d[\d\-–]*\.)\s+[A-Z]", body)
        if cut:
            pw = _full_or_short(cut.group(1))
    return pw


def _author_date(body: str) -> ParsedWork | None:
    """An author-date reference used as a note: 'Hartley 1971, 90.', 'See Ruth Morgan (1974), 150.'"""
    m = _AUTHOR_DATE_RE.match(body.strip())
    if not m or not _name_like(m.group("a")):
        return None
    year = m.group("y")[:4] if re.match(YEAR_RE, m.group("y")) else None
    return ParsedWork(author=m.group("a"), year=year, locator=_locator_of(m.group("l") or ""))


def _full_or_short(body: str) -> ParsedWork | None:
    """A note that opens with its author (or a quoted title); None when it does not."""
    # Full note: Author, Title (Place: Publisher, Year), page.   Short note: Author, Title, page.
    nm = re.match(r"^(?P<a>[A-Z][^,()“\"]{1,80}?),\s*(?P<rest>.+)$", body)
    if not nm:
        if re.match(r'^[“"]', body):
            pw = parse_entry(body)
            return pw if pw.title else None
        return None
    author = strip_end(nm.group("a"))
    if not _name_like(author):
        return None
    rest = nm.group("rest")
    title = None
    qm = re.match(r'^[“"‘](?P<t>.+?)[,.]?[”"’],?\s*(?P<r>.*)$', rest)
    if qm:
        title = strip_end(qm.group("t"))
        after = qm.group("r")
    else:
        tm = re.match(r"^(?P<t>[^(]+?)(?:\s*\((?P<pub>[^)]*)\)|,\s*(?=(?:(?:pp?|ch|chap|vol|sec|nn?)\.\s*)?\d)"
                      r"|\.\s*$|$)(?P<r>.*)$", rest)
        if not tm:
            return None
        title = strip_end(tm.group("t"))
        after = (("(" + tm.group("pub") + ")") if tm.group("pub") else "") + tm.group("r")
    pub = re.search(r"\(([^)]*)\)", after)
    place = publisher = year = None
    if pub:
        place, publisher, year, _ = pub_fields(pub.group(1))
        if publisher and not place and ":" not in pub.group(1) and pub.group(1).count(",") == 1 \
                and len(publisher.split()) <= 2 and not any(w in ORG_WORDS for w in norm_words(publisher).split()):
            place, publisher = publisher, None   # '(London, 1937)': an older note names the place only
        after_loc = after[pub.end():]
    else:
        after_loc = after
        ym = re.search(r"\b(" + YEAR_RE + r")\b", after)
        year = ym.group(1) if ym else None
    loc = _locator_of(after_loc)
    dm = _DATE_RE.fullmatch(title or "")
    if dm:  # 'Yorkshire Evening Post, 4 March 1977, 1.': a periodical and the date of the issue
        title, year = None, dm.group("y")
    has_evidence = bool(pub or loc or year or qm)
    if not has_evidence:
        return None
    if title and re.fullmatch(r"(vol\.?|no\.?)\s*\d+", title, re.I):
        title = None
    return ParsedWork(author, title or None, year, place, publisher, loc)


def _locator_of(rest: str) -> str | None:
    rest = rest.strip().rstrip(",;: ")
    m = re.search(r"((?:pp?\.|vol\.|ch\.)?\s*[\divxlc]*\d[\divxlc]*(?:\s*[-–]\s*\d+)?(?:\s*,\s*\d+(?:\s*[-–]\s*\d+)?)*"
                  r"(?:\s*n\.?\s*\d+)?)\s*\.?\s*$", rest.strip())
    if m and m.group(1).strip():
        return m.group(1).strip()
    return None


def _name_like(s: str) -> bool:
    toks = s.replace("&", "and").split()
    if not toks or len(toks) > 9:
        return False
    if not toks[0][:1].isupper():
        return False
    return all(t[:1].isupper() or t.lower().strip(",.") in CONNECTORS or re.fullmatch(r"[A-Z]\.", t) for t in toks)


# 'Title (London: Pluto Press, 1971), 45': the imprint in parentheses and then a page, as only notes print it
_NOTE_FORM_RE = re.compile(r"\([^()]*\b" + YEAR_RE + r"\)\s*[,:]?\s*(?:pp?\.\s*)?[\divxlc]+")


def reads_as_notes(items: list[str]) -> bool:
    """Do numbered items under a 'References' heading read as endnotes (ibid., op. cit., note forms), not entries?"""
    parsed = [parse_note(t) for t in items]
    if any(p is not None and (p.ibid or p.op_cit) for p in parsed):
        return True
    return bool(items) and 2 * sum(bool(_NOTE_FORM_RE.search(clean_spaces(t))) for t in items) >= len(items)


_SURNAME = r"(?:[A-Z]['’])?[A-Z][\w\-]+(?:['’]s(?=\w))?[\w\-]*"            # Hartley, O'Brien, Tenants'
_RUN = rf"{_SURNAME}['’]?(?:\s+(?:(?:and|&|of|for|the)\s+)?{_SURNAME}['’]?){{0,5}}(?:\s+et\s+al\.?)?"
_YEAR_LOC = r"(?P<y>" + YEAR_RE + r")[a-z]?(?:\s*[,:]\s*(?P<l>(?:pp?\.\s*)?[\divxlc]+(?:\s*[-–]\s*\d+)?))?"
_NARRATIVE_RE = re.compile(rf"(?<![\w'’(])(?P<a>{_RUN}?)(?:['’]s)?\s+\({_YEAR_LOC}\)")     # Hartley (1971: 45)
# 'in Ellison 1982'
_INLINE_RE = re.compile(rf"\b(?:see(?:\s+also)?|in|cf\.)\s+(?P<a>{_RUN}?),?\s+{_YEAR_LOC}\b(?![\-–]?\d)")
_PAREN_PART_RE = re.compile(rf"^(?:(?:see(?:\s+also)?|cf\.|e\.g\.,?)\s+)?(?P<a>{_RUN}),?\s+{_YEAR_LOC}$")
_NOT_AUTHORS = {"in", "see", "the", "from", "after", "before", "since", "until", "during", "on", "for", "and",
                "january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                "november", "december", "spring", "summer", "autumn", "winter"}


def _author(run: str) -> str | None:
    """The name in a run of capitalised words before a date, without a sentence's opening word ('In Hartley')."""
    words = run.split()
    while words and words[0].lower() in _NOT_AUTHORS:
        words = words[1:]
    return " ".join(words) or None


def author_date_refs(text: str) -> list[ParsedWork]:
    """Author-date references inside a discursive note: 'Hartley (1971: 45)', '(Morgan 1974; cf. Price 1980)',
    'listed in Ellison 1982, 201-4'."""
    text = clean_spaces(text)
    found: list[tuple[int, ParsedWork]] = []
    parens = list(re.finditer(r"\(([^()]{3,200})\)", text))
    for rx in (_NARRATIVE_RE, _INLINE_RE):
        for m in rx.finditer(text):
            author = _author(m.group("a"))
            inside = any(p.start() < m.start() < p.end() for p in parens)   # read with the parenthesis below
            if author and not inside:
                found.append((m.start("a"), ParsedWork(author=author, year=m.group("y"), locator=m.group("l"))))
    for pm in parens:
        for part in pm.group(1).split(";"):
            m = _PAREN_PART_RE.match(part.strip())
            author = _author(m.group("a")) if m else None
            if author:
                found.append((pm.start(), ParsedWork(author=author, year=m.group("y"), locator=m.group("l"))))
    return [w for _, w in sorted(found, key=lambda t: t[0])]

"""Dates as printed on ephemera: parsing, finding in running text, precision and approximation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

Precision = Literal["year", "month", "day"]
# How the date was stated, finer than the stored precision: a season or a span of years ("1970-71",
# a financial or academic year) is stored at year precision and says so in its qualifiers.
Stated = Literal["day", "month", "season", "year", "range"]

# Years we accept as dates of print. Earlier numbers are far more often page counts, prices or
# quantities than years in this kind of material.
MIN_YEAR = 1450
MAX_YEAR = 2099


@dataclass(frozen=True)
class ParsedDate:
    """One date expression: ISO form, its precision, and how it was stated."""

    iso: str | None                 # "YYYY", "YYYY-MM", "YYYY-MM-DD"; None for "n.d."
    precision: Precision | None     # None for "n.d."
    approximate: bool = False       # "c. 1970", seasons, "1970?"
    undated: bool = False           # "n.d.", "no date", "undated"
    season: str | None = None       # "spring" | "summer" | "autumn" | "winter"
    roman: bool = False             # the year was printed in roman numerals
    end: str | None = None          # the last year of a span stated as one date ("1970-71": "1971")

    @property
    def year(self) -> int | None:
        return int(self.iso[:4]) if self.iso else None

    @property
    def stated(self) -> Stated | None:
        """The precision as printed: day, month, season, year or range."""
        if self.iso is None:
            return None
        if self.end:
            return "range"
        return "season" if self.season else self.precision

    def qualifiers(self) -> dict:
        """The qualifiers a metadata field carries for this date."""
        q: dict = {"precision": self.precision, "approximate": self.approximate, "inferred": False}
        if self.season:
            q["season"] = self.season
        if self.roman:
            q["roman"] = True
        if self.end:
            q["range_end"] = self.end
        return q


MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
SEASONS = {"spring": "spring", "summer": "summer", "autumn": "autumn", "fall": "autumn", "winter": "winter"}

_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13,
    "fourteenth": 14, "fifteenth": 15, "sixteenth": 16, "seventeenth": 17, "eighteenth": 18,
    "nineteenth": 19, "twentieth": 20, "thirtieth": 30,
}
_UNITS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9}
_TEENS = {"ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
          "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
         "ninety": 90}

# --- building blocks of the patterns -------------------------------------------------------------

# Each pattern that starts with a month, season or ordinal first checks the two letters it must
# start with: a lookahead that fails at once at most positions of a long text, where trying the
# whole alternation there made these patterns three times slower than the others. Same matches.
_MONTH_START = "(?=" + "|".join(sorted({m[:2] for m in MONTHS} | {"0c"})) + ")"
_SEASON_START = "(?=" + "|".join(sorted({s[:2] for s in SEASONS})) + ")"
_WORDS_START = "(?=[0-9]|" + "|".join(sorted({w[:2] for w in (*_ORDINAL_WORDS, "the", "twenty", "thirty")})) + ")"
_MONTH_RE = (r"(?:January|February|March|April|May|June|July|August|September|[O0]ctober|November|December"
             r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|[O0]ct|Nov|Dec)\.?")
# OCR turns 0 into O/o and 1 into l/I inside numbers; a year token must still hold two real digits.
_YEAR_CHARS = r"[0-9OoIl]"
_YEAR_RE = r"(?<![\w,/])(?<!-\d-)(?<!-\d\d-)(?<!-\d\d\d-)(?:[1lI][4-9]|2[0O])[0-9OoIl]{2}(?![\w]|/(?!\d\d\b)|,\d|\.\d)"
_DAY_RE = r"(?:[12]\d|3[01]|0?[1-9])(?:st|nd|rd|th|d)?"
_ORD_WORD_RE = (r"(?:(?:twenty|thirty)[- ](?:first|second|third|fourth|fifth|sixth|seventh|eighth|ninth)"
                r"|" + "|".join(sorted(_ORDINAL_WORDS, key=len, reverse=True)) + ")")
_WORD_YEAR_RE = (r"(?:(?:nineteen|eighteen|seventeen|sixteen)(?:[- ]hundred(?: and)?)?[- ]"
                 r"(?:(?:twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)(?:[- ](?:one|two|three|four"
                 r"|five|six|seven|eight|nine))?|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen"
                 r"|eighteen|nineteen|one|two|three|four|five|six|seven|eight|nine)"
                 r"|two thousand(?: and)?(?:[- ](?:one|two|three|four|five|six|seven|eight|nine|ten|eleven"
                 r"|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen|nineteen|twenty(?:[- ]\w+)?))?)")
_ROMAN_RE = r"(?<![\w.])M{1,2}(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})(?![\w])"
# The same in lower case, as small capitals OCR and some imprints give it ("mcmlxxi"); five letters at
# least, so that no English word ("mix", "mild") is read as a year.
_ROMAN_LOWER_RE = r"(?<![\w.])(?=[mcdxlvi]{5})m{1,2}(?:cm|cd|d?c{0,3})(?:xc|xl|l?x{0,3})(?:ix|iv|v?i{0,3})(?![\w])"
_APPROX_RE = r"(?:c\.|ca\.|circa|about|around|approx\.|approximately)"
_SEASON_RE = r"(?:Spring|Summer|Autumn|Fall|Winter)"
_AD_RE = r"(?:A\.\s?D\.\s*|AD\s+)?"
_ND_RE = r"(?<![\w])(?:n\.\s?d\.|\[n\.d\.\]|no date|undated|sine anno|s\.a\.)(?![\w])"

_PATTERNS: list[tuple[str, re.Pattern]] = [
    ("nd", re.compile(_ND_RE, re.I)),
    ("iso", re.compile(r"(?<![\w\-/])(1[4-9]\d\d|20\d\d)-(0[1-9]|1[0-2])(?:-(0[1-9]|[12]\d|3[01]))?(?![\w\-/])")),
    # 1971/03/12, 1971.03.12: year first, then month and day
    ("ymd", re.compile(r"(?<![\w/.])(1[4-9]\d\d|20\d\d)([./])(0?[1-9]|1[0-2])\2(0?[1-9]|[12]\d|3[01])(?![\w/]|\.\d)")),
    # 3.III.1971, 3 III 1971: the month in roman numerals, as continental printers set it
    ("roman-month", re.compile(r"(?<![\w/.])(?P<d>[0-3]?\d)(?P<sep>[. ]\s?)(?P<m>XII|XI|X|IX|VIII|VII|VI|V|IV|III|II|I)"
                               r"(?P=sep)(?P<y>1[4-9]\d\d|20\d\d)(?![\w/])")),
    # the third of March, 1971 / the 3rd of March 1971 / third day of March
    ("words", re.compile(rf"{_WORDS_START}(?:the\s+)?(?P<d>{_ORD_WORD_RE}|{_DAY_RE})\s+(?:day\s+)?of\s+"
                         rf"(?P<m>{_MONTH_RE}),?\s+(?:(?:in\s+)?the\s+year\s+(?:of\s+our\s+Lord\s+)?)?{_AD_RE}"
                         rf"(?P<y>{_YEAR_RE}|{_WORD_YEAR_RE})",
                         re.I)),
    # March the third, 1971
    ("m-the-d", re.compile(rf"{_MONTH_START}(?P<m>{_MONTH_RE})\s+the\s+(?P<d>{_ORD_WORD_RE}|{_DAY_RE}),?\s+"
                           rf"(?P<y>{_YEAR_RE})", re.I)),
    # 12 March 2015 / 12th March, 2015 / 12 Mar. 2015
    ("d-m-y", re.compile(rf"(?<![\w])(?P<d>{_DAY_RE})\s+(?P<m>{_MONTH_RE}),?\s+{_AD_RE}(?P<y>{_YEAR_RE})", re.I)),
    # March 12, 2015 / March 12th 2015
    ("m-d-y", re.compile(rf"{_MONTH_START}(?P<m>{_MONTH_RE})\s+(?P<d>{_DAY_RE}),?\s+{_AD_RE}(?P<y>{_YEAR_RE})", re.I)),
    # 12/03/2015, 12.3.2015 (day first unless impossible)
    ("numeric", re.compile(r"(?<![\w/.-])(?P<a>[0-3]?\d)(?P<sep>[./-])(?P<b>[01]?\d)(?P=sep)(?P<y>1[4-9]\d\d|20\d\d)"
                           r"(?![\w/-])")),
    # September–October 1983: a double issue; only the year is one date
    ("month-range", re.compile(rf"{_MONTH_START}(?P<m1>{_MONTH_RE})\s*[-–/]\s*(?P<m>{_MONTH_RE}),?\s+(?P<y>{_YEAR_RE})",
                               re.I)),
    # Autumn 2013 / Winter 1984-85 / Spring-Summer 1990
    ("season", re.compile(rf"{_SEASON_START}(?P<s>{_SEASON_RE})(?:\s*[-/–]\s*{_SEASON_RE})?,?\s+(?P<y>{_YEAR_RE})"
                          r"(?:\s*[-/–]\s*\d{2,4})?", re.I)),
    # 1970-71, 1970/71, 1970-1971 with the next year: one year of account or of study, stated as a span
    ("year-span", re.compile(r"(?<![\w\-/.])(?P<y>1[4-9]\d\d|20\d\d)\s?[-–/]\s?(?P<e>\d\d(?:\d\d)?)(?![\w\-/]|\.\d)")),
    # March 1983 / March, 1983
    ("m-y", re.compile(rf"{_MONTH_START}(?P<m>{_MONTH_RE}),?\s+(?P<y>{_YEAR_RE})", re.I)),
    ("roman", re.compile(_ROMAN_RE)),
    ("roman", re.compile(_ROMAN_LOWER_RE)),
    ("year-words", re.compile(rf"(?<![\w-])(?P<y>{_WORD_YEAR_RE})(?![\w-])", re.I)),
    ("year", re.compile(rf"(?P<y>{_YEAR_RE})")),
]
_APPROX_BEFORE = re.compile(rf"{_APPROX_RE}\s*\[?\s*$", re.I)
_APPROX_AFTER = re.compile(r"^\s*(?:\?|\s*\?\]|\[\?\])")


def _fix_ocr_digits(s: str) -> str:
    return s.replace("O", "0").replace("o", "0").replace("l", "1").replace("I", "1")


def _year_value(s: str) -> int | None:
    s = s.strip()
    if re.fullmatch(r"[0-9OoIl]{4}", s):
        if sum(ch.isdigit() for ch in s) < 2:
            return None
        y = int(_fix_ocr_digits(s))
    else:
        y = _words_to_year(s)
    if y is None or not (MIN_YEAR <= y <= MAX_YEAR):
        return None
    return y


def _small_number(words: list[str]) -> int | None:
    """'seventy one' -> 71, 'nineteen' -> 19; None when the words are not a number below 100."""
    if not words:
        return None
    if len(words) == 1:
        w = words[0]
        return _UNITS.get(w) or _TEENS.get(w) or _TENS.get(w)
    if len(words) == 2 and words[0] in _TENS and words[1] in _UNITS:
        return _TENS[words[0]] + _UNITS[words[1]]
    return None


def _words_to_year(s: str) -> int | None:
    words = [w for w in re.split(r"[\s-]+", s.lower()) if w and w != "and"]
    if len(words) >= 2 and words[0] == "two" and words[1] == "thousand":
        rest = _small_number(words[2:]) if words[2:] else 0
        return None if rest is None else 2000 + rest
    if words and words[0] in _TEENS:
        century = _TEENS[words[0]]
        rest_words = words[1:]
        if rest_words and rest_words[0] == "hundred":
            rest_words = rest_words[1:]
        rest = _small_number(rest_words)
        return None if rest is None else century * 100 + rest
    return None


def _day_value(s: str) -> int | None:
    s = s.lower().strip()
    m = re.match(r"\d+", s)
    if m:
        return int(m.group())
    parts = re.split(r"[- ]", s)
    if len(parts) == 2 and parts[0] in _TENS and parts[1] in _ORDINAL_WORDS:
        return _TENS[parts[0]] + _ORDINAL_WORDS[parts[1]]
    return _ORDINAL_WORDS.get(s)


def _month_value(s: str) -> int | None:
    # OCR reads the capital O of October as a zero.
    return MONTHS.get(re.sub(r"^0", "o", s.lower().rstrip(".")))


def roman_to_int(s: str) -> int | None:
    """MCMLII -> 1952; None when the letters are not a well-formed roman numeral."""
    if not s or not re.fullmatch(r"M*(?:CM|CD|D?C{0,3})(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})", s.upper()):
        return None
    vals = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100, "D": 500, "M": 1000}
    total = 0
    prev = 0
    for ch in reversed(s.upper()):
        v = vals[ch]
        total = total - v if v < prev else total + v
        prev = max(prev, v)
    return total


def _valid_day(y: int, m: int, d: int) -> bool:
    import calendar
    return 1 <= d <= calendar.monthrange(y, m)[1]


def _build(kind: str, m: re.Match) -> ParsedDate | None:
    g = m.groupdict()
    if kind == "nd":
        return ParsedDate(iso=None, precision=None, undated=True)
    if kind == "iso":
        y, mo, d = int(m.group(1)), int(m.group(2)), m.group(3)
        if d and _valid_day(y, mo, int(d)):
            return ParsedDate(f"{y:04d}-{mo:02d}-{int(d):02d}", "day")
        return ParsedDate(f"{y:04d}-{mo:02d}", "month")
    if kind == "ymd":
        y, mo, d = int(m.group(1)), int(m.group(3)), int(m.group(4))
        return ParsedDate(f"{y:04d}-{mo:02d}-{d:02d}", "day") if _valid_day(y, mo, d) else None
    if kind == "roman-month":
        y, mo, d = int(g["y"]), roman_to_int(g["m"]), int(g["d"])
        return ParsedDate(f"{y:04d}-{mo:02d}-{d:02d}", "day") if mo and _valid_day(y, mo, d) else None
    if kind == "roman":
        y = roman_to_int(m.group())
        if y is None or not (MIN_YEAR <= y <= MAX_YEAR) or len(m.group()) < 4:
            return None
        return ParsedDate(f"{y:04d}", "year", roman=True)
    y = _year_value(g["y"])
    if y is None:
        return None
    if kind in ("words", "m-the-d", "d-m-y", "m-d-y"):
        mo, d = _month_value(g["m"]), _day_value(g["d"])
        if mo is None or d is None or not _valid_day(y, mo, d):
            return None
        return ParsedDate(f"{y:04d}-{mo:02d}-{d:02d}", "day")
    if kind == "numeric":
        a, b = int(g["a"]), int(g["b"])
        # Day first (the European and British habit) unless the numbers say otherwise; when both
        # readings are possible and differ, only the year is certain.
        if 1 <= b <= 12 and 1 <= a <= 31 and (a > 12 or a == b):
            day, mo = a, b
        elif 1 <= a <= 12 and b > 12:
            day, mo = b, a
        elif 1 <= a <= 12 and 1 <= b <= 12:
            return ParsedDate(f"{y:04d}", "year", approximate=False)
        else:
            return None
        if not _valid_day(y, mo, day):
            return None
        return ParsedDate(f"{y:04d}-{mo:02d}-{day:02d}", "day")
    if kind == "month-range":
        if _month_value(g["m1"]) is None or _month_value(g["m"]) is None or g["m1"][0].islower():
            return None
        return ParsedDate(f"{y:04d}", "year")
    if kind == "year-span":
        end = int(g["e"]) if len(g["e"]) == 4 else y // 100 * 100 + int(g["e"])
        end += 100 if end < y and len(g["e"]) == 2 else 0
        if end != y + 1:
            return None          # "1919-1939", "1950-53": two dates, each read on its own
        return ParsedDate(f"{y:04d}", "year", end=f"{end:04d}")
    if kind == "season":
        return ParsedDate(f"{y:04d}", "year", approximate=True, season=SEASONS[g["s"].lower()])
    if kind == "m-y":
        mo = _month_value(g["m"])
        if mo is None:
            return None
        # "May" is also a verb and a name: a bare "may 1937" in lower case is not a date.
        if g["m"][0].islower():
            return None
        return ParsedDate(f"{y:04d}-{mo:02d}", "month")
    if kind in ("year", "year-words"):
        return ParsedDate(f"{y:04d}", "year")
    return None


def _mark_approximate(text: str, start: int, end: int, pd: ParsedDate) -> tuple[ParsedDate, int, int]:
    before = _APPROX_BEFORE.search(text[max(0, start - 16):start])
    if before:
        start = start - (len(text[max(0, start - 16):start]) - before.start())
    after = _APPROX_AFTER.match(text[end:end + 4])
    if after:
        end = end + after.end()
    if (before or after) and not pd.approximate:
        pd = ParsedDate(pd.iso, pd.precision, True, pd.undated, pd.season, pd.roman, pd.end)
    return pd, start, end


# A number that follows these words counts something: "Local 1912", "No. 1450", "Box 1789".
_NUMBERED_BEFORE = re.compile(r"(?:\b(?:Local|No|Nos|Number|Vol|Volume|Box|Suite|Room|Route|Ext|Tel|Item|Pp?)"
                              r"\.?|#)\s*$", re.I)


# ...and inside a standard number: "ISSN 0307-1979", "ISBN 0-85036-1971-4".
_STANDARD_NUMBER = re.compile(r"\bIS[BS]N(?:-1[03])?[\s:]*[\dX][\dX\s-]*$", re.I)


# Patterns that cannot match without a digit (a numeric year or day): skipped on text that has
# none, which is most of the short pieces the extractors ask about.
_NEED_DIGIT = frozenset({"iso", "ymd", "roman-month", "m-the-d", "d-m-y", "m-d-y", "numeric", "month-range",
                         "year-span", "season", "m-y", "year"})
_DIGIT = re.compile(r"\d")


def find_dates(text: str) -> list[tuple[ParsedDate, int, int]]:
    """Every date expression in text, longest first at each place, as (date, start, end), in order."""
    taken: list[tuple[int, int]] = []
    found: list[tuple[ParsedDate, int, int]] = []
    digits = _DIGIT.search(text) is not None
    for kind, pat in _PATTERNS:
        if not digits and kind in _NEED_DIGIT:
            continue
        for m in pat.finditer(text):
            s, e = m.span()
            if any(s < te and ts < e for ts, te in taken):
                continue
            if kind in ("year", "year-span") and (_NUMBERED_BEFORE.search(text[max(0, s - 12):s])
                                   or _STANDARD_NUMBER.search(text[max(0, s - 24):s])):
                taken.append((s, e))
                continue
            pd = _build(kind, m)
            if pd is None:
                continue
            if not pd.undated:
                pd, s, e = _mark_approximate(text, s, e, pd)
            taken.append((s, e))
            found.append((pd, s, e))
    found.sort(key=lambda t: t[1])
    return found


def parse_date(text: str) -> ParsedDate | None:
    """The date that text states, when the text is essentially one date expression ("c. 1970", "MCMLII")."""
    if not text or not text.strip():
        return None
    found = find_dates(text)
    if not found:
        return None
    # Prefer the most precise expression; the rest of the text must be little more than punctuation
    # and words of approximation, so that "The Strike of 1921" is not parsed as a date.
    pd, s, e = max(found, key=lambda t: (t[2] - t[1]))
    rest = (text[:s] + " " + text[e:]).strip(" \t\n,.;:()[]—–-")
    if rest and not re.fullmatch(r"(?:(?:published|issued|dated|printed|date|on|in|the)\s*)+", rest, re.I):
        return None
    return pd


def iso_sort_key(iso: str) -> tuple[int, int, int]:
    parts = [int(p) for p in iso.split("-")]
    return (parts + [0, 0])[0], (parts + [0, 0])[1], (parts + [0, 0, 0])[2]

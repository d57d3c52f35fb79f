"""Date parsing: every printed form, precision and approximation, and the spans find_dates reports."""

from __future__ import annotations

import pytest

from provenance.metadata.dates import find_dates, parse_date, roman_to_int

# (printed form, iso, precision, approximate)
FORMS = [
    ("1988", "1988", "year", False),
    ("May 1937", "1937-05", "month", False),
    ("March, 1983", "1983-03", "month", False),
    ("Sept. 1971", "1971-09", "month", False),
    ("12 March 2015", "2015-03-12", "day", False),
    ("12th March, 2015", "2015-03-12", "day", False),
    ("March 4, 1902", "1902-03-04", "day", False),
    ("March 4th 1902", "1902-03-04", "day", False),
    ("2015-03-12", "2015-03-12", "day", False),
    ("2015-03", "2015-03", "month", False),
    ("25/12/1999", "1999-12-25", "day", False),
    ("the third of March, 1971", "1971-03-03", "day", False),
    ("the twenty-first of June 1968", "1968-06-21", "day", False),
    ("March the third, 1971", "1971-03-03", "day", False),
    ("nineteen seventy-one", "1971", "year", False),
    ("nineteen hundred and twelve", "1912", "year", False),
    ("Autumn 2013", "2013", "year", True),
    ("Fall 2013", "2013", "year", True),
    ("Winter 1984-85", "1984", "year", True),
    ("c. 1970", "1970", "year", True),
    ("ca.1970", "1970", "year", True),
    ("circa 1970", "1970", "year", True),
    ("[1970?]", "1970", "year", True),
    ("MCMLII", "1952", "year", False),
    ("MDCCCXC", "1890", "year", False),
    ("Published 12 March 2015", "2015-03-12", "day", False),
    ("0ctober l952", "1952-10", "month", False),    # OCR: zero for O, l for 1
    ("May 1st, 1926", "1926-05-01", "day", False),
    ("JANUARY 1926", "1926-01", "month", False),
    ("the 3rd day of March in the year 1971", "1971-03-03", "day", False),
    ("the fifteenth of August nineteen forty-seven", "1947-08-15", "day", False),
    ("Winter 1926/27", "1926", "year", True),
    ("September–October 1983", "1983", "year", False),   # a double issue: only the year is one date
    ("March 3rd, 1971", "1971-03-03", "day", False),
    ("the 14th day of March, A.D. 1921", "1921-03-14", "day", False),
    ("3.III.1971", "1971-03-03", "day", False),          # month in roman numerals
    ("1971/03/12", "1971-03-12", "day", False),
    ("25-12-1999", "1999-12-25", "day", False),
    ("MCMXII", "1912", "year", False),
    ("1968?", "1968", "year", True),
    ("Jan.-Feb. 1983", "1983", "year", False),
]


@pytest.mark.parametrize("text,iso,precision,approximate", FORMS, ids=[f[0] for f in FORMS])
def test_date_form(text, iso, precision, approximate):
    pd = parse_date(text)
    assert pd is not None, text
    assert (pd.iso, pd.precision, pd.approximate) == (iso, precision, approximate)
    assert not pd.undated


def test_season_is_kept_as_a_qualifier():
    q = parse_date("Spring 1985").qualifiers()
    assert q == {"precision": "year", "approximate": True, "inferred": False, "season": "spring"}


def test_roman_numeral_year_is_flagged():
    assert parse_date("MCMLII").roman
    assert roman_to_int("MCMLII") == 1952
    assert roman_to_int("MIXED") is None


@pytest.mark.parametrize("text", ["n.d.", "[n.d.]", "no date", "undated", "n. d."])
def test_no_date(text):
    pd = parse_date(text)
    assert pd is not None and pd.undated and pd.iso is None and pd.precision is None


def test_ambiguous_numeric_date_keeps_only_the_year():
    pd = parse_date("03/04/1971")
    assert (pd.iso, pd.precision) == ("1971", "year")


@pytest.mark.parametrize("text", [
    "The Strike of 1921",          # a year inside a title is not a date expression on its own
    "the 1970s",
    "2,300 items",
    "ISBN 0-19-1988",
    "may 1937 be remembered",
    "31 February 1990",
    "",
])
def test_not_a_date(text):
    assert parse_date(text) is None


def test_find_dates_reports_exact_spans_in_order():
    text = "Founded on March 4, 1902; strike of 1921; jubilee in Autumn 1952 (c. 1950-3) n.d."
    found = find_dates(text)
    spans = [text[s:e] for _, s, e in found]
    assert spans == ["March 4, 1902", "1921", "Autumn 1952", "c. 1950", "n.d."]
    assert [pd.iso for pd, _, _ in found] == ["1902-03-04", "1921", "1952", "1950", None]


def test_find_dates_reads_both_ends_of_a_range():
    found = find_dates("1902 — 1952 and 1919-1939")
    assert [pd.iso for pd, _, _ in found] == ["1902", "1952", "1919", "1939"]


def test_lower_case_may_is_not_a_month():
    found = find_dates("the committee may 1937 decide")
    assert [pd.precision for pd, _, _ in found] == ["year"]


@pytest.mark.parametrize("text,years", [
    ("Local 1912 of the Teamsters, 1971", ["1971"]),        # a union local's number
    ("Vol. 3, No. 1950, Spring 1983", ["1983"]),            # an issue number
    ("P.O. Box 1789, Chicago, 1979", ["1979"]),
    ("Whole No. 1848 · 1 May 1926", ["1926-05-01"]),
])
def test_numbers_that_count_things_are_not_years(text, years):
    assert [pd.iso for pd, _, _ in find_dates(text)] == years


def test_range_ends_are_read_not_trimmed_as_specks():
    from provenance.metadata.words import trim_span
    for text in ("1898 - 1948", "1902 — 1952"):
        s, e = trim_span(text, 0, len(text))
        assert text[s:e] == text


@pytest.mark.parametrize("text,iso,end", [
    ("1970-71", "1970", "1971"),
    ("Annual Report 1970/71", "1970", "1971"),
    ("Session 1999-00", "1999", "2000"),
    ("1970–1971", "1970", "1971"),
])
def test_a_span_of_one_year_to_the_next_is_one_date_stated_as_a_range(text, iso, end):
    [(pd, _, _)] = find_dates(text)
    assert (pd.iso, pd.precision, pd.stated, pd.end) == (iso, "year", "range", end)
    assert pd.qualifiers()["range_end"] == end


@pytest.mark.parametrize("text", ["pp. 1970-71", "No. 1970-71"])
def test_a_span_after_a_page_or_issue_label_is_no_date(text):
    assert find_dates(text) == []


@pytest.mark.parametrize("text,stated", [
    ("the third of March, 1971", "day"), ("3rd March 1971", "day"), ("March the 3rd, 1971", "day"),
    ("Spring 1968", "season"), ("1970-71", "range"), ("MCMLXXI", "year"), ("May 1937", "month"),
    ("the twelfth of May, nineteen seventy-four", "day"),
])
def test_how_a_date_was_stated(text, stated):
    assert parse_date(text).stated == stated


@pytest.mark.parametrize("text,iso", [("mcmlxxi", "1971"), ("LONDON · mcmlii", "1952"), ("MCMLXXI", "1971")])
def test_roman_numeral_years_in_capitals_or_small_capitals(text, iso):
    [(pd, _, _)] = find_dates(text)
    assert (pd.iso, pd.roman, pd.stated) == (iso, True, "year")


@pytest.mark.parametrize("text", ["mix the colours", "a mild winter", "mcm"])
def test_short_lower_case_words_are_not_roman_years(text):
    assert find_dates(text) == []

"""Metadata extraction: corpus documents field by field on ground truth and text layer; layouts, traps.

The same checks on real OCR of every input form run through the whole pipeline in
tests/test_corpus_provenance.py."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest

from provenance.metadata import EXTRACTOR_VERSION, Evidence, FieldValue, extract_metadata

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"
CHECKED = ["title", "authors", "organization", "publisher", "place", "date"]


def _manifest() -> dict:
    path = CORPUS / "manifest.json"
    if not path.is_file():
        return {}
    return {d["id"]: d for d in json.loads(path.read_text())["documents"]}


MANIFEST = _manifest()


def _forms() -> list[tuple[str, str]]:
    out = []
    for doc_id, doc in MANIFEST.items():
        out.append((doc_id, "ground-truth"))
        for inp in doc["inputs"]:
            if inp["format"] == "pdf-text":
                out.append((doc_id, "text-layer"))
    return out


FORMS = _forms()
TEXT_FORMS = FORMS


def _cases(forms):
    if not forms:
        return [pytest.param(None, None, None, marks=pytest.mark.skip(
            reason=f"the shared corpus is absent: expected it at {CORPUS} (../shared/corpus beside the project)"))]
    return [pytest.param(d, f, fld, id=f"{d}-{f}-{fld}") for d, f in forms for fld in CHECKED]


# --- text of each form ---------------------------------------------------------------------------

def ground_truth(doc_id: str) -> list[str]:
    doc = MANIFEST[doc_id]
    return [(CORPUS / p).read_text(encoding="utf-8") for p in doc["ground_truth"]["pages"]]


def text_layer(doc_id: str) -> list[str]:
    from pypdf import PdfReader
    inp = next(i for i in MANIFEST[doc_id]["inputs"] if i["format"] == "pdf-text")
    return [p.extract_text() or "" for p in PdfReader(str(CORPUS / inp["files"][0])).pages]


_RESULTS: dict[tuple[str, str], list[FieldValue]] = {}
_PAGES: dict[tuple[str, str], list[str]] = {}


def _extract(doc_id: str, form: str) -> tuple[list[str], dict[str, FieldValue]]:
    key = (doc_id, form)
    if key not in _RESULTS:
        if form == "ground-truth":
            pages = ground_truth(doc_id)
        else:
            pages = text_layer(doc_id)
        _PAGES[key] = pages
        _RESULTS[key] = extract_metadata(pages)
    return _PAGES[key], {fv.field: fv for fv in _RESULTS[key]}


# --- comparison, case- and punctuation-insensitive ------------------------------------------------

def norm(s: str | None) -> str | None:
    if s is None:
        return None
    s = unicodedata.normalize("NFKD", s).casefold().replace("'", "").replace("’", "")
    return " ".join(re.findall(r"[a-z0-9]+", s))


def check(field: str, got: dict[str, FieldValue], expected: dict) -> None:
    value = got[field].value if field in got else None
    if field == "title":
        title, sub = value, got["subtitle"].value if "subtitle" in got else None
        want, want_sub = expected["title"], expected.get("subtitle")
        separate = norm(title) == norm(want) and norm(sub) == norm(want_sub)
        appended = want_sub is not None and sub is None and norm(title) == norm(f"{want} {want_sub}")
        assert separate or appended, f"title {title!r} / subtitle {sub!r}; expected {want!r} / {want_sub!r}"
    elif field == "authors":
        assert [norm(a) for a in (value or [])] == [norm(a) for a in expected["authors"]], value
    elif field == "date":
        assert value == expected["date"], value
    else:
        assert norm(value) == norm(expected[field]), f"{field}: got {value!r}, expected {expected[field]!r}"


def check_evidence(pages: list[str], fv: FieldValue) -> None:
    ev = fv.evidence
    if ev is None:
        return
    assert isinstance(ev, Evidence)
    assert 1 <= ev.page <= len(pages)
    assert ev.text == pages[ev.page - 1][ev.start:ev.end] and ev.text.strip()


# --- the corpus, field by field -------------------------------------------------------------------

@pytest.mark.parametrize("doc_id,form,field", _cases(TEXT_FORMS))
def test_corpus_field_text(doc_id, form, field):
    pages, got = _extract(doc_id, form)
    check(field, got, MANIFEST[doc_id]["expected"])
    if field in got:
        check_evidence(pages, got[field])


@pytest.mark.parametrize("doc_id,form", [pytest.param(d, f, id=f"{d}-{f}") for d, f in TEXT_FORMS]
                         or [pytest.param(None, None, marks=pytest.mark.skip(reason="corpus absent"))])
def test_every_field_carries_exact_evidence_and_qualifiers(doc_id, form):
    pages, got = _extract(doc_id, form)
    for fv in got.values():
        assert 0 < fv.confidence <= 1 and fv.method
        check_evidence(pages, fv)
        if fv.field in ("date", "date_not_before"):
            assert fv.normalized == fv.value
            assert fv.qualifiers["precision"] in ("year", "month", "day")
            assert isinstance(fv.qualifiers["approximate"], bool)
            assert fv.qualifiers["inferred"] is (fv.field == "date_not_before")


def test_undated_pamphlet_gets_only_an_inferred_lower_bound():
    if "on-trotskyites" not in MANIFEST:
        pytest.skip(f"the shared corpus is absent: expected it at {CORPUS}")
    pages, got = _extract("on-trotskyites", "ground-truth")
    assert "date" not in got
    nb = got["date_not_before"]
    assert nb.qualifiers["inferred"] is True and nb.method == "latest-event"
    # "Animal Farm and 1984" names a novel; the latest event year the text gives is 1968.
    assert nb.value == "1968"
    assert got["organization"].method == "self-reference"


# --- layouts the corpus lacks ---------------------------------------------------------------------

def fields(pages: list[str]) -> dict[str, FieldValue]:
    found = {fv.field: fv for fv in extract_metadata(pages)}
    for fv in found.values():
        check_evidence(pages, fv)
    return found


def val(found: dict[str, FieldValue], field: str):
    return found[field].value if field in found else None


NEWSLETTER = ["""THE VALLEY VOICE
Newsletter of the Ashford Vale Tenants' Association
Vol. 4, No. 2 · Autumn 2013 · Free to members

Rents Up Again
The council has announced a rise of
eight per cent in rents from April, the
third rise since 2009. The Association
will oppose it at the next meeting of the
housing committee, and we ask every
tenant to sign the petition.
Meeting Dates
The Association meets on the first
Tuesday of each month at the Mill Road
Community Centre. All tenants are
welcome, members or not.
""", """Repairs Campaign
Since the spring of 2012 more than forty
households have reported damp.

2
"""]


def test_two_column_newsletter_masthead():
    f = fields(NEWSLETTER)
    assert norm(val(f, "title")) == "the valley voice"
    assert f["title"].method == "masthead"
    assert val(f, "organization") == "Ashford Vale Tenants' Association"
    assert val(f, "date") == "2013"
    assert f["date"].qualifiers == {"precision": "year", "approximate": True, "inferred": False, "season": "autumn"}
    assert "authors" not in f          # "Rents Up Again" is a headline, not a byline
    assert "publisher" not in f


FLYER = ["""HARWICK PEACE COUNCIL
14 Mill Road, Harwick · Telephone 0123 456789

VIGIL FOR PEACE

A silent vigil will be held on the steps of the Town Hall on
Saturday 2 February 1991 from twelve noon until one o'clock, to
mark the first fortnight of the war in the Gulf. Bring candles,
bring friends, and bring your neighbours.

The Council was founded in 1958 and has kept a vigil at every war since.
"""]


def test_flyer_with_letterhead():
    f = fields(FLYER)
    assert val(f, "organization") == "HARWICK PEACE COUNCIL" and f["organization"].method == "letterhead"
    assert norm(val(f, "title")) == "vigil for peace"
    assert "date" not in f             # the date of the vigil is an event, not the date of issue
    assert val(f, "date_not_before") == "1991"
    assert "publisher" not in f and "place" not in f


def test_flyer_with_imprint_at_the_foot():
    f = fields(["""NO TO THE CUTS
March on the Town Hall, Saturday 14 March 2011, 11 am.

Every service in this town is threatened. Join us and say no.

Published by the Harwick Trades Union Council, 2 Canal Street, Harwick.
"""])
    assert val(f, "publisher") == "Harwick Trades Union Council"
    assert val(f, "organization") == "Harwick Trades Union Council"
    assert f["publisher"].method == "colophon"
    assert "date" not in f


def test_letter_dated_under_its_letterhead():
    f = fields(["""Third Street Tenants' Union
212 Third Street, Harwick

12 March 1983

Dear Neighbour,
The landlord has applied to raise the rents in every flat on Third Street by
a fifth from the first of May. The Union will oppose the application at the
rent tribunal and we ask you to come to the meeting on Thursday.
"""])
    assert val(f, "organization") == "Third Street Tenants' Union"
    assert val(f, "date") == "1983-03-12" and f["date"].method == "letterhead"
    assert "title" not in f            # a salutation is not a title


BOOKLET = ["""Housing the Workers
Municipal Housing in Harwick, 1919–1939
J. R. Pelham
Harwick Local History Society
Occasional Paper No. 7
1994

Introduction
The first council houses in Harwick were built in 1920 on the Mill Road
estate, and by 1939 the corporation owned more than two thousand homes
(Pelham 1988, 22). This paper describes how they were planned, built and let.
The story begins with the Housing Act of 1919 (Smith 1979, 104-6).
""", """References
Pelham, J. R. (1988) The Harwick Estates. Harwick: Harwick Local History Society.
Smith, A. (1979) Homes for Heroes. London: Cedar Row Press.

2
"""]


def test_author_date_booklet():
    f = fields(BOOKLET)
    assert val(f, "title") == "Housing the Workers"
    assert val(f, "subtitle") == "Municipal Housing in Harwick, 1919–1939"
    assert val(f, "authors") == ["J. R. Pelham"]
    assert val(f, "organization") == "Harwick Local History Society"
    assert val(f, "date") == "1994"      # not 1939 (subtitle), 1988 or 1979 (citations, references)
    assert "publisher" not in f


def test_place_colon_publisher_imprint():
    f = fields(["""The Land Question
by Henry Mossop
London: Lawrence & Wishart, 1938

The land question is the oldest question in English politics and it has
never been answered.
"""])
    assert val(f, "authors") == ["Henry Mossop"]
    assert (val(f, "publisher"), val(f, "place"), val(f, "date")) == ("Lawrence & Wishart", "London", "1938")
    assert "organization" not in f       # a publishing house is not the issuing body


@pytest.mark.parametrize("line,iso,approximate", [
    ("Issued by the Harwick Trades Council on the third of March, 1971", "1971-03-03", False),
    ("Published by the Cedar Row Press, London, MCMLII", "1952", False),
    ("Issued by the Eastside Women's Action Group [c. 1979]", "1979", True),
    ("Published by the Harwick Socialist Society, Spring 1985", "1985", True),
    ("Published by the Harwick Socialist Society, Harwick, 12th March, 1985", "1985-03-12", False),
    ("© 2004 Harwick Socialist Society. All rights reserved.", "2004", False),
], ids=["words-ordinal", "roman", "circa", "season", "ordinal-day", "copyright"])
def test_imprint_date_forms(line, iso, approximate):
    f = fields([f"The Title of It\n{line}\n\nThe text of the pamphlet begins here and goes on for a while in "
                "the usual way,\nsaying what the pamphlet has to say about the matter in hand.\n"])
    assert val(f, "date") == iso
    assert f["date"].qualifiers["approximate"] is approximate
    assert f["date"].evidence.text in line


def test_copyright_holder_person():
    f = fields(["""Songs of the Picket Line
Collected and edited by Thomas Greaves and Mary O'Neill
© Thomas Greaves 2004

These songs were sung on picket lines in the north of England between the
wars. Most of them have never been printed before.
"""])
    assert val(f, "authors") == ["Thomas Greaves", "Mary O'Neill"]
    assert val(f, "date") == "2004"
    assert "organization" not in f and "publisher" not in f


# --- traps ----------------------------------------------------------------------------------------

def test_trap_title_with_a_year():
    f = fields(["""1984 and All That
A Reply to Our Critics
Published by the Socialist Study Circle, Leeds, 1985

Our critics say that the year 1984 has come and gone without the world of
Orwell's novel. They have not been reading the newspapers.
"""])
    assert val(f, "title") == "1984 and All That"
    assert val(f, "date") == "1985"


def test_trap_founding_year():
    f = fields(["""Harwick Co-operative Society
Established 1898

Annual Report

The committee has pleasure in presenting its report to the members for the
year just ended. The Society was founded in 1898 by eleven weavers.
"""])
    assert val(f, "organization") == "Harwick Co-operative Society"
    assert "date" not in f


def test_trap_year_in_a_citation_and_references():
    f = fields(["""Notes on Method
A Discussion Paper

Collectors have saved much of what remains (Whitcombe 1988, 22), and the
advice of the reading circles still holds (Ashford Vale Workers' Education
League 1937).

References
Whitcombe, Margaret E. (1988) Paper Trails. Boston: Harrow Lane Press.
"""])
    assert "date" not in f and "date_not_before" not in f
    assert "publisher" not in f and "place" not in f


def test_trap_year_of_an_event_discussed():
    f = fields(["""The Strike of 1921
How the Compositors Held Out

The hardest year in the Society's history was 1921, when the employers'
association announced a return to the forty-eight hour week. In 1926 the
Society won the forty-hour week without a stoppage.
"""])
    assert val(f, "title") == "The Strike of 1921"
    assert "date" not in f
    assert val(f, "date_not_before") == "1926" and f["date_not_before"].qualifiers["inferred"] is True


def test_trap_no_date_stated():
    f = fields(["""Against the Poll Tax
Published by the Harwick Anarchist Group, n.d.

The poll tax is a tax on being alive. It falls hardest on those who have
least and it must be resisted by every means open to us.
"""])
    assert "date" not in f
    assert val(f, "publisher") == "Harwick Anarchist Group"


def test_trap_printer_is_not_the_publisher():
    f = fields(["""Stand Together
A Message to the Miners' Wives

We stand together in this dispute because the pits are our livelihood and
our future, and the future of our children.
""", """Every wife of a miner knows what the strike has cost.

Printed by the Harwick Litho Co-operative, 12 Canal Street, Harwick.
"""])
    assert "publisher" not in f and "organization" not in f and "place" not in f


def test_trap_body_argued_against_is_not_the_issuer():
    f = fields(["""Notes on the Labour Party

The Labour Party believes that the state can be reformed. The Labour Party
hopes to win the next election. We think otherwise, and say why below.
"""])
    assert "organization" not in f


def test_trap_other_works_issued_by_a_body():
    f = fields(["""A Worked Example

The pamphlet On Trotskyites, issued by the American Party of Labor, is a useful
test case; the analysis published by the Center for Vernacular Print Research
reaches the same conclusion (American Party of Labor 11).
"""])
    assert "organization" not in f and "publisher" not in f


def test_self_reference_names_the_issuing_body():
    f = fields(["""On Cooperation

The Harwick Socialist Society, and the movement more broadly, regards the
cooperative as a school of socialism. The Harwick Socialist Society hopes to
make its position clear in what follows.
"""])
    assert val(f, "organization") == "Harwick Socialist Society"
    assert f["organization"].method == "self-reference"
    assert "publisher" not in f


# --- OCR damage ------------------------------------------------------------------------------------

def test_ocr_specks_and_broken_lines_give_the_same_values():
    clean = ["""Paper Trails
A Collector's Guide to Labour Pamphlets
Margaret E. Whitcombe
Published by the Harrow Lane Press, Boston, 1988

Introduction
Nobody sets out to collect labour ephemera. One buys a box of old trade
journals at a country auction, finds a strike bulletin folded inside the third
volume, and is lost.
"""]
    noisy = ["""‘Paper Trails :

- A Collector's Guide to Labour Pamphlets ~

Margaret E. Whitcombe |
Published by the Harrow Lane Press, Boston, l988

. Introduction
Nobody sets out to collect labour ephemera. One buys a box of old trade |

journals at a country auction, finds a strike bulletin folded inside the third
volume, and is lost.
"""]
    a, b = fields(clean), fields(noisy)
    for fld in ("title", "subtitle", "authors", "publisher", "place", "date"):
        assert norm(str(val(a, fld))) == norm(str(val(b, fld))), fld


def test_text_layer_without_blank_lines_or_with_leading_spaces():
    f = fields(["Fifty Years at the Case\n A History of the Riverside Typographical Society, Local 48\n1902 — 1952\n"
                " Published by the Riverside Typographical Society, Riverside, October 1952\nThe Founding\n"
                "On the evening of March 4, 1902, nineteen compositors from the job shops of\n"
                "Front Street met in the back room of Haller's Hall and resolved to form a\n"])
    assert val(f, "subtitle") == "A History of the Riverside Typographical Society, Local 48"
    assert (val(f, "publisher"), val(f, "place"), val(f, "date")) == (
        "Riverside Typographical Society", "Riverside", "1952-10")


def test_empty_document_states_nothing():
    assert extract_metadata([]) == []
    assert extract_metadata(["", "  \n"]) == []


def test_version_is_set():
    assert re.fullmatch(r"metadata-\d+\.\d+", EXTRACTOR_VERSION)


# --- more layouts: one line of parts, statements over two lines, units of a body ------------------

def test_masthead_line_of_parts_names_body_issue_and_date():
    f = fields(["""The Harwick Tenant
Bulletin of the Third Street Tenants' Union · No. 6 · March 1983

Rent Tribunal Hearing
The landlord's application will be heard on
the 14th of April. Every tenant who can come
should come, and bring the rent book.
"""])
    assert val(f, "title") == "The Harwick Tenant"
    assert val(f, "organization") == "Third Street Tenants' Union"
    assert val(f, "date") == "1983-03" and f["date"].qualifiers["precision"] == "month"


def test_issue_line_above_the_title_and_publisher_at_the_foot():
    f = fields(["""No. 23 — Spring 1985 — 10p
RED LEAVES
Bulletin of the Harwick Socialist Society

Editorial
This issue appears in the shadow of the miners' defeat, and we make no
apology for devoting most of it to the lessons that the movement must draw.
""", """The lessons are not new, and they are not comfortable.

Published quarterly by the Harwick Socialist Society, 14 Mill Road, Harwick.
"""])
    assert val(f, "title") == "RED LEAVES"
    assert val(f, "organization") == val(f, "publisher") == "Harwick Socialist Society"
    assert f["publisher"].evidence.page == 2
    assert val(f, "date") == "1985" and f["date"].qualifiers["season"] == "spring"


def test_letterhead_with_affiliation_and_speakers_are_not_authors():
    f = fields(["""HARWICK TRADES COUNCIL
Affiliated to the Trades Union Congress
Secretary: R. Okafor, 212 Third Street, Harwick

DEFEND THE HOSPITAL
Public Meeting
Co-operative Hall, Friday 9 May 1986, 7.30 pm
Speakers
Ruth Okafor
Thomas Greaves

The health authority plans to close the Victoria Hospital by the end of the
year. Come and hear the nurses, the porters and the doctors say why it must
stay open.

Printed and published by the Harwick Trades Council, 212 Third Street, Harwick.
"""])
    assert norm(val(f, "title")) == "defend the hospital"
    assert "subtitle" not in f and "authors" not in f and "date" not in f
    assert norm(val(f, "organization")) == norm(val(f, "publisher")) == "harwick trades council"


def test_title_over_two_lines_then_subtitle():
    f = fields(["""The Case for a Municipal
Printing Works
A Memorandum to the Borough Council
by Thomas Greaves and Alice M. Brennan
Issued by the Harwick Typographical Association, Harwick, 1931

The Borough spends more than two thousand pounds a year on printing.
"""])
    assert val(f, "title") == "The Case for a Municipal Printing Works"
    assert val(f, "subtitle") == "A Memorandum to the Borough Council"
    assert val(f, "authors") == ["Thomas Greaves", "Alice M. Brennan"]
    assert (val(f, "publisher"), val(f, "place"), val(f, "date")) == ("Harwick Typographical Association",
                                                                      "Harwick", "1931")


def test_statement_at_the_end_names_a_committee_of_the_body():
    f = fields(["""To All Members
A Statement on the Dispute

The Executive Committee has met and considered the employers' latest offer,
and recommends that it be rejected by every branch.

Issued by the Executive Committee of the Harwick Dyers' Union, 3 March 1971.
"""])
    assert val(f, "organization") == val(f, "publisher") == "Harwick Dyers' Union"
    assert val(f, "date") == "1971-03-03" and f["date"].method == "colophon"


def test_published_for_a_body_by_a_press_over_two_lines():
    page = """Women in the Trade
Published for the Women's Committee of the Harwick Trades Council
by the Cedar Row Press, Harwick, 1976

The women of the trade have never been given their due.
"""
    f = fields([page])
    assert val(f, "publisher") == "Cedar Row Press"
    assert val(f, "organization") == "Harwick Trades Council"
    assert (val(f, "place"), val(f, "date")) == ("Harwick", "1976")


def test_first_published_on_a_later_page_and_a_title_about_a_body():
    f = fields(["""A Short History of the Harwick Co-operative Society
J. R. Pelham

Chapter 1
The Society was founded in 1898 by eleven weavers.
""", """The rest of the story is well known.
""", """First published in 1998 by the Harwick Co-operative Society, Harwick.
© J. R. Pelham 1998.
"""])
    assert val(f, "authors") == ["J. R. Pelham"]
    assert val(f, "publisher") == "Harwick Co-operative Society"
    assert val(f, "date") == "1998"


@pytest.mark.parametrize("header,iso,place", [
    ("Songs for the Road\nCollected by Mary O'Neill\nThe Harwick Folk Circle\nMCMLXXI", "1971", None),
    ("The Co-operative Idea\nAn Address to the Members\nLondon, May 1937", "1937-05", "London"),
    ("May Day 1971\nA Programme of Events\nIssued by the Harwick Trades Council", None, None),
], ids=["roman-line", "place-and-month", "title-with-a-date"])
def test_title_block_date_lines(header, iso, place):
    f = fields([header + "\n\nFriends, the co-operative idea is older than any of us and will outlast us\n"
                "all if we keep faith with it, and this is what we have to say about it.\n"])
    assert val(f, "date") == iso
    assert val(f, "place") == place
    assert "organization" not in f or "idea" not in norm(val(f, "organization"))


def test_blank_cover_scan_before_the_title_page():
    f = fields(["\n  \n", "Paper Trails\nMargaret E. Whitcombe\nPublished by the Harrow Lane Press, Boston, 1988\n\n"
                "Nobody sets out to collect labour ephemera. One buys a box of old trade\njournals at a country "
                "auction, and is lost.\n"])
    assert val(f, "title") == "Paper Trails" and f["title"].evidence.page == 2
    assert (val(f, "publisher"), val(f, "date")) == ("Harrow Lane Press", "1988")


def test_the_finer_of_two_statements_of_one_date_wins():
    f = fields(["""The Workers' Library
A Handbook for Reading Circles
Education Committee Series, No. 3 — May 1937
Issued by the Ashford Vale Workers' Education League, 1937

Every branch of the League that meets in a hall with a cupboard and a key
already has the beginnings of a library.
"""])
    assert val(f, "date") == "1937-05" and f["date"].qualifiers["precision"] == "month"

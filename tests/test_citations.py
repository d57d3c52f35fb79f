"""Finding in-text citations and numbered notes, on synthetic texts, the corpus ground truth and real OCR."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from provenance.citations import FINDER_VERSION, find_citations
from tests.helpers.corpus_text import TROT_SAMPLE, ground_truth, ocr_pages, pdf_text_pages


def norm_raw(s: str) -> str:
    s = s.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"}))
    return re.sub(r"\s+", "", s)


def in_text(found):
    return [c for c in found if c.kind == "in-text"]


# ---------------------------------------------------------------- parenthetical forms
@pytest.mark.parametrize("text, author, title, year, locator", [
    ('as he said” (Furr 161).', "Furr", None, None, "161"),
    ('as he said” (Lenin, CW 20, 330-5).', "Lenin", None, None, "CW 20, 330-5"),
    ('as he said” (Lenin, CW #17 447-448).', "Lenin", None, None, "CW #17 447-448"),
    ('as he said” (Kahn and Sayers 325).', "Kahn and Sayers", None, None, "325"),
    ('as he said” (Trotsky, “A Fresh Lesson”).', "Trotsky", "A Fresh Lesson", None, None),
    ('as he said” (“Workers Vanguard”).', "Workers Vanguard", "Workers Vanguard", None, None),
    ('in the guide (Whitcombe 1988, 22).', "Whitcombe", None, "1988", "22"),
    ('in the pamphlet (American Party of Labor n.d.).', "American Party of Labor", None, None, None),
    ('the survey (Smith et al. 2001, p. 4).', "Smith et al.", None, "2001", "p. 4"),
    ('as noted (Okonkwo, 1984: 201).', "Okonkwo", None, "1984", "201"),
    ('the diary” (Trotsky, Diary in Exile 46).', "Trotsky", "Diary in Exile", None, "46"),
    ('the record (Getty-Trotsky 34 n.16).', "Getty-Trotsky", None, None, "34 n.16"),
    ('the trial” (quoted in Furr, 45-46).', "Furr", None, None, "45-46"),
    ('the leader” (Lenin, quoted in “Labour Monthly”).', "Lenin", "Labour Monthly", None, None),
    ('at the Courier (“Printers Walk Out at the Courier” 1).', "Printers Walk Out at the Courier",
     "Printers Walk Out at the Courier", None, "1"),
])
def test_parenthetical_forms(text, author, title, year, locator):
    (c,) = find_citations([text])
    assert (c.author, c.title, c.year, c.locator) == (author, title, year, locator)
    assert c.kind == "in-text" and c.page == 1
    assert text[c.start:c.end] == c.raw


def test_raw_keeps_nd_and_offsets_span_the_break():
    page = "the party's own account (American Party\nof Labor n.d.) shows it."
    (c,) = find_citations([page])
    assert c.raw == "(American Party of Labor n.d.)" and c.year is None
    assert page[c.start:c.end] == "(American Party\nof Labor n.d.)"


def test_broken_and_hyphenated_citations():
    page = ("the loans book was adopted word for word (Ashford Vale\nWorkers' Edu-\ncation League 2). "
            "It said so” (Trotsky, “A\nFresh Lesson”). And again” (Lenin, CW #27\n330).")
    raws = [c.raw for c in find_citations([page])]
    assert raws == ["(Ashford Vale Workers' Education League 2)", "(Trotsky, “A Fresh Lesson”)",
                    "(Lenin, CW #27 330)"]


@pytest.mark.parametrize("aside", [
    "a similar list (happily marking “Jew” next to certain names as we shall show), the",
    "the former leader of the party (CPUSA) and", "after the revolution (1917) the", "in Poland (1939), Norway",
    "details follow (see below).", "now co-operating with Martynov (the\nEconomist), now", "the Committee (ACDLT).",
    "with the aid of the German\nSecret Police (Gestapo). On this", "the eight\nvariations of ‘Jewish?’ "
    "(Charlie Chaplin), ‘Polish Jew,’", "(a) the number;", "of the Society (Local 48) and", "issued (May 1937) by",
    "the war years (1950-3) the", "Gol’tsman (a Soviet official and\nformer Trotskyist) met",
    "“Rivera (broke with) Trotsky in 1940.", "postcard to Joffe (1910)\nis known",
])
def test_asides_are_not_citations(aside):
    assert find_citations([aside]) == []


def test_bare_name_needs_a_quotation_or_other_evidence():
    quoted = "“the bureaucracy can be crushed only by a new revolution” (Foster)."
    assert [c.author for c in find_citations([quoted])] == ["Foster"]
    assert find_citations(["It was Foster (Foster) who spoke."]) == []
    # a bare name whose quotation mark OCR lost still counts when the same name is cited with context elsewhere
    doc = [quoted, "the masses were, he wrote, ready to move. 2s (Foster). Later"]
    assert [(c.page, c.author) for c in find_citations(doc)] == [(1, "Foster"), (2, "Foster")]


def test_ocr_damage_inside_parentheses():
    page = "“unprincipled alliance against the workers” (Lenin.382; 346). And “swine” said he” (Lenin, CW*#35 -\n285)."
    found = find_citations([page])
    assert [(c.author, c.locator) for c in found] == [("Lenin", "382, 346"), ("Lenin", "CW #35 285")]


# Degraded scans: parentheses read as braces, brackets or letters; specks and footnote marks inside or
# around a citation; digits read as letters. Strings made up for these tests, not taken from the corpus.
@pytest.mark.parametrize("text, raw, author, year, locator", [
    ("“no loan without an entry” {Whitcombe 1988, 22). The", "(Whitcombe 1988, 22)", "Whitcombe", "1988", "22"),
    ("as the minutes say” (Okonkwo, 1984: 201}. Then", "(Okonkwo, 1984: 201)", "Okonkwo", "1984", "201"),
    ("as the minutes say” {Marchetti 57}. Then", "(Marchetti 57)", "Marchetti", None, "57"),
    ("“the hall was full” CHartley 1971, 14) and so", "(Hartley 1971, 14)", "Hartley", "1971", "14"),
    ("“the hall was full” lHartley 1971, 14) and so", "(Hartley 1971, 14)", "Hartley", "1971", "14"),
    ("the case was lost” (Marsh, 212J. Then they", "(Marsh, 212)", "Marsh", None, "212"),
    ("the case was lost” (Marsh, 212| and then", "(Marsh, 212)", "Marsh", None, "212"),
    ("the case was lost” [Marsh, 212). Then they", "(Marsh, 212)", "Marsh", None, "212"),
    ("the case was lost” (Marsh, 212]. Then they", "(Marsh, 212)", "Marsh", None, "212"),
    ("said she” (Doyle, CW°#20 330). Later", "(Doyle, CW°#20 330)", "Doyle", None, "CW #20 330"),
    ("said she” (Doyle ¢214). Later", "(Doyle ¢214)", "Doyle", None, "214"),
    ("said she” (Doyle .214). Later", "(Doyle .214)", "Doyle", None, "214"),
    ("the survey (Whitcombe 198S, 22) shows", "(Whitcombe 198S, 22)", "Whitcombe", "1985", "22"),
    ("the survey (Okonkwo, l984: 2O1) shows", "(Okonkwo, l984: 2O1)", "Okonkwo", "1984", "201"),
    ("the survey (Okonkwo, I984, 3l) shows", "(Okonkwo, I984, 3l)", "Okonkwo", "1984", "31"),
    ("the record” (Marchetti’57). Then", "(Marchetti’57)", "Marchetti", None, "57"),
    ("the record” (Marchetti-57). Then", "(Marchetti-57)", "Marchetti", None, "57"),
    ("the record” (Doyle-Marsh 12-n.4). Then", "(Doyle-Marsh 12-n.4)", "Doyle-Marsh", None, "12 n 4"),
    ("the record” (Fenner and-Adeyemi 31). Then", "(Fenner and-Adeyemi 31)", "Fenner and Adeyemi", None, "31"),
    ("the record” 4Marchetti 57). Then", "(Marchetti 57)", "Marchetti", None, "57"),
    ("the record” (Doyle, SW 12,.40-1). Then", "(Doyle, SW 12,.40-1)", "Doyle", None, "SW 12, 40-1"),
    ("the record” (SW: 12, 40). Then", "(SW: 12, 40)", None, None, "SW 12, 40"),
    ("the record” (Fenner amd Adeyemi 31). Then", "(Fenner amd Adeyemi 31)", "Fenner and Adeyemi", None, "31"),
    ("the record” (quoted im Marchetti, 5-6). Then", "(quoted im Marchetti, 5-6)", "Marchetti", None, "5-6"),
])
def test_misread_parentheses_marks_and_digits(text, raw, author, year, locator):
    (c,) = find_citations([text])
    assert (c.raw, c.author, c.year, c.locator) == (raw, author, year, locator)
    assert len(text[c.start:c.end]) == len(c.raw) and text[c.start:c.end][1:-1] == c.raw[1:-1]


def test_misread_parentheses_across_lines_and_offsets():
    page = ("“the rule of the hall was no loan\nwithout an entry” {Ashford Vale\nWorkers' Edu-\ncation League 2). "
            "It said so” (Trotsky, “A\nFresh Lesson”}. And “swine” said he” CLenin, CW #27\n330).")
    found = find_citations([page])
    assert [c.raw for c in found] == ["(Ashford Vale Workers' Education League 2)", "(Trotsky, “A Fresh Lesson”)",
                                      "(Lenin, CW #27 330)"]
    assert [page[c.start] for c in found] == ["{", "(", "C"]
    assert found[2].author == "Lenin" and found[2].locator == "CW #27 330"


def test_citation_broken_across_lines_with_ocr_hyphen_and_specks():
    page = ("“the hall was full” (Ashford Vale Work¬\ners' Education League 2). Then “said he” (Marsh, CW #20\n.\n"
            "330). And “so” (Doyle, 2l4-\n2l6).")
    found = find_citations([page])
    assert [(c.raw, c.locator) for c in found] == [("(Ashford Vale Workers' Education League 2)", "2"),
                                                    ("(Marsh, CW #20 . 330)", "CW #20 330"),
                                                    ("(Doyle, 2l4-2l6)", "214-216")]


@pytest.mark.parametrize("text", [
    "He [Smith} wrote it down.", "the index {see below} gives", "the sum {a + b} is",
    "“the party is ready” {Trotsky] said so.", "Ca 1920) the", "the word CAPITAL) is",
    "an (aside that never ends J. Smith came", "the total (of 1934| and",
    "he said that “(Marsh’s] own words were plain” and", "the clerk (Whitcombe] wrote",
    "in 4Marchetti and", "of the 1Doyle) set",
])
def test_misread_marks_that_make_no_citation_are_left(text):
    assert in_text(find_citations([text])) == []


def test_intact_parentheses_are_not_moved():
    # the letters of 'CW' and the digit '1' are not taken for parentheses when the citation is whole
    found = find_citations(["“he said” (Lenin, CW 20, 331) and “then” (Ibid., 11)."])
    assert [c.raw for c in found] == ["(Lenin, CW 20, 331)", "(Ibid., 11)"]


def test_footnote_mark_between_quotation_and_citation():
    for mark in ("3", "*", "°", "¹"):
        assert [c.author for c in find_citations([f"“the hall was full”{mark} (Whitcombe) and then"])] == \
            ["Whitcombe"], mark


def test_bare_name_misread_once_is_the_name_cited_elsewhere():
    doc = ["“the hall was full” (Whitcombe). It was.", "the masses were ready to move (Whitcornbe). Later",
           "the masses were ready (Whitcomb). And the town (Boston) and"]
    assert [(c.page, c.author) for c in find_citations(doc)] == [(1, "Whitcombe"), (2, "Whitcornbe"),
                                                                 (3, "Whitcomb")]


def test_citation_across_a_page_break():
    pages = ["the loans book was adopted word for word, as “the rule of the hall was no\nloan without an entry” "
             "(Ashford Vale\n\n2\n",
             "Workers' Education League 2). The library now holds some six hundred pamphlets.\n\n3\n"]
    (c,) = find_citations(pages)
    assert (c.page, c.raw, c.author, c.locator) == (1, "(Ashford Vale Workers' Education League 2)",
                                                    "Ashford Vale Workers' Education League", "2")
    assert pages[0][c.start:c.end] == "(Ashford Vale"


def test_several_works_in_one_parenthesis():
    page = ("Later surveys confirmed it (Fenner and Adeyemi 2004;\nMarsh 2009, pp. 14-15).\n\nReferences\n\n"
            "Fenner, L., & Adeyemi, K. (2004). Dating the undated. Larkspur Academic.\n"
            "Marsh, D. (2009). Cataloguing grey literature. London: Lamplight Press.\n")
    found = find_citations([page])
    cites = in_text(found)
    assert [(c.author, c.year, c.locator) for c in cites] == [("Fenner and Adeyemi", "2004", None),
                                                               ("Marsh", "2009", "pp. 14-15")]
    assert {c.raw for c in cites} == {"(Fenner and Adeyemi 2004; Marsh 2009, pp. 14-15)"}
    assert [found[c.entry_index].author for c in cites] == ["Fenner, L., & Adeyemi, K.", "Marsh, D."]
    assert cites[1].place == "London" and cites[1].title == "Cataloguing grey literature"


def test_author_date_narrative_needs_the_reference_list():
    text = ("As Lindgren (1979) observed, collectors saved it; the Party (1919) did not, and\nFenner and "
            "Adeyemi (2004, 12) agree.\n\nReferences\n\nLindgren, P. (1979). Ephemera and the historian. "
            "Boston: Cedar Row Press.\nFenner, L., & Adeyemi, K. (2004). Dating the undated. Larkspur.\n")
    cites = in_text(find_citations([text]))
    assert [(c.raw, c.year, c.locator) for c in cites] == [("Lindgren (1979)", "1979", None),
                                                            ("Fenner and Adeyemi (2004, 12)", "2004", "12")]


def test_place_and_year_is_not_an_author_date_citation_when_the_list_lacks_it():
    text = ("Her guide (Boston, 1988) is cited (Lindgren 1979, 4).\n\nReferences\n\n"
            "Fenner, L. (2004). Dating the undated. Larkspur.\nLindgren, P. (1979). Ephemera. Boston: Cedar.\n"
            "Marsh, D. (2009). Grey literature. London: Lamplight Press.\n")
    assert [c.raw for c in in_text(find_citations([text]))] == ["(Lindgren 1979, 4)"]


def test_in_text_ibid_and_op_cit_point_back():
    found = find_citations(["“one” (Doyle, Compositors 12). “two” (Ibid., 14). “three” (ibid.). “four” "
                            "(Marchetti 5). “five” (Doyle, op. cit., 20)."])
    assert [c.entry_index for c in found] == [None, 0, 0, None, 0]
    assert [c.author for c in found] == ["Doyle", "Doyle", "Doyle", "Marchetti", "Doyle"]
    assert [c.locator for c in found] == ["12", "14", None, "5", "20"]
    assert found[4].title == "Compositors"


# ---------------------------------------------------------------- numbered notes
FOOTNOTED = [
    "The Strike Committee\n\nThe committee met nightly in the hall of the Carpenters' Union.1 Its\n"
    "minutes survive only in part, but the secretary's reports were printed in\nthe local press.2 Critics "
    "accused it of timidity (see below), a charge repeated by later\nhistorians.3\n\n"
    "1 Thomas Doyle, Compositors and Their Unions (Boston: Kestrel Books, 1948),\n112.\n2 Ibid., 115-17.\n"
    "3 Louis Marchetti, Hard Times on Front Street (Riverside: Riverside\nHistorical Society, 1949), 57.\n",
    "A strike without funds could not be prolonged.⁴ The League's handbook had said as much.⁵ The\n"
    "argument turned on the benefit fund (1909).⁶\n\n⁴ Doyle, op. cit., 120.\n"
    "⁵ Ashford Vale Workers' Education League, The Workers' Library (1937), 3.\n"
    "⁶ Marchetti, Hard Times, 60; see also Doyle, Compositors, 98.\n\n2\n",
]


def test_footnotes_with_ibid_op_cit_and_short_forms():
    found = find_citations(FOOTNOTED)
    assert all(c.kind == "note" for c in found)
    assert [c.note_number for c in found] == ["1", "2", "3", "4", "5", "6", "6"]
    first, ibid, third, opcit, fifth, short, also = found
    assert (first.author, first.title, first.place, first.publisher, first.year, first.locator) == (
        "Thomas Doyle", "Compositors and Their Unions", "Boston", "Kestrel Books", "1948", "112")
    assert first.raw == "Thomas Doyle, Compositors and Their Unions (Boston: Kestrel Books, 1948), 112."
    assert FOOTNOTED[0][first.start:first.start + 12] == "Thomas Doyle"
    assert (ibid.entry_index, ibid.title, ibid.locator) == (0, "Compositors and Their Unions", "115-17")
    assert (opcit.page, opcit.entry_index, opcit.title, opcit.locator) == (2, 0, "Compositors and Their Unions", "120")
    assert (fifth.author, fifth.year, fifth.locator) == ("Ashford Vale Workers' Education League", "1937", "3")
    assert (short.entry_index, short.title, short.year) == (2, "Hard Times on Front Street", "1949")
    assert (also.entry_index, also.locator) == (0, "98")


def test_endnotes_section():
    pages = ["Body text that cites a handbook.1 And a history.2\n\n2\n",
             "Notes\n\n1. Ashford Vale Workers' Education League, The Workers' Library: A\nHandbook for Reading "
             "Circles (1937), 12.\n2. Riverside Typographical Society, Fifty Years at the Case (Riverside:\n"
             "Riverside Typographical Society, 1952), 2.\n3. Ibid., 4.\n\n3\n"]
    found = find_citations(pages)
    assert [(c.kind, c.page, c.note_number) for c in found] == [("note", 2, "1"), ("note", 2, "2"), ("note", 2, "3")]
    assert found[0].title == "The Workers' Library: A Handbook for Reading Circles"
    assert found[1].place == "Riverside" and found[1].year == "1952"
    assert found[2].entry_index == 1 and found[2].author == "Riverside Typographical Society"


def test_numbered_lists_are_not_notes():
    pages = ["Seven points must be made. They are as follows:\n\n1) Marxist-Leninists, unlike others, do not\n"
             "attempt to jump over the stages of revolution in 1917.\n\n2) Marxist-Leninists join, support, and"
             " build the\ngeneral democratic movements.\n",
             "Selected Entries\n12. Coalition for Fair Rents. Your Rights as a Tenant. [Cleveland]: Coalition for\n"
             "Fair Rents, 1974. 8 p. Folded leaflet.\n19. Eastside Women's Action Group. Child Care Now! [n.p., "
             "ca. 1979]. 1 sheet.\n\n2\n"]
    assert find_citations(pages) == []


FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")


def _render_page(lines, notes, number, path):
    """Draw a page as a printer would: body text with raised small note numbers, a rule, footnotes."""
    from PIL import Image, ImageDraw, ImageFont

    body, sup, small = (ImageFont.truetype(str(FONT), n) for n in (38, 24, 30))
    im = Image.new("L", (2550, 3300), 255)
    d = ImageDraw.Draw(im)
    y = 250
    for line in lines:
        x = 250
        for seg in re.split(r"(\^\d+)", line):
            if seg.startswith("^"):
                d.text((x, y - 12), seg[1:], font=sup, fill=0)
                x += d.textlength(seg[1:], font=sup)
            else:
                d.text((x, y), seg, font=body, fill=0)
                x += d.textlength(seg, font=body)
        y += 62
    y = 3300 - 330 - 50 * len(notes)
    d.line((250, y - 20, 900, y - 20), fill=0, width=3)
    for num, text in notes:
        d.text((250, y - 8), num, font=sup, fill=0)
        d.text((250 + d.textlength(num, font=sup) + 6, y), text, font=small, fill=0)
        y += 50
    if number:
        d.text((1275, 3120), str(number), font=body, fill=0)
    im.save(path)
    return str(path)


@pytest.mark.tesseract
def test_footnotes_with_superscripts_on_ocr(tmp_path):
    """Superscript note numbers often come out of OCR as plain digits or as '?': the notes are still found."""
    if not FONT.is_file():
        pytest.skip(f"font {FONT} not installed (Debian package fonts-dejavu-core)")
    p1 = _render_page(["The strike committee met nightly in the hall of the Carpenters' Union.^1 Its",
                       "minutes survive only in part, but the secretary's reports were printed",
                       "in the local press and later collected by the union.^2 Contemporary critics",
                       "accused the committee of timidity, a charge repeated by historians.^3"],
                      [("1", "Thomas Doyle, Compositors and Their Unions (Boston: Kestrel Books, 1948), 112."),
                       ("2", "Ibid., 115-17."),
                       ("3", "Louis Marchetti, Hard Times on Front Street (Riverside, 1949), 57.")], None,
                      tmp_path / "p1.png")
    p2 = _render_page(["A strike without funds could not be prolonged.^4 The League's handbook had",
                       "said as much a decade earlier.^5"],
                      [("4", "Doyle, op. cit., 120."),
                       ("5", "Ashford Vale Workers' Education League, The Workers' Library (1937), 3.")], 2,
                      tmp_path / "p2.png")
    found = find_citations(ocr_pages([(p1, None), (p2, None)]))
    assert [(c.kind, c.page, c.note_number) for c in found] == [("note", 1, str(n)) for n in (1, 2, 3)] + [
        ("note", 2, "4"), ("note", 2, "5")]
    assert found[0].author == "Thomas Doyle" and found[0].year == "1948" and found[0].place == "Boston"
    assert found[1].entry_index == 0 and found[3].entry_index == 0
    assert found[2].place == "Riverside" and found[4].year == "1937"


# ---------------------------------------------------------------- the corpus
def test_finder_version_is_set():
    assert FINDER_VERSION and isinstance(FINDER_VERSION, str)


def test_companions_ground_truth_citations(corpus, manifest):
    for doc in manifest.values():
        expected = doc["expected"].get("citations")
        if expected is None:
            continue
        found = in_text(find_citations(ground_truth(corpus, doc)))
        assert [(c.page, norm_raw(c.raw)) for c in found] == [(e["page"], norm_raw(e["raw"])) for e in expected]


# The seed document: 115 parenthesised spans in the ground truth, of which these 20 are not citations
# (asides, glosses, bare dates, an acronym); the other 95 are.
TROT_NOT_CITATIONS = {
    "(or crimes against the working class)", "(happily marking “Jew” next to certain names as we shall show)",
    "(the Economist)", "(i.e., he was in once more with the Mensheviks)", "(1910)", "(Charlie Chaplin)",
    "(not for the first time)", "(whom Trotsky would have an affair with)", "(ACDLT)", "(broke with)",
    "(1931)", "(1935)", "(1938)", "(1939)", "(1940)", "(a Soviet official and former Trotskyist)",
    "(Gestapo)", "(1950-3)", "(and by proxy the entire proceedings of the Moscow Trials)",
}


def _trot_expected(pages: list[str]) -> list[tuple[int, str]]:
    out = []
    for i, text in enumerate(pages, 1):
        for m in re.finditer(r"\([^()]*\)", text):
            raw = re.sub(r"\s+", " ", m.group())
            if raw not in TROT_NOT_CITATIONS and not raw.startswith("(giving the pig"):
                out.append((i, raw))
    return out


def test_seed_document_ground_truth(corpus, manifest):
    pages = ground_truth(corpus, manifest["on-trotskyites"])
    expected = _trot_expected(pages)
    assert len(expected) == 95
    found = in_text(find_citations(pages))
    assert [(c.page, c.raw) for c in found] == expected
    by_raw = {c.raw: c for c in found}
    assert by_raw["(Trotsky The Revolution Betrayed, 215)"].title == "The Revolution Betrayed"
    assert by_raw["(Lenin CW 23, 80)"].locator == "CW 23, 80"
    assert by_raw["(CW 20, 346-7)"].author is None


def test_seed_document_text_layer(corpus, manifest):
    """The born-digital text layer gives the same citations as the ground truth."""
    pages = list(pdf_text_pages(str(corpus / "on-trotskyites" / "digital.pdf")))
    expected = _trot_expected(ground_truth(corpus, manifest["on-trotskyites"]))
    found = in_text(find_citations(pages))
    assert [(c.page, norm_raw(c.raw)) for c in found] == [(p, norm_raw(r)) for p, r in expected]


def test_companion_text_layer(corpus, manifest):
    doc = manifest["ellery-collection-catalogue"]
    pages = list(pdf_text_pages(str(corpus / doc["files"][0])))
    found = in_text(find_citations(pages))
    assert [norm_raw(c.raw) for c in found] == [norm_raw(e["raw"]) for e in doc["expected"]["citations"]]


def fuzzy_pr(expected: list[tuple[int, str]], found: list[tuple[int, str]], cutoff: float = 85) -> tuple[float, float]:
    """Precision and recall, matching raw strings per page with a tolerance for OCR letter errors."""
    used: set[int] = set()
    tp = 0
    for page, raw in expected:
        best = max(((fuzz.ratio(norm_raw(raw), norm_raw(r)), j) for j, (p, r) in enumerate(found)
                    if p == page and j not in used), default=(0, -1))
        if best[0] >= cutoff:
            used.add(best[1])
            tp += 1
    return tp / max(len(found), 1), tp / max(len(expected), 1)


@pytest.mark.tesseract
def test_seed_document_scanned_sample(corpus, manifest):
    """On OCR of scanned.pdf pages, precision and recall of in-text citations are at least 0.95."""
    pdf = str(corpus / "on-trotskyites" / "scanned.pdf")
    texts = ocr_pages([(pdf, p) for p in TROT_SAMPLE])
    pages = [""] * manifest["on-trotskyites"]["page_count"]
    for p, t in zip(TROT_SAMPLE, texts):
        pages[p - 1] = t
    expected = [e for e in _trot_expected(ground_truth(corpus, manifest["on-trotskyites"])) if e[0] in TROT_SAMPLE]
    found = [(c.page, c.raw) for c in in_text(find_citations(pages))]
    precision, recall = fuzzy_pr(expected, found)
    assert precision >= 0.95 and recall >= 0.95, (precision, recall, found)

"""Description from the page's layout: the title as the dominant type, what is set smaller above it
(series, kicker, the issuing body), subtitles and bylines by size, colophon lines set apart by type,
evidence boxes; and that the same text without a layout reads as before.

Every document here is invented. Layouts are built as a text layer's would be (one layout line per
printed line, sizes in points), so no OCR runs; bench/layout_metadata.py measures the same on
rendered and OCR'd pages.
"""

from __future__ import annotations

from archive.store.layout import Layout, Line, Word
from provenance.metadata import extract_metadata
from provenance.metadata.typeset import page_type
from provenance.text import page_lines


def typeset(spec: list[tuple[str, float] | tuple[str, float, bool] | str], *, ocr: dict[int, float] | None = None
            ) -> tuple[str, Layout]:
    """(page text, layout) of lines given as (text, size[, bold]); "" is a blank line (a gap). With `ocr`,
    an OCR'd page: every word has confidence 95 unless its line (by position in spec) is given one."""
    lines, texts, y = [], [], 72.0
    for item in spec:
        if item == "":
            texts.append("")
            y += 14
            continue
        text, size, *rest = item
        bold = rest[0] if rest else False
        conf = None if ocr is None else ocr.get(spec.index(item), 95.0)
        x, words = 72.0, []
        for w in text.split():
            width = 0.5 * size * len(w)
            words.append(Word(w, (round(x), round(y), round(x + width), round(y + size)), conf))
            x += width + 0.25 * size
        lines.append(Line(tuple(words), (words[0].box[0], round(y), words[-1].box[2], round(y + size)),
                          par=len(lines), size=size, bold=bold))
        texts.append(text)
        y += size * 1.3
    return "\n".join(texts), Layout(612, 792, "pt", "pdf-text-layer", tuple(lines))


BODY = [("When the first power looms came to the upper valley the hand-loom weavers of the", 11),
        ("hill farms lost most of their trade within a generation. This pamphlet follows the", 11),
        ("families who stayed and the mills that took them in.", 11)]

SERIES = [("STUDIES IN LOCAL LABOUR HISTORY", 9), ("The Weavers of Calder Vale", 24, True),
          ("Strikes and Lock-outs in the Upper Valley", 14), ("Margaret Holroyd", 12), "", *BODY]


def got(spec, *, layout=True) -> dict:
    text, lay = typeset(spec)
    return {f.field: f for f in extract_metadata([text], [lay] if layout else None)}


def test_series_set_small_above_the_title_is_the_series_not_the_title():
    f = got(SERIES)
    assert f["title"].value == "The Weavers of Calder Vale"
    assert f["series"].value == "STUDIES IN LOCAL LABOUR HISTORY" and f["series"].evidence.text == f["series"].value
    assert f["subtitle"].value == "Strikes and Lock-outs in the Upper Valley"
    assert f["authors"].value == ["Margaret Holroyd"]


def test_without_the_layout_the_same_text_reads_as_it_did():
    f = got(SERIES, layout=False)
    assert f["title"].value == "STUDIES IN LOCAL LABOUR HISTORY"      # the wording alone cannot tell
    assert "series" not in f


def test_evidence_keeps_its_box_on_the_page():
    text, lay = typeset(SERIES)
    f = {v.field: v for v in extract_metadata([text], [lay])}
    title_line = lay.lines[1]
    assert f["title"].evidence.box == title_line.box
    # a span inside a line has the box of its words only
    assert f["series"].evidence.box == lay.lines[0].box


def test_a_kicker_above_the_title_is_left_out_and_the_body_above_it_is_the_organization():
    f = got([("BEESTON TENANTS' ASSOCIATION", 10, True), ("Special Report", 9),
             ("Damp Homes, Cold Comfort", 22, True), ("A Survey of Housing Conditions on the Estates", 13),
             ("Peter Lumb and Anne Kettlewell", 11), "", *BODY, "",
             ("Published by the Association, Winter 1981", 9)])
    assert f["title"].value == "Damp Homes, Cold Comfort"
    assert f["subtitle"].value == "A Survey of Housing Conditions on the Estates"
    assert f["authors"].value == ["Peter Lumb", "Anne Kettlewell"]
    assert f["organization"].value == "BEESTON TENANTS' ASSOCIATION"
    # "the Association" of the imprint is the body the page names in full
    assert f["publisher"].value == "BEESTON TENANTS' ASSOCIATION" and f["publisher"].method == "colophon"
    assert f["date"].value == "1981" and f["date"].qualifiers["season"] == "winter"


def test_a_centre_whose_name_reads_like_a_title_is_a_body_when_set_small_above_the_title():
    f = got([("CENTRE FOR THE STUDY OF POPULAR PRINT", 9), ("Occasional Papers in Print Culture", 10),
             ("Chapbooks and the Country Carrier", 20, True), ("Ruth Sutcliffe", 12),
             ("Issued 3rd March 1971", 10), "", *BODY])
    assert f["title"].value == "Chapbooks and the Country Carrier"
    assert f["series"].value == "Occasional Papers in Print Culture"
    assert f["organization"].value == "CENTRE FOR THE STUDY OF POPULAR PRINT"
    assert f["date"].value == "1971-03-03"


def test_a_numbered_series_line_keeps_its_number():
    f = got([("Occasional Paper No. 3", 10), ("The Carriers of the Dales", 20, True), ("Ruth Sutcliffe", 12),
             "", *BODY])
    assert f["series"].value == "Occasional Paper" and f["series"].qualifiers == {"number": "3"}
    assert f["title"].value == "The Carriers of the Dales"


def test_a_display_title_over_two_lines_is_one_title_and_a_smaller_line_under_it_is_not_part_of_it():
    f = got([("THE RAILWAY", 36, True), ("CLERK", 36, True), ("Journal of the Northern Clerks' Circle", 11),
             "", *BODY])
    assert f["title"].value == "THE RAILWAY CLERK"
    assert f["organization"].value == "Northern Clerks' Circle"


def test_a_foot_line_set_apart_by_type_on_a_flyer_is_read_as_its_imprint():
    spec = [("SAVE OUR BATHS!", 44, True), "",
            ("The council plans to close the public baths on Church Street at the end of the", 13),
            ("summer. Come and tell the councillors what the baths mean to you.", 13),
            ("PUBLIC MEETING", 18, True), ("Thursday 14th March at 7.30 pm, St Mary's Hall", 13),
            ("Issued by the Hunslet Residents' Action Group, 1974", 10)]
    f = got(spec)
    assert f["title"].value == "SAVE OUR BATHS!" and "authors" not in f
    assert f["organization"].value == "Hunslet Residents' Action Group"
    assert f["publisher"].value == "Hunslet Residents' Action Group"
    assert f["date"].value == "1974" and f["date"].method == "colophon"
    assert "organization" not in got(spec, layout=False)     # the text alone runs on from the event line


def test_type_sizes_are_matched_to_the_text_by_words_even_when_line_breaks_differ():
    text, lay = typeset(SERIES)
    # the text layer's text breaks a line where the layout does not
    text2 = text.replace("Strikes and Lock-outs ", "Strikes and Lock-outs\n")
    lines = [ln for ln in page_lines([text2])[0] if ln.text]
    pt = page_type(lines, lay)
    assert pt is not None and pt.body_size == 11
    sizes = {ln.text: pt.size(ln.index) for ln in lines}
    assert sizes["The Weavers of Calder Vale"] == 24 and sizes["in the Upper Valley"] == 14


def test_a_layout_of_another_text_is_not_used():
    text, _ = typeset(SERIES)
    _, other = typeset([("Something else entirely set in large type", 30), *BODY[:1]])
    lines = [ln for ln in page_lines([text])[0] if ln.text]
    assert page_type(lines, other) is None


FLYER_OCR = [("IN@ INEINT IRUSIE", 108), ("Tenants Unite", 29), "",
             ("Rents on the council estates are to go up by a quarter in April. Many tenants", 24),
             ("already pay a third of their wages in rent. We say no rise until the repairs are", 24),
             ("done.", 24), "", ("Issued by the Leeds Joint Tenants' Committee, 1975", 19)]


def fields_ocr(spec, conf: dict[int, float]) -> dict:
    text, lay = typeset(spec, ocr=conf)
    return {f.field: f for f in extract_metadata([text], [lay])}


def test_display_type_ocr_could_not_read_is_no_title_rather_than_garbage():
    f = fields_ocr(FLYER_OCR, {0: 35.0})
    assert "title" not in f and "authors" not in f
    assert f["subtitle"].value == "Tenants Unite"
    assert f["organization"].value == "Leeds Joint Tenants' Committee" and f["date"].value == "1975"
    # read well, the same line is the title
    assert fields_ocr(FLYER_OCR, {0: 91.0})["title"].value == "IN@ INEINT IRUSIE"


def test_display_type_read_as_specks_does_not_make_the_text_under_it_a_title():
    spec = [(".~ :' ,; .", 110), "", ("Tenants Unite", 24), "", *FLYER_OCR[3:]]
    f = fields_ocr(spec, {})
    assert "title" not in f and "authors" not in f and "subtitle" not in f
    assert f["publisher"].value == "Leeds Joint Tenants' Committee"
    text, _ = typeset(spec)
    assert {v.field: v for v in extract_metadata([text])}["title"].value == "Tenants Unite"   # the text alone


def test_a_year_ocr_could_not_read_leaves_the_imprint_standing_without_a_date():
    spec = FLYER_OCR[:-1] + [("Issued by the Leeds Joint Tenants' Committee, 1Q75", 19)]
    f = fields_ocr(spec, {})
    assert f["publisher"].value == "Leeds Joint Tenants' Committee" and "date" not in f


def test_the_author_named_small_above_the_title_as_a_cover_sets_it():
    f = got([("Margaret Holroyd", 12), ("The Weavers of Calder Vale", 28, True), "", *BODY])
    assert f["title"].value == "The Weavers of Calder Vale" and f["authors"].value == ["Margaret Holroyd"]


def test_a_headline_larger_than_the_nameplate_of_a_newsletter_is_not_its_title():
    f = got([("The Tenants' Voice", 24, True), ("Newsletter of the Kirkstall Estates Tenants' Association", 10),
             ("Vol. 3, No. 2 - Spring 1983", 10), ("RENT RISE DEFEATED", 36, True), "", *BODY])
    assert f["title"].value == "The Tenants' Voice"
    assert f["date"].value == "1983"


def test_a_first_heading_in_the_style_of_the_later_headings_is_not_a_subtitle():
    spec = [("On the Weavers", 24, True), ("The Early Years", 14, True), "", *BODY, "",
            ("The Lock-out of 1890", 14, True), *BODY]
    assert "subtitle" not in got(spec)
    assert got(spec[:2] + ["", *BODY])["subtitle"].value == "The Early Years"


def test_a_body_over_a_display_title_that_names_an_event_issues_it_and_is_not_the_venue():
    f = got([("NORTHERN COUNCIL FOR ADULT EDUCATION", 10), ("Annual Conference", 28, True),
             ("Programme and Papers", 15), ("Spring 1968", 11), "", *BODY, "",
             ("Published by the Council, Ilkley", 9)])
    assert f["title"].value == "Annual Conference" and f["subtitle"].value == "Programme and Papers"
    assert f["organization"].value == "NORTHERN COUNCIL FOR ADULT EDUCATION"
    assert f["publisher"].value == "NORTHERN COUNCIL FOR ADULT EDUCATION" and f["place"].value == "Ilkley"


def test_a_title_read_with_low_confidence_stands_when_the_text_uses_its_words():
    spec = [("SAVE OUR BATHS!", 108), "", ("Come to the meeting and help us save our baths from closure", 24),
            ("by the council this summer, for the children of the district.", 24)]
    assert fields_ocr(spec, {0: 40.0})["title"].value == "SAVE OUR BATHS!"


def test_a_logo_read_as_specks_over_a_display_title_leaves_the_title_be():
    spec = [(".~ :' ,; .", 200), ("The Weavers of Calder Vale", 60), "", *[(t, 24) for t, _ in BODY]]
    assert fields_ocr(spec, {})["title"].value == "The Weavers of Calder Vale"


def test_a_name_that_opens_a_paragraph_is_the_text_not_a_byline():
    spec = [("MINERS' RALLY", 40, True), "", ("Tom Mann", 11),
            ("spoke at the Town Hall last night to a crowd of two thousand workers who", 11),
            ("came to hear him on the eight-hour day and the strike in the coalfield.", 11)]
    assert "authors" not in got(spec)
    text, _ = typeset(spec)
    assert {v.field: v for v in extract_metadata([text])}["authors"].value == ["Tom Mann"]   # the text alone
    # set apart under the title, the same name is the byline
    assert got([spec[0], ("Tom Mann", 13), "", *spec[3:]])["authors"].value == ["Tom Mann"]


def test_on_an_ocr_page_a_title_in_capitals_is_measured_by_its_type_not_its_cap_height():
    # OCR boxes: capitals fill about 3/4 of the height of a line in upper and lower case of one size,
    # so a title in capitals at 1.5 times the text's size has a box only 1.1 times as tall.
    spec = [("LEEDS TRADES COUNCIL", 21), ("THE CASE FOR THE MUNICIPAL BATHS", 33), "",
            *[(t, 30) for t, _ in BODY]]
    text, lay = typeset(spec, ocr={})
    lay = Layout(lay.width, lay.height, "px", "tesseract", lay.lines)
    f = {v.field: v for v in extract_metadata([text], [lay])}
    assert f["title"].value == "THE CASE FOR THE MUNICIPAL BATHS"
    assert f["organization"].value == "LEEDS TRADES COUNCIL"

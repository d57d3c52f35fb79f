"""Invented one- and two-page documents in layouts the shared corpus lacks, set in varied type, with
the description a cataloguer would record from each: for bench/layout_metadata.py.

Each document is a list of pages; a page is a list of `Block`s set top to bottom. A block is one
printed line (or a paragraph, wrapped to its column) in a type size (pt), bold or not, centred or
not, across the page or in the left or right column of a two-column page. Nothing here is copied
from the corpus; the names, places and dates are made up.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Block:
    text: str
    size: float = 11.0
    bold: bool = False
    center: bool = False
    col: int = 0            # 0: across the page; 1, 2: left, right column
    gap: float = 0.0        # extra space above, in points
    para: bool = False      # wrap to the column width
    outline: bool = False   # display type drawn in outline (scans only: a text layer is text however drawn)


@dataclass(frozen=True)
class LayoutDoc:
    id: str
    what: str
    pages: list[list[Block]]
    expect: dict
    hard: bool = False      # also rendered as a hard scan (low contrast, noise, speckles)
    notes: dict = field(default_factory=dict)


def expect(title=None, subtitle=None, series=None, authors=(), organization=None, publisher=None, place=None,
           date=None) -> dict:
    return {"title": title, "subtitle": subtitle, "series": series, "authors": list(authors),
            "organization": organization, "publisher": publisher, "place": place, "date": date}


def _body(*paras: str, size: float = 11.0, col: int = 0) -> list[Block]:
    return [Block(p, size, col=col, gap=6, para=True) for p in paras]


SERIES_ABOVE = LayoutDoc(
    "series-above-title", "a pamphlet whose series line, set small above the title, carries no number",
    [[Block("STUDIES IN LOCAL LABOUR HISTORY", 9, center=True),
      Block("The Weavers of Calder Vale", 24, bold=True, center=True, gap=18),
      Block("Strikes and Lock-outs in the Upper Valley", 14, center=True, gap=6),
      Block("Margaret Holroyd", 12, center=True, gap=14),
      *_body("When the first power looms came to the upper valley the hand-loom weavers of the hill farms "
             "lost most of their trade within a generation. This pamphlet follows the families who stayed, "
             "the mills that took them in, and the long quarrel over piece rates that ran from the eighteen "
             "eighties to the war.",
             "Most of what follows comes from the minute books of the weavers' association, which were kept "
             "in a chapel vestry until they were given to the public library, and from the memories of men "
             "and women who worked in the sheds as children.", size=11),
      Block("Published by the Calder Vale Local History Society, Hebden Bridge, 1978", 9, center=True, gap=40)]],
    expect("The Weavers of Calder Vale", "Strikes and Lock-outs in the Upper Valley",
           "Studies in Local Labour History", ["Margaret Holroyd"], "Calder Vale Local History Society",
           "Calder Vale Local History Society", "Hebden Bridge", "1978"))

MASTHEAD_WORDS = LayoutDoc(
    "masthead-date-in-words", "a two-column newsletter whose masthead dates it in words; the imprint names "
    "its body by a short form",
    [[Block("THE CLARION CALL", 30, bold=True, center=True),
      Block("Newsletter of the Wharfedale Ramblers' Circle", 11, center=True, gap=4),
      Block("Number Twelve - The Twelfth of May, Nineteen Seventy-Four", 10, center=True, gap=4),
      Block("THE MOOR PATH", 12, bold=True, col=1, gap=18),
      *_body("The footpath over the moor from the station to the tarn has been closed again by the new "
             "owner of the grouse shooting. The committee has written to the county council asking that "
             "the right of way be marked and opened.", size=10, col=1),
      Block("SUMMER WALKS", 12, bold=True, col=1, gap=10),
      *_body("Walks leave from the bridge at nine o'clock on the first and third Sunday of each month. "
             "Bring food and a waterproof; boots are needed on the longer walks.", size=10, col=1),
      Block("SUBSCRIPTIONS", 12, bold=True, col=2, gap=18),
      *_body("Members who have not yet paid this year's subscription are reminded that it is now due. "
             "The treasurer will take payment at any walk or at the meeting in the Institute.", size=10, col=2),
      Block("NEW MEMBERS", 12, bold=True, col=2, gap=10),
      *_body("We welcome eleven new members since the last issue, four of them from the youth hostel "
             "group, and hope to see them on the hills before long.", size=10, col=2),
      Block("Printed and published by the Circle, 14 Brook Street, Otley", 8, center=True, gap=30)]],
    expect("The Clarion Call", None, None, [], "Wharfedale Ramblers' Circle", "Wharfedale Ramblers' Circle",
           "Otley", "1974-05-12"))

FLYER = LayoutDoc(
    "display-flyer", "a one-page flyer: display-type title, body text under it, the issuer at the foot",
    [[Block("SAVE OUR BATHS!", 44, bold=True, center=True),
      *_body("The council plans to close the public baths on Church Street at the end of the summer. "
             "Hundreds of families who have no bathroom at home depend on them, and the swimming club "
             "has taught the children of this district to swim for fifty years.",
             "Come and tell the councillors what the baths mean to you. Write to your councillor, sign the "
             "petition at the baths office, and bring your neighbours to the meeting.", size=13),
      Block("PUBLIC MEETING", 18, bold=True, center=True, gap=18),
      Block("Thursday 14th March at 7.30 pm, St Mary's Hall", 13, center=True, gap=4),
      Block("Issued by the Hunslet Residents' Action Group, 1974", 10, center=True, gap=40)]],
    expect("Save Our Baths!", None, None, [], "Hunslet Residents' Action Group",
           "Hunslet Residents' Action Group", None, "1974"),
    hard=True)

OUTLINE_FLYER = LayoutDoc(
    "outline-display-flyer", "a one-page flyer whose display title is set in outline letters; on a hard scan "
    "OCR cannot read it",
    [[Block("NO RENT RISE", 54, bold=True, center=True, outline=True),
      Block("Tenants Unite", 16, bold=True, center=True, gap=10),
      *_body("Rents on the council estates are to go up by a quarter in April. Many tenants already pay a "
             "third of their wages in rent. We say no rise until the repairs are done.", size=13),
      Block("MARCH AND RALLY", 18, bold=True, center=True, gap=16),
      Block("Saturday 2nd March, assemble at 11 am on Woodhouse Moor", 12, center=True, gap=4),
      Block("Issued by the Leeds Joint Tenants' Committee, 1975", 10, center=True, gap=40)]],
    expect("No Rent Rise", "Tenants Unite", None, [], "Leeds Joint Tenants' Committee",
           "Leeds Joint Tenants' Committee", None, "1975"),
    hard=True)

KICKER = LayoutDoc(
    "kicker-and-short-form", "a report with the body's name and a kicker above the title, names under it "
    "without 'by', and an imprint that names the body by its head noun",
    [[Block("BEESTON TENANTS' ASSOCIATION", 10, bold=True, center=True),
      Block("Special Report", 9, center=True, gap=4),
      Block("Damp Homes, Cold Comfort", 22, bold=True, center=True, gap=16),
      Block("A Survey of Housing Conditions on the Beeston Estates", 13, center=True, gap=6),
      Block("Peter Lumb and Anne Kettlewell", 11, center=True, gap=12),
      *_body("Between October and December volunteers called at every fourth house on the three estates and "
             "asked the same twelve questions about damp, heating and repairs. Nearly two thirds of the "
             "households reported damp in at least one room, and one in five had a child whose asthma the "
             "family doctor put down to the damp.",
             "We set out what we found, what the tenants told us, and what we are asking the housing "
             "committee to do before another winter.", size=11),
      Block("Published by the Association, Winter 1981", 9, center=True, gap=40)]],
    expect("Damp Homes, Cold Comfort", "A Survey of Housing Conditions on the Beeston Estates", None,
           ["Peter Lumb", "Anne Kettlewell"], "Beeston Tenants' Association", "Beeston Tenants' Association",
           None, "1981"))

ROMAN = LayoutDoc(
    "title-page-roman-imprint", "a book-like title page with the imprint stacked at its foot and the year "
    "in roman numerals",
    [[Block("Thrift and Fellowship", 26, bold=True, center=True, gap=80),
      Block("Essays on the Early Friendly Societies", 14, center=True, gap=10),
      Block("by Arthur Wainwright", 12, center=True, gap=30),
      Block("LONDON", 11, center=True, gap=200),
      Block("THE FELLOWSHIP PRESS", 11, center=True, gap=4),
      Block("MCMLXXI", 11, center=True, gap=4)],
     [Block("Preface", 13, bold=True, center=True),
      *_body("These essays were first given as lectures to the members of a friendly society in the north of "
             "England, most of whom knew more of the subject than their lecturer. They are printed as they "
             "were given, with a few notes added where the audience asked for them.",
             "The societies began as clubs that met in public houses and paid out to members who fell sick "
             "or to the widows of those who died. Some grew into great orders with lodges in every town.",
             size=11)]],
    expect("Thrift and Fellowship", "Essays on the Early Friendly Societies", None, ["Arthur Wainwright"],
           None, "Fellowship Press", "London", "1971"))

ANNUAL = LayoutDoc(
    "annual-report-range", "an annual report dated by a financial year ('1970-71') under its title",
    [[Block("HARWICK TRADES COUNCIL", 12, bold=True, center=True),
      Block("Annual Report", 26, bold=True, center=True, gap=14),
      Block("1970-71", 16, center=True, gap=6),
      *_body("The year under report has been one of the busiest in the history of the Council. Affiliations "
             "rose by nine branches, the unemployment centre opened in the old co-operative hall, and "
             "delegates took part in the campaign against the industrial relations bill.",
             "The Executive Committee thanks the delegates, the branch secretaries and the staff of the "
             "centre for their work through a difficult year.", size=11)]],
    expect("Annual Report", None, None, [], "Harwick Trades Council", None, None, "1970"))

PAPER = LayoutDoc(
    "centre-series-paper", "a working paper under its centre's name and an unnumbered series line, "
    "the author's name alone under the title and an issue date in an ordinal form",
    [[Block("CENTRE FOR THE STUDY OF POPULAR PRINT", 9, center=True),
      Block("Occasional Papers in Print Culture", 10, center=True, gap=3),
      Block("Chapbooks and the Country Carrier", 20, bold=True, center=True, gap=20),
      Block("Ruth Sutcliffe", 12, center=True, gap=10),
      Block("Issued 3rd March 1971", 10, center=True, gap=6),
      *_body("The chapbooks sold at country fairs reached their readers by many roads, but the carrier's "
             "cart was the most regular of them. This paper uses the day books of two carriers who worked "
             "between the market towns of the dales to ask who bought cheap print and how often.",
             "The day books record parcels of 'small books' and 'ballads' sent on from a printer in York "
             "to village shops, with the sums paid and the names of the shopkeepers.", size=11)]],
    expect("Chapbooks and the Country Carrier", None, "Occasional Papers in Print Culture", ["Ruth Sutcliffe"],
           "Centre for the Study of Popular Print", "Centre for the Study of Popular Print", None, "1971-03-03"))

# Added after the rules were written, as a check on layouts they were not made on (see LAYOUT_METADATA.md).
PROGRAMME = LayoutDoc(
    "conference-programme", "a conference programme under its council's name, dated by a season",
    [[Block("NORTHERN COUNCIL FOR ADULT EDUCATION", 10, center=True),
      Block("Annual Conference", 28, bold=True, center=True, gap=20),
      Block("Programme and Papers", 15, center=True, gap=8),
      Block("Spring 1968", 11, center=True, gap=8),
      *_body("The conference opens on Friday evening with an address on the future of the tutorial class, "
             "and continues on Saturday with four sessions on the teaching of economics, local history, "
             "literature and music to adult students.",
             "Delegates are asked to bring the papers printed here, which will not be read aloud.", size=11),
      Block("Published by the Council, Ilkley", 9, center=True, gap=40)]],
    expect("Annual Conference", "Programme and Papers", None, [], "Northern Council for Adult Education",
           "Northern Council for Adult Education", "Ilkley", "1968"))

SONGS = LayoutDoc(
    "song-sheet", "a song sheet with its club's name above the title, a compiler, and a printer's imprint "
    "made for the club, dated in an ordinal form",
    [[Block("KEIGHLEY HIKING CLUB", 10, bold=True, center=True),
      Block("Songs of the Road", 30, bold=True, center=True, gap=18),
      Block("A Song Sheet for Hikers", 14, center=True, gap=8),
      Block("Compiled by Tom Ackroyd", 11, center=True, gap=10),
      *_body("These songs are sung on the club's walks and at the hut on winter evenings. Most of them were "
             "learned from older members; a few were written by members for the club's outings.",
             "The tunes are well known, and the words are printed here so that new members may join in.",
             size=11),
      Block("Printed for the Club by the Valley Press, Keighley, March the 3rd, 1971", 8, center=True,
            gap=40)]],
    expect("Songs of the Road", "A Song Sheet for Hikers", None, ["Tom Ackroyd"], "Keighley Hiking Club",
           "Keighley Hiking Club", "Keighley", "1971-03-03"))

DOCS = [SERIES_ABOVE, MASTHEAD_WORDS, FLYER, OUTLINE_FLYER, KICKER, ROMAN, ANNUAL, PAPER, PROGRAMME, SONGS]

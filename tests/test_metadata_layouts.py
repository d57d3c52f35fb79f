"""Metadata extraction on layouts the corpus lacks: mastheads, letterheads, colophons after references,
edition statements, date forms, bylines; clean, OCR-damaged, and through `archive ingest`.

Every document here is invented. Each carries the values a cataloguer would record from it, and None
(or [] for authors) where the document does not state a field: a wrong value is worse than none.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import pytest

from provenance.metadata import FieldValue, extract_metadata
from tests.helpers.cli import ingest_and_show

CHECKED = ("title", "authors", "organization", "publisher", "place", "date")


@dataclass(frozen=True)
class Doc:
    id: str
    pages: list[str]
    expect: dict
    date_quals: dict = field(default_factory=dict)     # qualifiers the date must carry


def expect(title=None, subtitle=None, authors=(), organization=None, publisher=None, place=None, date=None):
    return {"title": title, "subtitle": subtitle, "authors": list(authors), "organization": organization,
            "publisher": publisher, "place": place, "date": date}


# --- the documents --------------------------------------------------------------------------------

# A two-column newsletter: the masthead runs across the page, then OCR gives the left column, then
# the right one; the narrow columns make short lines that look like a title block.
NEWSLETTER = Doc("newsletter-two-column", ["""THE TENANTS' VOICE
Newsletter of the Kirkstall Estates Tenants' Association
Vol. 3, No. 2 — Spring 1983

RENT RISE DEFEATED
After six months of pressure the
council has withdrawn its plan to
raise rents on the three estates by
ten per cent. The Association thanks
every tenant who signed the petition
or came to the lobby of the Civic Hall
on the 14th of January.
WHAT NEXT?
The committee meets on Tuesday to
decide how to press the repairs claim.
Members are asked to bring their own
lists of repairs and any letters from
the housing office.
REPAIRS SURGERY
Every Thursday from six o'clock in
the community room, two members of
the committee take down repairs and
chase them with the housing office.
DIARY
March 8 — General meeting, 7.30 pm
March 22 — Jumble sale, Church Hall
""", """The Association was formed in 1979
and now has four hundred members in
every block on the three estates.

2
"""], expect(title="THE TENANTS' VOICE", organization="Kirkstall Estates Tenants' Association", date="1983"),
    {"precision": "year", "approximate": True, "season": "spring"})

# A flyer under a letterhead: the date in it is the date of the advice sessions, not of the flyer.
FLYER = Doc("flyer-letterhead-event", ["""BRISTOL CLAIMANTS' UNION
c/o 32 Stokes Croft, Bristol BS1 3QD

KNOW YOUR RIGHTS
Free advice on benefits and appeals

Every Wednesday from 2 to 5 pm, starting 7th May 1980,
at the Docklands Settlement, Stokes Croft.

Claimants are entitled to help with heating, clothing and furniture, and
many never claim what is theirs. Come along and bring your giro book.
"""], expect(title="KNOW YOUR RIGHTS", subtitle="Free advice on benefits and appeals",
             organization="BRISTOL CLAIMANTS' UNION"))

# An author-date booklet: a corporate body alone under the byline, and the imprint after the references.
BOOKLET = Doc("author-date-imprint-after-references", [
    """Housing the Movement
Tenant Organizing in Leeds, 1968-1975

by Rosa Delgado and Tom Firth

Leeds Tenants' Federation

Tenant organizing in the city grew out of the rent strikes of 1968
(Hartley 1971, 45). As Morgan (1974) argued, the estates were built in
haste and let in a hurry, and the tenants' associations were born in the
queues at the rent office.
""", """The first rent strike lasted eleven weeks.

References
Hartley, J. (1971). Rent and Revolt. London: Pluto Press.
Morgan, K. (1974). The Estates. Leeds: Northern Press.

Published by the Leeds Tenants' Federation, Leeds, October 1979.

2
"""], expect(title="Housing the Movement", subtitle="Tenant Organizing in Leeds, 1968-1975",
             authors=["Rosa Delgado", "Tom Firth"], organization="Leeds Tenants' Federation",
             publisher="Leeds Tenants' Federation", place="Leeds", date="1979-10"))

# The corporate body alone under the byline, and nothing else to name it.
BODY_UNDER_BYLINE = Doc("body-line-under-byline", ["""Nurseries Now
The Case for Council Day Care

by Jean Ashworth

Harwick Women's Action Group

Every mother in Harwick who works, or who would work if she could, knows
that there are not enough nursery places in the town and never have been.
"""], expect(title="Nurseries Now", subtitle="The Case for Council Day Care", authors=["Jean Ashworth"],
             organization="Harwick Women's Action Group"))

# The only date is in a copyright line at the foot of page 1.
COPYRIGHT_FOOT = Doc("copyright-at-the-foot", ["""A Woman's Place
Equal Pay and the Engineering Unions

The engineering employers have always said that women do lighter work, and
the unions have too often agreed with them. This pamphlet sets out what the
women of the trade actually do and what they are paid for doing it.

Nothing in the agreements of 1970 has changed the rates on the shop floor.

© 1974 Harwick Women's Liberation Group
""", """The figures are from the union's own survey of its branches.

3
"""], expect(title="A Woman's Place", subtitle="Equal Pay and the Engineering Unions",
             organization="Harwick Women's Liberation Group", publisher="Harwick Women's Liberation Group",
             date="1974"))

# A union local's bulletin: the local number is not a year.
LOCAL_BULLETIN = Doc("union-local-bulletin", ["""1199 NEWS
Bulletin of Drug and Hospital Union Local 1199
Vol. 12, No. 6 · June 1977

NEW CONTRACT RATIFIED
Members at forty-one hospitals voted by a large majority on May 28 to accept
the new contract, which raises the minimum weekly wage and adds a week of
paid holiday after five years of service.
"""], expect(title="1199 NEWS", organization="Drug and Hospital Union Local 1199", date="1977-06"))

# Printer and publisher in one statement; a street address before the place.
PRINTED_AND_PUBLISHED = Doc("printed-and-published-by", ["""SAVE THE CITY FARM

The council wants to sell the land on Mina Road to a builder. The farm has
been there for four years, and hundreds of children from the streets around
have learned where milk and eggs come from.

Come to the open day on Sunday and sign the petition.

Printed and published by the St Werburgh's Community Association, 12 High St, Bristol.
"""], expect(title="SAVE THE CITY FARM", organization="St Werburgh's Community Association",
             publisher="St Werburgh's Community Association", place="Bristol"))

# "Printed by X for Y": the printer is not the publisher; the body it was printed for is.
PRINTED_FOR = Doc("printed-by-for", ["""Why We Need a Free Library
An Appeal to the Ratepayers of Millbrook

The town has no free library. Every other town of its size in the county has
one, and some have two. We ask the ratepayers to vote for the adoption of the
Public Libraries Acts at the poll on the ninth of next month.
""", """A penny rate would pay for the whole of it.

Printed by the Falcon Press for the Millbrook Free Library Committee, 1908.
"""], expect(title="Why We Need a Free Library", subtitle="An Appeal to the Ratepayers of Millbrook",
             organization="Millbrook Free Library Committee", publisher="Millbrook Free Library Committee",
             date="1908"))

# An edition statement carries the date of the edition in hand.
SECOND_EDITION = Doc("second-edition-revised", ["""The Co-operative Movement in Yorkshire
by Alice M. Brennan
Second edition, revised, 1956
Published by the Yorkshire Co-operative Education Council, York

Preface to the Second Edition
The first edition of this little book was sold out within a year of its
appearance in 1949, and the Council has asked me to bring it up to date.
"""], expect(title="The Co-operative Movement in Yorkshire", authors=["Alice M. Brennan"],
             organization="Yorkshire Co-operative Education Council",
             publisher="Yorkshire Co-operative Education Council", place="York", date="1956"))

# First publication and reprint: the date of this copy is the reprint's (the first stays a qualifier).
# A stacked imprint at the foot of the title page: place, publisher, date on lines of their own.
REPRINT = Doc("first-published-reprinted", ["""Secondary Education for All
A Policy for Labour
by R. H. Tawney

London
The Workers' Educational Association
First published 1931. Reprinted 1947.
""", """Chapter I
The Problem Stated
The education of the great majority of children ends at fourteen, and it
ends there not because they cannot profit by more but because the nation
has not chosen to provide it.
"""], expect(title="Secondary Education for All", subtitle="A Policy for Labour", authors=["R. H. Tawney"],
             organization="Workers' Educational Association", publisher="Workers' Educational Association",
             place="London", date="1947"))

# A date in words, in an issuing statement printed over two lines.
WORDS_DATE = Doc("date-in-words", ["""An Appeal for Unity
To Every Member of the Union
Issued by the Executive Committee of the Amalgamated Weavers' Association
on the third of March, 1971

The Executive Committee has considered the employers' offer with great care
and it asks every branch to reject it at the meetings called for next week.
"""], expect(title="An Appeal for Unity", subtitle="To Every Member of the Union",
             organization="Amalgamated Weavers' Association", publisher="Amalgamated Weavers' Association",
             date="1971-03-03"))

# An ordinal date with a place on a dateline under the issuing body.
ORDINAL_DATE = Doc("dateline-ordinal", ["""Why We Are on Strike
Fairbank Engineering Shop Stewards' Committee
Leeds, March 3rd, 1971

The men at Fairbank's have been offered four per cent after two years
without a rise, while the firm's profits have doubled in the same time.
"""], expect(title="Why We Are on Strike", organization="Fairbank Engineering Shop Stewards' Committee",
             place="Leeds", date="1971-03-03"))

# A date supplied with a query, and a place before it.
QUERIED_DATE = Doc("queried-date", ["""Squatting: the Real Story
Issued by the Camden Squatters' Association, London [1968?]

Nobody squats for fun. The families in this pamphlet moved into empty houses
because the council had nowhere to put them and the houses stood empty.
"""], expect(title="Squatting: the Real Story", organization="Camden Squatters' Association",
             publisher="Camden Squatters' Association", place="London", date="1968"),
    {"approximate": True})

# "n.d." printed in the imprint: no date, but the place and publisher stand.
NO_DATE = Doc("n-d-imprint", ["""Against the Motorway
Published by the Archway Road Action Group, London, n.d.

The Department of Transport wants to widen the Archway Road into a motorway
and pull down two hundred houses to do it. We say no.
"""], expect(title="Against the Motorway", organization="Archway Road Action Group",
             publisher="Archway Road Action Group", place="London"))

# Roman numerals on a title page: the founding year in them is not the date of the rules.
ROMAN = Doc("roman-numerals-rules", ["""Rules and Bye-Laws
Millbrook Mechanics' Institute
Established MDCCCXLII
MCMXII

I. Name and Objects
The Institute shall be called the Millbrook Mechanics' Institute, and its
objects shall be the instruction of its members in the arts and sciences.
"""], expect(title="Rules and Bye-Laws", organization="Millbrook Mechanics' Institute", date="1912"),
    {"roman": True})

# A range of years in the title is the span of the history, not its date.
RANGE_IN_TITLE = Doc("range-in-title", ["""Half a Century of Struggle, 1917-1967
The Story of the Leeds Trades Council
by Tom Firth

In the spring of 1917 the delegates of eleven unions met in a room above the
Victoria public house and agreed to form a council for the whole city.
""", """By 1967 the Council spoke for ninety thousand members.

Published by the Leeds Trades Council, 1968.
"""], expect(title="Half a Century of Struggle, 1917-1967", subtitle="The Story of the Leeds Trades Council",
             authors=["Tom Firth"], organization="Leeds Trades Council", publisher="Leeds Trades Council",
             date="1968"))

# A range alone on a line, a founding line, and no date of issue at all.
RANGE_ONLY = Doc("range-line-no-date", ["""THE CLARION CYCLING CLUB
Founded 1898
Jubilee Souvenir
1898 - 1948

The club was founded by eleven readers of the Clarion who met at the Swan
in Chorlton and rode out to Alderley Edge on the following Sunday.
"""], expect(title="Jubilee Souvenir", organization="CLARION CYCLING CLUB"))

# No title block: the page starts in running text; the title stays empty.
NO_TITLE = Doc("no-title-block", ["""of the estates, and the council has never answered our letters. We wrote in
March and again in June, and we have had nothing back but a printed card.
The repairs are not done, the lifts do not work, and the damp comes through
the walls of every flat on the north side of the block.
"""], expect())

# Several authors in one byline.
THREE_AUTHORS = Doc("three-authors", ["""Women and the Unions
A Handbook for Shop Stewards
by Jean Ashworth, Kath Hindley and Nora Beale
Published by the Harwick Trades Council, Harwick, 1979

Introduction
Women are a third of the members of the unions in this town and fewer than
one in twenty of their officers.
"""], expect(title="Women and the Unions", subtitle="A Handbook for Shop Stewards",
             authors=["Jean Ashworth", "Kath Hindley", "Nora Beale"], organization="Harwick Trades Council",
             publisher="Harwick Trades Council", place="Harwick", date="1979"))

# An editor is recorded with the authors (as a compiler is); a translator is not an author.
EDITED_TRANSLATED = Doc("edited-and-translated", ["""Letters from the Commune
Edited by Jean Ashworth
Translated from the French by Pierre Lamotte
Published by the Cedar Row Press, London, 1971

Introduction
These letters were written in Paris in the spring of 1871 by men and women
who did not expect to survive the summer.
"""], expect(title="Letters from the Commune", authors=["Jean Ashworth"], publisher="Cedar Row Press",
             place="London", date="1971"))

TRANSLATED = Doc("translator-not-author", ["""Wages and the Working Day
by Jules Moreau
Translated by Helen Carter
Published by the Socialist Labour Press, Glasgow, 1921

The worker sells not his labour but his time, and the question of the
working day is the question of how much of his life he sells.
"""], expect(title="Wages and the Working Day", authors=["Jules Moreau"], publisher="Socialist Labour Press",
             place="Glasgow", date="1921"))

# --- shorter variants: one page, the front matter under test and a paragraph of text -----------------

TEXT = ("\n\nThe council has announced a rise of eight per cent in rents from April, and the\n"
        "association will oppose it at every meeting of the housing committee this year.\n")


def short(id_: str, head: str, quals: dict | None = None, tail: str = "", **want) -> Doc:
    return Doc(id_, [head + TEXT + tail], expect(**want), quals or {})


VARIANTS = [
    # OCR runs a masthead set on one line together: title, issue and date.
    short("masthead-one-line", "THE TENANTS' VOICE Vol. 3, No. 2 — Spring 1983\n"
          "Newsletter of the Kirkstall Estates Tenants' Association",
          title="THE TENANTS' VOICE", organization="Kirkstall Estates Tenants' Association", date="1983"),
    short("masthead-organ-above-title", "Newsletter of the Kirkstall Estates Tenants' Association\n"
          "THE TENANTS' VOICE\nSpring 1983",
          title="THE TENANTS' VOICE", organization="Kirkstall Estates Tenants' Association", date="1983"),
    # Parts of the issue line set apart by wide gaps, not by dots or dashes.
    short("masthead-wide-gaps", "THE TENANTS' VOICE\nNewsletter of the Kirkstall Estates Tenants' Association\n"
          "No. 14        June 1977        Price 5p",
          title="THE TENANTS' VOICE", organization="Kirkstall Estates Tenants' Association", date="1977-06"),
    short("masthead-title-in-two-lines", "THE TENANTS'\nVOICE\nThe newsletter of the Kirkstall Estates Tenants' "
          "Association\nVol. 3, No. 2, Spring 1983",
          title="THE TENANTS' VOICE", organization="Kirkstall Estates Tenants' Association", date="1983"),
    short("union-local-after-comma", "HOSPITAL WORKER\nBulletin of the Hospital Workers' Union, Local 1199\nMay 1976",
          title="HOSPITAL WORKER", organization="Hospital Workers' Union, Local 1199", date="1976-05"),
    # A letterhead on one line with its address; the date in the title block is the day of a march.
    short("letterhead-one-line-event", "LEEDS TENANTS' FEDERATION · 21 Chapeltown Road, Leeds 7\n\n"
          "HANDS OFF OUR HOMES\nSATURDAY 14th MAY 1983\nAssemble 11 am, Woodhouse Moor",
          title="HANDS OFF OUR HOMES", organization="LEEDS TENANTS' FEDERATION"),
    # A letter: letterhead, date, addressee; no title.
    short("letter-addressee", "Leeds Tenants' Federation\n(Affiliated to the National Tenants' Organisation)\n"
          "21 Chapeltown Road, Leeds LS7 3AP\n\n12th May 1982\n\nTo all affiliated associations",
          organization="Leeds Tenants' Federation", date="1982-05-12"),
    # A day under the title of a flyer for a meeting is the day of the meeting; the hall is its venue.
    short("meeting-day-is-not-the-date", "PUBLIC MEETING\nThe Housing Bill and You\n14th October 1982\n"
          "Chapeltown Community Centre", title="PUBLIC MEETING", subtitle="The Housing Bill and You"),
    # ...but a letter's date under its letterhead, above the title, is the date of issue.
    short("letter-date-above-a-meeting", "LEEDS TENANTS' FEDERATION\n21 Chapeltown Road, Leeds 7\n\n12 March 1983\n\n"
          "PUBLIC MEETING\nThe Housing Bill and You", title="PUBLIC MEETING", subtitle="The Housing Bill and You",
          organization="LEEDS TENANTS' FEDERATION", date="1983-03-12"),
    # The hall a meeting is held in is not the body that issued the flyer.
    short("venue-is-not-the-issuer", "SAVE OUR BATHS\nPublic Meeting\nHolbeck Labour Club\n"
          "Thursday 12th June 1980, 7.30 pm", title="SAVE OUR BATHS", subtitle="Public Meeting"),
    short("byline-in-capitals", "HOUSING THE MOVEMENT\nby R. H. TAWNEY\nLeeds: Leeds Tenants' Federation, 1979",
          title="HOUSING THE MOVEMENT", authors=["R. H. Tawney"], organization="Leeds Tenants' Federation",
          publisher="Leeds Tenants' Federation", place="Leeds", date="1979"),
    short("two-bylines-in-capitals", "HOUSING THE MOVEMENT\nBY ROSA DELGADO AND TOM FIRTH",
          title="HOUSING THE MOVEMENT", authors=["Rosa Delgado", "Tom Firth"]),
    short("authors-one-to-a-line", "Housing the Movement\n\nRosa Delgado\n\nTom Firth",
          title="Housing the Movement", authors=["Rosa Delgado", "Tom Firth"]),
    # A stacked imprint in capitals: press, place, year on lines of their own.
    short("stacked-press-imprint", "Housing the Movement\nby Rosa Delgado\n\nCEDAR ROW PRESS\nLONDON\n1971",
          title="Housing the Movement", authors=["Rosa Delgado"], publisher="CEDAR ROW PRESS", place="LONDON",
          date="1971"),
    # An imprint without its verb, and a writer of an introduction who is not an author.
    short("imprint-without-verb", "Housing the Movement\nby Rosa Delgado\nwith an introduction by Tom Firth\n"
          "Leeds Tenants' Federation, 1979",
          title="Housing the Movement", authors=["Rosa Delgado"], organization="Leeds Tenants' Federation",
          publisher="Leeds Tenants' Federation", date="1979"),
    short("translated-and-introduced", "Wages and the Working Day\nby Jules Moreau\nTranslated and introduced by "
          "Helen Carter\nCedar Row Press, London, 1971",
          title="Wages and the Working Day", authors=["Jules Moreau"], publisher="Cedar Row Press",
          place="London", date="1971"),
    short("genre-line-names-the-body", "Housing the Movement\nA Pamphlet by the Leeds Tenants' Federation\n1979",
          title="Housing the Movement", subtitle="A Pamphlet by the Leeds Tenants' Federation",
          organization="Leeds Tenants' Federation", date="1979"),
    short("postcode-after-the-place", "Housing the Movement\nPublished by the Leeds Tenants' Federation, "
          "21 Chapeltown Road, Leeds LS7 3AP, 1979",
          title="Housing the Movement", organization="Leeds Tenants' Federation",
          publisher="Leeds Tenants' Federation", place="Leeds", date="1979"),
    # Where a printer worked is not the place of publication.
    short("printed-in-great-britain", "Housing the Movement\nby Rosa Delgado\n"
          "Printed in Great Britain by the Falcon Press, 1979",
          title="Housing the Movement", authors=["Rosa Delgado"], date="1979"),
    short("copyright-word-and-sign", "Housing the Movement\nby Rosa Delgado\n"
          "© Copyright 1974 by the Leeds Tenants' Federation",
          title="Housing the Movement", authors=["Rosa Delgado"], organization="Leeds Tenants' Federation",
          publisher="Leeds Tenants' Federation", date="1974"),
    # The date of the newspaper an article first appeared in is not the date of this reprint.
    short("reprinted-from-a-newspaper", "The Case for the Tenants\nReprinted from the Leeds Weekly Citizen, 1931",
          title="The Case for the Tenants"),
    short("colophon-in-capitals-after-references", "HOUSING THE MOVEMENT",
          tail="\nREFERENCES\nHartley, J. (1971). Rent and Revolt. London: Pluto Press.\n\n"
               "PUBLISHED BY THE LEEDS TENANTS' FEDERATION, LEEDS, 1979\n",
          title="HOUSING THE MOVEMENT", organization="LEEDS TENANTS' FEDERATION",
          publisher="LEEDS TENANTS' FEDERATION", place="LEEDS", date="1979"),
    # A single sheet: the body with its address at the foot, on a line with the printer's statement.
    short("body-and-address-at-the-foot", "Rents Must Come Down",
          tail="\nFurther Reading\nHartley, J. Rent and Revolt. London: Pluto Press, 1971.\n\n"
               "Leeds Tenants' Federation, 21 Chapeltown Road, Leeds 7. Printed by Leeds Community Press.\n",
          title="Rents Must Come Down", organization="Leeds Tenants' Federation"),
    short("date-with-anno-domini", "Rules of the Society\nHarwick Co-operative Society\n"
          "Issued by order of the Committee, the 14th day of March, A.D. 1921",
          title="Rules of the Society", organization="Harwick Co-operative Society", date="1921-03-14"),
    short("month-in-roman-numerals", "Bulletin Internationale\nGeneva, 3.III.1971",
          title="Bulletin Internationale", place="Geneva", date="1971-03-03"),
    # Authors under the subtitle without "by"; the body and the year below them.
    short("authors-without-by", "Housing the Movement\nTenant Organizing in Leeds\nRosa Delgado and Tom Firth\n"
          "Leeds Tenants' Federation\n1979",
          title="Housing the Movement", subtitle="Tenant Organizing in Leeds", authors=["Rosa Delgado", "Tom Firth"],
          organization="Leeds Tenants' Federation", date="1979"),
    # Two subject phrases joined by "and" are not two people.
    short("subject-phrases-are-not-authors", "Rent Strikes and Direct Action\nHousing Action and Tenant Control\n"
          "by Rosa Delgado", title="Rent Strikes and Direct Action", subtitle="Housing Action and Tenant Control",
          authors=["Rosa Delgado"]),
    # The body heading its series above the title.
    short("body-above-series-line", "Leeds Tenants' Federation\nOccasional Paper No. 3\nHousing the Movement\n"
          "Rosa Delgado\n1979",
          title="Housing the Movement", authors=["Rosa Delgado"], organization="Leeds Tenants' Federation",
          date="1979"),
    short("body-named-as-the-pamphlet-s-owner", "HOUSING THE MOVEMENT\nby Rosa Delgado\n10p\n"
          "A Leeds Tenants' Federation pamphlet",
          title="HOUSING THE MOVEMENT", authors=["Rosa Delgado"], organization="Leeds Tenants' Federation"),
    # An election leaflet's imprint: promoter for a party, address, printer, all on one line.
    short("election-imprint", "VOTE LABOUR ON THURSDAY",
          tail="\nPromoted by J. Smith on behalf of the Leeds Labour Party, 12 High St, Leeds. "
               "Printed by Leeds Community Press.\n",
          title="VOTE LABOUR ON THURSDAY", organization="Leeds Labour Party", place="Leeds"),
    short("written-and-published-by", "Housing the Movement",
          tail="\nWritten and published by the Leeds Tenants' Federation, Leeds, 1979.\n",
          title="Housing the Movement", organization="Leeds Tenants' Federation",
          publisher="Leeds Tenants' Federation", place="Leeds", date="1979"),
    # Of several editions and impressions, the copy in hand is of the last; the first stays a qualifier.
    short("first-and-second-edition", "Homes for All\nby Rosa Delgado\nFirst edition 1931. Second edition 1956.",
          {"edition": "Second edition", "first_published": "1931"},
          title="Homes for All", authors=["Rosa Delgado"], date="1956"),
    short("several-reprints", "Homes for All\nby Rosa Delgado\nLondon\nCedar Row Press\n"
          "First published 1931. Reprinted 1947, 1952 and 1960.", {"first_published": "1931"},
          title="Homes for All", authors=["Rosa Delgado"], publisher="Cedar Row Press", place="London", date="1960"),
    short("ocr-misread-verb", "Homes for All\nlssued by the Harwick Trades Council, Harwick, l971",
          title="Homes for All", organization="Harwick Trades Council", publisher="Harwick Trades Council",
          place="Harwick", date="1971"),
    short("circa-date-in-imprint", "Homes for All\nPublished by the Leeds Tenants' Federation, Leeds, c. 1970",
          {"approximate": True}, title="Homes for All", organization="Leeds Tenants' Federation",
          publisher="Leeds Tenants' Federation", place="Leeds", date="1970"),
    # A serial number is not a year.
    short("issn-is-not-a-date", "THE TENANTS' VOICE\nNewsletter of the Kirkstall Estates Tenants' Association\n"
          "ISSN 0307-1979", title="THE TENANTS' VOICE", organization="Kirkstall Estates Tenants' Association"),
]

CLEAN = [NEWSLETTER, FLYER, BOOKLET, BODY_UNDER_BYLINE, COPYRIGHT_FOOT, LOCAL_BULLETIN, PRINTED_AND_PUBLISHED,
         PRINTED_FOR, SECOND_EDITION, REPRINT, WORDS_DATE, ORDINAL_DATE, QUERIED_DATE, NO_DATE, ROMAN,
         RANGE_IN_TITLE, RANGE_ONLY, NO_TITLE, THREE_AUTHORS, EDITED_TRANSLATED, TRANSLATED]


# --- OCR-damaged copies: garbled letters, broken lines, stray punctuation, same values ---------------

def noisy(doc: Doc, pages: list[str]) -> Doc:
    return Doc(doc.id + "-ocr", pages, doc.expect, doc.date_quals)


NOISY = [
    noisy(NEWSLETTER, ["""THE TENANTS' VOICE ~
Newsletter of the Kirkstall Estates Tenants’ Association |
Vol. 3, No. 2 — Spring l983

RENT RISE DEFEATED
Aftcr six months of pressure the
council has withdrawn its plan to

raise rents on the three estates by
ten per cent. The Association thanks
every tenant who signed the petition
or came to the lobby of the Civic Hall
on the l4th of January.
WHAT NEXT?
The committee meets on Tuesday to
decide how to press the repairs claim.
""", """The Association was formed in 1979
and now has four hundred members.

2
"""]),
    noisy(BOOKLET, ["""Housing the Movement :
Tenant Organizing in Leeds, 1968-1975

by Rosa Delgado and Tom Firth

. Leeds Tenants' Federation

Tenant organizing in the city grew out of the rent strikes of 1968
(Hartley 1971, 45). As Morgan (1974) argued, the estates were built in
haste and let in a hurry, and the tenants' associations were born in the
queues at the rent office.
""", """The first rent strike lasted eleven weeks.

References
Hartley, J. (l971). Rent and Revolt. London: Pluto Press.
Morgan, K. (1974). The Estates. Leeds:
Northern Press.

Pub1ished by the Leeds Tenants' Federation, Leeds, 0ctober 1979.

2
"""]),
    noisy(COPYRIGHT_FOOT, ["""A Woman's Place
Equal Pay and the Engineering Unions '

The engineering employers have always said that women do lighter work, and
the unions have too often agreed with them. This pamphlet sets out what the
women of the trade actually do and what they are paid for doing it.

Nothing in the agreements of 1970 has changed the rates on the shop floor.

(c) 1974 Harwick Women's Liberation Group
"""]),
    noisy(PRINTED_AND_PUBLISHED, ["""SAVE THE CITY FARM

The council wants to sell the land on Mina Road to a builder. The farm has
been there for four years, and hundreds of children from the streets around
have learned where milk and eggs come from.

Printed and published by the St Werburgh's Community Association,
12 High St, Bristol.
"""]),
    noisy(ROMAN, ["""Rules and Bye-Laws
Millbrook Mechanics’ Institute .
Established MDCCCXLII
MCMXII —

I. Name and Objects
The Institute shall be called the Millbrook Mechanics' Institute, and its
objects shall be the instruction of its members in the arts and sciences.
"""]),
    noisy(REPRINT, ["""Secondary Education for All
A Policy for Labour
by R. H. Tawney

LONDON
The Workers’ Educational Association
First published l931. Reprinted 1947
"""]),
    noisy(THREE_AUTHORS, ["""Women and the Unions
A Handbook for Shop Stewards
by Jean Ashworth, Kath Hindley and
Nora Beale
Published by the Harwick Trades Council, Harwick, l979

Introduction
Women are a third of the members of the unions in this town and fewer than
one in twenty of their officers.
"""]),
]


# --- comparison --------------------------------------------------------------------------------------

def norm(s) -> str | None:
    if s is None:
        return None
    s = unicodedata.normalize("NFKD", s).casefold().replace("'", "").replace("’", "")
    return " ".join(re.findall(r"[a-z0-9]+", s))


def found(pages: list[str]) -> dict[str, FieldValue]:
    got = {fv.field: fv for fv in extract_metadata(pages)}
    for fv in got.values():
        ev = fv.evidence
        if ev is not None:
            assert ev.text == pages[ev.page - 1][ev.start:ev.end] and ev.text.strip(), fv
    return got


def check(fld: str, got: dict[str, FieldValue], want: dict) -> None:
    value = got[fld].value if fld in got else None
    if fld == "title":
        sub = got["subtitle"].value if "subtitle" in got else None
        assert (norm(value), norm(sub)) == (norm(want["title"]), norm(want["subtitle"])), (value, sub)
    elif fld == "authors":
        assert [norm(a) for a in value or []] == [norm(a) for a in want["authors"]], value
    elif fld == "date":
        assert value == want["date"], value
    else:
        assert norm(value) == norm(want[fld]), f"{fld}: got {value!r}, expected {want[fld]!r}"


_RESULTS: dict[str, dict[str, FieldValue]] = {}


def _got(doc: Doc) -> dict[str, FieldValue]:
    if doc.id not in _RESULTS:
        _RESULTS[doc.id] = found(doc.pages)
    return _RESULTS[doc.id]


ALL = CLEAN + NOISY + VARIANTS

# What the extractor knowingly leaves unread (strict: a fix shows up as an unexpected pass).
_UNDER_TITLE_CASE = ("a title-case line under a title-case title with only text after it may be the subtitle or "
                     "the first section heading (corpus: 'On Trotskyites / Trotskyism is Not Leninism'); left unread")
KNOWN_GAPS = {("copyright-at-the-foot", "title"): _UNDER_TITLE_CASE,
              ("copyright-at-the-foot-ocr", "title"): _UNDER_TITLE_CASE}


def _field_cases():
    for d in ALL:
        for f in CHECKED:
            gap = KNOWN_GAPS.get((d.id, f))
            yield pytest.param(d, f, id=f"{d.id}-{f}",
                               marks=[pytest.mark.xfail(strict=True, reason=gap)] if gap else [])


@pytest.mark.parametrize("doc,fld", list(_field_cases()))
def test_layout_field(doc: Doc, fld: str):
    check(fld, _got(doc), doc.expect)


@pytest.mark.parametrize("doc", [pytest.param(d, id=d.id) for d in ALL if d.expect["date"]])
def test_layout_date_qualifiers(doc: Doc):
    q = _got(doc)["date"].qualifiers
    assert q["inferred"] is False and q["precision"] == {4: "year", 7: "month", 10: "day"}[len(doc.expect["date"])]
    for k, v in doc.date_quals.items():
        assert q.get(k) == v, (k, q)


# --- particular points ---------------------------------------------------------------------------------

def test_colophon_after_references_is_read_and_references_are_not():
    got = _got(BOOKLET)
    page = BOOKLET.pages[1]
    for fld in ("publisher", "place", "date"):
        ev = got[fld].evidence
        line = page[page.rfind("\n", 0, ev.start) + 1:page.find("\n", ev.end)]
        assert ev.page == 2 and line.startswith("Published by the Leeds"), (fld, line)
    assert got["date"].method == "colophon"
    # Nothing is read from the references themselves: not Pluto Press, not London, not 1971.
    assert "pluto" not in norm(str(got["publisher"].value)) and got["place"].value == "Leeds"


def test_reprint_keeps_the_first_publication_as_a_qualifier():
    q = _got(REPRINT)["date"].qualifiers
    assert q.get("first_published") == "1931"


def test_edition_statement_is_kept_with_the_date():
    got = _got(SECOND_EDITION)
    assert got["date"].evidence.text == "1956"
    assert re.search(r"second edition", got["date"].qualifiers.get("edition", ""), re.I)


def test_body_alone_under_the_byline_is_a_fallback_below_statements():
    got = _got(BODY_UNDER_BYLINE)
    assert got["organization"].method == "title-block"
    # A statement naming another body outranks the bare line.
    pages = [BODY_UNDER_BYLINE.pages[0] + "\nIssued by the Harwick Trades Council, 1975.\n"]
    assert norm(found(pages)["organization"].value) == "harwick trades council"


def test_event_date_on_a_flyer_is_only_a_lower_bound():
    got = _got(FLYER)
    assert "date" not in got and got["date_not_before"].value == "1980"


def test_local_number_is_not_a_year():
    from provenance.metadata.dates import find_dates
    assert [pd.iso for pd, _, _ in find_dates("Local 1912 of the Teamsters, 1971")] == ["1971"]
    got = found(["The Teamster\nNewsletter of Teamsters Local 1912\n\nThe local met on Tuesday and voted to "
                 "accept the offer made by the firm last month, by a large majority.\n"])
    assert "date" not in got and "date_not_before" not in got


def test_no_title_block_states_no_title_or_byline():
    got = _got(NO_TITLE)
    assert not {"title", "subtitle", "authors"} & set(got)


# --- through `archive ingest`: a born-digital PDF and a scan read by Tesseract ----------------------

def _lines(doc: Doc) -> list[list[str]]:
    return [p.rstrip("\n").split("\n") for p in doc.pages]


def _check_stored(doc: Doc, shown: dict) -> None:
    got = {fld: FieldValue(fld, shown.get(fld), None, 1.0, "stored", None) for fld in CHECKED + ("subtitle",)
           if shown.get(fld) not in (None, [], "")}
    for fld in CHECKED:
        check(fld, got, doc.expect)
    # Every stored value keeps its evidence: the span of the stored page text it was read from.
    checked = 0
    for fld, assertions in shown["metadata_provenance"].items():
        for a in assertions:
            if a.get("evidence") and a.get("page"):
                text = shown["pages"][a["page"] - 1]["text"]
                assert text[a["span"][0]:a["span"][1]] == a["evidence"], (fld, a)
                checked += 1
    assert checked >= 3


@pytest.mark.parametrize("doc", [BOOKLET, NEWSLETTER, REPRINT], ids=lambda d: d.id)
def test_text_layer_pdf_through_ingest(doc, run_cli, db_url, tmp_path):
    from sample.make import write_text_pdf
    pdf = tmp_path / f"{doc.id}.pdf"
    write_text_pdf(pdf, _lines(doc))
    _check_stored(doc, ingest_and_show(run_cli, db_url, pdf))


@pytest.mark.tesseract
@pytest.mark.parametrize("doc", [BOOKLET, FLYER], ids=lambda d: d.id)
def test_scanned_pages_through_ocr_ingest(doc, run_cli, db_url, tmp_path):
    from sample.make import render_page
    folder = tmp_path / doc.id
    folder.mkdir()
    for n, lines in enumerate(_lines(doc), start=1):
        render_page(lines, dpi=300, seed=n, title_lines=2 if n == 1 else 0).save(
            folder / f"page-{n:03d}.jpg", dpi=(300, 300), quality=80)
    _check_stored(doc, ingest_and_show(run_cli, db_url, folder))

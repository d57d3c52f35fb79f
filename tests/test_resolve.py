"""Resolving citations to held documents, and grouping keys for works outside the archive."""

from __future__ import annotations

from provenance.citations import FoundCitation, find_citations
from provenance.matching.resolve import Candidate, Match, external_key, external_keys, resolve
from tests.helpers.corpus_text import ground_truth, pdf_text_pages


def cit(author=None, title=None, year=None, locator=None, kind="in-text") -> FoundCitation:
    return FoundCitation(page=1, start=0, end=1, raw="(x)", kind=kind, author=author, title=title, year=year,
                         locator=locator)


PAPER_TRAILS = Candidate(3, "Paper Trails", "A Collector's Guide to Labour Pamphlets and Trade-Union Ephemera",
                         ("Margaret E. Whitcombe",), None, "Harrow Lane Press", "1988")
LIBRARY = Candidate(1, "The Workers' Library", "A Handbook for Reading Circles and Branch Librarians", (),
                    "Ashford Vale Workers' Education League", "Ashford Vale Workers' Education League", "1937")


def candidates_from(manifest: dict) -> tuple[list[Candidate], dict[int, str]]:
    cands, ids = [], {}
    for i, (doc_id, doc) in enumerate(manifest.items()):
        e = doc["expected"]
        cands.append(Candidate(i, e["title"], e["subtitle"], tuple(e["authors"]), e["organization"],
                               e["publisher"], (e["date"] or "")[:4] or None))
        ids[i] = doc_id
    return cands, ids


def links_of(pages: list[str], doc_id: str, manifest: dict) -> list[str]:
    cands, ids = candidates_from(manifest)
    me = next(c for c in cands if ids[c.id] == doc_id)
    out: list[str] = []
    for c in find_citations(pages):
        for m in resolve(c, cands, citing_id=me.id, citing_year=me.year):
            assert 0 < m.confidence <= 1 and m.evidence
            if ids[m.target_id] not in out:
                out.append(ids[m.target_id])
    return out


def test_surname_with_title_from_the_works_cited():
    (m,) = resolve(cit("Whitcombe", "Paper Trails: A Collector's Guide to Labour Pamphlets", "1988"), [PAPER_TRAILS])
    assert isinstance(m, Match) and m.target_id == 3 and m.confidence >= 0.9
    assert "Whitcombe" in m.evidence and "Margaret E. Whitcombe" in m.evidence and "1988" in m.evidence


def test_ocr_garbled_names_still_match():
    (m,) = resolve(cit("Whitcombc", "Paper Traiis", "1988"), [PAPER_TRAILS])
    assert m.target_id == 3
    (m,) = resolve(cit("Ashford Vale Workers' Educatiou League", "The Workers' Library", None), [LIBRARY])
    assert m.target_id == 1 and "organization" in m.evidence


def test_author_alone_is_not_enough():
    assert resolve(cit("Whitcombe", None, None, "2"), [PAPER_TRAILS]) == []
    assert resolve(cit("Ashford Vale Workers' Education League", None, None, "3"), [LIBRARY]) == []


def test_author_and_year_without_title():
    (m,) = resolve(cit("Whitcombe", None, "1988", "22"), [PAPER_TRAILS])
    assert m.target_id == 3


def test_conflicts_prevent_a_link():
    # same author, another work
    assert resolve(cit("Whitcombe", "Collecting Trade Union Banners", "1988"), [PAPER_TRAILS]) == []
    # same author and title, another year (another edition or a different work)
    assert resolve(cit("Whitcombe", "Paper Trails", "1995"), [PAPER_TRAILS]) == []
    # another author
    assert resolve(cit("Whitman", "Paper Trails", "1988"), [PAPER_TRAILS]) == []
    # given name contradicts
    assert resolve(cit("Whitcombe, Thomas", "Paper Trails", "1988"), [PAPER_TRAILS]) == []


def test_never_links_to_itself_or_to_a_later_work():
    c = cit("Whitcombe", "Paper Trails", "1988")
    assert resolve(c, [PAPER_TRAILS], citing_id=3) == []
    assert resolve(c, [PAPER_TRAILS], citing_year="1975") == []
    assert resolve(c, [PAPER_TRAILS], citing_year="1988")[0].target_id == 3
    undated = Candidate(9, "Paper Trails", None, ("Margaret E. Whitcombe",), None, None, None)
    assert resolve(cit("Whitcombe", "Paper Trails"), [undated], citing_year="1950")[0].target_id == 9


def test_copies_of_one_work_all_link_and_different_works_are_ambiguous():
    copy = Candidate(7, "Paper Trails", "A Collector's Guide to Labour Pamphlets and Trade-Union Ephemera",
                     ("Margaret E. Whitcombe",), None, "Harrow Lane Press", "1988")
    got = resolve(cit("Whitcombe", "Paper Trails", "1988"), [PAPER_TRAILS, copy])
    assert sorted(m.target_id for m in got) == [3, 7]
    other = Candidate(8, "Banners of the Trades", None, ("Margaret E. Whitcombe",), None, None, "1988")
    assert resolve(cit("Whitcombe", None, "1988"), [PAPER_TRAILS, other]) == []
    assert [m.target_id for m in resolve(cit("Whitcombe", "Paper Trails", "1988"), [PAPER_TRAILS, other])] == [3]


def test_title_only_citation_needs_a_long_exact_title():
    pamphlet = Candidate(5, "Crisis, Repression and Coup in Iran", None, (), None, None, "2009")
    t = "Crisis, Repression and Coup in Iran"
    assert [m.target_id for m in resolve(cit(t, t), [pamphlet])] == [5]
    short = Candidate(6, "Pravda", None, (), None, None, None)
    assert resolve(cit("Pravda", "Pravda", None, "2"), [short]) == []


def test_external_key_groups_the_same_outside_work():
    a = find_citations(["“x y z w” (Lindgren 33).\n\nWorks Cited\n\nLindgren, Paul. Ephemera and the "
                        "Historian. Cedar Row Press, 1979.\n"])[0]
    b = find_citations(["Collectors saved it.1\n\n1 Paul Lindgren, Ephemera and the Historian: A Study "
                        "(Boston: Cedar Row Press, 1979), 118.\n"])[0]
    c = cit("Lindgren", "The Ephemera of the Historian's Craft", "1985")
    assert external_key(a) == external_key(b)
    assert external_key(a) != external_key(c)
    assert external_key(cit("Kahn and Sayers", None, None, "325")) == external_key(
        cit("Kahn, Albert E., and Michael Sayers", None, None))
    assert external_key(cit("Furr", None, None, "161")) == external_key(cit("Furr", None, None, "8-9"))
    assert external_key(cit("Workers Vanguard", "Workers Vanguard")) != external_key(cit("Revolutionary Democracy",
                                                                                          "Revolutionary Democracy"))


def test_corpus_links_on_ground_truth(corpus, manifest):
    for doc_id, doc in manifest.items():
        assert links_of(ground_truth(corpus, doc), doc_id, manifest) == doc["expected"]["cites"], doc_id


def test_seed_text_layer_links_nothing(corpus, manifest):
    pages = list(pdf_text_pages(str(corpus / "on-trotskyites" / "digital.pdf")))
    assert links_of(pages, "on-trotskyites", manifest) == []


def test_external_keys_group_one_work_across_styles_and_keep_two_works_of_a_year_apart():
    author_date = cit("Hartley", None, "1971", "45")
    note = cit("J. Hartley", "Rent and Revolt: Tenants in the Northern Towns", "1971", "52", kind="note")
    short_note = cit("Hartley", "Rent and Revolt", None, "60", kind="note")
    other_year = cit("Hartley", "Council Housing and the Left", "1975")
    keys = external_keys([author_date, note, short_note, other_year])
    assert keys[0] == keys[1] == keys[2] != keys[3]
    # two titles of one author and year: each title its own work; the bare 'Morgan 1974' joins neither
    a = cit("Morgan, R.", "Tenants and the council in Bradford", "1974")
    b = cit("Morgan", "Rent books as evidence", "1974")
    bare = cit("Morgan", None, "1974", "150")
    again = cit("Ruth Morgan", "Tenants and the Council", "1974", kind="note")
    ka, kb, kbare, kagain = external_keys([a, b, bare, again])
    assert len({ka, kb, kbare}) == 3 and kagain == ka
    # one citation alone keys by creator and year, as before by creator and title when undated
    assert external_key(author_date) == external_keys([author_date])[0]
    assert external_key(cit("Furr", "Blood Lies")) != external_key(cit("Furr", "Khrushchev Lied"))


def test_numbered_citation_resolves_through_its_entry():
    text = ("As the history shows [2], the council gave way.\n\nReferences\n\n"
            "[1] J. Hartley, Council Housing and the Left. London: Pluto Press, 1975.\n"
            "[2] Leeds Tenants' Federation, Ten Years of Struggle. Leeds: Leeds Tenants' Federation, 1979.\n")
    held = Candidate(4, "Ten Years of Struggle", "The Leeds Tenants' Federation, 1969-1979", (),
                     "Leeds Tenants' Federation", "Leeds Tenants' Federation", "1979")
    other = Candidate(5, "Rent and Revolt", None, ("John Hartley",), None, "Pluto Press", "1971")
    cites = [c for c in find_citations([text]) if c.kind == "in-text"]
    assert [[m.target_id for m in resolve(c, [held, other])] for c in cites] == [[4]]

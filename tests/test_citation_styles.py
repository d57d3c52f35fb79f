"""Citation finding and resolution on documents in many citation styles, as text, as born-digital PDFs and as scans."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from rapidfuzz import fuzz

from provenance.citations import FoundCitation, find_citations
from provenance.citations import bibliography as bib
from sample.make import render_page, write_text_pdf
from tests.citation_docs import (
    CITES_BY_BODY,
    CITES_BY_PERSON,
    CITES_BY_TITLE,
    DOCS,
    HARVARD,
    HELD_FEDERATION,
    HELD_HARTLEY_1971,
    HELD_HARTLEY_1975,
    HELD_LEAFLET,
    Doc,
)


# ---------------------------------------------------------------- scoring against what a careful reader records
def _n(s: str | None) -> str:
    s = (s or "").translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "–": "-", "—": "-"}))
    return re.sub(r"\s+", "", s)


def _surnames(name: str) -> set[str]:
    if not (bib.is_person(name) or re.search(r"\s(and|&)\s|,", name)):
        return {bib.norm_words(name)}
    return {bib.norm_words(bib.surname(p)) for p in bib.person_names(name)}


def _author_ok(expected: str | None, found: FoundCitation) -> bool:
    """The cited creator: the same surnames (or the same body), however the names are written."""
    if expected is None:
        return found.author is None or found.author == found.title
    if not found.author:
        return False
    return _surnames(expected) <= _surnames(found.author) or bib.norm_words(expected) in bib.norm_words(found.author)


def _pr(tp: int, n_found: int, n_expected: int) -> tuple[float, float]:
    return (tp / n_found if n_found else 1.0), (tp / n_expected if n_expected else 1.0)


def score_doc(doc: Doc, found: list[FoundCitation], *, fuzzy: float = 100) -> dict:
    """Precision, recall and field accuracy of in-text citations, notes and reference-list entries.
    fuzzy < 100 tolerates OCR letter errors in the raw text."""
    problems: list[str] = []

    def same(a: str, b: str) -> bool:
        return _n(a) == _n(b) if fuzzy >= 100 else fuzz.ratio(_n(a), _n(b)) >= fuzzy

    def contains(fragment: str, raw: str) -> bool:
        # a note is keyed by its page and number; its text need only resemble the printed one under OCR
        if fuzzy >= 100:
            return _n(fragment) in _n(raw)
        return fuzz.partial_ratio(_n(fragment).lower(), _n(raw).lower()) >= fuzzy - 10

    out: dict = {}
    for kind, expected in (("cites", doc.cites), ("notes", doc.notes)):
        pool = [c for c in found if c.kind == ("in-text" if kind == "cites" else "note")]
        used: set[int] = set()
        tp = good = 0
        for e in expected:
            if kind == "cites":
                page, raw, author, year = e
                cands = [k for k, c in enumerate(pool) if k not in used and c.page == page and same(raw, c.raw)]
            else:
                page, number, raw, author, year = e
                cands = [k for k, c in enumerate(pool) if k not in used and c.page == page
                         and c.note_number == number and contains(raw, c.raw)]
            if not cands:
                problems.append(f"missed {kind[:-1]} {e}")
                continue
            best = next((k for k in cands if _author_ok(author, pool[k]) and pool[k].year == year), cands[0])
            used.add(best)
            tp += 1
            c = pool[best]
            if _author_ok(author, c) and c.year == year:
                good += 1
            else:
                problems.append(f"fields of {e}: author={c.author!r} year={c.year!r}")
        for k, c in enumerate(pool):
            if k not in used:
                problems.append(f"extra {c.kind} p.{c.page} {c.note_number or ''} {c.raw!r}")
        out[f"{kind}_p"], out[f"{kind}_r"] = _pr(tp, len(pool), len(expected))
        out[f"{kind}_fields"] = good / tp if tp else 1.0
    entries = [c for c in found if c.kind == "bibliography"]
    used: set[int] = set()
    tp = fields = total = 0
    for e in doc.entries:
        author, title = e[0], e[1]
        key = _n(title or author).lower()
        cands = [(fuzz.partial_ratio(key, _n(c.raw).lower()), k) for k, c in enumerate(entries) if k not in used]
        score, k = max(cands, default=(0, -1))
        if score < 90:
            problems.append(f"missed entry {e}")
            continue
        used.add(k)
        tp += 1
        c = entries[k]
        got = (c.author, c.title, c.year, c.place, c.publisher)
        for name, want, have in zip(("author", "title", "year", "place", "publisher"), e, got):
            total += 1
            if (want or None) == (re.sub(r"\s+", " ", have).strip() if have else None):
                fields += 1
            else:
                problems.append(f"entry {title!r}: {name} {have!r} != {want!r}")
    for k, c in enumerate(entries):
        if k not in used:
            problems.append(f"extra entry {c.raw!r}")
    out["entries_p"], out["entries_r"] = _pr(tp, len(entries), len(doc.entries))
    out["entries_fields"] = fields / total if total else 1.0
    out["problems"] = problems
    return out


def _fmt(s: dict) -> str:
    return " ".join(f"{k}={v:.2f}" for k, v in s.items() if k != "problems")


def _assert_scores(doc: Doc, s: dict, *, at_least: float, fields: float) -> None:
    for kind in ("cites", "notes", "entries"):
        assert s[f"{kind}_p"] >= at_least and s[f"{kind}_r"] >= at_least, (doc.name, _fmt(s), s["problems"])
        assert s[f"{kind}_fields"] >= fields, (doc.name, _fmt(s), s["problems"])


# ---------------------------------------------------------------- the text as printed
@pytest.mark.parametrize("doc", DOCS, ids=[d.name for d in DOCS])
def test_style_documents_as_printed(doc):
    """Every citation a careful reader records, and nothing else, with its fields."""
    s = score_doc(doc, find_citations(doc.texts()))
    _assert_scores(doc, s, at_least=1.0, fields=1.0)


def test_the_set_covers_the_styles():
    styles = {d.style for d in DOCS}
    assert {"chicago-notes", "author-date", "author-page", "numeric", "none"} <= styles and len(DOCS) >= 12
    assert sum(len(d.cites) + len(d.notes) for d in DOCS) >= 90 and sum(len(d.entries) for d in DOCS) >= 50


def test_numbered_citations_need_the_numbered_list():
    text = "Counted twice [3] and dated [1979], with [sic] and [4]-[6] and [2, p. 9], [1-2].\n"
    assert find_citations([text]) == []
    listed = text + "\nReferences\n\n" + "".join(f"[{n}] A. Writer{n}, Book {n}. London: Press, 19{70 + n}.\n"
                                                  for n in range(1, 7))
    cites = [c for c in find_citations([listed]) if c.kind == "in-text"]
    assert [(c.raw, c.year) for c in cites] == [("[3]", "1973"), ("[4]-[6]", "1974"), ("[4]-[6]", "1975"),
                                                ("[4]-[6]", "1976"), ("[2, p. 9]", "1972"), ("[1-2]", "1971"),
                                                ("[1-2]", "1972")]
    assert cites[4].locator == "p. 9" and cites[0].author == "A. Writer3" and cites[0].title == "Book 3"


def test_two_works_of_one_year_join_their_own_entries():
    texts = HARVARD.texts()
    found = find_citations(texts)
    hartley = [c for c in found if c.kind == "in-text" and c.author == "Hartley"]
    assert [found[c.entry_index].title for c in hartley] == [
        "Rent and Revolt: Tenants in the Northern Towns, 1919-1939", "The Camps Movement of 1946"]
    assert texts[0][hartley[0].start:hartley[0].end] == "(Ward 1976: 12; Hartley 1971a, 1971b)"


def test_bare_op_cit_takes_the_author_the_sentence_names():
    pages = ["The first study was Penrose's.1 Its figures were used by Carr.2 Penrose thought the chapel timid.3\n"
             "\n1 Walter Penrose, The Chapel and the Case (Leeds: Moorland Books, 1956), 33.\n"
             "2 Edith Carr, The Printing Trades (York: Borthwick Press, 1977), 88.\n3 Op. cit., p. 40.\n"]
    notes = find_citations(pages)
    assert [(c.note_number, c.author, c.year, c.locator) for c in notes] == [
        ("1", "Walter Penrose", "1956", "33"), ("2", "Edith Carr", "1977", "88"),
        ("3", "Walter Penrose", "1956", "p. 40")]
    assert notes[2].entry_index == 0
    in_text = find_citations(["“one” (Penrose, The Chapel 33). “two” (Carr 88). As Penrose put it, “three” "
                              "(op. cit., p. 40)."])
    assert [(c.author, c.locator, c.entry_index) for c in in_text][2] == ("Penrose", "p. 40", 0)


# ---------------------------------------------------------------- through the real pipeline
def _j(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _as_found(rows: list[dict]) -> list[FoundCitation]:
    """`archive citations --json` rows as found citations, to score them like the finder's own output."""
    return [FoundCitation(page=r["page"], start=0, end=0, raw=r["raw"], kind=r["kind"], author=r["author"],
                          title=r["title"], year=r["year"], locator=r["locator"], note_number=r["note_number"],
                          place=r["place"], publisher=r["publisher"]) for r in rows]


def _ingest(run_cli, db_url: str, *paths: Path) -> dict[str, int]:
    """Ingest and return {file or folder name: document id}."""
    out = _j(run_cli(db_url, "ingest", "--json", *map(str, paths)))
    ids = {}
    for item in out["ingested"]:
        first = Path(item["paths"][0])
        ids[first.stem if first.suffix == ".pdf" else first.parent.name] = item["document"]
    assert len(ids) == len(paths), out
    return ids


def test_style_documents_born_digital(run_cli, db_url, tmp_path):
    """Each document as a born-digital PDF, ingested: `archive citations --json` gives what the reader records
    (the text layer loses blank lines, and a superscript beyond ³ becomes '?')."""
    paths = []
    for doc in DOCS:
        write_text_pdf(tmp_path / f"{doc.name}.pdf", doc.pages)
        paths.append(tmp_path / f"{doc.name}.pdf")
    ids = _ingest(run_cli, db_url, *paths)
    for doc in DOCS:
        s = score_doc(doc, _as_found(_j(run_cli(db_url, "citations", str(ids[doc.name]), "--json"))))
        _assert_scores(doc, s, at_least=1.0, fields=0.8)


LINKED = {"federation": HELD_FEDERATION, "hartley-1971": HELD_HARTLEY_1971, "hartley-1975": HELD_HARTLEY_1975,
          "leaflet": HELD_LEAFLET, "cites-body": CITES_BY_BODY, "cites-person": CITES_BY_PERSON,
          "cites-title": CITES_BY_TITLE}
# who cites whom: by corporate author and year, by surname and year, by title
EXPECTED_LINKS = {"cites-body": "federation", "cites-person": "hartley-1971", "cites-title": "leaflet"}


def _check_links(run_cli, db_url: str, ids: dict[str, int]) -> None:
    name_of = {v: k for k, v in ids.items()}
    for name, doc_id in ids.items():
        cites = [name_of[d["document"]] for d in _j(run_cli(db_url, "cites", str(doc_id), "--json"))]
        cited_by = [name_of[d["document"]] for d in _j(run_cli(db_url, "cited-by", str(doc_id), "--json"))]
        assert cites == ([EXPECTED_LINKS[name]] if name in EXPECTED_LINKS else []), (name, cites)
        assert cited_by == [k for k, v in EXPECTED_LINKS.items() if v == name], (name, cited_by)


@pytest.mark.parametrize("order", ["cited-first", "citing-first"])
def test_documents_citing_one_another_link_whatever_the_order(run_cli, db_url, tmp_path, order):
    names = list(LINKED) if order == "cited-first" else list(reversed(LINKED))
    ids: dict[str, int] = {}
    for name in names:   # one at a time: each arrival relinks the archive
        write_text_pdf(tmp_path / f"{name}.pdf", LINKED[name])
        ids.update(_ingest(run_cli, db_url, tmp_path / f"{name}.pdf"))
    _check_links(run_cli, db_url, ids)
    body = {c["raw"]: c for c in _j(run_cli(db_url, "citations", str(ids["cites-body"]), "--json"))}
    assert body["(Leeds Tenants' Federation 1979, 3)"]["target"] == ids["federation"]
    assert "Leeds Tenants' Federation" in body["(Leeds Tenants' Federation 1979, 3)"]["evidence"]
    assert body["(Leeds City Council 1972)"]["target"] is None     # another body of the same city
    # outside works: one book cited in three styles is one work; two articles of one year stay two
    works = _j(run_cli(db_url, "works", "--json"))
    ellison = [w for w in works if w["author"] and "Ellison" in w["author"]]
    assert [sorted(w["cited_by"]) for w in ellison] == [sorted(ids[n] for n in EXPECTED_LINKS)]
    morgan = {w["title"] for w in works if w["author"] == "Morgan" and ids["cites-body"] in w["cited_by"]}
    assert morgan == {"Tenants and the council in Bradford", "Rent books as evidence"}
    assert _j(run_cli(db_url, "relink", "--json"))["changed"] == 0


# ---------------------------------------------------------------- scans (OCR), on SQLite only: OCR is slow
@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'archive.db'}"


def _scan(folder: Path, pages: list[list[str]], seed: int) -> Path:
    folder.mkdir()
    for n, lines in enumerate(pages, start=1):
        render_page(lines, dpi=300, seed=seed + n).save(folder / f"page-{n}.jpg", quality=85)
    return folder


@pytest.mark.tesseract
def test_style_documents_scanned(run_cli, sqlite_url, tmp_path):
    """Footnotes and author-date citations on OCR text of scanned pages (letter errors tolerated in raw)."""
    docs = [d for d in DOCS if d.name in ("chicago-footnotes", "harvard")]
    folders = [_scan(tmp_path / d.name, d.pages, seed=40 + 10 * k) for k, d in enumerate(docs)]
    ids = _ingest(run_cli, sqlite_url, *folders)
    for doc in docs:
        s = score_doc(doc, _as_found(_j(run_cli(sqlite_url, "citations", str(ids[doc.name]), "--json"))), fuzzy=85)
        _assert_scores(doc, s, at_least=0.9, fields=0.8)


@pytest.mark.tesseract
def test_a_scanned_work_is_linked_when_it_arrives(run_cli, sqlite_url, tmp_path):
    """The citing paper is held first; the cited book arrives as a scan, with a later book by its author."""
    for name in ("cites-person", "hartley-1975"):
        write_text_pdf(tmp_path / f"{name}.pdf", LINKED[name])
    ids = _ingest(run_cli, sqlite_url, tmp_path / "cites-person.pdf", tmp_path / "hartley-1975.pdf")
    assert _j(run_cli(sqlite_url, "cites", str(ids["cites-person"]), "--json")) == []
    ids.update(_ingest(run_cli, sqlite_url, _scan(tmp_path / "hartley-1971", HELD_HARTLEY_1971, seed=70)))
    cited = _j(run_cli(sqlite_url, "cites", str(ids["cites-person"]), "--json"))
    assert [d["document"] for d in cited] == [ids["hartley-1971"]]
    assert _j(run_cli(sqlite_url, "cited-by", str(ids["hartley-1975"]), "--json")) == []


# ---------------------------------------------------------------- forms met outside the set above
def test_endnotes_headed_references_are_notes_not_entries():
    pages = ["A History of the Rents Campaign\n\nThe campaign began in 1969.1 It grew quickly.2 The council "
             "resisted.3\n\n2\n",
             "References\n\n1. John Hartley, Rent and Revolt (London: Pluto Press, 1971), 201.\n2. Ibid., 204.\n"
             "3. Leeds City Council, Report of the Housing Committee (Leeds, 1972), 7.\n\n3\n"]
    found = find_citations(pages)
    assert [(c.kind, c.note_number, c.author, c.year) for c in found] == [
        ("note", "1", "John Hartley", "1971"), ("note", "2", "John Hartley", "1971"),
        ("note", "3", "Leeds City Council", "1972")]


@pytest.mark.parametrize("note, author, title, year, locator", [
    ("Hartley 1971, 90.", "Hartley", None, "1971", "90"),
    ("See Ruth Morgan (1974), 150.", "Ruth Morgan", None, "1974", "150"),
    ("Minutes of the Holbeck Committee, 3 May 1937, quoted in Hartley, Rent and Revolt, 88.", "Hartley",
     "Rent and Revolt", None, "88"),
    ("Hartley, Rent and Revolt, 52. The figure is disputed.", "Hartley", "Rent and Revolt", None, "52"),
    ("On the strike see especially Margaret Ellison, Kitchen Table Politics (Manchester: Northgate Press, 1982), 14.",
     "Margaret Ellison", "Kitchen Table Politics", "1982", "14"),
    ("Edith Carr and Samuel Lowe (eds.), The Printing Trades (York, 1977), 88.", "Edith Carr and Samuel Lowe",
     "The Printing Trades", "1977", "88"),
    ("Yorkshire Evening Post, 4 March 1977.", "Yorkshire Evening Post", None, "1977", None),
    ("Hartley, Rent and Revolt, ch. 3.", "Hartley", "Rent and Revolt", None, "ch. 3"),
])
def test_note_forms_beyond_chicago(note, author, title, year, locator):
    pw = bib.parse_note(note)
    assert (pw.author, pw.title, pw.year, pw.locator) == (author, title, year, locator)


@pytest.mark.parametrize("note", ["The author was present at the meeting.", "Bid for power, 1990.",
                                  "Interviews were recorded in 1989 and 1990."])
def test_discursive_notes_cite_nothing(note):
    assert bib.parse_note(note) is None


AUTHOR_DATE_LIST = ("\n\nReferences\n\nHartley, J. (1971). Rent and revolt. London: Pluto Press.\n"
                    "Hartley, J. (1985). Rent and revolt (2nd ed.). London: Pluto Press.\n"
                    "Leeds Tenants' Federation [LTF]. (1979). Ten years of struggle. Leeds: LTF.\n"
                    "Price, D., Kemp, D., & Ward, A. (1983). The tenants survey. Leeds: University of Leeds.\n")


@pytest.mark.parametrize("text, raw, author, year", [
    ("as shown (Hartley [1971] 1985).", "(Hartley [1971] 1985)", "Hartley", "1985"),
    ("as shown (LTF, 1979).", "(LTF, 1979)", "Leeds Tenants' Federation", "1979"),
    ("Hartley's (1971) study showed it.", "Hartley's (1971)", "Hartley", "1971"),
    ("the survey (Price, Kemp, and Ward 1983).", "(Price, Kemp, and Ward 1983)", "Price, Kemp, and Ward", "1983"),
    ("the survey (Hartley 1971, 45 n. 3).", "(Hartley 1971, 45 n. 3)", "Hartley", "1971"),
])
def test_author_date_forms(text, raw, author, year):
    found = find_citations([text + AUTHOR_DATE_LIST])
    (c,) = [f for f in found if f.kind == "in-text"]
    assert (c.raw, c.author, c.year) == (raw, author, year)
    assert found[c.entry_index].year == year

"""Generate realistic archives of born-digital pamphlets for the scale benchmark and its tests.

Each document is a one-page PDF with a text layer (fpdf2): a title (and sometimes a subtitle), a byline
(a person, an issuing body, or none), an imprint line (publisher, place, year), a body with in-text
citations, and a works-cited list. Documents cite earlier documents of the same archive and works from a
pool of outside works, in MLA or author-date style; a few are rescans (the same text set again in
another size, with a few words changed). Names and titles are invented from syllables and a word list,
so that an archive of 100,000 holds distinct works. Everything is seeded: the same arguments give the
same files.

    python -m sample.archive_gen OUTDIR --documents 1000 [--seed 1] [--start 0]
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

from fpdf import FPDF

_ONSETS = "b br c ch cr d dr f g gr h k l m n p pr r s sh st t tr v w".split()
_VOWELS = "a e i o u ai ea ou".split()
_CODAS = "n r l s t m nd rd ck ll ng rn x".split()
_ENDINGS = "ton ford ley wick more field by worth ham stead bury dale combe shaw well".split()
GIVEN = ("Agnes Albert Alice Arthur Bernard Clara Cyril Dora Edith Ernest Esther Frank Grace Harold Hilda Ivy "
         "James Joan John Kate Leonard Lilian Mabel Margaret Martha Nora Oscar Percy Rose Ruth Samuel Sarah "
         "Thomas Violet Walter Winifred").split()
WORDS = ("rent strike tenants union workers library press reading circle branch council railway dockers miners "
         "printers weavers housing school hours wages bread peace war women children education health "
         "cooperative store land question charter reform freedom struggle history record memory account "
         "organization meeting lecture pamphlet bulletin review letter appeal manifesto programme platform "
         "future past city town valley harbour mill foundry factory shop street market canal bridge "
         "famine harvest tithe rates poll tax ballot vote franchise suffrage chartist guild craft apprentice "
         "sweated trade hosiery lace pottery glass steel iron coal tin copper slate quarry fishery docks "
         "shipyard tramway omnibus carters drivers porters clerks shopkeepers nurses midwives teachers "
         "scholars students readers writers poets singers choirs bands theatre cinema football cricket "
         "chapel church parish mission temperance friendly burial insurance pension relief workhouse "
         "asylum prison police riot picket lockout blackleg arbitration conciliation wage board "
         "allotment garden commons enclosure forest moor fen marsh river estuary island coast "
         "emigration colony empire nation republic commune parliament assembly congress conference "
         "resolution petition memorial address greeting tribute obituary centenary jubilee souvenir").split()
ADJECTIVES = ("new long short true great common open free early late northern southern eastern western "
              "forgotten hidden first last").split()
TRADES = "Typographical Railway Textile Dockers' Miners' Tenants' Teachers' Bakers' Printers' Weavers'".split()
BODIES = "Society League Union Committee Council Association Federation Institute Guild".split()
PRESS = "Press Books Publishing Printers".split()
_LINK = ("the of and in for to with on by from at as was were is are that which their its this "
         "our a an had has have").split()


def _sentences(rng: random.Random, n: int) -> list[str]:
    """Sentences of the document's own (random) words: bodies share words, not passages."""
    out = []
    for _ in range(n):
        words = [rng.choice(WORDS + ADJECTIVES) if rng.random() < 0.55 else rng.choice(_LINK)
                 for _ in range(rng.randrange(9, 18))]
        out.append(" ".join(words).capitalize())
    return out


def _name(rng: random.Random) -> str:
    base = rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS)
    return (base + rng.choice(_ENDINGS)).capitalize() if rng.random() < 0.7 else base.capitalize()


@dataclass
class Work:
    """A work as a citation names it."""

    key: str                       # 'doc-17' for a held document, 'ext-4' for an outside work
    title: str
    subtitle: str | None
    person: str | None             # 'Given Surname'
    body: str | None               # an issuing body
    publisher: str
    place: str
    year: int

    def creator(self) -> str | None:
        return self.person or self.body


@dataclass
class GenDoc:
    file: str
    work: Work
    cites: list[str] = field(default_factory=list)    # keys of the works it cites
    rescan_of: str | None = None


class ArchiveGenerator:
    """Works and documents drawn from one seed; documents are numbered in the order they are made."""

    def __init__(self, seed: int = 1, rescans: float = 0.02):
        self.rng = random.Random(seed)
        self.rescans = rescans
        self.seen_titles: set[str] = set()
        self.places = sorted({_name(self.rng) for _ in range(400)})
        self.outside = [self._work(f"ext-{i}") for i in range(300)]
        self.held: list[Work] = []
        self.cites_of: dict[str, list[str]] = {}

    def _title(self) -> str:
        rng = self.rng
        while True:
            a, b = rng.sample(WORDS, 2)
            form = rng.randrange(4)
            t = (f"The {rng.choice(ADJECTIVES).capitalize()} {a.capitalize()}" if form == 0 else
                 f"{a.capitalize()} and {b.capitalize()}" if form == 1 else
                 f"The {a.capitalize()} of the {b.capitalize()}" if form == 2 else
                 f"{a.capitalize()} in {rng.choice(self.places)}")
            t += f" {_name(rng)}" if rng.random() < 0.5 else ""
            if t not in self.seen_titles:
                self.seen_titles.add(t)
                return t

    def _work(self, key: str) -> Work:
        rng = self.rng
        place = rng.choice(self.places)
        kind = rng.random()
        person = f"{rng.choice(GIVEN)} {_name(rng)}" if kind < 0.45 else None
        body = f"{place} {rng.choice(TRADES)} {rng.choice(BODIES)}" if 0.45 <= kind < 0.75 else None
        publisher = f"{_name(rng)} {rng.choice(PRESS)}"
        subtitle = f"A History of the {rng.choice(TRADES)} {rng.choice(BODIES)}" if rng.random() < 0.3 else None
        return Work(key, self._title(), subtitle, person, body, publisher, place, rng.randrange(1890, 1990))

    def next_document(self, index: int) -> GenDoc:
        rng = self.rng
        if self.held and rng.random() < self.rescans:   # a rescan: the same work set again
            original = rng.choice(self.held)
            return GenDoc(f"doc-{index:06d}.pdf", original, self.cites_of[original.key], rescan_of=original.key)
        work = self._work(f"doc-{index}")
        older = [w for w in rng.sample(self.held, min(len(self.held), 40)) if w.year <= work.year]
        cites = [w.key for w in older[:rng.randrange(0, 4)]]
        cites += [w.key for w in rng.sample(self.outside, rng.randrange(0, 3)) if w.year <= work.year]
        self.held.append(work)
        self.cites_of[work.key] = cites
        return GenDoc(f"doc-{index:06d}.pdf", work, cites)


def _short(title: str) -> str:
    return title.split(":")[0]


def _in_text(w: Work, style: str, page: int) -> str:
    who = w.creator()
    if style == "author-date":
        name = w.person.split()[-1] if w.person else (who or _short(w.title))
        return f"({name} {w.year}: {page})"
    name = w.person.split()[-1] if w.person else (who or f'"{_short(w.title)}"')
    return f"({name} {page})"


def _entry(w: Work, style: str) -> str:
    title = f"{w.title}: {w.subtitle}" if w.subtitle else w.title
    if w.person:
        given, surname = w.person.rsplit(" ", 1)
        head = f"{surname}, {given}."
    else:
        head = f"{w.body}." if w.body else ""
    if style == "author-date":
        head = f"{head[:-1]} ({w.year})" if head else f"{title} ({w.year})."
        body = f" {title}." if w.person or w.body else ""
        return f"{head}{body} {w.place}: {w.publisher}."
    return f"{head} {title}. {w.publisher}, {w.year}.".strip()


def write_pdf(doc: GenDoc, works: dict[str, Work], path: Path) -> None:
    w = doc.work
    style = "author-date" if int(w.key.split("-")[1]) % 2 else "mla"
    pdf = FPDF(format=(148, 210))   # A5; the core Times font: ASCII text, nothing to embed
    pdf.set_margins(14, 14, 14)
    pdf.add_page()
    size = 10 if doc.rescan_of is None else 9.5
    pdf.set_font("Times", "B", size + 8)
    pdf.multi_cell(0, (size + 8) * 0.5, w.title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Times", "", size + 2)
    if w.subtitle:
        pdf.multi_cell(0, (size + 2) * 0.5, w.subtitle, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    if w.person:
        pdf.multi_cell(0, 6, w.person, new_x="LMARGIN", new_y="NEXT")
    elif w.body:
        pdf.multi_cell(0, 6, f"Issued by the {w.body}", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Times", "", size)
    pdf.multi_cell(0, 5, f"Published by {w.publisher}, {w.place}, {w.year}", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    lines = _sentences(random.Random(w.key), 8)
    if doc.rescan_of:   # another setting of the same text, with a word or two changed
        lines[2] = lines[2].replace(" the ", " a ", 1)
    para = []
    for i, line in enumerate(lines):
        cite = f" {_in_text(works[doc.cites[i]], style, 3 + i * 7)}" if i < len(doc.cites) else ""
        para.append(f"{line}{cite}.")
    pdf.multi_cell(0, 5, " ".join(para), new_x="LMARGIN", new_y="NEXT")
    if doc.cites:
        pdf.ln(3)
        pdf.set_font("Times", "B", size)
        pdf.multi_cell(0, 5, "References" if style == "author-date" else "Works Cited", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Times", "", size)
        for key in sorted(doc.cites, key=lambda k: _entry(works[k], style)):
            pdf.multi_cell(0, 5, _entry(works[key], style), new_x="LMARGIN", new_y="NEXT")
    pdf.output(str(path))


def generate(out: Path, documents: int, seed: int = 1, start: int = 0,
             generator: ArchiveGenerator | None = None) -> list[GenDoc]:
    """Write documents start..start+documents-1 of the archive drawn from `seed` into `out`, with
    manifest.json (each file's work and what it cites). The first `start` are drawn but not written."""
    gen = generator or ArchiveGenerator(seed)
    out.mkdir(parents=True, exist_ok=True)
    made = [gen.next_document(i) for i in range(start + documents)][start:]
    works = {w.key: w for w in gen.held + gen.outside}
    for d in made:
        write_pdf(d, works, out / d.file)
    (out / "manifest.json").write_text(json.dumps([asdict(d) for d in made], indent=1))
    return made


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--documents", type=int, default=100)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--start", type=int, default=0, help="skip the first N documents of the archive")
    args = ap.parse_args()
    generate(args.out, args.documents, args.seed, args.start)


if __name__ == "__main__":
    main()

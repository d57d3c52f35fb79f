"""Benchmark: the facets, filtered search and review queue of `archive serve` as the archive grows.

A synthetic archive is written straight through the tables (not through ingest: building 100,000 real
documents takes hours on two cores; these queries read only the tables, so how the rows were made does
not matter): N one-page documents with an organization, publisher, place and date drawn from a few
hundred values each (skewed, as real collections are), a page of text from a word list (through the
full-text index), six software assertions per document with confidences, three citations each (one
linked to an earlier document), a duplicate relation for 2% of them, and a few hundred people's decisions.
Then, in process, p50/p95 over --rounds of: the catalogue's facets (no filter, an exact facet filter, a
typed part of a value), a count of the filtered documents, a search with and without a filter and its
facets (a rare and a common word), the first and a deep keyset page of each review queue, and the
queue's progress counts.

    .venv/bin/python bench/review_bench.py --sizes 10000 --backends sqlite
    .venv/bin/python bench/review_bench.py --sizes 10000,100000 --backends sqlite,postgres --write

Not a test. With --write it rewrites bench/REVIEW.md.
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import insert  # noqa: E402
from sqlmodel import Session  # noqa: E402

from archive.store import reads  # noqa: E402
from archive.store.db import make_engine  # noqa: E402
from archive.store.models import (  # noqa: E402
    Agent,
    Assertion,
    Citation,
    Decision,
    Document,
    DocumentRelation,
    Page,
)
from sample.archive_gen import WORDS  # noqa: E402

WORK = Path("/tmp/archive-bench/review")
FIELDS = ("title", "organization", "publisher", "place", "date", "authors")


def _values(rng: random.Random, prefix: str, n: int) -> list[str]:
    return [f"{prefix} {rng.choice(WORDS).title()} {rng.choice(WORDS).title()} {i}" for i in range(n)]


def build(url: str, n: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    engine = make_engine(url)
    orgs, pubs, places = _values(rng, "Union", 500), _values(rng, "Press", 300), _values(rng, "Town", 400)

    def skewed(values):   # a few values hold most documents, as in real collections
        return values[min(int(rng.paretovariate(1.1)) - 1, len(values) - 1)]

    now = datetime.now(timezone.utc)
    with Session(engine) as s:
        software = Agent(kind="software", name="bench extractor", version="1")
        person = Agent(kind="person", name="bench reviewer")
        s.add_all([software, person])
        s.commit()
        sw, pe = software.id, person.id
    step = 2000
    for start in range(0, n, step):
        docs, pages, asserts, cites, rels, decisions = [], [], [], [], [], []
        for i in range(start + 1, min(start + step, n) + 1):
            meta = {"organization": skewed(orgs), "publisher": skewed(pubs), "place": skewed(places),
                    "date": f"{rng.randrange(1890, 1990)}-{rng.randrange(1, 13):02d}"}
            text = " ".join(rng.choice(WORDS) for _ in range(180)) + (" zanzibar" if rng.random() < 0.01 else "")
            docs.append({"id": i, "fingerprint": f"{i:064d}", "label": f"doc-{i}", "created_at": now, "page_count": 1,
                         "text": text, "text_sha256": f"{i:064x}", "title": f"Title {i}", "authors_json": "[]",
                         "date_approximate": False, **meta})
            pages.append({"document_id": i, "number": 1, "source_index": 0, "method": "text-layer",
                          "preprocessing": "[]", "text": text})
            for field in FIELDS:
                value = meta.get(field, f"Title {i}" if field == "title" else ["A. Writer"])
                asserts.append({"document_id": i, "field": field, "value_json": json.dumps(value),
                                "qualifiers_json": "{}", "confidence": round(rng.uniform(0.3, 0.99), 3),
                                "method": "bench", "agent_id": sw, "created_at": now,
                                "superseded": rng.random() < 0.05})
            for k in range(3):
                target = rng.randrange(1, i) if k == 0 and i > 1 else None
                cites.append({"document_id": i, "page": 1, "kind": "in-text", "raw": f"(Writer {i}-{k})",
                              "target_document_id": target,
                              "confidence": round(rng.uniform(0.5, 1.0), 3) if target else None})
            if i > 1 and rng.random() < 0.02:
                rels.append({"document_id": i - 1, "other_id": i, "kind": "near-duplicate",
                             "score": round(rng.uniform(0.5, 1.0), 3), "method": "bench", "canonical_id": i - 1,
                             "created_at": now})
            if rng.random() < 0.03:
                decisions.append({"subject": "value", "document_id": i, "field": "place",
                                  "value_json": json.dumps(meta["place"]), "verdict": "rejected", "reason": "bench",
                                  "agent_id": pe, "created_at": now})
        with engine.begin() as conn:
            for table, rows in ((Document, docs), (Page, pages), (Assertion, asserts), (Citation, cites),
                                (DocumentRelation, rels), (Decision, decisions)):
                if rows:
                    conn.execute(insert(table), rows)
    if engine.dialect.name == "postgresql":   # as autovacuum would soon; SQLite archives are never ANALYZEd
        with engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    engine.dispose()


def _time(fn, rounds: int) -> dict:
    wall, cpu = [], []
    fn()   # warm the cache once
    for _ in range(rounds):
        w, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    wall.sort()
    return {"p50_ms": round(statistics.median(wall), 1), "p95_ms": round(wall[int(0.95 * (len(wall) - 1))], 1),
            "cpu_p50_ms": round(statistics.median(cpu), 1)}


def measure(url: str, rounds: int) -> dict:
    engine = make_engine(url)
    out = {}
    with Session(engine) as s:
        top_org = reads.facet_counts(s)["organization"][0][0]
        part = top_org.split()[1].lower()
        deep = {}
        for kind in reads.REVIEW_KINDS:   # a cursor about 2,000 items in
            page, cursor = None, None
            for _ in range(40):
                page = reads.review_queue(s, kind, after=cursor, limit=50, progress=False)
                if not page["next"]:
                    break
                cursor = page["next"]
            deep[kind] = cursor
        cases = {
            "facets, no filter": lambda: reads.facet_counts(s),
            "facets, exact organization (a facet link)": lambda: reads.facet_counts(
                s, reads.DocumentFilter(organization=top_org, exact=("organization",))),
            "facets, part of an organization (typed)": lambda: reads.facet_counts(
                s, reads.DocumentFilter(organization=part)),
            "facets, date range 1900-1910": lambda: reads.facet_counts(
                s, reads.DocumentFilter(date_from="1900", date_to="1910")),
            "catalogue page 1 + count, exact organization": lambda: (
                reads.list_documents(s, reads.DocumentFilter(organization=top_org, exact=("organization",)), limit=50,
                                     with_text=False),
                reads.count_documents(s, reads.DocumentFilter(organization=top_org, exact=("organization",)))),
            "search rare word (1% of documents)": lambda: reads.search(s, "zanzibar", limit=50),
            "search rare word + its facets": lambda: reads.search_facets(s, "zanzibar"),
            "search common words (AND), filtered by exact organization": lambda: reads.search(
                s, "strike union", limit=50, flt=reads.DocumentFilter(organization=top_org, exact=("organization",))),
            "search common words + facets": lambda: reads.search_facets(s, "strike union"),
            **{f"review queue {k}: first page": (lambda k=k: reads.review_queue(s, k, limit=50, progress=False))
               for k in reads.REVIEW_KINDS},
            **{f"review queue {k}: page ~2,000 items in (keyset)": (lambda k=k: reads.review_queue(
                s, k, after=deep[k], limit=50, progress=False)) for k in reads.REVIEW_KINDS if deep[k]},
            "review progress counts (all three queues)": lambda: reads.review_progress(s),
        }
        for name, fn in cases.items():
            out[name] = _time(fn, rounds)
    engine.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10000")
    ap.add_argument("--backends", default="sqlite")
    ap.add_argument("--rounds", type=int, default=15)
    ap.add_argument("--write", action="store_true")
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    results = []
    pg = None
    try:
        for backend in args.backends.split(","):
            for n in map(int, args.sizes.split(",")):
                if backend == "sqlite":
                    path = WORK / f"review-{n}.db"
                    if path.exists():
                        for p in WORK.glob(f"review-{n}.db*"):
                            p.unlink()
                    url = f"sqlite:///{path}"
                else:
                    from testkit.pgserver import PostgresServer
                    pg = pg or PostgresServer().__enter__()
                    url = pg.database()
                t = time.perf_counter()
                build(url, n)
                built = time.perf_counter() - t
                r = measure(url, args.rounds)
                results.append({"backend": backend, "documents": n, "build_s": round(built, 1), "queries": r})
                print(json.dumps(results[-1], indent=1), flush=True)
    finally:   # the throwaway server goes whatever happened
        if pg is not None:
            pg.__exit__(None, None, None)
    if args.write:
        (ROOT / "bench" / "REVIEW.md").write_text(render(results))


def render(results: list[dict]) -> str:
    lines = ["# Facets, filtered search and the review queue as the archive grows", "",
             "`" + " ".join(["python bench/review_bench.py", *sys.argv[1:]]) + "` on "
             f"{platform.machine()}, Python {platform.python_version()}, 2 cores shared with other work "
             "(read the CPU column). In process, p50 / p95 wall and p50 CPU in ms; a synthetic archive "
             "(see the script's docstring).", ""]
    names = list(results[0]["queries"])
    head = " | ".join(f"{r['backend']} {r['documents']:,}" for r in results)
    lines += [f"| query | {head} |", "| --- |" + " --- |" * len(results)]
    for name in names:
        cells = []
        for r in results:
            q = r["queries"].get(name)
            cells.append(f"{q['p50_ms']} / {q['p95_ms']} (CPU {q['cpu_p50_ms']})" if q else "")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()

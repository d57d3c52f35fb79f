"""Load benchmark of `archive serve`: concurrent clients on loopback against an archive of N documents while an
ingest started from the browser runs (issue 13). Writes bench/WEB_LOAD.md (unless --no-write).

The archive: documents drawn from sample/archive_gen.py's generator (the one bench/scale_bench.py ingests), written
straight through archive.store.writes (a page of text, a source file, the events, metadata assertions for title,
authors or issuing body, publisher, place and date, then the provenance stage's keys through
provenance.pipeline.backfill), then the citations in their texts found and resolved by the provenance stage itself
(provenance.pipeline.update, citations only). That takes a few minutes for 10,000; the real `archive ingest` of the
same documents takes 20-30 minutes a backend on this machine (bench/SCALE.md). With --fixity-files the source-file
table is filled up to that many rows (bulk insert), for the fixity dashboard at 100,000 files. The built archive is
kept (SQLite: load-template.db; PostgreSQL: database webload_template on a server kept in WORK/pg) and every run
loads a fresh copy of it, so with --reuse a run skips the build and still ingests (and OCRs) the same new work.

The server: `archive serve --workers N` in its own processes (as a user runs it), the job runner it starts for the
ingest in another. Before the load, --cpu-rounds requests of each kind one after another give the server's (and
PostgreSQL's) CPU per request; during it, the CPU of each role is read from /proc. The clients: --clients async
httpx clients, each signed in with its own session, each looping for --seconds: a search (two generated words), a
document page, or an edit of a field through the HTML form (the page read first for the field's version and the CSRF
token); a pause of --think seconds (0.5x to 1.5x, random) between requests, as a person reading. Each client edits
only its own documents, so edits never conflict. At the start one client uploads --ingest-docs new generated PDFs
plus the shared corpus's three scanned pages (real OCR) and the ingest runs while the clients work.

    .venv/bin/python bench/web_load.py                                  # SQLite and PostgreSQL, 10,000 documents
    .venv/bin/python bench/web_load.py --backends sqlite --documents 2000 --seconds 20 --no-write   # a quick look
    .venv/bin/python bench/web_load.py --reuse --no-write               # again, on the archives built before
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import platform
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.proctree import cpu_delta, cpu_snapshot  # noqa: E402
from sample.archive_gen import WORDS, ArchiveGenerator, Work, write_pdf  # noqa: E402

WORK = Path("/tmp/archive-bench/web")
ARCHIVE = str(ROOT / ".venv" / "bin" / "archive")
SCANS = ROOT.parent / "shared" / "corpus" / "workers-library" / "clean"
PASSWORD = "load test password"


def page_text(work: Work, cites: list[Work]) -> str:
    """The text of a generated document's page, as write_pdf sets it (without the PDF)."""
    lines = [work.title] + ([work.subtitle] if work.subtitle else [])
    lines.append(work.person or f"Issued by the {work.body}" if (work.person or work.body) else "")
    lines.append(f"Published by {work.publisher}, {work.place}, {work.year}")
    rng = random.Random(work.key)
    body = " ".join(" ".join(rng.sample(WORDS, 9)).capitalize() + "." for _ in range(8))
    refs = [f"{c.person or c.body or ''}. {c.title}. {c.publisher}, {c.year}." for c in cites]
    return "\n".join([*lines, "", body, *(["", "Works Cited", *refs] if refs else [])])


def build(url: str, n: int, seed: int, fixity_files: int) -> dict:
    """N generated documents straight through the store's writes; returns timings."""
    from archive.store import writes
    from archive.store.db import make_engine, session_scope
    from archive.store.models import Document, Page, SourceFile
    from archive.store.vocabulary import AgentKind, EventType, Outcome, PageMethod
    from ingest import normalize
    from provenance.pipeline import backfill
    t0 = time.perf_counter()
    engine = make_engine(url)
    gen = ArchiveGenerator(seed)
    made = [gen.next_document(i) for i in range(n)]
    works = {w.key: w for w in gen.held + gen.outside}
    for start in range(0, n, 500):
        with session_scope(engine) as s:
            me = writes.project_agent(s)
            pypdf = writes.agent(s, AgentKind.SOFTWARE, "pypdf", "bench")
            rules = writes.agent(s, AgentKind.SOFTWARE, "archive-tracker metadata extractor", "bench")
            for i, d in enumerate(made[start:start + 500], start):
                w = d.work
                text = page_text(w, [works[k] for k in d.cites])
                norm = normalize.normalize_document([text])
                sha = hashlib.sha256(f"{seed}:{i}:{d.file}".encode()).hexdigest()
                doc = Document(fingerprint=sha, label=d.file, page_count=1, text=norm,
                               text_sha256=normalize.text_sha256(norm))
                src = SourceFile(sequence=0, path=f"/bench/{d.file}", size=len(text), sha256=sha, format="pdf")
                page = Page(number=1, method=PageMethod.TEXT_LAYER.value, engine="pypdf", text=text)
                writes.add_document(s, doc, [src], [(page, 0, pypdf, Outcome.SUCCESS, "page 1: text layer")],
                                    [(EventType.INGESTION, me, Outcome.SUCCESS, f"ingested {d.file}", None)])
                values = {"title": w.title, "subtitle": w.subtitle, "publisher": w.publisher, "place": w.place,
                          "date": str(w.year), "organization": w.body, "authors": [w.person] if w.person else None}
                for field, value in values.items():
                    if value:
                        writes.add_assertion(s, doc, field, value, rules, method="bench", confidence=0.9, page=1,
                                             qualifiers={"precision": "year"} if field == "date" else None,
                                             evidence=value if isinstance(value, str) else value[0])
                writes.refresh_metadata(s, doc)
    t_docs = time.perf_counter() - t0
    from sqlalchemy import update

    from archive.store.models import utcnow
    with session_scope(engine) as s:  # described (else the next ingest's provenance stage takes them all on)
        s.exec(update(Document).values(described_at=utcnow()))
    backfill(engine)  # the blocking and near-duplicate keys the provenance stage would have written
    t_keys = time.perf_counter() - t0 - t_docs
    # The citations in the texts found and resolved by the provenance stage itself, as an ingest would (a
    # document page lists its citations and the documents citing it: without them it cost a fifth less).
    from sqlalchemy import func
    from sqlmodel import Session, select

    from archive.store.models import Citation
    from provenance.pipeline import update as provenance_update
    with Session(engine) as s:
        ids = list(s.exec(select(Document.id).order_by(Document.id)))
    for start in range(0, len(ids), 1000):
        provenance_update(engine, ids[start:start + 1000], metadata=False, citations=True)
        print(f"citations: {min(start + 1000, len(ids))} of {len(ids)} documents", file=sys.stderr, flush=True)
    with Session(engine) as s:
        citations = s.exec(select(func.count()).select_from(Citation)).one()
    t_cites = time.perf_counter() - t0 - t_docs - t_keys
    extra = 0
    if fixity_files > n:
        extra = _fill_fixity(engine, fixity_files - n)
    engine.dispose()
    return {"documents_s": round(t_docs, 1), "keys_s": round(t_keys, 1), "citations": citations,
            "citations_s": round(t_cites, 1), "extra_files": extra, "total_s": round(time.perf_counter() - t0, 1)}


def _drop_sqlite(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)


def _fill_fixity(engine, count: int) -> int:
    """More source files (on the first documents), half checked ok, some modified or missing: the dashboard's
    table at 100,000 files without 100,000 documents."""
    from sqlalchemy import insert
    from sqlmodel import Session, select

    from archive.store.db import session_scope
    from archive.store.models import Document, SourceFile, utcnow
    with Session(engine) as s:
        ids = list(s.exec(select(Document.id).order_by(Document.id).limit(1000)))
    now = utcnow()
    rows = []
    for i in range(count):
        status = "ok" if i % 2 else (None if i % 1000 else ("modified" if i % 3000 else "missing"))
        rows.append({"document_id": ids[i % len(ids)], "sequence": 1 + i // len(ids), "path": f"/bench/extra-{i}.tif",
                     "size": 1000, "sha256": hashlib.sha256(str(i).encode()).hexdigest(), "format": "tiff",
                     "ingested_at": now, "last_fixity": status, "last_fixity_at": now if status else None})
    for start in range(0, len(rows), 5000):
        with session_scope(engine) as s:
            s.exec(insert(SourceFile), params=rows[start:start + 5000])
    return count


# --- the server and the clients ---------------------------------------------------------------------------

def start_server(url: str, storage: Path, workers: int = 1) -> tuple[subprocess.Popen, str]:
    env = {**os.environ, "ARCHIVE_SECRET": "bench-secret", "OMP_THREAD_LIMIT": "1"}
    for name, role in (("loader", "editor"),):
        subprocess.run([ARCHIVE, "-q", "--db", url, "user", "add", name, "--role", role, "--password", PASSWORD],
                       check=True, env=env)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([ARCHIVE, "-q", "--db", url, "serve", "--port", str(port), "--storage", str(storage),
                             "--ingest-jobs", "1", "--workers", str(workers)], env=env)
    base = f"http://127.0.0.1:{port}"
    import httpx
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/login", timeout=2).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.terminate()
    raise SystemExit("archive serve did not start")


async def touch(client) -> None:
    """One request on the client's connection; once more on a new one if the server was closing it."""
    import httpx
    try:
        await client.get("/api/me")
    except httpx.TransportError:
        await client.get("/api/me")


async def sign_in(client) -> str:
    html = (await client.get("/login")).text
    csrf = re.search(r'name="csrf" value="([^"]+)"', html).group(1)
    r = await client.post("/login", data={"name": "loader", "password": PASSWORD, "csrf": csrf})
    assert r.status_code == 303, r.status_code
    return (await client.get("/api/me")).json()["csrf"]


async def start_ingest(client, csrf: str, docs: int, seed: int) -> int:
    out = WORK / f"ingest-{seed}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    gen = ArchiveGenerator(seed + 1000)
    made = [gen.next_document(i) for i in range(docs)]
    works = {w.key: w for w in gen.held + gen.outside}
    for d in made:
        write_pdf(d, works, out / d.file)
    files = [("files", (p.name, p.read_bytes(), "application/pdf")) for p in sorted(out.glob("*.pdf"))]
    if SCANS.is_dir():  # three scanned pages, read where they are (a folder: one document, OCR)
        files += [("folder", (f"scans/{p.name}", p.read_bytes(), "image/png")) for p in sorted(SCANS.glob("*.png"))]
    r = await client.post("/api/ingest", files=files, headers={"X-CSRF-Token": csrf}, timeout=120)
    assert r.status_code == 202, r.text
    return r.json()["id"]


async def client_loop(k: int, c, csrf: str, n_docs: int, clients: int, until: float, think: float, out: dict,
                      errors: list) -> None:
    rng = random.Random(k)
    mine = [d for d in range(1, n_docs + 1) if d % clients == k]
    start, sent = time.monotonic(), 0
    if True:
        await asyncio.sleep(rng.random() * think)
        while time.monotonic() < until:
            sent += 1
            op = rng.choices(("search", "document", "edit"), weights=(4, 4, 2))[0]
            t = time.perf_counter()
            try:
                if op == "search":
                    r = await c.get("/search", params={"q": f"{rng.choice(WORDS)} {rng.choice(WORDS)}"})
                    ok = r.status_code == 200
                elif op == "document":
                    r = await c.get(f"/documents/{rng.randint(1, n_docs)}")
                    ok = r.status_code == 200
                else:
                    doc = rng.choice(mine)
                    version = place_version((await c.get(f"/documents/{doc}")).text, doc)
                    value = f"Place {rng.randrange(10**6)}"
                    posted = time.perf_counter()
                    r = await c.post(f"/documents/{doc}/fields/place",
                                     data={"csrf": csrf, "version": version, "value": value, "note": "load test"})
                    ok = r.status_code == 303
            except Exception as exc:  # noqa: BLE001 - counted and reported, the run goes on
                errors.append(f"{op}: {exc.__class__.__name__}: {exc} ({time.monotonic() - start:.1f} s into the "
                              f"window, this client's request {sent})")
                continue
            done = time.perf_counter()
            out.setdefault(op, []).append(done - t)
            out.setdefault("timeline", []).append((round(t, 3), op, round(done - t, 4)))
            if op == "edit":
                out.setdefault("edit POST", []).append(done - posted)
            if op == "edit" and r.status_code == 409:
                # Refused as it should be: the value changed since the page was read (sharing with a rescan
                # held as another client's document). Not an error; counted apart.
                out.setdefault("conflicts", []).append(0.0)
            elif not ok:
                errors.append(f"{op}: HTTP {r.status_code}")
            await asyncio.sleep(think * (0.5 + rng.random()))


async def timed_gets(base: str, paths: list[str], rounds: int) -> dict:
    import httpx
    async with httpx.AsyncClient(base_url=base, timeout=30) as c:
        await sign_in(c)
        out = {}
        for p in paths:
            times = []
            for _ in range(rounds):
                t = time.perf_counter()
                r = await c.get(p)
                times.append(time.perf_counter() - t)
                assert r.status_code == 200, (p, r.status_code)
            out[p] = pct(times)
        return out


def place_version(page: str, doc: int) -> str:
    """The version of the place field the document page's edit form names (an edit sends it back)."""
    return re.search(r'action="/documents/%d/fields/place".*?name="version" value="(\d+)"' % doc, page,
                     re.S).group(1)


async def cpu_per_request(base: str, server_pid: int, n_docs: int, rounds: int, seed: int) -> dict:
    """Server (and PostgreSQL) CPU milliseconds per request of each kind, from `rounds` requests one after another
    (nothing else running): what each request costs, apart from queueing."""
    import httpx
    rng = random.Random(seed)
    out = {}
    async with httpx.AsyncClient(base_url=base, timeout=60) as c:
        csrf = await sign_in(c)

        async def edit(doc: int):
            version = place_version((await c.get(f"/documents/{doc}")).text, doc)
            before = cpu_snapshot(server_pid)
            r = await c.post(f"/documents/{doc}/fields/place", data={
                "csrf": csrf, "version": version, "value": f"Place {rng.randrange(10**6)}", "note": "cpu"})
            assert r.status_code == 303, r.status_code
            return before, cpu_snapshot(server_pid)

        kinds = {"trivial (/favicon.ico)": lambda: c.get("/favicon.ico"),
                 "search": lambda: c.get("/search", params={"q": f"{rng.choice(WORDS)} {rng.choice(WORDS)}"}),
                 "document": lambda: c.get(f"/documents/{rng.randint(1, n_docs)}")}
        for name, call in kinds.items():
            await call()  # warm
            before = cpu_snapshot(server_pid)
            for _ in range(rounds):
                assert (await call()).status_code in (200, 204)
            d = cpu_delta(before, cpu_snapshot(server_pid))
            out[name] = {k: round(d[k] * 1000 / rounds, 1) for k in ("server", "postgres")}
        spent = {"server": 0.0, "postgres": 0.0}
        for _ in range(rounds):  # the edit's POST alone (its page read is the document row)
            before, after = await edit(rng.randint(1, n_docs))
            d = cpu_delta(before, after)
            spent = {k: spent[k] + d[k] for k in spent}
        out["edit POST"] = {k: round(v * 1000 / rounds, 1) for k, v in spent.items()}
    return out


def pct(samples: list[float]) -> dict:
    if len(samples) < 2:
        return {"n": len(samples), "p50_ms": None, "p95_ms": None}
    qs = statistics.quantiles(samples, n=20, method="inclusive")
    return {"n": len(samples), "p50_ms": round(statistics.median(samples) * 1000, 1),
            "p95_ms": round(qs[18] * 1000, 1), "max_ms": round(max(samples) * 1000, 1)}


async def load(base: str, args, n_docs: int, server_pid: int) -> dict:
    import httpx
    async with httpx.AsyncClient(base_url=base, timeout=120) as admin:
        csrf = await sign_in(admin)
        fixity = await timed_gets(base, ["/fixity", "/fixity?status=failures", "/api/fixity?after=90000",
                                         "/api/fixity?status=missing"], 10)
        per_request = await cpu_per_request(base, server_pid, n_docs, args.cpu_rounds, args.seed) \
            if args.cpu_rounds else {}
        job_id = await start_ingest(admin, csrf, args.ingest_docs, args.seed) if args.ingest_docs else None
        samples: dict = {}
        errors: list = []
        clients = [httpx.AsyncClient(base_url=base, follow_redirects=False, timeout=30) for _ in range(args.clients)]
        tokens = []  # signed in before the clock starts, five at a time (people do not all sign in at once)
        for start in range(0, len(clients), 5):
            tokens += await asyncio.gather(*(sign_in(c) for c in clients[start:start + 5]))
        # Each connection used once more just before the clock starts: the first signed in had sat idle while the
        # others signed in (4-5 s with the ingest running, each sign-in an argon2 hash), as long as uvicorn keeps
        # an idle connection (5 s), and a first request sent as the server closed its connection failed
        # (RemoteProtocolError, ReadError: twice in three PostgreSQL runs, 2026-12-07). A browser retries that, and
        # so does this touch, which can meet the same close.
        await asyncio.gather(*(touch(c) for c in clients))
        t0 = time.monotonic()
        until = t0 + args.seconds
        cpu0 = cpu_snapshot(server_pid)
        await asyncio.gather(*(client_loop(k, c, tok, n_docs, args.clients, until, args.think, samples, errors)
                               for k, (c, tok) in enumerate(zip(clients, tokens))))
        wall = time.monotonic() - t0
        cpu = cpu_delta(cpu0, cpu_snapshot(server_pid))
        for c in clients:
            await c.aclose()
        job = {"state": "none", "result": {}}
        deadline = time.monotonic() + 600
        while job_id and time.monotonic() < deadline:  # the ingest's own duration, for the record
            try:
                job = (await admin.get(f"/api/jobs/{job_id}")).json()
            except httpx.HTTPError as exc:
                errors.append(f"job status: {exc.__class__.__name__}")
                continue
            if job["state"] in ("done", "failed"):
                break
            await asyncio.sleep(1)
    r = job["result"]
    # Every request's (start, kind, seconds), for latency over the window (the start, the ingest, the rest).
    (WORK / "timeline.json").write_text(json.dumps(samples.pop("timeline", [])))
    return {"ops": {op: pct(v) for op, v in samples.items()}, "errors": errors, "wall_s": round(wall, 1),
            "requests": sum(len(v) for v in samples.values()), "fixity": fixity, "cpu": cpu,
            "per_request": per_request,
            "ingest": {"state": job["state"], "ingested": len(r.get("ingested", [])), "failed": r.get("failed"),
                       "seconds": _seconds(job), "ran_during_load": True}}


def _seconds(job: dict):
    from datetime import datetime
    if not job.get("finished_at"):
        return None
    return round((datetime.fromisoformat(job["finished_at"]) - datetime.fromisoformat(job["created_at"]))
                 .total_seconds(), 1)


def run_backend(backend: str, args, pg) -> dict:
    """Build the archive (or, with --reuse, take the one an earlier run built), copy it, and load the copy: every
    run starts from the same archive, so its ingest is new work (OCR included) and earlier runs' edits are gone."""
    t = time.perf_counter()
    if backend == "sqlite":
        template = WORK / "load-template.db"
        reuse = args.reuse and template.exists()
        if not reuse:
            _drop_sqlite(template)
            built = build(f"sqlite:///{template}", args.documents, args.seed, args.fixity_files)
        _drop_sqlite(WORK / "load.db")
        import sqlite3
        src, dst = sqlite3.connect(template), sqlite3.connect(WORK / "load.db")
        try:
            src.backup(dst)
        finally:
            src.close()
            dst.close()
        url = f"sqlite:///{WORK / 'load.db'}"
    else:
        reuse = args.reuse and pg.existing("webload_template") is not None
        if not reuse:
            built = build(pg.database("webload_template"), args.documents, args.seed, args.fixity_files)
        import psycopg
        with psycopg.connect(pg.url + "/postgres", autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "webload"')
            conn.execute('CREATE DATABASE "webload" TEMPLATE "webload_template"')
        url = pg.url + "/webload"
        from archive.store.db import make_engine
        make_engine(url).dispose()  # migrated to this code's schema before its statistics are taken
        with psycopg.connect(url, autocommit=True) as conn:  # the copy's statistics, as a served archive has
            conn.execute("VACUUM ANALYZE")
    if reuse:
        built = {"documents_s": "(reused)", "keys_s": "(reused)", "citations": "(reused)", "citations_s": "(reused)",
                 "extra_files": None, "total_s": 0}
    storage = WORK / f"storage-{backend}"
    shutil.rmtree(storage, ignore_errors=True)
    print(f"{backend}: archive ready in {time.perf_counter() - t:.0f} s {built}", file=sys.stderr)
    proc, base = start_server(url, storage, args.workers)
    try:
        result = asyncio.run(load(base, args, args.documents, proc.pid))
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)
    result.update(backend=backend, build=built, load_avg=os.getloadavg()[0])
    return result


def render(results: list[dict], args, command: str) -> str:
    lines = ["# Web load benchmark (`archive serve`)", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores (shared with other work), Python "
             f"{platform.python_version()}. Generated by `bench/web_load.py` (its docstring says how the archive, "
             "the server and the clients are made).", "",
             f"`{command}`", "",
             f"{args.clients} clients, each signed in, {args.seconds} s, a pause of {args.think} s (0.5x-1.5x) "
             "between requests; an ingest uploaded through /api/ingest runs at the same time. Goal: p95 under "
             "200 ms, no errors. An edit is the document page read for the field's version, then the POST.",
             ""]
    for r in results:
        b = r["build"]
        lines += [f"## {r['backend']}", "",
                  f"Archive: {args.documents:,} documents written through the store in {b['documents_s']} s, "
                  f"their keys in {b['keys_s']} s, their citations found and resolved in {b['citations_s']} s "
                  f"({b['citations']} citations); {args.fixity_files:,} source files in all. Load average at the end "
                  f"{r['load_avg']:.2f}.", "",
                  "| request | n | p50 ms | p95 ms | max ms |", "|---|---:|---:|---:|---:|"]
        for op in ("search", "document", "edit", "edit POST"):
            p = r["ops"].get(op, {"n": 0, "p50_ms": None, "p95_ms": None, "max_ms": None})
            lines.append(f"| {op} | {p['n']} | {p['p50_ms']} | {p['p95_ms']} | {p.get('max_ms')} |")
        lines += ["", f"{r['requests']} requests in {r['wall_s']} s ({r['requests'] / r['wall_s']:.1f}/s); "
                  f"errors: {len(r['errors'])}" + (f" (first: {r['errors'][:3]})" if r["errors"] else "")
                  + f"; edits refused as conflicts (409, correct): {r['ops'].get('conflicts', {}).get('n', 0)}.", "",
                  f"The ingest ({args.ingest_docs} born-digital PDFs and a 3-page scanned folder, one OCR worker): "
                  f"{r['ingest']['state']}, {r['ingest']['ingested']} documents, {r['ingest']['seconds']} s from "
                  f"upload to done (the load window was {args.seconds} s).", "",
                  _cpu_line(r["cpu"], r["wall_s"]), "",
                  "Fixity dashboard before the load (one client, 10 requests each):", "",
                  "| request | p50 ms | p95 ms |", "|---|---:|---:|"]
        for path, p in r["fixity"].items():
            lines.append(f"| `{path}` | {p['p50_ms']} | {p['p95_ms']} |")
        lines.append("")
        if r["per_request"]:
            lines += [f"CPU per request, {args.cpu_rounds} of each one after another before the load (ms):", "",
                      "| request | server | PostgreSQL |", "|---|---:|---:|"]
            lines += [f"| {k} | {v['server']} | {v['postgres']} |" for k, v in r["per_request"].items()]
            lines.append("")
    return "\n".join(lines)


def _cpu_line(cpu: dict, wall: float) -> str:
    """Where the machine's CPU went during the load window, in cores (CPU seconds / wall seconds)."""
    cores = {k: v / wall for k, v in cpu.items()}
    # (Not the job runner's: a runner that ends inside the window, and the processes it leaves to init, take
    # their time out of the server's tree, so that difference is not the ingest's CPU.)
    return (f"CPU during the load window, in cores of {os.cpu_count()}: server {cores['server']:.2f}, "
            f"PostgreSQL {cores['postgres']:.2f}, the clients {cores['this']:.2f}; machine busy {cores['busy']:.2f} "
            f"(with the ingest, at its lower priority), taken by its host (steal) {cores['steal']:.2f}.")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--backends", default="sqlite,postgres")
    ap.add_argument("--documents", type=int, default=10_000)
    ap.add_argument("--fixity-files", type=int, default=100_000)
    ap.add_argument("--clients", type=int, default=50)
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--think", type=float, default=1.0)
    ap.add_argument("--ingest-docs", type=int, default=30)
    ap.add_argument("--workers", type=int, default=2, help="archive serve --workers (server processes)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--cpu-rounds", type=int, default=50,
                    help="requests of each kind one after another before the load, for the CPU each costs (0: skip)")
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="start from the archive an earlier run built (each run loads a fresh copy of it)")
    args = ap.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    command = ".venv/bin/python bench/web_load.py " + " ".join(sys.argv[1:])
    results = []
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    pg = None
    try:
        if "postgres" in backends:
            from testkit.pgserver import PostgresServer
            pg = PostgresServer(keep=WORK / "pg").__enter__()  # kept: --reuse finds its archive again
        for backend in backends:
            results.append(run_backend(backend, args, pg))
            r = results[-1]
            print(r["backend"], {op: (p["p50_ms"], p["p95_ms"]) for op, p in r["ops"].items()},
                  "errors", len(r["errors"]), "ingest", r["ingest"], file=sys.stderr)
            print(_cpu_line(r["cpu"], r["wall_s"]), "per request (ms):", r["per_request"], file=sys.stderr)
    finally:
        if pg is not None:
            pg.__exit__(None, None, None)
    text = render(results, args, command)
    print(text)
    if not args.no_write:
        (ROOT / "bench" / "WEB_LOAD.md").write_text(text + "\n")


if __name__ == "__main__":
    main()

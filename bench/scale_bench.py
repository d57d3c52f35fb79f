"""Benchmark: what an ingest costs as the archive grows (issue: archive scale). Writes bench/SCALE.md.

Archives are generated (sample/archive_gen.py: one-page born-digital pamphlets with titles, imprints and
citations to one another and to outside works, some rescans) and built through the real `archive ingest`,
500 files per command, as a user would. Measured, on SQLite and on PostgreSQL (a throwaway server on
127.0.0.1):
- one new document into 0, 1,000 and 10,000 held documents: wall, CPU and peak memory of the command
  (median of --repeat runs, each a different new document);
- a batch of 1,000 into 10,000 held against a batch of 1,000 into an empty archive, per document;
- `archive relink --all` at 1,000 and at 10,000;
- search, list with filters, cites and show at 10,000: p50/p95 in process (the command's start-up,
  measured apart, comes on top).

    .venv/bin/python bench/scale_bench.py                       # SQLite and PostgreSQL, 1,000 and 10,000
    .venv/bin/python bench/scale_bench.py --sizes 200,1000 --backends sqlite --no-write   # a quick look

Not a test: it prints the table and rewrites bench/SCALE.md (unless --no-write).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.proctree import measure  # noqa: E402
from sample.archive_gen import ArchiveGenerator, generate  # noqa: E402
from testkit.pgserver import PostgresServer  # noqa: E402

WORK = Path("/tmp/archive-bench/scale")
SAVED = ROOT / "bench" / "results"     # each backend's measurements, scale-BACKEND.json
ARCHIVE = str(ROOT / ".venv" / "bin" / "archive")
BATCH = 500
SPARE = 1100          # documents beyond the largest size: the single new documents and the batch of 1,000


def _files(n_total: int, seed: int) -> list[Path]:
    """The generated archive's files (made once, reused by later runs with the same size and seed)."""
    out = WORK / f"files-{seed}-{n_total}"
    if not (out / "manifest.json").exists():
        shutil.rmtree(out, ignore_errors=True)
        t = time.time()
        generate(out, n_total, seed, generator=ArchiveGenerator(seed))
        print(f"generated {n_total} documents in {time.time() - t:.0f} s", file=sys.stderr)
    return sorted(out.glob("doc-*.pdf"))


def _run(url: str, *args: str):
    m = measure([ARCHIVE, "-q", "--db", url, *args], env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    if m.returncode not in (0, 1):
        raise SystemExit(f"archive {' '.join(args[:2])} failed ({m.returncode}): {m.stderr[-2000:]}")
    return m


def _ingest(url: str, files: list[Path], jobs: int):
    total = None
    for start in range(0, len(files), BATCH):
        m = _run(url, "ingest", "--jobs", str(jobs), *map(str, files[start:start + BATCH]))
        total = m if total is None else total
        if total is not m:
            total.wall_s += m.wall_s
            total.cpu_s += m.cpu_s
            total.tree_peak_kib = max(total.tree_peak_kib, m.tree_peak_kib)
    return total


def _one(url: str, spare: list[Path], repeat: int, jobs: int) -> dict:
    runs = [_run(url, "ingest", "--jobs", str(jobs), str(spare.pop())) for _ in range(repeat)]
    return {"wall_s": statistics.median(r.wall_s for r in runs), "cpu_s": statistics.median(r.cpu_s for r in runs),
            "peak_mib": round(max(r.tree_peak_kib for r in runs) / 1024, 1)}


# --- queries ---------------------------------------------------------------------------------------

def _percentiles(samples: list[float]) -> dict:
    qs = statistics.quantiles(samples, n=20)
    return {"p50_ms": round(statistics.median(samples) * 1000, 1), "p95_ms": round(qs[18] * 1000, 1),
            "n": len(samples)}


def _queries(url: str, rounds: int = 40) -> dict:
    from sqlmodel import Session, select

    from archive.store import reads
    from archive.store.db import make_engine
    from archive.store.models import Document
    from sample.archive_gen import BODIES, WORDS
    engine = make_engine(url)
    rng = random.Random(5)
    out = {}
    with Session(engine) as s:
        ids = list(s.exec(select(Document.id)))
        cited = [d for d in rng.sample(ids, min(len(ids), rounds))]

        def timed(fn, args):
            times = []
            for a in args:
                t = time.perf_counter()
                fn(a)
                times.append(time.perf_counter() - t)
            return _percentiles(times)

        out["search"] = timed(lambda w: reads.search(s, w, limit=20), [rng.choice(WORDS) + " " + rng.choice(WORDS)
                                                                         for _ in range(rounds)])
        out["list --organization"] = timed(
            lambda b: reads.list_documents(s, reads.DocumentFilter(organization=b), limit=50, with_text=False),
            [rng.choice(BODIES) for _ in range(rounds)])
        out["list --from --to"] = timed(
            lambda y: reads.list_documents(s, reads.DocumentFilter(date_from=str(y), date_to=str(y + 5)),
                                             limit=50, with_text=False),
            [rng.randrange(1890, 1985) for _ in range(rounds)])
        out["cites"] = timed(lambda d: reads.cites(s, d), cited)
        out["cited-by"] = timed(lambda d: reads.cited_by(s, d), cited)
        out["show"] = timed(lambda d: reads.document_json(s, s.get(Document, d), include_text=False), cited)
    engine.dispose()
    return out


# --- the run ---------------------------------------------------------------------------------------

def run_backend(backend: str, sizes: list[int], files: list[Path], args, pg: PostgresServer | None) -> dict:
    def url(name: str) -> str:
        if pg:
            return pg.database(name)
        path = WORK / f"{name}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return f"sqlite:///{path}"

    top = max(sizes)
    held_files, spare = files[:top], files[top:]
    batch_files, singles = spare[:1000], spare[1000:]
    res: dict = {"backend": backend, "one": {}, "relink": {}, "build": {}}
    res["one"]["0"] = _one(url("empty"), singles, args.repeat, args.jobs)
    empty_batch = _ingest(url("batch"), batch_files, args.jobs)
    res["batch_empty"] = {"wall_s": empty_batch.wall_s, "cpu_s": empty_batch.cpu_s, "documents": len(batch_files)}
    main = url("growing")
    held = 0
    for size in sorted(sizes):
        m = _ingest(main, held_files[held:size], args.jobs)
        res["build"][str(size)] = {"wall_s": round(m.wall_s, 1), "cpu_s": round(m.cpu_s, 1), "added": size - held}
        held = size
        print(f"[{backend}] built {size} held", file=sys.stderr)
        res["one"][str(size)] = _one(main, singles, args.repeat, args.jobs)
        held += args.repeat
        r = _run(main, "relink", "--all")
        res["relink"][str(size)] = {"wall_s": round(r.wall_s, 2), "cpu_s": round(r.cpu_s, 2),
                                    "peak_mib": round(r.tree_peak_kib / 1024, 1)}
    # the batch of 1,000 into the largest archive: the files the empty archive took as its batch
    big = _ingest(main, batch_files, args.jobs)
    res["batch_full"] = {"wall_s": big.wall_s, "cpu_s": big.cpu_s, "documents": len(batch_files), "held": held}
    res["queries"] = _queries(main)
    start = [measure([ARCHIVE, "--db", main, "show", "1", "--json"]).wall_s for _ in range(5)]
    res["command_startup_s"] = round(statistics.median(start), 3)
    return res


def render(results: list[dict]) -> str:
    lines = ["# Archive scale benchmark", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}. "
             f"{BATCH} files per `archive ingest` while building; one-document figures are the median of the runs, "
             "each a new document. Generated by `bench/scale_bench.py` (its docstring says what each figure is).", ""]
    for r in results:
        b = r["backend"]
        lines += [f"## {b}", "", f"`.venv/bin/python bench/scale_bench.py {r.get('command', '')}`: "
                  f"{r.get('minutes', '?')} min; load average at the end {r.get('load', ['?'])[0]} "
                  "(other work shared the two cores: read the ratios, measured in the same run).", "",
                  "One new document into an archive of N (the whole `archive ingest` command):", "",
                  "| held | wall s | CPU s | peak MiB | wall vs 0 | CPU vs 0 |", "|---:|---:|---:|---:|---:|---:|"]
        zero = r["one"]["0"]
        for n, v in sorted(r["one"].items(), key=lambda kv: int(kv[0])):
            lines.append(f"| {int(n):,} | {v['wall_s']:.2f} | {v['cpu_s']:.2f} | {v['peak_mib']} | "
                         f"{v['wall_s'] / zero['wall_s']:.2f}x | {v['cpu_s'] / zero['cpu_s']:.2f}x |")
        e, f = r["batch_empty"], r["batch_full"]

        def per_doc(m: dict, key: str) -> str:
            return f"{m[key] / m['documents'] * 1000:.0f} ms"
        lines += ["", f"A batch of {e['documents']:,} documents: into an empty archive {e['wall_s']:.0f} s wall "
                  f"({per_doc(e, 'wall_s')} a document, CPU {per_doc(e, 'cpu_s')}); into {f['held']:,} held "
                  f"{f['wall_s']:.0f} s ({per_doc(f, 'wall_s')}, CPU {per_doc(f, 'cpu_s')}): "
                  f"**{f['wall_s'] / e['wall_s']:.2f}x** wall, **{f['cpu_s'] / e['cpu_s']:.2f}x** CPU.", "",
                  "Building the archive (batches of 500): " + "; ".join(
                      f"to {int(n):,}: {v['added']:,} added in {v['wall_s']:.0f} s "
                      f"({v['wall_s'] / max(v['added'], 1) * 1000:.0f} ms a document)" for n, v in r["build"].items()),
                  "", "`archive relink --all`: " + "; ".join(
                      f"at {int(n):,} documents {v['wall_s']:.1f} s wall, {v['cpu_s']:.1f} s CPU, "
                      f"peak {v['peak_mib']} MiB" for n, v in r["relink"].items())]
        rl = sorted(r["relink"].items(), key=lambda kv: int(kv[0]))
        if len(rl) >= 2:
            (n1, v1), (n2, v2) = rl[0], rl[-1]
            lines[-1] += (f" ({int(n2) / int(n1):.0f}x the documents: {v2['wall_s'] / v1['wall_s']:.1f}x the time)")
        lines += ["", f"Queries at {max(int(n) for n in r['one']):,} documents, in process "
                  f"(each command's start-up adds {r['command_startup_s']:.2f} s):", "",
                  "| query | p50 ms | p95 ms |", "|---|---:|---:|"]
        for q, v in r["queries"].items():
            lines.append(f"| {q} | {v['p50_ms']} | {v['p95_ms']} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--backends", default="sqlite,postgres",
                    help="each backend's results replace that backend's in the saved results; the others stay")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-write", action="store_true")
    ap.add_argument("--render", action="store_true", help="only render bench/SCALE.md from the saved results")
    args = ap.parse_args()
    if args.render:
        (ROOT / "bench" / "SCALE.md").write_text(render([json.loads(f.read_text())
                                                        for f in sorted(SAVED.glob("scale-*.json"))]))
        return
    sizes = [int(s) for s in args.sizes.split(",")]
    WORK.mkdir(parents=True, exist_ok=True)
    files = _files(max(sizes) + SPARE, args.seed)
    # Each backend's results are saved apart (bench/results/scale-BACKEND.json), so backends run at different times,
    # or at once, are rendered together.
    for backend in args.backends.split(","):
        t0 = time.time()
        if backend == "postgres":
            with PostgresServer(durable=True) as pg:
                res = run_backend(backend, sizes, files, args, pg)
        else:
            res = run_backend(backend, sizes, files, args, None)
        res.update(command=" ".join(sys.argv[1:]), minutes=round((time.time() - t0) / 60),
                   load=[round(x, 2) for x in os.getloadavg()])
        SAVED.mkdir(exist_ok=True)
        (SAVED / f"scale-{backend}.json").write_text(json.dumps(res, indent=1) + "\n")
    results = [json.loads(f.read_text()) for f in sorted(SAVED.glob("scale-*.json"))]
    text = render(results)
    print(text)
    if not args.no_write:
        (ROOT / "bench" / "SCALE.md").write_text(text)


if __name__ == "__main__":
    main()

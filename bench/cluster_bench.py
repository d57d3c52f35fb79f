"""Cluster benchmark: `ingest --cluster` on a Dask LocalCluster (separate worker processes) against the
local process pool, on the same pages and cores; the per-page costs that decide where it stops scaling.

    .venv/bin/python bench/cluster_bench.py                 # 10 clean corpus pages, 1 and 2 workers (~3 min)
    .venv/bin/python bench/cluster_bench.py --pages 4 --workers 1,2 --backend sqlite   # a quick look

Not a test. Prints a table and writes bench/results/cluster.json; bench/CLUSTER.md has the figures and
the model. The pages (on-trotskyites/clean) are ingested as two page-folder documents into a fresh
archive for every run (so nothing is reused). Measured per run: wall time of the ingest call (the
provenance stage is not part of it: it is the same code on both), CPU of the coordinator and of the
workers (the local pool's children, or the Dask workers' own getrusage), and each document's write.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor, wait
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
os.environ.setdefault("OMP_THREAD_LIMIT", "1")

from archive.store.db import make_engine  # noqa: E402
from ingest import cluster as cluster_mod  # noqa: E402
from ingest import pipeline  # noqa: E402
from ingest.pages import worker_init  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
SCRATCH = Path("/tmp/archive-bench/cluster")
OUT = ROOT / "bench" / "results" / "cluster.json"
IDLE_S = 5.0


def _cpu(who: int) -> float:
    ru = resource.getrusage(who)
    return ru.ru_utime + ru.ru_stime


def _worker_cpu() -> float:
    return _cpu(resource.RUSAGE_SELF)


def _inputs(pages: int) -> list[str]:
    src = sorted((CORPUS / "on-trotskyites" / "clean").glob("page-*.png"))[:pages]
    if len(src) < pages:
        sys.exit(f"need {pages} pages under {CORPUS / 'on-trotskyites/clean'}")
    shutil.rmtree(SCRATCH / "pages", ignore_errors=True)
    half = (pages + 1) // 2
    out = []
    for name, chunk in (("part-a", src[:half]), ("part-b", src[half:])):
        folder = SCRATCH / "pages" / name
        folder.mkdir(parents=True)
        for p in chunk:
            shutil.copy(p, folder / p.name)
        out.append(str(folder))
    return out


class _Writes:
    """Times pipeline._write (one document's transaction, and the coordinator's work around it)."""

    def __init__(self):
        self.seconds: list[float] = []
        self._orig = pipeline._write

    def __enter__(self):
        def timed(*args, **kwargs):
            t = time.perf_counter()
            try:
                return self._orig(*args, **kwargs)
            finally:
                self.seconds.append(time.perf_counter() - t)
        pipeline._write = timed
        return self

    def __exit__(self, *exc):
        pipeline._write = self._orig


def _db(backend: str, pg, tag: str) -> str:
    if backend == "postgres":
        return pg.database()
    path = SCRATCH / f"{tag}.db"
    for p in SCRATCH.glob(f"{tag}.db*"):
        p.unlink()
    return f"sqlite:///{path}"


def run_local(inputs, n, url) -> dict:
    engine = make_engine(url)
    pool = lambda jobs: ProcessPoolExecutor(n, initializer=worker_init)  # noqa: E731 - a pool of n, even for 1
    c0, k0, t0 = _cpu(resource.RUSAGE_SELF), _cpu(resource.RUSAGE_CHILDREN), time.perf_counter()
    with _Writes() as w:
        summary = pipeline.ingest(engine, inputs, pipeline.IngestOptions(jobs=n), new_executor=pool)
    wall = time.perf_counter() - t0
    engine.dispose()
    assert not summary.failed, summary.failed
    return {"mode": "local pool", "workers": n, "wall_s": wall, "coordinator_cpu_s": _cpu(resource.RUSAGE_SELF) - c0,
            "workers_cpu_s": _cpu(resource.RUSAGE_CHILDREN) - k0, "write_s": w.seconds,
            "pages": sum(i["pages"] for i in summary.ingested)}


def run_cluster(inputs, n, url) -> dict:
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as lc, \
            Client(lc.scheduler_address, set_as_default=False) as watcher:
        t, c = time.perf_counter(), _cpu(resource.RUSAGE_SELF)
        cluster_mod.connect(lc.scheduler_address).close()
        connect_s, connect_cpu_s = time.perf_counter() - t, _cpu(resource.RUSAGE_SELF) - c
        # What an idle Dask worker process spends (heartbeats, its event loop), per second and worker.
        idle0 = sum(watcher.run(_worker_cpu).values())
        time.sleep(IDLE_S)
        idle_rate = (sum(watcher.run(_worker_cpu).values()) - idle0) / IDLE_S / n
        engine = make_engine(url)
        before = sum(watcher.run(_worker_cpu).values())
        c0, t0 = _cpu(resource.RUSAGE_SELF), time.perf_counter()
        with _Writes() as w:
            summary = pipeline.ingest(engine, inputs, pipeline.IngestOptions(cluster=lc.scheduler_address))
        wall = time.perf_counter() - t0
        coord = _cpu(resource.RUSAGE_SELF) - c0
        after = sum(watcher.run(_worker_cpu).values())
        engine.dispose()
        assert not summary.failed, summary.failed
        return {"mode": "dask cluster", "workers": n, "wall_s": wall, "coordinator_cpu_s": coord,
                "workers_cpu_s": after - before, "write_s": w.seconds, "connect_s": connect_s,
                "connect_cpu_s": connect_cpu_s, "idle_worker_cpu_per_s": idle_rate,
                "pages": sum(i["pages"] for i in summary.ingested)}


def _noop(x: int) -> int:
    return x


def scheduler_cost(tasks: int) -> dict:
    """Round trips of trivial tasks through the same executor as the pages: the scheduler's and the
    client's cost per task, with no work in it."""
    from distributed import Client, LocalCluster
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None, silence_logs=40) as lc, \
            Client(lc.scheduler_address, set_as_default=False) as client:
        ex = cluster_mod.ClusterExecutor(client)
        inner = ex._inner
        wait([inner.submit(_noop, i) for i in range(50)])  # warm
        c0, t0 = _cpu(resource.RUSAGE_SELF), time.perf_counter()
        futures = [inner.submit(_noop, i) for i in range(tasks)]
        wait(futures)
        wall = time.perf_counter() - t0
        return {"tasks": tasks, "wall_ms_per_task": 1000 * wall / tasks,
                "client_cpu_ms_per_task": 1000 * (_cpu(resource.RUSAGE_SELF) - c0) / tasks}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pages", type=int, default=10)
    ap.add_argument("--workers", default="1,2")
    ap.add_argument("--backend", choices=("postgres", "sqlite"), default="postgres")
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    load_before = os.getloadavg()
    SCRATCH.mkdir(parents=True, exist_ok=True)
    inputs = _inputs(args.pages)
    bytes_per_page = sum(f.stat().st_size for d in inputs for f in Path(d).iterdir()) / args.pages
    pg = None
    if args.backend == "postgres":
        from testkit.pgserver import PostgresServer
        pg = PostgresServer().__enter__()
    runs = []
    try:
        for n in [int(x) for x in args.workers.split(",")]:
            for mode in ("local", "cluster"):
                url = _db(args.backend, pg, f"{mode}-{n}")
                r = run_local(inputs, n, url) if mode == "local" else run_cluster(inputs, n, url)
                r["pages_per_min"] = 60 * r["pages"] / r["wall_s"]
                runs.append(r)
                print(f"{r['mode']:<13} {n} workers: {r['wall_s']:6.1f} s wall, {r['pages_per_min']:5.1f} pages/min, "
                      f"CPU coordinator {r['coordinator_cpu_s']:.1f} s, workers {r['workers_cpu_s']:.1f} s, "
                      f"writes {', '.join(f'{s * 1000:.0f} ms' for s in r['write_s'])}"
                      + (f"; connect {r['connect_s']:.2f} s ({r['connect_cpu_s']:.2f} s CPU), idle worker "
                         f"{1000 * r['idle_worker_cpu_per_s']:.0f} ms CPU/s" if mode == "cluster" else ""), flush=True)
        sched = scheduler_cost(1000)
        print(f"scheduler round trip: {sched['wall_ms_per_task']:.2f} ms a task wall, "
              f"{sched['client_cpu_ms_per_task']:.2f} ms of client CPU", flush=True)
    finally:
        if pg is not None:
            pg.__exit__(None, None, None)
    result = {"machine": {"cpus": os.cpu_count(), "platform": platform.platform(),
                          "load_before": load_before, "load_after": os.getloadavg()},
              "backend": args.backend, "pages": args.pages, "bytes_per_page": bytes_per_page,
              "runs": runs, "scheduler": sched}
    if not args.no_write:
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

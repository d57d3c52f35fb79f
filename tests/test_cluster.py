"""`archive ingest --cluster`: page work on a real Dask distributed cluster (a LocalCluster over loopback,
separate worker processes, the real Tesseract), the job record's claims, and the faults: a worker killed
mid-batch, a coordinator killed and rerun, an unreachable scheduler, two coordinators on one archive."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from archive.store import jobs as job_record
from archive.store.db import make_engine
from ingest.pipeline import IngestOptions, ingest
from tests.helpers.ocr import CountingTesseract

pytestmark = pytest.mark.tesseract

ROOT = Path(__file__).resolve().parents[1]
ARCHIVE = [str(Path(sys.executable).parent / "archive")]  # the installed command, beside this interpreter
_VOLATILE = ("time", "created_at", "ingested_at", "updated_at", "last_fixity_at")

WORDS = ["harbour", "printers", "quay", "ballot", "leaflet", "strike", "union", "bulletin"]


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None, silence_logs=40) as lc:
        yield lc


@pytest.fixture(scope="module")
def notes(tmp_path_factory) -> Path:
    """Eight one-page documents (small clean page images, each a distinct text): fast to OCR."""
    from sample.make import render_page
    out = tmp_path_factory.mktemp("notes")
    for i in range(8):
        lines = [f"Note {i + 1} of the committee", "",
                 f"The {WORDS[i]} committee met on the {WORDS[(i + 3) % 8]} and agreed to print",
                 f"a notice about the {WORDS[(i + 5) % 8]} for every member before the meeting."]
        render_page(lines, dpi=100, degrade=False, title_lines=1).save(out / f"note-{i + 1}.png")
    return out


def _export(url: str) -> list[dict]:
    out = subprocess.run([*ARCHIVE, "--db", url, "export", "--format", "json"], capture_output=True, text=True,
                         check=True)
    return _strip(json.loads(out.stdout)["documents"])


def _strip(data):
    if isinstance(data, dict):
        return {k: _strip(v) for k, v in data.items() if k not in _VOLATILE}
    if isinstance(data, list):
        return [_strip(v) for v in data]
    return data


def _cli(url: str, *args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*ARCHIVE, "--db", url, *args], capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, **(env or {})})


def test_cluster_ingest_matches_the_local_pool(cluster, sample_dir, notes, tmp_path, postgres_db_url):
    """The same texts, hashes, metadata, citations and links, on PostgreSQL through the cluster and on
    SQLite through the local pool."""
    inputs = [str(sample_dir / "bulletin.pdf"), str(sample_dir / "leaflet-scan"),
              str(notes / "note-1.png"), str(notes / "note-2.png")]
    local = f"sqlite:///{tmp_path / 'local.db'}"
    assert _cli(local, "ingest", "--jobs", "2", *inputs).returncode == 0
    done = _cli(postgres_db_url, "ingest", "--cluster", cluster.scheduler_address, "--json", *inputs)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["ingested"]) == 4
    a, b = _export(local), _export(postgres_db_url)
    assert a == b
    assert len(b) == 4 and any(c["target"] for d in b for c in d["citations"])  # the bulletin cites the leaflet
    jobs = json.loads(_cli(postgres_db_url, "jobs", "--json").stdout)
    assert jobs["counts"] == {"queued": 0, "running": 0, "done": 4, "failed": 0}


def test_sources_sent_as_bytes_where_no_path_is_shared(cluster, notes, tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    done = _cli(url, "ingest", "--cluster", cluster.scheduler_address, "--send-bytes", "--json",
                str(notes / "note-3.png"))
    assert done.returncode == 0, done.stderr
    engine = make_engine(url)
    from archive.store.models import Page
    with Session(engine) as s:
        (page,) = s.exec(select(Page)).all()
        assert WORDS[2] in page.text and page.engine == "Tesseract"
    engine.dispose()
    # A worker read the page from its own copy of the bytes, not from the coordinator's path.
    from distributed import Client
    with Client(cluster.scheduler_address, set_as_default=False) as client:
        copies = client.run(_local_copies)
    assert sum(copies.values(), []) and all(name.endswith(".png") for name in sum(copies.values(), []))


def _local_copies() -> list[str]:
    from ingest import cluster
    return sorted(p.name for p in cluster._local_dir.iterdir()) if cluster._local_dir else []


def test_killed_worker_loses_and_doubles_nothing(cluster, notes, tmp_path):
    from distributed import Client
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    killed: list[str] = []
    with Client(cluster.scheduler_address, set_as_default=False) as watcher:
        pids = watcher.run(os.getpid)

        def progress(stage, done, total):
            if stage == "pages" and done == 1 and not killed:
                busy = [w for w, keys in watcher.processing().items() if keys]
                if busy:
                    os.kill(pids[busy[0]], signal.SIGKILL)
                    killed.append(busy[0])

        counter = CountingTesseract(tmp_path / "ocr.log")
        summary = ingest(engine, [str(p) for p in sorted(notes.glob("*.png"))],
                         IngestOptions(cluster=cluster.scheduler_address), progress=progress, ocr=counter)
        assert killed, "no busy worker was found to kill"
        assert summary.failed == []
        assert sorted(i["pages"] for i in summary.ingested) == [1] * 8
        assert all(i["warnings"] == [] for i in summary.ingested)
        # The killed worker's pages were read again elsewhere: at least one recognition per page.
        assert counter.calls() >= 8
        watcher.wait_for_workers(2, timeout=60)  # its nanny started a new one: leave the cluster whole
    from archive.store.models import Document, Page
    with Session(engine) as s:
        assert len(s.exec(select(Document)).all()) == 8
        texts = sorted(p.text for p in s.exec(select(Page)).all())
        assert len(texts) == 8 and all(t.strip() for t in texts)
        rows = job_record.listing(s)
        assert {r["state"] for r in rows} == {"done"} and all(r["attempts"] == 1 for r in rows)
    engine.dispose()


def _done(url: str) -> int:
    engine = make_engine(url)
    try:
        with Session(engine) as s:
            return sum(1 for r in job_record.listing(s) if r["state"] == "done")
    finally:
        engine.dispose()


def test_killed_coordinator_is_resumed_without_redoing_finished_documents(cluster, notes, tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    make_engine(url).dispose()
    paths = [str(p) for p in sorted(notes.glob("*.png"))]
    first = subprocess.Popen([*ARCHIVE, "--db", url, "ingest", "--cluster", cluster.scheduler_address, *paths],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while _done(url) == 0 and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    first.send_signal(signal.SIGKILL)
    first.wait()
    finished = _done(url)
    assert 1 <= finished < 8, f"the coordinator was to be killed mid-job ({finished} of 8 done)"
    listed = json.loads(_cli(url, "jobs", "--json").stdout)
    assert listed["counts"]["done"] == finished and listed["counts"]["running"] == 0
    assert listed["counts"]["queued"] == 8 - finished  # the dead coordinator's claims are shown lapsed
    again = _cli(url, "ingest", "--cluster", cluster.scheduler_address, "--json", *paths)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert len(summary["ingested"]) == 8 - finished
    assert sum("already in the archive" in s["reason"] for s in summary["skipped"]) == finished
    listed = json.loads(_cli(url, "jobs", "--json").stdout)
    assert listed["counts"] == {"queued": 0, "running": 0, "done": 8, "failed": 0}
    # Described too: the rerun's provenance stage reaches what the killed one never did.
    docs = json.loads(_cli(url, "list", "--json").stdout)
    assert len(docs) == 8 and all(d["title"] for d in docs)


def test_unreachable_scheduler_is_one_line_and_exit_3(notes, tmp_path):
    from testkit.pgserver import free_port
    address = f"tcp://127.0.0.1:{free_port()}"
    url = f"sqlite:///{tmp_path / 'a.db'}"
    expected = f"archive: error: cannot reach the Dask scheduler at {address}: "
    done = _cli(url, "ingest", "--cluster", address, str(notes / "note-1.png"), env={"ARCHIVE_CLUSTER_TIMEOUT": "1"})
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 3 and len(lines) == 1 and lines[0].startswith(expected), done.stderr
    # The address from the environment (in this process: the same command, without a second start-up).
    from click.testing import CliRunner

    from archive.cli import cli
    result = CliRunner().invoke(cli, ["--db", url, "ingest", str(notes / "note-1.png")],
                                env={"ARCHIVE_CLUSTER": address, "ARCHIVE_CLUSTER_TIMEOUT": "1"})
    assert result.exit_code == 3 and result.stderr.strip().startswith(expected), result.stderr
    assert json.loads(_cli(url, "jobs", "--json").stdout)["counts"]["running"] == 0


def test_claims_are_atomic_and_leases_lapse(db_url):
    engine = make_engine(db_url)
    try:
        job_record.register(engine, [("a" * 64, "a.pdf", 3), ("b" * 64, "b.pdf", 1)])
        job_record.register(engine, [("a" * 64, "a.pdf", 3)])  # again: nothing new
        results: list[bool] = []
        barrier = threading.Barrier(4)

        def race(owner: str) -> None:
            barrier.wait()
            results.append(job_record.claim(engine, "a" * 64, owner).taken)

        threads = [threading.Thread(target=race, args=(f"elsewhere:{i}:x",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(results) == [False, False, False, True]
        other = job_record.claim(engine, "a" * 64, "another-host:1:y")
        assert not other.taken and other.owner.startswith("elsewhere:") and other.lease_until is not None
        # A lease not renewed runs out; then another coordinator may take the input.
        assert job_record.claim(engine, "b" * 64, "elsewhere:9:z", lease_s=-1).taken
        assert job_record.claim(engine, "b" * 64, "another-host:1:y").taken
        # A coordinator that died on this host is taken over at once.
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        import socket
        job_record.release(engine, "another-host:1:y")
        assert job_record.claim(engine, "b" * 64, f"{socket.gethostname()}:{dead.pid}:t").taken
        assert job_record.claim(engine, "b" * 64, job_record.new_owner()).taken
        with Session(engine) as s:
            rows = {r["label"]: r for r in job_record.listing(s)}
        assert rows["b.pdf"]["attempts"] == 4 and rows["a.pdf"]["attempts"] == 1
    finally:
        engine.dispose()


def test_two_coordinators_never_ocr_the_same_input(cluster, notes, postgres_db_url, tmp_path):
    paths = [str(notes / f"note-{i}.png") for i in (4, 5, 6)]
    counter = CountingTesseract(tmp_path / "ocr.log")
    summaries = []

    def coordinator() -> None:
        engine = make_engine(postgres_db_url)
        try:
            summaries.append(ingest(engine, paths, IngestOptions(cluster=cluster.scheduler_address), ocr=counter))
        finally:
            engine.dispose()

    threads = [threading.Thread(target=coordinator) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert counter.calls() == 3  # each page OCR'd once, by whichever coordinator claimed it
    assert sum(len(s.ingested) for s in summaries) == 3 and all(s.failed == [] for s in summaries)
    assert sum(len(s.skipped) for s in summaries) == 3


# --- workers as separate hosts: two network namespaces, the scheduler in the root namespace ----------

def _ip(*args: str, ns: str | None = None) -> None:
    cmd = ["ip", *args] if ns is None else ["ip", "netns", "exec", ns, "ip", *args]
    subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=30)


@pytest.fixture
def two_hosts():
    """Two network namespaces, each joined to the root namespace by a veth pair: (namespace, its address,
    the root side's address) for each. They share the file system, as hosts share storage."""
    import shutil
    if not shutil.which("ip"):
        pytest.skip("ip netns is not permitted in this sandbox: the ip command (iproute2) is not installed")
    tag = f"{os.getpid() % 100000}"
    made: list[str] = []
    hosts = []
    try:
        for n in (1, 2):
            ns = f"archive-w{n}-{tag}"
            probe = subprocess.run(["ip", "netns", "add", ns], capture_output=True, text=True, timeout=30)
            if probe.returncode != 0:
                pytest.skip(f"ip netns is not permitted in this sandbox: {probe.stderr.strip()}")
            made.append(ns)
            outer, inner = f"arc{tag}r{n}", f"arc{tag}w{n}"
            net = f"10.{200 + n}.{int(tag) % 250}"
            _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
            _ip("link", "set", inner, "netns", ns)
            _ip("addr", "add", f"{net}.1/24", "dev", outer)
            _ip("link", "set", outer, "up")
            _ip("addr", "add", f"{net}.2/24", "dev", inner, ns=ns)
            _ip("link", "set", inner, "up", ns=ns)
            _ip("link", "set", "lo", "up", ns=ns)
            hosts.append((ns, f"{net}.2", f"{net}.1"))
        yield hosts
    finally:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=30)  # its veth pair goes too


def test_workers_on_two_separate_network_hosts(two_hosts, notes, tmp_path):
    from distributed import Client, get_task_stream

    from testkit.pgserver import free_port
    dask = str(Path(sys.executable).parent / "dask")
    port = free_port()
    started: list[subprocess.Popen] = []
    try:
        started.append(subprocess.Popen([dask, "scheduler", "--host", "0.0.0.0", "--port", str(port),
                                         "--no-dashboard"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        start_new_session=True))
        for ns, address, root_side in two_hosts:
            started.append(subprocess.Popen(
                ["ip", "netns", "exec", ns, dask, "worker", f"tcp://{root_side}:{port}", "--host", address,
                 "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))
        scheduler = f"tcp://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                watcher = Client(scheduler, timeout=2, set_as_default=False)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        with watcher:
            watcher.wait_for_workers(2, timeout=60)
            assert {w.split("//")[1].rsplit(":", 1)[0] for w in watcher.scheduler_info()["workers"]} == \
                {address for _, address, _ in two_hosts}
            engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
            with get_task_stream(client=watcher) as stream:
                summary = ingest(engine, [str(notes / f"note-{i}.png") for i in (1, 2, 3, 4)],
                                 IngestOptions(cluster=scheduler))
            engine.dispose()
            assert summary.failed == [] and len(summary.ingested) == 4
            ran_on = {t["worker"].split("//")[1].rsplit(":", 1)[0] for t in stream.data}
            assert ran_on == {address for _, address, _ in two_hosts}, ran_on
    finally:
        for proc in reversed(started):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for proc in started:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


class _KillsItsWorker(CountingTesseract):
    """The real Tesseract, except on one page, where it ends the worker process (as a crash in C would)."""

    def __init__(self, log: Path, deadly: str):
        super().__init__(log)
        self.deadly = deadly

    def recognize(self, image, *, lang, source, path=None, dpi=None):
        if self.deadly in source:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().recognize(image, lang=lang, source=source, path=path, dpi=dpi)


def test_a_page_that_kills_workers_is_recorded_as_failed(cluster, notes, tmp_path):
    from distributed import Client
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    scheduler = cluster.scheduler  # in this process: a LocalCluster's scheduler
    allowed, scheduler.allowed_failures = scheduler.allowed_failures, 1
    # One task per worker thread at a time (README): a worker's death then implicates only the page it ran,
    # not one merely queued behind it (Dask's default saturation, 1.1, gives a one-thread worker two).
    saturation, scheduler.WORKER_SATURATION = scheduler.WORKER_SATURATION, 1.0
    try:
        summary = ingest(engine, [str(notes / "note-7.png"), str(notes / "note-8.png")],
                         IngestOptions(cluster=cluster.scheduler_address),
                         ocr=_KillsItsWorker(tmp_path / "ocr.log", "note-7"))
    finally:
        scheduler.allowed_failures, scheduler.WORKER_SATURATION = allowed, saturation
        with Client(cluster.scheduler_address, set_as_default=False) as c:
            c.wait_for_workers(2, timeout=60)
    assert [i["paths"] for i in summary.ingested] == [[str(notes / "note-8.png")]]
    (failed,) = summary.failed
    assert failed["path"] == str(notes / "note-7.png")
    assert "every Dask worker this page was sent to died" in failed["reason"]
    with Session(engine) as s:
        states = {r["label"]: r["state"] for r in job_record.listing(s)}
    assert states == {str(notes / "note-7.png"): "failed", str(notes / "note-8.png"): "done"}
    engine.dispose()


def test_lost_cluster_stops_with_exit_3_and_a_new_one_finishes_the_job(cluster, notes, tmp_path):
    """The scheduler killed mid-job takes its workers with it: the coordinator stops (exit 3) instead of
    waiting forever, and the same command on another cluster finishes without redoing done documents."""
    from testkit.pgserver import free_port
    dask = str(Path(sys.executable).parent / "dask")
    port = free_port()
    address = f"tcp://127.0.0.1:{port}"
    url = f"sqlite:///{tmp_path / 'a.db'}"
    make_engine(url).dispose()
    paths = [str(p) for p in sorted(notes.glob("*.png"))]
    quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, "start_new_session": True}
    scheduler = subprocess.Popen([dask, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
                                 **quiet)
    worker = subprocess.Popen([dask, "worker", address, "--nthreads", "1", "--nworkers", "1", "--no-dashboard"],
                              **quiet)
    try:
        coordinator = subprocess.Popen([*ARCHIVE, "--db", url, "ingest", "--cluster", address, *paths],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                       env={**os.environ, "ARCHIVE_CLUSTER_WAIT": "3", "ARCHIVE_CLUSTER_TIMEOUT": "30"})
        deadline = time.monotonic() + 90
        while _done(url) == 0 and coordinator.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        os.killpg(scheduler.pid, signal.SIGKILL)
        scheduler.wait()
        _, err = coordinator.communicate(timeout=120)
        finished = _done(url)
        assert coordinator.returncode == 3, err
        assert f"lost the Dask cluster at {address}" in err.strip().splitlines()[-1]
        assert 1 <= finished < 8
    finally:
        for proc in (worker, scheduler):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait()
    again = _cli(url, "ingest", "--cluster", cluster.scheduler_address, "--json", *paths)
    assert again.returncode == 0, again.stderr
    summary = json.loads(again.stdout)
    assert len(summary["ingested"]) == 8 - finished
    assert sum("already in the archive" in s["reason"] for s in summary["skipped"]) == finished
    assert json.loads(_cli(url, "jobs", "--json").stdout)["counts"]["done"] == 8

"""Page work on a Dask distributed cluster: reach its scheduler, prepare its workers, and an executor
that sends each page task there, by path (sources on storage every worker mounts at the same path) or
with its source file's bytes (opt-in, for workers that share no storage with the coordinator).

Only page work goes to the cluster: the coordinating `archive ingest` hashes, plans, claims inputs and
writes every document itself (ingest.pipeline), one transaction each, as with the local pool.
"""

from __future__ import annotations

import concurrent.futures as cf
import hashlib
import os
import socket
import tempfile
import threading
import time
from concurrent.futures import Executor, Future
from dataclasses import replace
from pathlib import Path
from typing import Any, Callable

from archive.errors import ClusterUnreachable, ToolMissing
from archive.store.vocabulary import PageMethod
from ingest import tools
from ingest.pages import PageResult, PageTask, worker_init

DEFAULT_TIMEOUT_S = 10.0  # connecting to the scheduler; ARCHIVE_CLUSTER_TIMEOUT overrides
WORKERS_WAIT_S = 30.0  # for a worker to join a scheduler that has none; ARCHIVE_CLUSTER_WAIT overrides
PLUGIN_NAME = "archive-worker-init"
_REMEDY = ("start one with `dask scheduler` and workers with `dask worker ADDRESS --nthreads 1`, "
           "or correct --cluster / ARCHIVE_CLUSTER")


def _workers_wait() -> float:
    return float(os.environ.get("ARCHIVE_CLUSTER_WAIT", WORKERS_WAIT_S))


def connect(address: str, *, lang: str = "eng", timeout: float | None = None):
    """A distributed.Client on the scheduler at `address`, its workers prepared (worker_init) and checked
    for Tesseract and the language data. Unreachable: ClusterUnreachable (exit 3), naming the address."""
    from distributed import Client
    timeout = timeout if timeout is not None else float(os.environ.get("ARCHIVE_CLUSTER_TIMEOUT", DEFAULT_TIMEOUT_S))
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except Exception as exc:  # noqa: BLE001 - OSError, TimeoutError, a bad address: all one answer
        reason = " ".join(str(exc).split()) or exc.__class__.__name__
        raise ClusterUnreachable(f"cannot reach the Dask scheduler at {address}: {reason}", remedy=_REMEDY) from None
    try:
        try:
            client.wait_for_workers(1, timeout=_workers_wait())
        except Exception:  # noqa: BLE001 - distributed raises its own TimeoutError
            raise ClusterUnreachable(f"the Dask scheduler at {address} has no workers "
                                     f"(none joined in {_workers_wait():.0f} s)", remedy=_REMEDY) from None
        # Runs worker_init on every worker now and on each that joins later (a restarted one too).
        client.register_plugin(_Prepare(), name=PLUGIN_NAME)
        _check_workers(client, lang)
    except BaseException:
        client.close()
        raise
    return client


def _check_workers(client, lang: str) -> None:
    for worker, problem in client.run(_worker_problem, lang).items():
        if problem:
            raise ToolMissing(f"Dask worker {worker}: {problem}")


def _worker_problem(lang: str) -> str | None:
    try:
        tools.tesseract()
        tools.check_language(lang)
    except ToolMissing as exc:
        return exc.one_line()
    return None


def worker_slots(client) -> int:
    """Tasks the cluster runs at once (its worker threads): the scheduler keeps that many busy."""
    return max(1, sum(client.nthreads().values()))


def lost_task_errors() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...]]:
    """(gave up, resubmit): Dask's KilledWorker means the scheduler retried the task on other workers
    until its allowed-failures ran out (the page kills workers); a cancelled future means the scheduler
    dropped it (it restarted), so it is sent again."""
    from distributed import KilledWorker
    return (KilledWorker,), (cf.CancelledError,)


try:
    from distributed.diagnostics.plugin import WorkerPlugin as _WorkerPlugin
except ImportError:  # pragma: no cover - distributed is a dependency; without it --cluster cannot run
    _WorkerPlugin = object


class _Prepare(_WorkerPlugin):
    """The worker's preparation, as the local pool's initializer: one Tesseract thread, the pixel limit,
    the watchdog that ends a worker stuck in libtesseract (its nanny starts a new one)."""

    def setup(self, worker) -> None:
        prepare()


_prepared = False


def prepare() -> None:
    global _prepared
    if not _prepared:
        worker_init()
        _prepared = True


def on_worker(fn: Callable[[PageTask], PageResult], task: PageTask) -> PageResult:
    """Run one page task on a worker, reading its source by path (shared storage)."""
    prepare()  # also here: a worker that joined a restarted scheduler may not have had the plugin
    if not os.path.exists(task.path):
        return PageResult(task.number, task.source_seq, task.index, PageMethod.NONE.value, "",
                          error=f"{task.source}: not found at {task.path} on Dask worker {socket.gethostname()} "
                                "(the sources must be on storage every worker mounts at the same path, "
                                "or ingest with --send-bytes)")
    return fn(task)


_LOCAL_KEEP = 8  # source copies a worker keeps (the documents it is working on)
_local_dir: Path | None = None
_local_lock = threading.Lock()


def with_bytes(fn: Callable[[PageTask], PageResult], task: PageTask, name: str, data: bytes) -> PageResult:
    """Run one page task on a worker from its source's bytes, written once to a local file."""
    prepare()
    return fn(replace(task, path=str(_local_copy(name, data))))


def _local_copy(name: str, data: bytes) -> Path:
    global _local_dir
    with _local_lock:
        if _local_dir is None:
            _local_dir = Path(tempfile.mkdtemp(prefix="archive-sources-"))
        path = _local_dir / name
        if not path.exists():
            tmp = path.with_suffix(path.suffix + ".part")
            tmp.write_bytes(data)
            os.replace(tmp, path)
            copies = sorted(_local_dir.iterdir(), key=lambda p: p.stat().st_mtime)
            for old in copies[:-_LOCAL_KEEP]:
                old.unlink(missing_ok=True)  # an open PDF reader keeps reading an unlinked file
        else:
            os.utime(path)
        return path


class ClusterExecutor(Executor):
    """Page tasks on the cluster through the client's concurrent.futures executor (`get_executor`),
    each a new task (pure=False: a resubmitted page is computed again, not looked up).

    With `send_bytes`, a source file is read and scattered to the cluster once while any of its pages is
    in flight and dropped when none is: the coordinator holds at most the files of the scheduler's window
    (ingest.scheduler: three tasks per worker thread)."""

    def __init__(self, client, *, send_bytes: bool = False, address: str = ""):
        self._client = client
        self._inner = client.get_executor(pure=False)
        self._send_bytes = send_bytes
        self._address = address
        self._lock = threading.Lock()
        self._blobs: dict[str, list[Any]] = {}  # path -> [scattered future, name, pages in flight]
        self._idle_since: float | None = None

    def submit(self, fn, /, *args, **kwargs) -> Future:
        (task,) = args
        task = replace(task, path=os.path.abspath(task.path))
        try:
            if not self._send_bytes:
                return self._inner.submit(on_worker, fn, task)
            blob, name = self._take(task.path)
            fut = self._inner.submit(with_bytes, fn, task, name, blob)
        except ClusterUnreachable:
            raise
        except Exception as exc:  # noqa: BLE001 - a closed client or a lost scheduler: one answer
            raise ClusterUnreachable(f"lost the Dask scheduler at {self._address}: "
                                     f"{' '.join(str(exc).split()) or exc.__class__.__name__}",
                                     remedy="rerun the same command: finished documents are kept") from None
        fut.add_done_callback(lambda _f, path=task.path: self._drop(path))
        return fut

    def _take(self, path: str):
        with self._lock:
            entry = self._blobs.get(path)
            if entry is None:
                data = Path(path).read_bytes()
                st = os.stat(path)
                name = hashlib.sha256(f"{path}\0{st.st_size}\0{st.st_mtime_ns}".encode()).hexdigest()[:24]
                entry = [self._client.scatter(data, hash=False), name + Path(path).suffix.lower(), 0]
                self._blobs[path] = entry
            entry[2] += 1
            return entry[0], entry[1]

    def _drop(self, path: str) -> None:
        with self._lock:
            entry = self._blobs.get(path)
            if entry is not None:
                entry[2] -= 1
                if entry[2] <= 0:
                    del self._blobs[path]  # the last reference: the cluster releases the bytes

    def check(self) -> None:
        """Raise ClusterUnreachable when the cluster has had no worker (or no scheduler) for ARCHIVE_CLUSTER_WAIT s:
        a scheduler that was killed takes its workers with it, and its replacement starts with none."""
        try:
            workers = len(self._client.scheduler_info().get("workers", {})) if self._client.status == "running" else 0
        except Exception:  # noqa: BLE001 - a client between connections: no workers, for now
            workers = 0
        if workers:
            self._idle_since = None
            return
        now = time.monotonic()
        if self._idle_since is None:
            self._idle_since = now
        elif now - self._idle_since > _workers_wait():
            raise ClusterUnreachable(f"lost the Dask cluster at {self._address}: no scheduler or no workers "
                                     f"for {_workers_wait():.0f} s", remedy="rerun the same command when the cluster "
                                     "is back: finished documents are kept")

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self._inner.shutdown(wait=wait and not cancel_futures)

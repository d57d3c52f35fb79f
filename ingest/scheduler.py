"""Parallel page work: tasks run on a process pool within a bounded window, results handed back
batch by batch in order, and a pool whose worker died replaced without losing a task.

Knows nothing of pages or the database: it runs `work(task)` for every task of every batch
(a batch is one document) and hands each batch's results, in task order, to `deliver` as soon
as the whole batch is done, while the workers go on with the next batches.
"""

from __future__ import annotations

import os
from collections import deque
from concurrent.futures import FIRST_COMPLETED, Executor, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Callable, Generic, Optional, Sequence, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class SerialExecutor(Executor):
    """The same interface as a process pool, in this process: for --jobs 1 and for debugging."""

    def submit(self, fn, /, *args, **kwargs):
        fut: Future = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - delivered through the future, as a pool does
            fut.set_exception(exc)
        return fut


def default_jobs() -> int:
    """One job per core this process may run on."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def make_executor(jobs: int, initializer: Optional[Callable[[], None]] = None) -> Executor:
    """A pool of `jobs` worker processes (each started with `initializer`), or the serial executor for one job."""
    return SerialExecutor() if jobs == 1 else ProcessPoolExecutor(jobs, initializer=initializer)


@dataclass
class _Batch(Generic[T]):
    index: int
    tasks: list[T]
    futures: list[tuple[T, Future]] = field(default_factory=list)  # submitted so far, in task order


class Scheduler(Generic[T, R]):
    """Runs `work` over batches of tasks on executors from `new_executor`.

    At most `window` tasks are submitted and unfinished at a time (enough to keep every worker
    busy), and at most `ahead` finished results wait for an earlier batch's slow task (each a
    page's text and thumbnail, some kB), so one slow page does not leave the other workers idle.
    When a worker process dies (a crash in a C library, the OOM killer) every future of its
    pool is lost: a new executor is started and what was in flight is submitted again, except a
    task that has now been in flight during two crashes, whose result is `lost_twice(task)`.

    Executors that survive their workers (a Dask cluster) report a lost task on its own future:
    `gave_up` exceptions mean the executor already retried it on other workers and stopped (Dask's
    KilledWorker), so its result is `lost_twice(task)`; `resubmit_on` exceptions mean it was dropped
    (a scheduler that restarted cancels what it held), so it is submitted again, up to
    `RESUBMITS` times before the exception is raised."""

    RESUBMITS = 3
    CHECK_S = 5.0  # how often `check` runs while waiting

    def __init__(self, work: Callable[[T], R], new_executor: Callable[[], Executor], jobs: int, *,
                 lost_twice: Callable[[T], R], gave_up: tuple[type[BaseException], ...] = (),
                 resubmit_on: tuple[type[BaseException], ...] = (), check: Optional[Callable[[], None]] = None):
        """`check`: called every CHECK_S seconds while waiting for results; it raises to stop the run
        (a cluster whose workers are all gone would otherwise be waited for forever)."""
        self.check = check
        self.work = work
        self.new_executor = new_executor
        self.lost_twice = lost_twice
        self.gave_up = gave_up
        self.resubmit_on = resubmit_on
        self.window = max(4, jobs * 3)
        self.ahead = max(64, self.window)

    def run(self, batches: Sequence[Sequence[T]], deliver: Callable[[int, list[R]], None],
            on_result: Callable[[R], None] = lambda result: None) -> None:
        """Run every task; `deliver(batch index, results in task order)` for each batch in order,
        `on_result(result)` for each result as its batch's turn reaches it."""
        self._pending: deque[_Batch[T]] = deque(_Batch(i, list(tasks)) for i, tasks in enumerate(batches))
        self._queue: deque[tuple[_Batch[T], T]] = deque((b, t) for b in self._pending for t in b.tasks)
        self._executor = self.new_executor()
        self._in_flight = 0  # submitted and not yet handed back
        self._consumed = 0  # results of the head batch handed back so far
        self._crashes: dict[tuple[int, int], int] = {}
        try:
            self._top_up()
            while self._pending:
                head = self._pending[0]
                self._consumed = 0
                results: list[R] = []
                while self._consumed < len(head.tasks):
                    if self._consumed >= len(head.futures):
                        self._top_up()
                        continue
                    fut = head.futures[self._consumed][1]
                    if not fut.done():
                        # Wake for any task finishing, not only this one, to hand its worker the next task.
                        wait([fut, *self._unfinished()], return_when=FIRST_COMPLETED,
                             timeout=self.CHECK_S if self.check else None)
                        if self.check:
                            self.check()
                        self._top_up()
                        continue
                    try:
                        result = fut.result()
                    except BrokenProcessPool:
                        self._restart()
                        continue
                    except self.gave_up:
                        result = self.lost_twice(head.futures[self._consumed][0])
                    except self.resubmit_on:
                        self._resubmit(head, self._consumed)
                        continue
                    results.append(result)
                    self._consumed += 1
                    self._in_flight -= 1
                    on_result(result)
                    self._top_up()
                self._pending.popleft()
                head.futures.clear()
                deliver(head.index, results)
        except BaseException:
            self._executor.shutdown(wait=False, cancel_futures=True)
            raise
        self._executor.shutdown(wait=True)

    def _first_unconsumed(self, batch: _Batch[T]) -> int:
        return self._consumed if batch is self._pending[0] else 0

    def _unfinished(self) -> list[Future]:
        return [f for b in self._pending for _, f in b.futures[self._first_unconsumed(b):] if not f.done()]

    def _top_up(self) -> None:
        running = len(self._unfinished()) if self._queue else 0
        while self._queue and self._in_flight < self.ahead and running < self.window:
            batch, task = self._queue.popleft()
            batch.futures.append((task, self._executor.submit(self.work, task)))
            self._in_flight += 1
            running += 1

    def _resubmit(self, batch: _Batch[T], i: int) -> None:
        task = batch.futures[i][0]
        key = (batch.index, i)
        self._crashes[key] = self._crashes.get(key, 0) + 1
        if self._crashes[key] > self.RESUBMITS:
            batch.futures[i][1].result()  # raises the executor's exception: the caller reports it
        batch.futures[i] = (task, self._executor.submit(self.work, task))

    def _restart(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)
        self._executor = self.new_executor()
        self._in_flight = 0
        for batch in self._pending:
            for i in range(self._first_unconsumed(batch), len(batch.futures)):
                task = batch.futures[i][0]
                key = (batch.index, i)
                self._crashes[key] = self._crashes.get(key, 0) + 1
                if self._crashes[key] >= 2:
                    failed: Future = Future()
                    failed.set_result(self.lost_twice(task))
                    batch.futures[i] = (task, failed)
                else:
                    batch.futures[i] = (task, self._executor.submit(self.work, task))
                self._in_flight += 1

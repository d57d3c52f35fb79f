"""The page scheduler alone: no database, no OCR, no worker processes; a thread-backed fake pool
that can break like a process pool whose worker died."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from ingest.scheduler import Scheduler, SerialExecutor, make_executor


def work(task: tuple[str, float]) -> str:
    name, seconds = task
    time.sleep(seconds)
    return name


def lost(task: tuple[str, float]) -> str:
    return f"lost {task[0]}"


class FakePool(Executor):
    """Runs tasks on threads and records how many were submitted and not yet finished; a task
    named in `crash_on` fails as a task does in a process pool whose worker died."""

    def __init__(self, record: dict, crash_on: frozenset[str] = frozenset()):
        self.threads = ThreadPoolExecutor(16)  # never the bound: the scheduler's window is
        self.record = record
        self.crash_on = crash_on
        self.lock = threading.Lock()
        self.unfinished = 0

    def submit(self, fn, /, *args, **kwargs) -> Future:
        (task,) = args
        with self.lock:
            self.unfinished += 1
            self.record["submitted"] += 1
            self.record["max_unfinished"] = max(self.record["max_unfinished"], self.unfinished)
            self.record["max_ahead"] = max(self.record["max_ahead"], self.record["submitted"] - self.record["taken"])
        if task[0] in self.crash_on:
            fut: Future = Future()
            fut.set_exception(BrokenProcessPool("a worker process died"))
            self._finished()
            return fut
        fut = self.threads.submit(fn, task)
        fut.add_done_callback(lambda _f: self._finished())
        return fut

    def _finished(self) -> None:
        with self.lock:
            self.unfinished -= 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.threads.shutdown(wait=wait, cancel_futures=cancel_futures)


def run(batches, jobs: int = 2, crashes: list[frozenset[str]] = ()):
    """Run the scheduler over `batches`; the n-th pool made crashes on the names in crashes[n]."""
    record = {"pools": 0, "submitted": 0, "taken": 0, "max_unfinished": 0, "max_ahead": 0}
    delivered: list[tuple[int, list[str]]] = []
    taken: list[str] = []

    def new_pool() -> Executor:
        n = record["pools"]
        record["pools"] += 1
        return FakePool(record, crashes[n] if n < len(crashes) else frozenset())

    def on_result(result: str) -> None:
        taken.append(result)
        record["taken"] += 1

    Scheduler(work, new_pool, jobs, lost_twice=lost).run(batches, lambda i, rs: delivered.append((i, rs)), on_result)
    return delivered, taken, record


def test_each_batch_is_delivered_whole_in_order_whatever_finishes_first():
    batches = [[("a1", 0.2), ("a2", 0.0), ("a3", 0.05)], [("b1", 0.0)], [], [("d1", 0.0), ("d2", 0.1)]]
    delivered, taken, record = run(batches)
    assert delivered == [(0, ["a1", "a2", "a3"]), (1, ["b1"]), (2, []), (3, ["d1", "d2"])]
    assert taken == ["a1", "a2", "a3", "b1", "d1", "d2"]
    assert record["pools"] == 1


def test_a_worker_crash_resubmits_what_was_in_flight():
    batches = [[("a1", 0.0), ("a2", 0.0)], [("b1", 0.0)]]
    delivered, _, record = run(batches, crashes=[frozenset({"a2"})])
    assert delivered == [(0, ["a1", "a2"]), (1, ["b1"])]  # a2 ran again, on the new pool
    assert record["pools"] == 2


def test_a_task_in_flight_during_two_crashes_is_recorded_as_lost():
    batches = [[("a1", 0.0), ("a2", 0.0), ("a3", 0.0)]]
    delivered, _, record = run(batches, crashes=[frozenset({"a2"}), frozenset({"a2"})])
    # a3 too was in flight (submitted, not yet taken) during both crashes: the rule counts it as well.
    assert delivered == [(0, ["a1", "lost a2", "lost a3"])]
    assert record["pools"] == 3


def test_a_task_in_flight_during_one_crash_only_is_run_again():
    batches = [[("a1", 0.0), ("a2", 0.0)], [(f"b{i}", 0.5) for i in range(12)]]
    # The window (6 unfinished) leaves b7.. unsubmitted at the first crash; the second is on one of them.
    delivered, _, record = run(batches, crashes=[frozenset({"a2"}), frozenset({"b9"})])
    assert delivered[0] == (0, ["a1", "a2"])
    assert delivered[1][1][9] == "b9" and record["pools"] == 3


def test_submitted_unfinished_tasks_stay_within_the_window():
    batches = [[(f"p{i}", 0.01) for i in range(40)], [(f"q{i}", 0.01) for i in range(20)]]
    scheduler = Scheduler(work, SerialExecutor, 2, lost_twice=lost)
    delivered, _, record = run(batches, jobs=2)
    assert [len(rs) for _, rs in delivered] == [40, 20]
    assert scheduler.window == 6
    assert 2 <= record["max_unfinished"] <= scheduler.window


def test_finished_results_waiting_for_a_slow_page_stay_within_the_bound():
    # The first page is slow; the others finish and wait for it, up to `ahead` of them.
    batches = [[("slow", 0.5)], [(f"p{i}", 0.0) for i in range(150)]]
    scheduler = Scheduler(work, SerialExecutor, 2, lost_twice=lost)
    delivered, _, record = run(batches, jobs=2)
    assert [len(rs) for _, rs in delivered] == [1, 150]
    assert scheduler.ahead == 64
    assert scheduler.window < record["max_ahead"] <= scheduler.ahead


def test_one_job_runs_in_this_process():
    assert isinstance(make_executor(1), SerialExecutor)
    fut = SerialExecutor().submit(work, ("x", 0.0))
    assert fut.done() and fut.result() == "x"

import signal
import time

import pytest

from archive.errors import ToolError
from ingest import tools


def test_deadline_stops_runaway_python_work_with_a_one_line_error():
    started = time.monotonic()
    with pytest.raises(ToolError) as err:
        with tools.deadline(0.3, "parsing took too long", "loop.pdf"):
            while True:
                try:  # a library's broad except must not swallow the alarm
                    sum(range(1000))
                except Exception:  # noqa: BLE001
                    pass
    assert time.monotonic() - started < 2
    assert str(err.value) == "loop.pdf: parsing took too long"
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0


def test_deadline_leaves_no_alarm_behind_and_nests_harmlessly():
    with tools.deadline(5, "outer", "a"):
        with tools.deadline(0.1, "inner", "b"):
            time.sleep(0.2)  # the inner one adds nothing: the outer bounds the work
    assert signal.getitimer(signal.ITIMER_REAL)[0] == 0

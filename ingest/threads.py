"""One Tesseract thread per process: the one place that sets OMP_THREAD_LIMIT.

Ingest parallelises across pages itself (one worker process per core); OpenMP threads inside
each of N processes would only fight over the same cores. Tesseract's OpenMP reads the variable
when libtesseract loads (in this process) or when the command starts (from its environment).
"""

from __future__ import annotations

import os

_VARIABLE, _ONE = "OMP_THREAD_LIMIT", "1"


def limit_this_process() -> None:
    """Set the limit in this process's environment: before libtesseract loads, and inherited by
    every program started afterwards."""
    os.environ[_VARIABLE] = _ONE


def one_thread_env() -> dict[str, str]:
    """This process's environment with the limit, for running the `tesseract` command."""
    return {**os.environ, _VARIABLE: _ONE}

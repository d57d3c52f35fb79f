"""The installed `archive` command, for tests that run it as a separate process."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def archive_exe() -> str:
    exe = ROOT / ".venv" / "bin" / "archive"
    return str(exe) if exe.exists() else (shutil.which("archive") or "archive")

"""The installed `archive` command, for tests that run it as a separate process."""

from __future__ import annotations

import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def archive_exe() -> str:
    exe = ROOT / ".venv" / "bin" / "archive"
    return str(exe) if exe.exists() else (shutil.which("archive") or "archive")


def ingest_and_show(run_cli, db_url: str, path) -> dict:
    """`archive ingest --json PATH`, then `archive show --json` of the one document it made."""
    import json
    r = run_cli(db_url, "ingest", "--json", str(path))
    assert r.exit_code == 0, r.output
    doc_id = json.loads(r.stdout)["ingested"][0]["document"]
    shown = run_cli(db_url, "show", str(doc_id), "--json")
    assert shown.exit_code == 0, shown.output
    return json.loads(shown.stdout)

"""Concurrent writers: several `archive ingest` processes on one database (SQLite in WAL mode with
a busy timeout; PostgreSQL) with overlapping inputs, from an empty database: no duplicate, nothing lost."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from archive.store.db import make_engine
from tests.helpers.cli import archive_exe
from tests.helpers.consistency import check_consistent
from tests.hostile import make_batch

pytestmark = [pytest.mark.slow, pytest.mark.tesseract]


def test_overlapping_ingests_from_an_empty_database(tmp_path, db_url):
    inputs = tmp_path / "in"
    expected = make_batch(inputs, pdfs=14, pages=2, images=2)
    names = sorted(expected)
    # Three writers whose inputs overlap: each file is claimed by two or three of them.
    shares = [names[: len(names) * 2 // 3], names[len(names) // 3:], names[::-1]]
    procs = []
    for share in shares:
        # No `make_engine` beforehand: the three processes also race to create the schema.
        procs.append(subprocess.Popen(
            [archive_exe(), "--db", db_url, "ingest", "--jobs", "1", "--json", *[f"in/{n}" for n in share]],
            cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"}))
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err.decode("utf-8", "replace")
        results.append(json.loads(out))

    ingested_by: dict[str, int] = {}
    for share, summary in zip(shares, results):
        assert not summary["failed"]
        mine = [p for item in summary["ingested"] for p in item["paths"]] + [s["path"] for s in summary["skipped"]]
        assert sorted(mine) == sorted(f"in/{n}" for n in share)  # each process accounts for all it was given
        for s in summary["skipped"]:
            # Held already, or claimed in the job record by another process still working on it.
            assert "already in the archive" in s["reason"] or "being ingested by another coordinator" in s["reason"]
        for item in summary["ingested"]:
            for p in item["paths"]:
                ingested_by[p] = ingested_by.get(p, 0) + 1
    # Every file ingested by exactly one process: no duplicate, nothing lost.
    assert ingested_by == {f"in/{n}": 1 for n in names}

    engine = make_engine(db_url)
    try:
        assert check_consistent(engine, inputs, expected, complete=True) == len(names)
    finally:
        engine.dispose()

"""A worker process that dies mid-batch (OOM killer, a crash in a C library) loses no page."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from archive.store.db import make_engine
from ingest.pipeline import IngestOptions, ingest

pytestmark = pytest.mark.tesseract


def _children() -> list[int]:
    me = os.getpid()
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == me:
            kids.append(int(stat.parent.name))
    return kids


def test_killed_worker_is_replaced_and_every_page_is_ingested(tmp_path, sample_dir):
    engine = make_engine(f"sqlite:///{tmp_path / 'a.db'}")
    killed = []

    def progress(stage, done, total):
        if stage == "pages" and done == 1 and not killed:
            for pid in _children():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

    summary = ingest(engine, [str(sample_dir / "leaflet-scan"), str(sample_dir / "bulletin.pdf")],
                     IngestOptions(jobs=2), progress=progress)
    assert killed, "no worker process was found to kill"
    assert summary.failed == []
    assert sorted(i["pages"] for i in summary.ingested) == [2, 2]
    assert all(i["warnings"] == [] for i in summary.ingested)

"""Crash safety: `archive ingest` killed with SIGKILL at several points, then run again: one
complete document per input, no orphan rows, and the database passes its integrity checks."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from archive.db import make_engine
from archive.models import Document, Event, Page, SourceFile
from ingest.fixity import sha256_file
from tests.conftest import archive_exe
from tests.hostile import make_batch

pytestmark = [pytest.mark.slow, pytest.mark.tesseract]

# Each kill comes after a fixed delay, or once a few more documents than at the previous kill are
# committed (then a random fraction of a second later), so that kills land before the first commit,
# between commits, and in the middle of writing one.
FIXED_DELAYS_S = (0.3, 1.5, 3.0)
PROGRESS_KILLS = 3
SEED = 20240601


def _start(db_url: str, cwd: Path) -> subprocess.Popen:
    # A new session: the parent and its worker processes form one group we can clean up.
    return subprocess.Popen([archive_exe(), "--db", db_url, "-q", "ingest", "--jobs", "2", "in"], cwd=cwd,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "OMP_THREAD_LIMIT": "1"})


def _kill(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGKILL)  # the ingest parent dies mid-flight, as on a power cut
    proc.wait(timeout=30)
    try:
        os.killpg(proc.pid, signal.SIGKILL)  # its orphaned OCR workers, if any are left
    except ProcessLookupError:
        pass
    proc.stderr.close()


def _count_documents(engine) -> int:
    with Session(engine) as s:
        return len(list(s.exec(select(Document.id))))


def check_consistent(engine, inputs: Path, expected: dict[str, int], *, complete: bool) -> int:
    """Every document complete and matching its file; no orphans; backend integrity checks pass."""
    with Session(engine) as s:
        docs = list(s.exec(select(Document)))
        by_name = {}
        for d in docs:
            srcs = list(s.exec(select(SourceFile).where(SourceFile.document_id == d.id)))
            assert len(srcs) == 1, (d.label, len(srcs))
            name = Path(srcs[0].path).name
            assert name not in by_name, f"{name} held twice"
            by_name[name] = d
            assert srcs[0].sha256 == sha256_file(inputs / name)[0]
            numbers = sorted(s.exec(select(Page.number).where(Page.document_id == d.id)))
            assert numbers == list(range(1, expected[name] + 1)) and d.page_count == expected[name], name
            kinds = [e.type for e in s.exec(select(Event).where(Event.document_id == d.id))]
            assert kinds.count("ingestion") >= 1 and len(kinds) >= expected[name] + 3, (name, kinds)
        if complete:
            assert set(by_name) == set(expected)
        orphans = {
            "page": "SELECT count(*) FROM page WHERE document_id NOT IN (SELECT id FROM document)",
            "sourcefile": "SELECT count(*) FROM sourcefile WHERE document_id NOT IN (SELECT id FROM document)",
            "page->source": "SELECT count(*) FROM page WHERE source_file_id IS NOT NULL "
                            "AND source_file_id NOT IN (SELECT id FROM sourcefile)",
            "event": "SELECT count(*) FROM event WHERE document_id IS NOT NULL "
                     "AND document_id NOT IN (SELECT id FROM document)",
            "event->agent": "SELECT count(*) FROM event WHERE agent_id NOT IN (SELECT id FROM agent)",
            "assertion": "SELECT count(*) FROM assertion WHERE document_id NOT IN (SELECT id FROM document)",
        }
        for what, sql in orphans.items():
            assert s.exec(text(sql)).one()[0] == 0, f"orphan rows: {what}"
        if engine.dialect.name == "sqlite":
            assert s.exec(text("PRAGMA integrity_check")).all() == [("ok",)]
            assert s.exec(text("PRAGMA foreign_key_check")).all() == []
            # The full-text index agrees with the page table it indexes.
            s.exec(text("INSERT INTO page_fts(page_fts) VALUES ('integrity-check')"))
            n_fts = s.exec(text("SELECT count(*) FROM page_fts")).one()[0]
            assert n_fts == s.exec(text("SELECT count(*) FROM page")).one()[0]
        else:
            assert s.exec(text("SELECT count(*) FROM pg_index WHERE NOT indisvalid")).one()[0] == 0
    return len(docs)


def test_sigkill_at_several_points_then_rerun(tmp_path, db_url):
    rng = random.Random(SEED)
    expected = make_batch(tmp_path / "in", pdfs=24, pages=3, images=3)
    engine = make_engine(db_url)  # schema in place before the first kill
    kills: list[tuple[str, int]] = []
    try:
        for delay in FIXED_DELAYS_S:
            proc = _start(db_url, tmp_path)
            time.sleep(delay)
            if proc.poll() is not None:
                break
            _kill(proc)
            kills.append((f"after {delay:.1f} s", check_consistent(engine, tmp_path / "in", expected, complete=False)))
        for _ in range(PROGRESS_KILLS):
            before = _count_documents(engine)
            proc = _start(db_url, tmp_path)
            deadline = time.monotonic() + 120
            while _count_documents(engine) < before + 3 and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            time.sleep(rng.uniform(0, 0.4))
            if proc.poll() is not None:
                proc.stderr.close()
                break
            _kill(proc)
            kills.append((f"after {before}+3 documents", check_consistent(engine, tmp_path / "in", expected,
                                                                         complete=False)))
        print("kills:", kills)
        counts = [n for _, n in kills]
        assert counts == sorted(counts), kills  # nothing committed is ever lost
        assert any(0 < n < len(expected) for n in counts), kills  # at least one kill mid-batch

        final = subprocess.run([archive_exe(), "--db", db_url, "-q", "ingest", "--jobs", "2", "in"], cwd=tmp_path,
                               capture_output=True, timeout=600)
        assert final.returncode == 0, final.stderr.decode("utf-8", "replace")
        assert check_consistent(engine, tmp_path / "in", expected, complete=True) == len(expected)
    finally:
        engine.dispose()

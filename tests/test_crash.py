"""Crash safety: `archive ingest` killed with SIGKILL at several points, then run again: one
complete document per input, no orphan rows, and the database passes its integrity checks."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from archive.store.db import make_engine
from archive.store.models import Document, SourceFile
from tests.helpers.cli import archive_exe
from tests.helpers.consistency import check_consistent
from tests.hostile import make_batch

pytestmark = [pytest.mark.slow, pytest.mark.tesseract]

# Each kill comes after a fixed delay, or once a few more documents than at the previous kill are
# committed (then a random fraction of a second later), so that kills land before the first commit,
# between commits, and in the middle of writing one.
FIXED_DELAYS_S = (0.5, 3.0)
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


def test_sigkill_at_several_points_then_rerun(tmp_path, db_url):
    rng = random.Random(SEED)
    expected = make_batch(tmp_path / "in", pdfs=24, pages=3, images=3)
    engine = make_engine(db_url)  # schema in place before the first kill
    kills: list[tuple[str, int]] = []
    try:
        # Kills timed by progress come first, from an empty database, so that on a fast machine
        # (where the whole batch takes a few seconds) they still land in the middle of the batch;
        # the fixed delays then hit whatever stage a rerun has reached.
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
        for delay in FIXED_DELAYS_S:
            proc = _start(db_url, tmp_path)
            time.sleep(delay)
            if proc.poll() is not None:
                break
            _kill(proc)
            kills.append((f"after {delay:.1f} s", check_consistent(engine, tmp_path / "in", expected, complete=False)))
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


# --- an interrupted fixity audit of 10,000 files, resumed --------------------------------------

N_FILES = 10_000


def register_tiny_files(engine, root: Path, n: int) -> list[Path]:
    """n tiny files held by one document, registered directly (no ingest): the audit's input."""
    import hashlib

    from sqlalchemy import insert

    from archive.store.db import session_scope
    from archive.store.models import utcnow
    root.mkdir(parents=True, exist_ok=True)
    rows, paths = [], []
    for i in range(n):
        data = f"file {i}\n".encode()
        path = root / f"f{i:05d}.txt"
        path.write_bytes(data)
        paths.append(path)
        rows.append({"sequence": i, "path": str(path), "size": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                     "format": "png", "ingested_at": utcnow()})
    with session_scope(engine) as s:
        doc = Document(fingerprint=f"tiny-{n}", label="tiny files", page_count=0)
        s.add(doc)
        s.flush()
        for r in rows:
            r["document_id"] = doc.id
        s.execute(insert(SourceFile), rows)
    return paths


def _fixity_events(engine) -> int:
    with Session(engine) as s:
        return s.exec(text("SELECT count(*) FROM event WHERE type = 'fixity check' AND source_file_id IS NOT NULL")
                      ).one()[0]


def test_verify_10000_files_interrupted_twice_then_resumed(tmp_path, db_url):
    engine = make_engine(db_url)
    try:
        paths = register_tiny_files(engine, tmp_path / "files", N_FILES)
        modified = {str(p) for p in paths[7::331]}  # 31 files changed
        missing = {str(p) for p in paths[11::457]}  # 22 files gone
        for p in modified:
            Path(p).write_bytes(b"changed\n")
        for p in missing:
            Path(p).unlink()
        cmd = [archive_exe(), "--db", db_url, "verify", "--json"]
        for sig, at in ((signal.SIGINT, 2_000), (signal.SIGKILL, 5_000)):
            # Ctrl-C's default action in the child, whatever this run inherited (a shell ignores SIGINT in what it
            # starts in the background, and a process that starts with it ignored keeps it so).
            proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                                    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
            deadline = time.monotonic() + 300
            while _fixity_events(engine) < at and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            assert proc.poll() is None, "the audit finished before it could be interrupted"
            proc.send_signal(sig)
            _out, err = proc.communicate(timeout=60)
            if sig == signal.SIGINT:
                assert proc.returncode == 130 and b"again to resume" in err, err
        checked_before = _fixity_events(engine)
        assert 5_000 <= checked_before < N_FILES

        final = subprocess.run(cmd, capture_output=True, timeout=600)
        assert final.returncode == 1  # mismatches found
        report = json.loads(final.stdout)
        assert report["checked"] == N_FILES and report["already_checked"] == checked_before
        assert report["resumed_from"] is not None
        assert {m["path"] for m in report["modified"]} == modified
        assert {m["path"] for m in report["missing"]} == missing
        assert report["ok"] == N_FILES - len(modified) - len(missing)
        # Each file was hashed exactly once in this audit: nothing skipped, nothing redone.
        assert _fixity_events(engine) == N_FILES
        lines = [ln for ln in final.stderr.decode().splitlines() if ln.startswith("verify: ")]
        done = [int(ln.split()[1].split("/")[0]) for ln in lines]
        assert len(done) >= 5 and done == sorted(done) and done[-1] == N_FILES

        # The resumed audit completed: the next one starts afresh.
        from ingest.audit import interrupted_audit
        with Session(engine) as s:
            assert interrupted_audit(s) is None
    finally:
        engine.dispose()

"""Hostile inputs: a generated set of broken, encrypted, oversized and odd files ingested in one
batch, on SQLite and PostgreSQL. Every input is accounted for, every good file is committed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from sqlmodel import Session, select

from testkit.pdfwrite import pdf_bytes
from tests.helpers.cli import archive_exe
from tests.hostile import (
    Expect,
    decode_key,
    encrypted_pdf,
    image_pdf_claiming,
    make_hostile_set,
    page_lines,
    png_claiming,
    text_pdf,
)

INGEST_TIMEOUT_S = 180  # the batch takes seconds; this is the "never hangs" bound


def _drop_root_file_access() -> list[str] | None:
    """A command prefix that runs a program as root but without the capabilities that let root read
    any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that mode 000 really means unreadable."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if not setpriv:
        return None
    prefix = [setpriv, "--bounding-set=-dac_override,-dac_read_search"]
    probe = subprocess.run(prefix + ["true"], capture_output=True)
    return prefix if probe.returncode == 0 else None


def run_ingest(db_url: str, *args: str, cwd: Path, prefix: list[str] | None = None) -> subprocess.CompletedProcess:
    cmd = (prefix or []) + [archive_exe(), "--db", db_url, "ingest", *args]
    return subprocess.run(cmd, cwd=cwd, capture_output=True, timeout=INGEST_TIMEOUT_S,
                          env={**os.environ, "OMP_THREAD_LIMIT": "1"})


@pytest.fixture
def hostile(tmp_path):
    prefix = _drop_root_file_access()
    expected = make_hostile_set(tmp_path / "in", unreadable=prefix is not None)
    return tmp_path, expected, prefix


def _accounting(summary: dict) -> dict[str, tuple[str, str]]:
    seen: dict[str, tuple[str, str]] = {}
    for item in summary["ingested"]:
        for p in item["paths"]:
            assert p not in seen, f"{p} reported twice"
            seen[p] = ("ingested", "")
    for kind in ("skipped", "failed"):
        for item in summary[kind]:
            assert item["path"] not in seen, f"{item['path']} reported twice"
            seen[item["path"]] = (kind, item["reason"])
    return seen


@pytest.mark.slow
def test_hostile_batch_is_accounted_for_and_good_files_committed(hostile, db_url):
    tmp, expected, prefix = hostile
    if prefix is None:
        pytest.skip("running as root without setpriv: a mode-000 file stays readable (the rest is tested)")
    started = time.monotonic()
    proc = run_ingest(db_url, "--jobs", "2", "--json", "in", cwd=tmp, prefix=prefix)
    elapsed = time.monotonic() - started
    stderr = proc.stderr.decode("utf-8", "replace")
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert proc.returncode == 1, (proc.returncode, stderr)  # some inputs failed: exit 1, batch completed
    summary = json.loads(proc.stdout)
    seen = _accounting(summary)

    want = {decode_key(os.path.relpath(k, os.fsencode(tmp))): v for k, v in expected.items()}
    assert set(seen) == set(want), f"unaccounted: {set(want) - set(seen)}; unexpected: {set(seen) - set(want)}"
    for path, exp in want.items():
        outcome, reason = seen[path]
        if exp.outcome != "any":
            assert outcome == exp.outcome, f"{path} ({exp.what}): {outcome} {reason!r}, expected {exp.outcome}"
        if exp.reason:
            assert exp.reason.lower() in reason.lower(), f"{path}: reason {reason!r} lacks {exp.reason!r}"
        assert "\n" not in reason and len(reason) < 400, reason

    from archive.store import reads
    from archive.store.db import make_engine
    from archive.store.models import Document
    engine = make_engine(db_url)
    try:
        with Session(engine) as s:
            docs = {d.label: d for d in s.exec(select(Document))}
            for item in summary["ingested"]:
                doc = s.get(Document, item["document"])
                assert doc is not None and len(reads.pages(s, doc.id)) == doc.page_count == item["pages"]
            good = docs["in/good.pdf"]
            # the text layer came through, page by page
            assert page_lines(1)[0] in good.text and page_lines(2)[-1] in good.text
            assert "number 7 line 0" in docs["in/broken-xref.pdf"].text  # xref rebuilt by the reader
            assert "number 8 line 0" in docs["in/encrypted-empty-user-password.pdf"].text
            nul = docs["in/nul-in-text-layer.pdf"].text  # storable on PostgreSQL: no NUL left
            assert "number 12 line 0" in nul and "\x00" not in nul
            failures = {e.path: e for e, _ in reads.events(s, failures_only=True)}
            for item in summary["failed"]:
                ev = failures[item["path"]]
                assert ev.type == "ingestion" and ev.outcome == "failure" and item["reason"] in ev.detail
            assert len(failures) == len(summary["failed"])
    finally:
        engine.dispose()
    assert elapsed < INGEST_TIMEOUT_S

    # Fixity of what was ingested, including the file whose name is not UTF-8.
    verify = subprocess.run([archive_exe(), "--db", db_url, "verify", "--json"], cwd=tmp, capture_output=True,
                            timeout=120)
    report = json.loads(verify.stdout)
    assert verify.returncode == 0, verify.stderr
    assert report["ok"] == len(summary["ingested"]) and not report["modified"] and not report["missing"]


def test_rerun_is_a_no_op_and_password_opens_the_encrypted_file(tmp_path, db_url):
    src = tmp_path / "in"
    src.mkdir()
    (src / "a.pdf").write_bytes(text_pdf([page_lines(20)]))
    (src / "locked.pdf").write_bytes(encrypted_pdf(text_pdf([page_lines(21)]), "s3cret"))
    first = json.loads(run_ingest(db_url, "--jobs", "1", "--json", "in", cwd=tmp_path).stdout)
    assert [i["paths"] for i in first["ingested"]] == [["in/a.pdf"]]
    assert first["failed"][0]["path"] == "in/locked.pdf" and "--password" in first["failed"][0]["reason"]
    wrong = json.loads(run_ingest(db_url, "--password", "nope", "--json", "in/locked.pdf", cwd=tmp_path).stdout)
    assert "password given does not open it" in wrong["failed"][0]["reason"]
    second = run_ingest(db_url, "--jobs", "1", "--password", "s3cret", "--json", "in", cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    out = json.loads(second.stdout)
    assert [i["paths"] for i in out["ingested"]] == [["in/locked.pdf"]]
    assert out["skipped"][0]["path"] == "in/a.pdf" and "already in the archive" in out["skipped"][0]["reason"]


def test_unreadable_file_fails_cleanly_in_process(tmp_path):
    """The same failure through the library (no subprocess): a read refused by the OS (which a
    test running as root cannot get from file modes, so the reading itself refuses)."""
    from ingest import discover as disc
    target = tmp_path / "x.pdf"
    target.write_bytes(text_pdf([page_lines(1)]))

    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    found = disc.discover([target], identify=refuse)
    assert found.failed == [(str(target), "permission denied: the file cannot be read")] and not found.groups


def test_decompression_bomb_is_refused_before_decoding(tmp_path):
    from archive.errors import InputError
    from ingest.images import frame_count
    bomb = tmp_path / "bomb.png"
    bomb.write_bytes(png_claiming(100_000, 100_000))
    started = time.monotonic()
    with pytest.raises(InputError, match=r"10,000 Mpx, over the 100 Mpx limit"):
        frame_count(bomb, source="bomb.png")
    assert time.monotonic() - started < 2  # refused from the header, nothing decoded


def test_huge_pages_are_rasterized_within_the_pixel_budget():
    import io

    from pypdf import PdfReader

    from ingest.pdf import RASTER_MAX_PIXELS, raster_dpi
    poster = pdf_bytes([b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 8400 8400] >>"])  # 116 x 116 inches
    page = PdfReader(io.BytesIO(poster)).pages[0]
    dpi = raster_dpi(page, 8400 / 72, 8400 / 72)
    assert (8400 / 72 * dpi) ** 2 <= RASTER_MAX_PIXELS and dpi >= 30
    letter = PdfReader(io.BytesIO(text_pdf([["x"]]))).pages[0]
    assert raster_dpi(letter, 8.5, 11) == 300  # vector text: full resolution
    low = PdfReader(io.BytesIO(image_pdf_claiming(850, 1100))).pages[0]  # a 100-dpi scan
    assert raster_dpi(low, 8.5, 11) == 150  # no point rendering a 100-dpi image at 300


def test_fifo_named_pdf_does_not_block(tmp_path):
    from ingest.discover import discover
    os.mkfifo(tmp_path / "pipe.pdf")
    started = time.monotonic()
    found = discover([tmp_path / "pipe.pdf", tmp_path])
    assert time.monotonic() - started < 5
    assert [r for _, r in found.failed] == ["not a regular file (a named pipe): only files can be ingested"] * 2


def test_expectations_cover_the_issue_list(tmp_path):
    """The hostile set holds every kind the issue names (guards against the generator shrinking)."""
    expected = make_hostile_set(tmp_path / "in")
    kinds = " | ".join(e.what for e in expected.values())
    for needle in ("zero-byte", "truncated", "broken xref", "empty user password", "user password set",
                   "decompression bomb", "HTML named .pdf", "page tree is empty", "symlink loop", "mode 000",
                   "not valid UTF-8", "spaces"):
        assert needle in kinds, needle
    assert all(isinstance(e, Expect) for e in expected.values())

"""Tesseract in process (libtesseract) gives what the `tesseract` command gives, quietly and on time."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from PIL import Image

from archive.errors import ToolError
from ingest import images, preprocess, tesseract_lib, tools

ROOT = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.tesseract


@pytest.fixture(autouse=True)
def _library():
    if not tesseract_lib.available():
        pytest.skip("libtesseract is not loadable here (apt-get install tesseract-ocr installs it)")


def _command_tsv(path: str | os.PathLike) -> str:
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    out = subprocess.run(["tesseract", os.fspath(path), "-", "-l", "eng", "--psm", "3", "tsv"],
                         capture_output=True, text=True, env=env, check=True)
    return out.stdout


def _band(path: Path, dest: Path) -> Path:
    """The top third of a corpus page (ten lines of text), saved in the page's own format and resolution: the
    comparisons below read each picture six ways, and a whole page each time cost 20 s."""
    with Image.open(path) as im:
        band = im.crop((0, 0, im.width, im.height * 35 // 100))
        band.save(dest, dpi=im.info["dpi"], **({"quality": 95} if dest.suffix == ".jpg" else {}))
    return dest


def test_library_and_command_give_the_same_tsv_for_a_file_and_for_prepared_pixels(corpus, tmp_path):
    clean = _band(corpus / "on-trotskyites/clean/page-003.png", tmp_path / "clean.png")
    expected = _command_tsv(clean)
    assert tesseract_lib.run_tsv(clean, lang="eng", psm=3, timeout=120, source=str(clean)) == expected
    # The pixels ingest has already decoded, at the file's resolution: no second decoding, same result.
    scanned = _band(corpus / "undated-and-unsigned/scanned/page-001.jpg", tmp_path / "scanned.jpg")
    for path in (clean, scanned):
        image, dpi = images.load_frame(str(path), 0, source=str(path))
        assert dpi and image.mode in ("L", "RGB")
        got = tools.run_tesseract_tsv(image, lang="eng", psm=3, source=str(path), path=path, dpi=dpi)
        assert got == (expected if path == clean else _command_tsv(path)), path

    # A degraded page after the cleaning chain: handed over as raw pixels, where the command
    # read the same pixels from a PNM file (no resolution in either).
    hard = _band(corpus / "on-trotskyites/hard/page-004.jpg", tmp_path / "hard.jpg")
    with Image.open(hard) as im:
        im.load()
        steps = preprocess.plan(im, 200)
        assert steps, "the hard page should need cleaning"
        prepared, _ = preprocess.apply(im, steps, 200)
    with tempfile.TemporaryDirectory() as tmp:
        pnm = Path(tmp) / "page.pgm"
        prepared.save(pnm, format="PPM")
        expected = _command_tsv(pnm)
    got = tesseract_lib.run_tsv(prepared, lang="eng", psm=3, timeout=120, source=str(hard))
    assert got == expected
    assert got.startswith(tesseract_lib.TSV_HEADER) and got.count("\n") > 100


def test_an_overrun_page_is_a_clear_error_and_the_engine_keeps_working(corpus):
    page = corpus / "on-trotskyites/clean/page-001.png"
    with pytest.raises(ToolError, match=r"page-001.png: Tesseract gave up on this page \(over 0.05 s"):
        tesseract_lib.run_tsv(page, lang="eng", psm=3, timeout=0.05, source=str(page))
    small = Image.new("L", (400, 120), 255)
    assert tesseract_lib.run_tsv(small, lang="eng", psm=3, timeout=30, source="blank").startswith("level\t")


def test_an_unreadable_file_is_a_clear_error(tmp_path):
    bad = tmp_path / "not-an-image.png"
    bad.write_bytes(b"this is not a PNG")
    with pytest.raises(ToolError, match="not-an-image.png: Tesseract .*could not read"):
        tesseract_lib.run_tsv(bad, lang="eng", psm=3, timeout=30, source=str(bad))


def test_ingest_in_process_prints_nothing_of_tesseracts_own(corpus, tmp_path):
    """The library would print its notes ("Estimating resolution as ...", Leptonica's errors)
    into the worker's stderr, which is the user's terminal; they must go nowhere."""
    page = corpus / "on-trotskyites/hard/page-002.jpg"  # prepared pixels: Tesseract estimates the dpi
    db = tmp_path / "a.db"
    proc = subprocess.run([sys.executable, "-c", "from archive.cli import main; main()", "-q", "--db", f"sqlite:///{db}",
                           "ingest", "--jobs", "2", str(page)], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr == ""
    code = ("from sqlmodel import Session; from archive.store.db import make_engine; from archive.store import reads;"
            f"e = make_engine('sqlite:///{db}');"
            "s = Session(e); p = reads.pages(s, 1)[0]; print(p.engine, p.engine_version, len(p.text))")
    engine, version, chars = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                            cwd=ROOT, check=True).stdout.split()
    assert (engine, version) == ("Tesseract", tesseract_lib.version()) and int(chars) > 1000


def test_the_command_can_be_forced(tmp_path):
    code = "from ingest import tesseract_lib, tools; print(tesseract_lib.available(), tools.tesseract().version)"
    env = dict(os.environ, ARCHIVE_TESSERACT="cli")
    forced, version = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                                     env=env, check=True).stdout.split()
    assert forced == "False" and version == tesseract_lib.version()


def test_a_worker_stuck_inside_tesseract_ends_itself(corpus):
    """Tesseract's own deadline does not cover layout analysis, and no signal handler runs during
    a C call: in a worker, a watchdog kills the process (the pipeline then replaces the worker).
    Here the grace is 0 and the deadline 1 ms, so the watchdog fires while layout analysis runs."""
    page = corpus / "on-trotskyites/clean/page-001.png"
    code = ("import sys; from ingest import tesseract_lib as t; t.kill_on_hang(); t.HARD_STOP_GRACE_S = 0.0; "
            f"t.run_tsv({str(page)!r}, lang='eng', psm=3, timeout=0.001, source='p'); print('survived')")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert proc.returncode == -9 and "survived" not in proc.stdout, (proc.returncode, proc.stdout, proc.stderr)

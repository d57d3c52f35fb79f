"""OCR benchmark: our `archive ingest` against raw parallel Tesseract and OCRmyPDF on the same pages
and cores, with error rates against the corpus ground truth and peak memory; writes bench/RESULTS.md.

    .venv/bin/python bench/ocr_bench.py                      # everything (about 20 min on 2 idle cores)
    .venv/bin/python bench/ocr_bench.py --sets hard --no-extras --no-write   # a quick look

Not a test. Page sets: clean (on-trotskyites/clean pages 1-10), scanned (on-trotskyites/scanned.pdf
pages 1-10 and the undated-and-unsigned JPEGs), hard (on-trotskyites/hard, 8 pages). Each tool gets
the same pixels: our ingest the page files or a PDF embedding them byte for byte, Tesseract the
image files, OCRmyPDF image-only PDFs of them. Every text goes through testkit/textmetrics.error_rates
(the archive's own page normalization) against the ground truth.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.memory_bench import run_memory  # noqa: E402
from bench.memory_bench import table as memory_table  # noqa: E402
from bench.proctree import Measured, measure  # noqa: E402
from testkit.pdfwrite import write_image_pdf  # noqa: E402
from testkit.textmetrics import error_rates  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"
ARCHIVE = str(ROOT / ".venv" / "bin" / "archive")
RESULTS = ROOT / "bench" / "RESULTS.md"
TROT = "on-trotskyites"


@dataclass
class PageSet:
    name: str
    images: list[Path]  # one image file per page, in ground-truth order (Tesseract's input)
    ours: list[Path]  # what an archivist would ingest: PDFs and page folders (their pages in the same order)
    pdf: Path  # image-only PDF of `images` (OCRmyPDF's input)
    truth: list[str]


@dataclass
class Run:
    tool: str
    level: str
    pages: int
    measured: Measured
    texts: list[str] = field(default_factory=list)
    cer: float | None = None
    wer: float | None = None

    @property
    def wall(self) -> float:
        return self.measured.wall_s


# --- page sets --------------------------------------------------------------------------------

def _truth(doc: str, pages: list[int]) -> list[str]:
    return [(CORPUS / doc / "ground_truth" / f"page-{n:03d}.txt").read_text(encoding="utf-8") for n in pages]


def _copy(files: list[Path], folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for f in files:
        shutil.copyfile(f, folder / f.name)
        out.append(folder / f.name)
    return out


def _embedded_jpegs(pdf: Path, count: int, folder: Path) -> list[Path]:
    """The first `count` pages' scans of an image-only PDF, as the JPEG files they are stored as."""
    from pypdf import PdfReader
    folder.mkdir(parents=True, exist_ok=True)
    reader = PdfReader(str(pdf))
    out = []
    for i in range(count):
        xo = next(iter(reader.pages[i]["/Resources"]["/XObject"].values())).get_object()
        assert xo["/Filter"] == "/DCTDecode", "expected JPEG scans"
        target = folder / f"page-{i + 1:03d}.jpg"
        target.write_bytes(xo._data)
        out.append(target)
    return out


def build_sets(work: Path, names: list[str], limit: int | None) -> list[PageSet]:
    sets = []
    n10 = min(10, limit or 10)
    if "clean" in names:
        folder = _copy([CORPUS / TROT / "clean" / f"page-{i:03d}.png" for i in range(1, n10 + 1)],
                       work / "clean" / "pages")
        pdf = work / "clean" / "clean.pdf"
        write_image_pdf(folder, pdf)
        sets.append(PageSet("clean", folder, [folder[0].parent], pdf, _truth(TROT, list(range(1, n10 + 1)))))
    if "scanned" in names:
        trot = _embedded_jpegs(CORPUS / TROT / "scanned.pdf", n10, work / "scanned" / "trotskyites")
        trot_pdf = work / "scanned" / "trotskyites-scanned-first-pages.pdf"
        write_image_pdf(trot, trot_pdf)  # the same JPEG streams, so the same pixels as scanned.pdf
        n3 = min(3, limit or 3)
        undated = _copy(sorted((CORPUS / "undated-and-unsigned" / "scanned").glob("page-*.jpg"))[:n3],
                        work / "scanned" / "undated")
        pdf = work / "scanned" / "scanned.pdf"
        write_image_pdf(trot + undated, pdf)
        sets.append(PageSet("scanned", trot + undated, [trot_pdf, undated[0].parent], pdf,
                            _truth(TROT, list(range(1, n10 + 1)))
                            + _truth("undated-and-unsigned", list(range(1, n3 + 1)))))
    if "hard" in names:
        n8 = min(8, limit or 8)
        folder = _copy([CORPUS / TROT / "hard" / f"page-{i:03d}.jpg" for i in range(1, n8 + 1)],
                       work / "hard" / "pages")
        pdf = work / "hard" / "hard.pdf"
        write_image_pdf(folder, pdf)
        sets.append(PageSet("hard", folder, [folder[0].parent], pdf, _truth(TROT, list(range(1, n8 + 1)))))
    return sets


# --- the tools --------------------------------------------------------------------------------

def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["OMP_THREAD_LIMIT"] = "1"  # every tool: one Tesseract thread per process, parallel across pages
    return env


def run_ours(ps: PageSet, jobs: int, work: Path) -> Run:
    db = work / f"ours-{ps.name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    m = measure([ARCHIVE, "--db", f"sqlite:///{db}", "ingest", "--jobs", str(jobs), "--json",
                 *map(str, ps.ours)], env=_env())
    if m.returncode != 0:
        raise SystemExit(f"archive ingest failed ({m.returncode}): {m.stderr[-2000:]}")
    summary = json.loads(m.stdout)
    return Run("archive ingest", ps.name, len(ps.images), m, _our_texts(f"sqlite:///{db}", ps, summary))


def _our_texts(url: str, ps: PageSet, summary: dict) -> list[str]:
    from sqlmodel import Session

    from archive.store import reads
    from archive.store.db import make_engine
    engine = make_engine(url, create=False)
    texts = []
    with Session(engine) as s:
        for given in ps.ours:
            doc = next(d["document"] for d in summary["ingested"]
                       if Path(d["paths"][0]) == given or Path(d["paths"][0]).parent == given)
            texts += [p.text for p in reads.pages(s, doc)]
    engine.dispose()
    return texts


def run_tesseract(ps: PageSet, jobs: int, work: Path) -> Run:
    out = work / ps.name / "tesseract"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    pairs = "".join(f"{img}\n{out / img.stem}-{i}\n" for i, img in enumerate(ps.images))
    listing = out / "pairs.txt"
    listing.write_text(pairs)
    # One tesseract process per core at a time, as a shell user would run it.
    m = measure(["xargs", "-a", str(listing), "-d", "\n", "-P", str(jobs), "-n", "2", "sh", "-c",
                 'exec tesseract "$0" "$1" -l eng --psm 3 txt 2>/dev/null'], env=_env())
    texts = [(out / f"{img.stem}-{i}.txt").read_text(encoding="utf-8") for i, img in enumerate(ps.images)]
    return Run("tesseract CLI", ps.name, len(ps.images), m, texts)


def run_ocrmypdf(ps: PageSet, jobs: int, work: Path, extra: list[str], label: str) -> Run:
    out = work / ps.name / f"ocrmypdf-{label.replace(' ', '_')}"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    sidecar = out / "sidecar.txt"
    m = measure(["ocrmypdf", "--jobs", str(jobs), "-O0", "--sidecar", str(sidecar), *extra,
                 str(ps.pdf), str(out / "out.pdf")], env=_env())
    if m.returncode != 0:
        raise SystemExit(f"ocrmypdf failed ({m.returncode}): {m.stderr[-2000:]}")
    texts = sidecar.read_text(encoding="utf-8").split("\f")
    texts = texts[:len(ps.images)] + [""] * (len(ps.images) - len(texts))
    return Run(f"ocrmypdf {label}".strip(), ps.name, len(ps.images), m, texts)


# --- extra measurements -----------------------------------------------------------------------

_STAGE = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from archive.store.db import make_engine
from ingest.pipeline import IngestOptions, ingest
engine = make_engine(sys.argv[2])
started = time.perf_counter()
summary = ingest(engine, sys.argv[4:], IngestOptions(jobs=int(sys.argv[3])))
print(json.dumps({"seconds": time.perf_counter() - started, "ingested": len(summary.ingested)}))
"""


def stage_seconds(inputs: list[Path], jobs: int, work: Path, name: str) -> float:
    """Wall time of the ingest stage alone (ingest.pipeline.ingest: hashing, pages, database writes),
    without the command's start-up (imports, schema check) and the provenance stage after it."""
    db = work / f"stage-{name}.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "-c", _STAGE, str(ROOT), f"sqlite:///{db}", str(jobs), *map(str, inputs)],
                          capture_output=True, text=True, env=_env())
    if proc.returncode != 0:
        raise SystemExit(f"ingest stage failed: {proc.stderr[-2000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])["seconds"]

def page_costs(sets: list[PageSet], per_set: int = 2) -> list[dict]:
    """CPU milliseconds of each part of a page's work in the worker (this process, serially), on
    the first pages of each set: where the time around Tesseract goes."""
    import resource

    from ingest import images, preprocess, tools
    from ingest.pages import thumbnail

    def cpu() -> float:
        return time.process_time()

    rows = []
    for ps in sets:
        for img in ps.images[:per_set]:
            row: dict = {"level": ps.name, "page": img.name}
            t = cpu()
            image, dpi = images.load_frame(img, 0, source=str(img))
            row["decode"] = cpu() - t
            t = cpu()
            steps = preprocess.plan(image, dpi)
            row["plan"] = cpu() - t
            work, wdpi = image, preprocess._dpi_or_default(dpi)
            step_ms = []
            for name in steps:
                t = cpu()
                work, wdpi = preprocess.STEPS[name](work, wdpi)
                step_ms.append(f"{name} {1000 * (cpu() - t):.0f}")
            row["steps"] = "; ".join(step_ms) or "none"
            row["preprocess"] = sum(float(x.rsplit(" ", 1)[1]) for x in step_ms) / 1000
            t = cpu()
            thumbnail(image)
            row["thumbnail"] = cpu() - t
            # Tesseract as ingest runs it: in this process through libtesseract (its CPU is ours),
            # or the command (its CPU is a child's) where the library is not available. The first
            # call of a process also loads the language model: warm it first, as a worker is.
            kw = {} if steps else {"path": img, "dpi": dpi}
            if not rows:
                tools.run_tesseract_tsv(work, lang="eng", psm=3, source=str(img), **kw)
            before, t = resource.getrusage(resource.RUSAGE_CHILDREN), cpu()
            tools.run_tesseract_tsv(work, lang="eng", psm=3, source=str(img), **kw)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            row["tesseract"] = (cpu() - t) + (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            rows.append(row)
    return rows


def costs_table(rows: list[dict]) -> str:
    cols = ["decode", "plan", "preprocess", "thumbnail", "tesseract"]
    out = ["| level | page | " + " | ".join(cols) + " | ours / Tesseract's | preprocessing steps (ms) |",
           "|---|---|" + "---:|" * (len(cols) + 1) + "---|"]
    for r in rows:
        ours = sum(r[c] for c in cols if c != "tesseract")
        out.append(f"| {r['level']} | {r['page']} | " + " | ".join(f"{1000 * r[c]:.0f}" for c in cols)
                   + f" | {ours / r['tesseract'] * 100:.0f}% | {r['steps']} |")
    return "\n".join(out)

def digital_vs_scanned(jobs: int, work: Path, repeat: int = 1) -> dict:
    """The 45-page born-digital PDF against its 45-page scanned PDF (ours), and the scanned one
    against raw Tesseract on its 45 scans: a whole document, where fixed costs weigh less. Each of
    our two runs is repeated `repeat` times, interleaved, and the fastest kept, as for the page sets."""
    out: dict = {}
    truth = _truth(TROT, list(range(1, 46)))
    for _ in range(repeat):
        for name in ("digital", "scanned"):
            db = work / f"ours-{name}-45.db"
            for suffix in ("", "-wal", "-shm"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            given = CORPUS / TROT / f"{name}.pdf"
            m = measure([ARCHIVE, "--db", f"sqlite:///{db}", "ingest", "--jobs", str(jobs), "--json", str(given)],
                        env=_env())
            assert m.returncode == 0, m.stderr[-2000:]
            if name in out and out[name]["wall_s"] <= m.wall_s:
                continue
            texts = _our_texts(f"sqlite:///{db}", PageSet(name, [], [given], given, truth), json.loads(m.stdout))
            out[name] = {"wall_s": m.wall_s, "cpu_s": m.cpu_s, "cer": error_rates(texts, truth)[0]}
    for name in ("digital", "scanned"):
        out[name]["stage_s"] = stage_seconds([CORPUS / TROT / f"{name}.pdf"], jobs, work, name)
    scans = _embedded_jpegs(CORPUS / TROT / "scanned.pdf", 45, work / "long" / "scans")
    t = run_tesseract(PageSet("long", scans, [], CORPUS / TROT / "scanned.pdf", truth), jobs, work)
    out["tesseract"] = {"wall_s": t.wall, "cpu_s": t.measured.cpu_s, "cer": error_rates(t.texts, truth)[0]}
    return out


_FAKE_TESSERACT = """#!/bin/sh
# Stand-in used only to set up the re-ingest benchmark quickly: no recognition, an empty TSV.
case "$1" in --*) exec {real} "$@" ;; esac
printf 'level\\tpage_num\\tblock_num\\tpar_num\\tline_num\\tword_num\\tleft\\ttop\\twidth\\theight\\tconf\\ttext\\n' > "$2.tsv"
"""  # noqa: E501 - a shell script, one printf line


def reingest(files: int, jobs: int, work: Path) -> dict:
    """A folder of `files` one-page scanned PDFs, ingested, then ingested again: the second run
    against `sha256sum` of the same files (page cache warm for both)."""
    folder = work / "reingest" / "folder"
    from bench.memory_bench import source_scans
    scans = source_scans(work / "reingest")
    if not folder.exists() or len(list(folder.iterdir())) != files:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for i in range(files):
            pdf = folder / f"leaflet-{i + 1:04d}.pdf"
            write_image_pdf([scans[i % len(scans)]], pdf)
            with open(pdf, "ab") as fh:  # a distinct file (and fingerprint) each: one document each
                fh.write(f"% copy {i + 1}\n".encode())
    db = work / "reingest" / "archive.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    fake = work / "reingest" / "bin"
    fake.mkdir(exist_ok=True)
    (fake / "tesseract").write_text(_FAKE_TESSERACT.format(real=shutil.which("tesseract")))
    (fake / "tesseract").chmod(0o755)
    env = _env()
    env["PATH"] = f"{fake}{os.pathsep}{env['PATH']}"
    env["ARCHIVE_TESSERACT"] = "cli"  # the stand-in is a command: ingest must not use the library
    first = measure([ARCHIVE, "--db", f"sqlite:///{db}", "ingest", "--jobs", str(jobs), "--json", str(folder)], env=env)
    held = len(json.loads(first.stdout)["ingested"])
    assert held == files, f"set-up ingest held {held} of {files}: {first.stderr[-1500:]}"
    paths = sorted(str(p) for p in folder.iterdir())
    size = sum(os.path.getsize(p) for p in paths)
    subprocess.run(["cat", *paths], stdout=subprocess.DEVNULL, check=True)  # warm the page cache
    again = measure([ARCHIVE, "--db", f"sqlite:///{db}", "ingest", "--jobs", str(jobs), "--json", str(folder)],
                    env=_env())
    summary = json.loads(again.stdout)
    assert not summary["ingested"] and len(summary["skipped"]) == files
    sha = measure(["sha256sum", *paths])
    # The same digests as the archive computes them (hashlib, OpenSSL): coreutils' sha256sum may
    # not use the CPU's SHA instructions, so it can be the slower of the two.
    listing = work / "reingest" / "paths.txt"
    listing.write_text("\n".join(paths))
    pyhash = measure([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); "
                      "from ingest.fixity import sha256_file; "
                      "[sha256_file(p) for p in open(sys.argv[2]).read().splitlines()]", str(ROOT), str(listing)])
    noop = measure([ARCHIVE, "--version"])
    return {"files": files, "mib": round(size / 2**20, 1), "reingest_s": again.wall_s, "reingest_cpu_s": again.cpu_s,
            "sha256sum_s": sha.wall_s, "sha256sum_cpu_s": sha.cpu_s, "hashlib_s": pyhash.wall_s,
            "hashlib_cpu_s": pyhash.cpu_s, "startup_s": noop.wall_s, "startup_cpu_s": noop.cpu_s}


# --- report -----------------------------------------------------------------------------------

def _sh(cmd: str) -> str:
    return subprocess.run(cmd, shell=True, capture_output=True, text=True).stdout.strip()


def machine() -> str:
    cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                if ln.startswith("model name")), platform.processor())
    tess = _sh("tesseract --version 2>&1 | head -2 | tr '\\n' ' '")
    # nproc obeys OMP_THREAD_LIMIT, which this process sets to 1 for Tesseract: ask without it.
    lines = [f"- CPU: {cpu}; `nproc` = {_sh('env -u OMP_THREAD_LIMIT -u OMP_NUM_THREADS nproc')}",
             "- Memory (`free -h`):\n\n```\n" + _sh("free -h") + "\n```",
             f"- Tesseract: {tess}",
             f"- OCRmyPDF {_sh('ocrmypdf --version')}; unpaper {_sh('unpaper --version 2>/dev/null') or 'absent'}; "
             f"poppler {_sh('pdftoppm -v 2>&1 | head -1')}",
             f"- Python {platform.python_version()} on {platform.platform()}"]
    return "\n".join(lines)


def loadavg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def pick(runs: list[Run]) -> Run:
    """Of repeated runs, the fastest (least disturbed by other work on a shared machine)."""
    return min(runs, key=lambda r: r.wall)


def render(args, sets: list[PageSet], results: dict[tuple[str, str], Run], extras: dict, loads: list[str],
           started: str, elapsed: float) -> str:
    tools = list(dict.fromkeys(t for t, _ in results))
    levels = [s.name for s in sets]
    truth = [t for s in sets for t in s.truth]
    md = ["# OCR benchmark results", "",
          f"Made by `{' '.join(['.venv/bin/python', 'bench/ocr_bench.py', *sys.argv[1:]])}` on {started} "
          f"({elapsed / 60:.0f} min). Regenerate with the same command; see bench/README.md.", "",
          "## Machine", "", machine(), "",
          f"Load average (1, 5, 15 min) before and after each section: {'; '.join(loads)}. "
          + ("**The machine was busy** (other helpers' OCR tests ran at the same time): absolute times are "
             "inflated and noisy; the ratios between tools, run interleaved on the same pages, are the figures "
             "to read, and CPU seconds per page are less sensitive to the load than wall time."
             if any(float(x.split()[0]) > 2.5 for x in loads) else "The machine was otherwise quiet."), "",
          f"`--jobs {args.jobs}` for every tool; OMP_THREAD_LIMIT=1 (one Tesseract thread per process); "
          f"{args.repeat} run(s) of each tool per set, the fastest kept. Peak memory: the highest resident set of "
          "a single process of each kind (VmHWM sampled from /proc every 50 ms), and of the whole process tree "
          "at one moment.", "",
          "## Throughput, accuracy and memory", "",
          "| tool | level | pages | wall s | pages/min | CPU s/page | CER | WER | largest process MiB | tree MiB |",
          "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for tool in tools:
        for level in levels + ["all"]:
            if level == "all" and (tool, "batch") in results:
                r = results[(tool, "batch")]
                pages, wall, cpu, cer, wer = r.pages, r.wall, r.measured.cpu_s, r.cer, r.wer
                peak = max(r.measured.peak_kib.values()) / 1024
                tree = r.measured.tree_peak_kib / 1024
                name, level = f"**{tool}**", "all, one command"
            elif level == "all":
                runs = [results[(tool, lv)] for lv in levels if (tool, lv) in results]
                pages = sum(r.pages for r in runs)
                wall = sum(r.wall for r in runs)
                cpu = sum(r.measured.cpu_s for r in runs)
                texts = [t for r in runs for t in r.texts]
                cer, wer = error_rates(texts, truth) if len(texts) == len(truth) else (None, None)
                peak = max(max(r.measured.peak_kib.values()) for r in runs) / 1024
                tree = max(r.measured.tree_peak_kib for r in runs) / 1024
                name, level = f"**{tool}**", "all, one command per PDF" if tool.startswith("ocrmypdf") else "all"
            else:
                r = results.get((tool, level))
                if r is None:
                    continue
                pages, wall, cpu, cer, wer = r.pages, r.wall, r.measured.cpu_s, r.cer, r.wer
                peak = max(r.measured.peak_kib.values()) / 1024
                tree = r.measured.tree_peak_kib / 1024
                name = tool
            md.append(f"| {name} | {level} | {pages} | {wall:.1f} | {pages / wall * 60:.1f} | {cpu / pages:.2f} "
                      f"| {_percent(cer)} | {_percent(wer)} | {peak:.0f} | {tree:.0f} |")
    md += ["", "## Ratios (the targets)", ""]
    md += ratio_lines(results, levels, extras)
    if "costs" in extras:
        md += ["", "## Where a page's time goes (CPU ms, one process, first pages of each set)", "",
               "Measured in-process with the functions the worker calls (bench/ocr_bench.py page_costs): "
               "decoding the page image, the preprocessing plan's statistics, the preprocessing steps the plan "
               "chose, the thumbnail, and Tesseract's own CPU (in process through libtesseract, handed the "
               "pixels already decoded, its model already loaded).", "", costs_table(extras["costs"])]
    if "memory" in extras:
        md += ["", "## Peak memory against page count", "",
               f"Image-only PDFs of the same few 300 dpi scans repeated (bench/memory_bench.py), `archive ingest "
               f"--jobs {args.jobs}` into a fresh SQLite database each. Tesseract runs inside the "
               "workers (libtesseract), so a worker's peak includes its loaded language model; the "
               "`tesseract` command runs only to list the installed languages, when the 50 ms sampling catches it.",
               "", memory_table(extras["memory"])]
    md += ["", "## Notes", "", NOTES.strip(), ""]
    return "\n".join(md)


def _percent(value: float | None) -> str:
    return f"{value * 100:.2f}%" if value is not None else "n/a"


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def ratio_lines(results, levels, extras) -> list[str]:
    out = []

    def total(tool):
        if (tool, "batch") in results:
            r = results[(tool, "batch")]
            return r.wall, r.measured.cpu_s, [results[(tool, lv)] for lv in levels if (tool, lv) in results]
        runs = [results[(tool, lv)] for lv in levels if (tool, lv) in results]
        return sum(r.wall for r in runs), sum(r.measured.cpu_s for r in runs), runs

    ours_w, ours_c, ours_runs = total("archive ingest")
    tess_w, tess_c, tess_runs = total("tesseract CLI")
    if ours_runs and tess_runs:
        ours = {lv: results[("archive ingest", lv)] for lv in levels}
        tess = {lv: results[("tesseract CLI", lv)] for lv in levels}
        per = ", ".join(f"{lv} {ours[lv].wall / tess[lv].wall:.2f}x" for lv in levels)
        per_cpu = ", ".join(f"{lv} {ours[lv].measured.cpu_s / tess[lv].measured.cpu_s:.2f}x" for lv in levels)
        out.append(f"- Wall time, archive ingest / raw parallel Tesseract: **{ours_w / tess_w:.2f}x** over all "
                   f"pages (per level, one command each: {per}); CPU time {ours_c / tess_c:.2f}x ({per_cpu}). "
                   f"Target: at most 1.1x "
                   f"({_verdict(ours_w / tess_w <= 1.1)} on wall, {_verdict(ours_c / tess_c <= 1.1)} on CPU).")
        if "batch_stage_s" in extras:
            st = extras["batch_stage_s"]
            out.append(f"  - The ingest stage alone (ingest.pipeline.ingest on the same batch, without the command's "
                       f"start-up and the provenance stage): {st:.1f} s, **{st / tess_w:.2f}x** raw Tesseract "
                       f"({_verdict(st / tess_w <= 1.1)}).")
        worse = [lv for lv in levels if results[("archive ingest", lv)].cer > results[("tesseract CLI", lv)].cer]
        cers = ", ".join(f"{lv} {results[('archive ingest', lv)].cer * 100:.2f}% vs "
                         f"{results[('tesseract CLI', lv)].cer * 100:.2f}%" for lv in levels)
        hard = [ours[lv].cer <= 0.03 for lv in levels if lv == "hard"]
        out.append(f"- CER, ours vs raw Tesseract: {cers}. Target: at or below Tesseract's on every level "
                   f"({'met' if not worse else '**not met** on ' + ', '.join(worse)}), and at most 3% on hard"
                   f"{' (' + _verdict(hard[0]) + ')' if hard else ''}.")
    for tool in dict.fromkeys(t for t, _ in results):
        if tool.startswith("ocrmypdf") and ours_runs:
            w, c, runs = total(tool)
            if len(runs) == len(ours_runs):
                out.append(f"- `{tool}` / archive ingest, wall: **{w / ours_w:.2f}x** (CPU {c / ours_c:.2f}x). "
                           f"Target: at least 2.5x ({_verdict(w / ours_w >= 2.5)}).")
    if "digital" in extras:
        d, s = extras["digital"]["digital"], extras["digital"]["scanned"]
        out.append(f"- Born-digital on-trotskyites/digital.pdf against its scanned.pdf (45 pages each, whole "
                   f"`archive ingest` commands, the fastest of {extras.get('repeat', 1)} each): "
                   f"{s['wall_s']:.1f} s / {d['wall_s']:.2f} s = **{s['wall_s'] / d['wall_s']:.1f}x** "
                   f"wall, {s['cpu_s'] / d['cpu_s']:.1f}x CPU. "
                   f"Target: at least 20x ({_verdict(s['wall_s'] / d['wall_s'] >= 20)})."
                   + (f" The ingest stage alone (ingest.pipeline.ingest, without the command's start-up and the "
                      f"provenance stage): {s['stage_s']:.1f} s / {d['stage_s']:.2f} s = "
                      f"**{s['stage_s'] / d['stage_s']:.0f}x** "
                      f"({_verdict(s['stage_s'] / d['stage_s'] >= 20)})." if "stage_s" in d else ""))
        t = extras["digital"].get("tesseract")
        if t:
            out.append(f"- A whole document: on-trotskyites/scanned.pdf (45 pages), `archive ingest` "
                       f"{s['wall_s']:.1f} s "
                       f"/ {s['cpu_s']:.1f} s CPU against raw parallel Tesseract on its 45 scans {t['wall_s']:.1f} s / "
                       f"{t['cpu_s']:.1f} s CPU: **{s['wall_s'] / t['wall_s']:.2f}x** wall, "
                       f"{s['cpu_s'] / t['cpu_s']:.2f}x "
                       f"CPU (CER {s['cer'] * 100:.2f}% vs {t['cer'] * 100:.2f}%; born-digital text layer "
                       f"{d['cer'] * 100:.2f}%).")
    if "reingest" in extras:
        r = extras["reingest"]
        out.append(f"- Re-ingesting an ingested folder of {r['files']:,} one-page scanned PDFs ({r['mib']} MiB, page "
                   f"cache warm): {r['reingest_s']:.2f} s wall / {r['reingest_cpu_s']:.2f} s CPU, against "
                   f"`sha256sum` of the same files {r['sha256sum_s']:.2f} s / {r['sha256sum_cpu_s']:.2f} s "
                   f"(**{r['reingest_s'] / r['sha256sum_s']:.2f}x** wall, "
                   f"{r['reingest_cpu_s'] / r['sha256sum_cpu_s']:.2f}x "
                   f"CPU) and Python's hashlib (what the archive uses) {r['hashlib_s']:.2f} s / "
                   f"{r['hashlib_cpu_s']:.2f} s. "
                   f"Starting the `archive` command at all (`archive --version`) takes {r['startup_s']:.2f} s / "
                   f"{r['startup_cpu_s']:.2f} s; the rest is the hashing, one batched look-up and the no-op events.")
    if extras.get("memory"):
        rows = [r for r in extras["memory"] if r["ok"]]
        if len(rows) >= 2:
            a, b = rows[0], rows[-1]
            grow = {k: (b[k] or 0) - (a[k] or 0) for k in ("parent_mib", "worker_mib", "tree_mib")}
            out.append(f"- Peak memory from {a['pages']} to {b['pages']} pages: parent {a['parent_mib']} -> "
                       f"{b['parent_mib']} MiB (during OCR {a.get('parent_ocr_mib')} -> {b.get('parent_ocr_mib')} MiB; "
                       f"in the provenance stage after it {a.get('parent_after_mib')} -> "
                       f"{b.get('parent_after_mib')} MiB), "
                       f"largest worker {a['worker_mib']} -> {b['worker_mib']} MiB, whole tree "
                       f"{a['tree_mib']} -> {b['tree_mib']} MiB ({grow['tree_mib']:+.0f} MiB for "
                       f"{b['pages'] - a['pages']} more pages). Target: independent of page count "
                       f"({_verdict(abs(grow['worker_mib']) < 20 and grow['tree_mib'] < 0.1 * a['tree_mib'])}).")
    return out


NOTES = """
- Pages per minute = pages / wall time of the whole command, including start-up, hashing, database
  writes and, for `archive ingest`, the provenance stage that follows OCR; small sets therefore
  understate everyone's steady rate, ours most (Python start-up and the provenance stage are fixed costs).
- The raw Tesseract baseline is `xargs -P N tesseract IMG OUT -l eng --psm 3 txt` over the image files,
  OMP_THREAD_LIMIT=1; our ingest runs the same Tesseract (the system's libtesseract, in process, one
  model loaded per worker instead of one per page) with the same language, page segmentation and
  resolution, handing it the pixels it has already decoded: on an unprocessed page its TSV is the
  command's byte for byte (tests/test_tesseract_lib.py).
- OCRmyPDF reads image-only PDFs embedding the very same JPEG bytes (PNGs as lossless Flate); its
  default output type (PDF/A through Ghostscript) is part of its time, as a user would run it.
- The hard level's CER comes from ingest/preprocess.py; these figures are for the preprocessing
  version present when the benchmark ran (recorded in each page's provenance).
- The re-ingest set-up ingests the folder once with a stand-in `tesseract` that returns no text (the
  second run, the one measured, never calls Tesseract: every file is already held).
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default="clean,scanned,hard")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=1, help="runs of each tool per set (the fastest is kept)")
    ap.add_argument("--limit", type=int, default=None, help="at most this many pages per document (debugging)")
    ap.add_argument("--no-ocrmypdf", action="store_true")
    ap.add_argument("--no-extras", action="store_true", help="skip born-digital, re-ingest and memory sections")
    ap.add_argument("--memory-pages", default="50,200,500")
    ap.add_argument("--reingest-files", type=int, default=1000)
    ap.add_argument("--work", type=Path, default=Path("/tmp/archive-bench"))
    ap.add_argument("--no-write", action="store_true", help="print the report instead of writing bench/RESULTS.md")
    ap.add_argument("--rerender", action="store_true",
                    help="only write the report again from the last run's measurements (WORK/ocr_bench.json)")
    args = ap.parse_args()
    saved = args.work / "ocr_bench.json"
    if args.rerender:
        data = json.loads(saved.read_text())
        sys.argv[1:] = data["argv"]
        args = ap.parse_args(data["argv"])
        sets = build_sets(args.work, args.sets.split(","), args.limit)
        results = {(r["tool"], r["level"]): Run(r["tool"], r["level"], r["pages"], Measured(**r["measured"]),
                                                 r["texts"], r["cer"], r["wer"]) for r in data["results"]}
        _write(args, render(args, sets, results, data["extras"], data["loads"], data["started"], data["elapsed"]))
        return
    if not (CORPUS / "manifest.json").is_file():
        raise SystemExit(f"the shared corpus is absent: expected it at {CORPUS}")
    started = time.strftime("%Y-%m-%d %H:%M %Z")
    t0 = time.perf_counter()
    args.work.mkdir(parents=True, exist_ok=True)
    sets = build_sets(args.work, args.sets.split(","), args.limit)
    tools = [("archive ingest", lambda ps: run_ours(ps, args.jobs, args.work)),
             ("tesseract CLI", lambda ps: run_tesseract(ps, args.jobs, args.work))]
    if not args.no_ocrmypdf:
        tools.append(("ocrmypdf -O0", lambda ps: run_ocrmypdf(ps, args.jobs, args.work, [], "-O0")))
        if shutil.which("unpaper"):
            tools.append(("ocrmypdf -O0 --deskew --clean", lambda ps: run_ocrmypdf(
                ps, args.jobs, args.work, ["--deskew", "--clean"], "-O0 --deskew --clean")))
    loads = [loadavg()]
    results: dict[tuple[str, str], Run] = {}
    for ps in sets:
        runs: dict[str, list[Run]] = {}
        for _ in range(args.repeat):
            for tool, fn in tools:  # interleaved, so drift in the machine's load hits every tool alike
                r = fn(ps)
                r.cer, r.wer = error_rates(r.texts, ps.truth)
                runs.setdefault(tool, []).append(r)
                print(f"{ps.name:8} {tool:32} {r.wall:7.1f} s  CPU {r.measured.cpu_s:7.1f} s  "
                      f"CER {r.cer * 100:5.2f}%  WER {r.wer * 100:5.2f}%  load {loadavg()}", file=sys.stderr)
        for tool, rs in runs.items():
            results[(tool, ps.name)] = pick(rs)
        loads.append(loadavg())
    if len(sets) > 1:
        # The whole batch in one command for the tools that take a batch (ours: every document in one
        # `archive ingest`; Tesseract: one xargs over every image); OCRmyPDF takes one PDF per command.
        batch = PageSet("batch", [i for s in sets for i in s.images], [i for s in sets for i in s.ours],
                        sets[0].pdf, [t for s in sets for t in s.truth])
        runs = {}
        for _ in range(args.repeat):
            for tool, fn in tools[:2]:
                r = fn(batch)
                r.cer, r.wer = error_rates(r.texts, batch.truth)
                runs.setdefault(tool, []).append(r)
                print(f"batch    {tool:32} {r.wall:7.1f} s  CPU {r.measured.cpu_s:7.1f} s  "
                      f"CER {r.cer * 100:5.2f}%  load {loadavg()}", file=sys.stderr)
        for tool, rs in runs.items():
            results[(tool, "batch")] = pick(rs)
        stage = min(stage_seconds(batch.ours, args.jobs, args.work, "batch") for _ in range(args.repeat))
        print(f"batch    ingest stage alone               {stage:7.1f} s", file=sys.stderr)
        loads.append(loadavg())
    extras: dict = {"costs": page_costs(sets)}
    if len(sets) > 1:
        extras["batch_stage_s"] = stage
    if not args.no_extras:
        extras["digital"] = digital_vs_scanned(args.jobs, args.work, args.repeat)
        extras["repeat"] = args.repeat
        print(f"digital vs scanned: {extras['digital']}", file=sys.stderr)
        loads.append(loadavg())
        extras["reingest"] = reingest(args.reingest_files, args.jobs, args.work)
        print(f"re-ingest: {extras['reingest']}", file=sys.stderr)
        loads.append(loadavg())
        extras["memory"] = run_memory(args.work / "memory", [int(x) for x in args.memory_pages.split(",")], args.jobs)
        loads.append(loadavg())
    elapsed = time.perf_counter() - t0
    saved.write_text(json.dumps({
        "argv": sys.argv[1:], "started": started, "elapsed": elapsed, "loads": loads, "extras": extras,
        "results": [{"tool": r.tool, "level": r.level, "pages": r.pages, "measured": asdict(r.measured),
                     "texts": r.texts, "cer": r.cer, "wer": r.wer} for r in results.values()]}))
    _write(args, render(args, sets, results, extras, loads, started, elapsed))


def _write(args, report: str) -> None:
    if args.no_write:
        print(report)
    else:
        RESULTS.write_text(report)
        print(f"wrote {RESULTS}", file=sys.stderr)


if __name__ == "__main__":
    main()

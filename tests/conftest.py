"""Shared fixtures: the shared corpus, databases on SQLite and on a real PostgreSQL server, the CLI."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tests.helpers.browser import browser  # noqa: F401  (the real Chromium fixture of the browser tests)
from tests.helpers.databases import BACKENDS, invoke_cli, make_db_url

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"
REALWORLD = SHARED / "realworld"


def pytest_configure(config):
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")


# The modules whose tests read the corpus as ingested once per backend for the session (corpus_archive). In a
# parallel run they share one worker, so the corpus is ingested once for them all (checked at collection).
CORPUS_MODULES = frozenset({"tests/test_archive_scale.py", "tests/test_corpus_provenance.py",
                            "tests/test_ingest_corpus.py"})


# The parallel run's longest units of work (`--durations`: the corpus ingested twice, the real-world set, the
# ingests killed, the clusters), started first so that none is left running alone at the end with the other
# worker idle. The rest follow by their number of tests, as pytest-xdist orders them.
LONGEST_FIRST = ("corpus", "tests/test_realworld.py", "tests/test_crash.py", "tests/test_cluster.py",
                 "tests/test_hostile.py", "tests/test_web_ingest.py")


def scope_of(nodeid: str) -> str:
    """The unit of work of the parallel run a test belongs to: its module, or "corpus" for CORPUS_MODULES."""
    module = nodeid.split("::", 1)[0]
    return "corpus" if module in CORPUS_MODULES else module


def pytest_collection_modifyitems(config, items):
    """A module that reads the ingested corpus must be one of CORPUS_MODULES (the parallel run's grouping).
    The tests are ordered LONGEST_FIRST by unit of work, each unit's tests in their own order."""
    using = {item.nodeid.split("::", 1)[0] for item in items if "corpus_archive" in item.fixturenames}
    if using - CORPUS_MODULES:
        raise pytest.UsageError(f"add {', '.join(sorted(using - CORPUS_MODULES))} to CORPUS_MODULES in "
                                "tests/conftest.py: it reads corpus_archive")
    units: dict[str, list] = {}
    for item in items:
        units.setdefault(scope_of(item.nodeid), []).append(item)
    rank = {scope: i for i, scope in enumerate(LONGEST_FIRST)}
    order = sorted(units, key=lambda scope: (rank.get(scope, len(rank)), -len(units[scope])))
    items[:] = [item for scope in order for item in units[scope]]


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """The parallel run (scripts/test.sh: pytest-xdist, --dist loadscope): each module's tests on one worker, so its
    module fixtures are built once, and the corpus modules all on one worker. (pytest-xdist's own --dist loadgroup
    cannot group them under pytest 9: it renames node ids, which pytest 9 no longer reads.)"""
    if config.getvalue("dist") != "loadscope":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class ByModule(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return scope_of(nodeid)
    config.option.loadscopereorder = False  # the order of the collection (pytest_collection_modifyitems) is kept
    return ByModule(config, log)


@pytest.fixture(scope="session")
def corpus() -> Path:
    if not (CORPUS / "manifest.json").is_file():
        pytest.skip(f"the shared corpus is absent: expected it at {CORPUS} (../shared/corpus beside the project)")
    return CORPUS


@pytest.fixture(scope="session")
def manifest(corpus) -> dict:
    data = json.loads((corpus / "manifest.json").read_text())
    return {d["id"]: d for d in data["documents"]}


@pytest.fixture(scope="session")
def realworld() -> Path:
    if not (REALWORLD / "SOURCES.md").is_file():
        pytest.skip(f"the shared real-world set is absent: expected it at {REALWORLD}")
    return REALWORLD


# --- PostgreSQL: a real server on loopback in a temporary directory --------------------------

@pytest.fixture(scope="session")
def pg_server():
    """A PostgreSQL server of our own on 127.0.0.1 for the session (testkit.pgserver); yields a base URL."""
    from testkit.pgserver import PostgresMissing, PostgresServer
    try:
        server = PostgresServer().__enter__()
    except PostgresMissing as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.__exit__(None, None, None)


@pytest.fixture
def postgres_db_url(request, tmp_path) -> str:
    """A fresh, empty database on the PostgreSQL server (started on first use), whatever the backends."""
    return make_db_url("postgres", request, tmp_path)


@pytest.fixture(params=BACKENDS)
def db_url(request, tmp_path) -> str:
    """A fresh, empty database URL on each backend."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    return make_db_url(request.param, request, tmp_path)


@pytest.fixture
def engine(db_url):
    from archive.store.db import make_engine
    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def run_cli():
    """invoke_cli, as a fixture."""
    return invoke_cli


# --- the shared corpus, ingested once per backend for the whole session ------------------------

# on-trotskyites's 45 pages are OCRed from one form, its scanned PDF, on SQLite only. Its clean PNG pages are
# the same pages again at the easiest level: as much OCR again (about 70 s of CPU) for what workers-library's
# clean PNG pages already show. On PostgreSQL the storage, search and export paths are exercised by every other
# form.
NOT_INGESTED = {("on-trotskyites", "png-pages")}
SQLITE_ONLY = {("on-trotskyites", "pdf-image")}


class CorpusArchive:
    def __init__(self, url: str, backend: str, inputs: dict, summary):
        self.url = url
        self.backend = backend
        self.inputs = inputs  # (doc id, format) -> {"doc": archive id, "input": manifest input, "path": str}
        self.summary = summary

    def doc(self, corpus_id: str, fmt: str) -> int:
        key = (corpus_id, fmt)
        if key not in self.inputs:
            pytest.skip(f"{corpus_id} as {fmt} is not in the {self.backend} corpus archive (tests/conftest.py: "
                        "NOT_INGESTED, SQLITE_ONLY: 45 pages of OCR)")
        return self.inputs[key]["doc"]


def corpus_inputs(corpus: Path, manifest: dict, *, heavy: bool = True) -> dict[tuple[str, str], tuple[Path, dict]]:
    """The input forms of the corpus documents the session ingests, without SQLITE_ONLY's unless `heavy`:
    (doc id, format) -> (path to ingest, input)."""
    out = {}
    for doc_id, doc in manifest.items():
        for inp in doc["inputs"]:
            key = (doc_id, inp["format"])
            if key in NOT_INGESTED or (not heavy and key in SQLITE_ONLY):
                continue
            files = [corpus / f for f in inp["files"]]
            path = files[0].parent if inp["format"] in ("png-pages", "jpeg-pages") else files[0]
            out[key] = (path, inp)
    return out


@pytest.fixture(scope="session", params=BACKENDS)
def corpus_archive(request, corpus, manifest, tmp_path_factory) -> CorpusArchive:
    from archive.store.db import make_engine
    from ingest.pipeline import IngestOptions, ingest

    backend = request.param
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('corpus') / 'archive.db'}"
    else:
        url = request.getfixturevalue("pg_server").database()
    inputs = corpus_inputs(corpus, manifest, heavy=backend == "sqlite")
    engine = make_engine(url)
    summary = ingest(engine, [str(p) for p, _ in inputs.values()], IngestOptions(jobs=2))
    by_first_path = {item["paths"][0]: item["document"] for item in summary.ingested}
    mapped = {}
    for key, (path, inp) in inputs.items():
        first = str(path) if path.is_file() else str(sorted(path.iterdir())[0])
        mapped[key] = {"doc": by_first_path.get(first), "input": inp, "path": str(path)}
    from provenance.pipeline import describe
    describe(engine, [m["doc"] for m in mapped.values() if m["doc"]])
    engine.dispose()
    return CorpusArchive(url, backend, mapped, summary)


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory) -> Path:
    """The project's own generated sample (a scanned leaflet and a born-digital bulletin)."""
    from sample.make import make_sample
    return make_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture
def sample_copy(sample_dir, tmp_path) -> Path:
    """A private copy of the sample that a test may change."""
    dest = tmp_path / "sample"
    shutil.copytree(sample_dir, dest)
    return dest

"""Databases for tests: the backends the suite runs on, archives built once for a module and copied for each of
its tests, the `archive` command in process."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

# Which database backends the suite runs on: both by default; ARCHIVE_TEST_BACKENDS=sqlite
# narrows it for a quick local run.
BACKENDS = [b.strip() for b in os.environ.get("ARCHIVE_TEST_BACKENDS", "sqlite,postgres").split(",") if b.strip()]


def make_db_url(backend: str, request, tmp_path: Path) -> str:
    """A fresh, empty database on `backend` (SQLite: a file in `tmp_path`; PostgreSQL: on the session's server)."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'archive.db'}"
    return request.getfixturevalue("pg_server").database()


def copy_db_url(url: str, request, tmp_path: Path) -> str:
    """A private copy of the database at `url` (built once for a module; nothing may be connected to it on
    PostgreSQL): a test may change its copy. SQLite through its backup API, PostgreSQL as a template."""
    if url.startswith("sqlite"):
        import sqlite3
        dest = tmp_path / "archive.db"
        source, target = sqlite3.connect(url.removeprefix("sqlite:///")), sqlite3.connect(dest)
        try:
            source.backup(target)
        finally:
            source.close()
            target.close()
        return f"sqlite:///{dest}"
    request.applymarker(pytest.mark.postgres)
    return request.getfixturevalue("pg_server").database(template=url.rsplit("/", 1)[1])


def ingested_archive(url: str, inputs: list[Path]) -> list[int]:
    """`inputs` ingested in process into the archive at `url` (OCR included, one job), every one of them; the
    documents' ids in order."""
    from archive.store.db import make_engine
    from ingest.pipeline import IngestOptions, ingest
    engine = make_engine(url)
    try:
        summary = ingest(engine, [str(p) for p in inputs], IngestOptions(jobs=1))
    finally:
        engine.dispose()
    assert len(summary.ingested) == len(inputs), summary.as_json()
    return sorted(item["document"] for item in summary.ingested)


def invoke_cli(db_url: str, *args: str, input: str | None = None):
    """The `archive` command in-process: invoke_cli(db_url, "list", "--json") -> Result."""
    from archive.cli import cli
    return CliRunner().invoke(cli, ["--db", db_url, *args], input=input, catch_exceptions=False)

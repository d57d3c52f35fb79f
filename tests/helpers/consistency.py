"""The state an interrupted ingest must leave: complete documents matching their files, no orphan
rows, and a database that passes its backend's integrity checks."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session, select

from archive.store.models import Document, Event, Page, SourceFile
from ingest.fixity import sha256_file


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

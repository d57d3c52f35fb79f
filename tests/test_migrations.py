"""Schema migrations (archive/store/migrations, Alembic) on SQLite and PostgreSQL: from an empty database,
from the previous revision with data in it, from a database made before migrations existed, and
the check that the models and the migration head agree."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Column, Integer, MetaData, Table, create_engine, inspect, text
from sqlmodel import Session, SQLModel

from archive.store import db, migrations, reads
from archive.store.db import make_engine
from archive.store.models import Document
from tests.helpers.statements import Statements


def _raw_engine(db_url: str):
    """An engine with our connection settings but no schema (make_engine(create=False))."""
    return make_engine(db_url, create=False)


def _diff(engine, metadata=SQLModel.metadata) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"compare_type": True, "include_name": migrations.include_name})
        return compare_metadata(ctx, metadata)


def _full_text_objects(engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            rows = conn.execute(text("SELECT name FROM sqlite_master WHERE name IN "
                                     "('page_fts', 'page_fts_ai', 'page_fts_ad', 'page_fts_au')")).all()
        else:
            rows = conn.execute(text("SELECT indexname FROM pg_indexes WHERE indexname LIKE 'ix_page_fts%' "
                                     "AND indexdef LIKE '%USING gin%' UNION ALL "
                                     "SELECT column_name FROM information_schema.columns "
                                     "WHERE table_name = 'page' AND column_name = 'fts_english' "
                                     "AND is_generated = 'ALWAYS'")).all()
    return {r[0] for r in rows}


def _expected_full_text(engine) -> set[str]:
    if engine.dialect.name == "sqlite":
        return {"page_fts", "page_fts_ai", "page_fts_ad", "page_fts_au"}
    # Since 0004 a stored tsvector column with its GIN index; 0001's expression index is gone.
    return {"ix_page_fts_english", "fts_english"}


def _indexes(engine, table: str) -> set[str]:
    return {ix["name"] for ix in inspect(engine).get_indexes(table)}


def _add_document(engine, words: str) -> int:
    """A document with a source file, a page and an event, written with the columns the database has
    (the models may be ahead of it: this runs at older revisions)."""
    from datetime import datetime, timezone
    now = datetime.now(timezone.utc)
    if engine.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)
    with engine.begin() as conn:
        meta = MetaData()
        t = {name: Table(name, meta, autoload_with=conn)
             for name in ("document", "sourcefile", "page", "agent", "event")}
        doc_id = conn.execute(t["document"].insert().values(
            fingerprint="f" * 64, label="migrated.pdf", created_at=now, page_count=1, text=words, text_sha256="",
            authors_json="[]", date_approximate=False)).inserted_primary_key[0]
        src_id = conn.execute(t["sourcefile"].insert().values(
            document_id=doc_id, sequence=0, path="/x/migrated.pdf", size=1, sha256="0" * 64, format="pdf",
            ingested_at=now)).inserted_primary_key[0]
        conn.execute(t["page"].insert().values(document_id=doc_id, number=1, source_file_id=src_id, source_index=0,
                                               method="text-layer", preprocessing="[]", text=words))
        agent_id = conn.execute(t["agent"].insert().values(kind="software", name="archive-tracker", version="old")
                                ).inserted_primary_key[0]
        conn.execute(t["event"].insert().values(type="metadata extraction", time=now, agent_id=agent_id,
                                                outcome="success", detail="0 assertions", document_id=doc_id))
    return doc_id


def test_one_linear_history_with_the_base_first():
    scripts = ScriptDirectory.from_config(migrations.config())
    assert len(scripts.get_heads()) == 1, "two migrations branch from one revision: merge them"
    revisions = [r.revision for r in scripts.walk_revisions()][::-1]
    assert revisions[0] == migrations.BASE_REVISION and len(revisions) >= 2
    # archive.store.db opens a database at this revision without Alembic: it must be the real head.
    assert db.SCHEMA_HEAD == revisions[-1] == migrations.head()


def test_opening_a_database_at_head_does_not_need_alembic(tmp_path):
    import subprocess
    import sys
    url = f"sqlite:///{tmp_path / 'a.db'}"
    make_engine(url).dispose()
    code = (f"import sys; from archive.store.db import make_engine; make_engine({url!r}).dispose(); "
            "print('alembic' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_empty_database_to_head(db_url):
    engine = _raw_engine(db_url)
    try:
        assert "document" not in inspect(engine).get_table_names()
        migrations.upgrade(engine)
        with engine.connect() as conn:
            assert migrations.current(conn) == migrations.head()
        assert _full_text_objects(engine) == _expected_full_text(engine)
        assert _diff(engine) == []
        migrations.upgrade(engine)  # a second time: nothing to do
    finally:
        engine.dispose()


def test_previous_revision_with_data_to_head(db_url):
    engine = _raw_engine(db_url)
    try:
        migrations.upgrade(engine, "0001")
        assert "ix_event_source_file_id" not in _indexes(engine, "event")
        doc_id = _add_document(engine, "the printers union met on the quay")
        # Opening the database as every command does upgrades it.
        engine2 = make_engine(db_url)
        try:
            assert {"ix_event_source_file_id"} <= _indexes(engine2, "event")
            assert {"ix_sourcefile_last_fixity_at"} <= _indexes(engine2, "sourcefile")
            with Session(engine2) as s:
                assert s.get(Document, doc_id).label == "migrated.pdf"
                assert [h.document_id for h in reads.search(s, '"printers union"')] == [doc_id]
            assert _diff(engine2) == []
        finally:
            engine2.dispose()
    finally:
        engine.dispose()


def test_downgrade_to_nothing_and_back(db_url):
    engine = make_engine(db_url)
    try:
        migrations.downgrade(engine, "base")
        left = set(inspect(engine).get_table_names()) - {"alembic_version"}
        assert left == set() and _full_text_objects(engine) == set()
        migrations.upgrade(engine)
        assert _diff(engine) == [] and _full_text_objects(engine) == _expected_full_text(engine)
    finally:
        engine.dispose()


def test_database_made_before_migrations_is_adopted(db_url):
    """The base schema's tables and full-text index created directly (as init_schema did before
    migrations), no alembic_version."""
    engine = _raw_engine(db_url)
    try:
        migrations.upgrade(engine, migrations.BASE_REVISION)
        with engine.begin() as conn:
            conn.execute(text("DROP TABLE alembic_version"))
            assert migrations.current(conn) is None
        doc_id = _add_document(engine, "the printers union met on the quay")
        migrations.upgrade(engine)
        with engine.connect() as conn:
            assert migrations.current(conn) == migrations.head()
        assert _diff(engine) == []
        with Session(engine) as s:
            assert s.get(Document, doc_id).label == "migrated.pdf"
    finally:
        engine.dispose()


def test_models_and_migration_head_agree(db_url):
    """If this fails, a model changed without a migration: `python -m archive.store.migrations revision "..."`."""
    engine = make_engine(db_url)
    try:
        assert _diff(engine) == []
        # The check can fail: a column the migrations do not create is reported.
        changed = MetaData()
        for table in SQLModel.metadata.tables.values():
            table.to_metadata(changed)
        changed.tables["document"].append_column(Column("shelfmark", Integer))
        diff = _diff(engine, changed)
        assert [(d[0], d[3].name) for d in diff] == [("add_column", "shelfmark")]
    finally:
        engine.dispose()


def test_migration_is_cheap_when_at_head(tmp_path):
    url = f"sqlite:///{tmp_path / 'a.db'}"
    make_engine(url).dispose()
    engine = create_engine(url)
    with Statements(engine) as seen:
        migrations.upgrade(engine)
    assert not any(s.upper().startswith(("CREATE", "ALTER", "BEGIN IMMEDIATE")) for s in seen.sql), seen.sql
    engine.dispose()


def test_postgresql_page_vectors_move_into_their_rows(db_url):
    """0012: a page's tsvector too big for the row went to the TOAST table (a read there for every match a search
    ranks); after the upgrade it is kept compressed in its row, and is still searched."""
    import random

    import pytest
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite keeps its full-text index apart from the page rows")
    rng = random.Random(12)
    words = " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(8)) for _ in range(300))
    engine = _raw_engine(db_url)

    def out_of_line() -> int:
        """Values in the page table's TOAST table: the page's text, and its vector where that is kept there."""
        with engine.connect() as conn:
            toast = conn.execute(text("SELECT reltoastrelid::regclass::text FROM pg_class WHERE relname = 'page'"
                                      )).scalar()
            return conn.execute(text(f"SELECT count(DISTINCT chunk_id) FROM {toast}")).scalar()

    try:
        migrations.upgrade(engine, "0011")
        doc_id = _add_document(engine, words + " printers union")
        assert out_of_line() == 2
        migrations.upgrade(engine)
        assert out_of_line() == 1
        with engine.connect() as conn:
            assert conn.execute(text("SELECT attstorage FROM pg_attribute WHERE attrelid = 'page'::regclass "
                                     "AND attname = 'fts_english'")).scalar() == "m"
        with Session(engine) as s:
            assert [h.document_id for h in reads.search(s, '"printers union"')] == [doc_id]
        migrations.downgrade(engine, "0011")
        assert out_of_line() == 2
    finally:
        engine.dispose()

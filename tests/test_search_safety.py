"""Search with hostile queries (FTS syntax, quotes, SQL, control characters) on SQLite FTS5 and
PostgreSQL: results or a clear message, never a traceback. No SQL built by string formatting;
no export or report file written outside its output folder."""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

import pytest
from sqlmodel import Session

from archive.errors import QueryError
from archive.store import reads, writes
from archive.store.db import session_scope
from archive.store.models import Document, Page, SourceFile

ROOT = Path(__file__).resolve().parents[1]

PAGES = {
    "union": ["The union workers met at the council library on Tuesday.",
              "A co-operative society printed this leaflet; the café hosted the meeting."],
    "scattered": ["Workers of the district gathered; later a union was formed.",
                  "Price: 2d. \"Quoted\" words, 50% off, C++ and e-mail."],
    "hostile": ["../../etc/passwd <script>alert(1)</script> '; DROP TABLE page; --",
                "NEAR AND OR NOT * ^ : text:column"],
}

HOSTILE_QUERIES = [
    '"unbalanced', 'a"b"c', '"', '""', "''", "AND", "OR NOT", "NOT union", "NEAR(union workers)",
    "union NEAR workers", "*", "union*", "text:union", "page_fts:union", "^union", "-union", "+union",
    "union -workers", "'; DROP TABLE page; --", "%", "_", "%_%", "\\", "()", "(union", "{union}",
    "[union]", "union & workers | !council", "union <-> workers", "union:*", "a:b:c", "50%", "C++",
    "e-mail", "2d.", "\x00union", "union\x00workers", "\ud800union", "\u200b", "📜 union", "ﬁre",
    "union " * 400, "x" * 1001, "   ", "", "\t\n",
]


def _add(session: Session, label: str, texts: list[str]) -> int:
    doc = Document(fingerprint=f"fp-{label}", label=label, title=label, page_count=len(texts), text="\n".join(texts))
    src = SourceFile(sequence=0, path=f"/nonexistent/{label}.pdf", size=1, sha256="0" * 64, format="pdf")
    me = writes.project_agent(session)
    pages = [(Page(number=i + 1, method="text-layer", text=t), 0, me, "success", "test page")
             for i, t in enumerate(texts)]
    writes.add_document(session, doc, [src], pages, [])
    return doc.id


@pytest.fixture
def searchable(engine):
    with session_scope(engine) as s:
        ids = {label: _add(s, label, texts) for label, texts in PAGES.items()}
    return engine, ids


def test_hostile_queries_give_results_or_a_clear_message(searchable):
    engine, ids = searchable
    outcomes = {}
    for query in HOSTILE_QUERIES:
        with Session(engine) as s:
            try:
                hits = reads.search(s, query)
            except QueryError as exc:
                message = str(exc)
                assert message and "\n" not in message and len(message) < 200, message
                assert any(w in message for w in ("empty", "no searchable words", "too long")), message
                outcomes[query] = "message"
                continue
            assert all(h.document_id in ids.values() for h in hits)
            outcomes[query] = len(hits)
        with Session(engine) as s:  # the tables are intact whatever the query said
            assert len(reads.pages(s, ids["union"])) == 2
    assert outcomes["'; DROP TABLE page; --"] == 1 and outcomes["union*"] == 2 and outcomes['"unbalanced'] == 0
    assert outcomes[""] == outcomes["x" * 1001] == outcomes["*"] == "message"


def test_hostile_queries_through_the_cli(searchable, db_url, run_cli):
    for query in ['"unbalanced', "NEAR(", "'; DROP TABLE page; --", "\x00", "*", "x" * 1001]:
        result = run_cli(db_url, "search", "--json", query)
        assert result.exit_code in (0, 2), (query, result.output)
        assert "Traceback" not in result.output and "internal error" not in result.output
        if result.exit_code == 0:
            json.loads(result.stdout)
        else:
            assert result.output.startswith("archive: error: "), result.output


def test_phrases_and_terms_on_both_backends(searchable):
    engine, ids = searchable
    with Session(engine) as s:
        def docs(q):
            return {h.document_id for h in reads.search(s, q)}
        assert docs("union workers") == {ids["union"], ids["scattered"]}  # every word, anywhere on the page
        assert docs('"union workers"') == {ids["union"]}  # the phrase: adjacent, in order
        assert docs('"workers union"') == set()
        assert docs("co-operative") == {ids["union"]}
        assert docs('"quoted" words') == {ids["scattered"]}
        assert docs("DROP TABLE") == {ids["hostile"]}  # SQL in a query is just words
        # Web-search forms, read alike by both backends: `or`, and `-` to exclude.
        assert docs("council or price") == {ids["union"], ids["scattered"]}
        assert docs("union -council") == {ids["scattered"]}
        assert docs('workers -"union workers"') == {ids["scattered"]}
        with pytest.raises(QueryError, match="excluded words alone"):
            reads.search(s, "-union")
        hits = reads.search(s, '"union workers"')
        assert hits[0].page == 1 and "[" in hits[0].snippet  # the match is marked in the snippet


# --- no SQL built by string formatting ----------------------------------------------------------

_SQL_CALLS = {"text", "execute", "exec_driver_sql", "executescript", "executemany", "exec"}


def _is_formatted(node: ast.AST) -> bool:
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.FormattedValue) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mod, ast.Add)):
        return any(isinstance(side, (ast.Constant, ast.JoinedStr)) and not isinstance(getattr(side, "value", ""), int)
                   for side in (node.left, node.right))
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("format", "join"):
        # "...".format(x) or ", ".join(parts); not select(...).join(...) of a query builder
        return isinstance(node.func.value, (ast.Constant, ast.JoinedStr))
    return False


def test_no_sql_is_built_by_string_formatting():
    offenders = []
    for package in ("archive", "ingest", "provenance", "reports"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
                if name in _SQL_CALLS and _is_formatted(node.args[0]):
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert offenders == [], "SQL built from formatted strings (use bound parameters): " + ", ".join(offenders)


def test_the_formatting_check_catches_what_it_should():
    for bad in ['text(f"SELECT * FROM t WHERE a = {x}")', 'conn.execute("SELECT %s" % x)',
                'cur.execute("SELECT " + x)', 'conn.exec_driver_sql("SELECT {}".format(x))',
                'text(", ".join(cols))']:
        call = ast.parse(bad).body[0].value
        assert _is_formatted(call.args[0]), bad
    assert not _is_formatted(ast.parse('text("SELECT :a")').body[0].value.args[0])
    assert not _is_formatted(ast.parse('s.exec(select(A).join(B))').body[0].value.args[0])


# --- exports stay inside their output folder ----------------------------------------------------

def _tree(root: Path) -> set[str]:
    return {os.path.join(d, n) for d, dirs, files in os.walk(root) for n in files + dirs}


def test_reports_and_exports_write_only_inside_their_output_folder(engine, db_url, run_cli, tmp_path):
    hostile_names = ["../../escaped", "/tmp/absolute-escape", "..\\..\\win", "a/../../b", "con:prn"]
    with session_scope(engine) as s:
        for i, name in enumerate(hostile_names):
            doc_id = _add(s, f"hostile-{i}", [f"text of hostile document {i}"])
            d = s.get(Document, doc_id)
            d.label, d.title, d.publisher = name, name, name
            s.add(d)
    work = tmp_path / "work"
    out = work / "out"
    out.mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    os.symlink(elsewhere, out / "documents")  # a planted link that leads out of the folder
    before = _tree(tmp_path)
    formats = []
    for fmt in ("html", "csv", "dc", "json"):
        result = run_cli(db_url, "report", "--format", fmt, "-o", str(out))
        assert "Traceback" not in result.output and "internal error" not in result.output, result.output
        formats.append((fmt, result.exit_code))
    result = run_cli(db_url, "export", "-o", str(out / "export.json"))
    assert result.exit_code == 0
    created = _tree(tmp_path) - before
    outside = sorted(p for p in created if not p.startswith(str(out) + os.sep))
    assert outside == [], outside
    assert not any(elsewhere.iterdir()), "a report followed the planted symlink"
    assert any(code == 0 for _, code in formats), formats
    assert not Path("/tmp/absolute-escape").exists()

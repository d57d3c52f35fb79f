"""Ingest and fixity from the browser (archive.web.ingestion, jobs, runner, fixity), through HTTP with the real
app, database and job runner process: who may start what, uploads that try to leave the storage folder, size
limits, hostile file names, a real scan ingested with Tesseract, a job seen across a reload and a restart, and
an audit that catches a changed file."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from archive.store import accounts
from archive.store.db import session_scope
from archive.store.models import Document, Job, SourceFile
from archive.web import jobs
from archive.web.app import create_app
from tests.conftest import CORPUS
from tests.helpers.web import add_users, signed_in

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
SCAN = CORPUS / "workers-library" / "clean" / "page-001.png"  # the shared corpus (../shared), never copied
PNG_1PX = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010800000000"
                        "3a7e9b550000000a49444154789c6360000000020001e221bc330000000049454e44ae426082")


@pytest.fixture
def app(engine, tmp_path):
    add_users(engine)
    app = create_app(engine, secret="test-secret")
    jobs.configure(app, storage=tmp_path / "storage", ingest_jobs=1, max_file_bytes=4 * jobs.MiB,
                   max_upload_bytes=6 * jobs.MiB, max_files=20)
    yield app
    proc = getattr(app.state, "job_runner", None)
    if proc is not None and proc.poll() is None:  # only the runner this test started
        proc.wait(120)




def wait_for(client: TestClient, job_id: int, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = client.get(f"/api/jobs/{job_id}").json()
        if job["state"] in ("done", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still {job['state']} after {timeout} s: {job}")


def job_count(engine) -> int:
    with Session(engine) as s:
        return s.exec(select(func.count()).select_from(Job)).one()


def stored_files(app) -> list[Path]:
    root = jobs.settings(app).storage / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(name: str, data: bytes = PNG_1PX, field: str = "files"):
    return [(field, (name, data, "image/png"))]


STATE_CHANGING = [  # (method path, needs, how the body is sent)
    ("/ingest", "editor", "upload"), ("/api/ingest", "editor", "upload"),
    ("/ingest/path", "admin", "form"), ("/api/ingest/path", "admin", "json"),
    ("/fixity/audit", "editor", "form"), ("/api/fixity/audit", "editor", "json"),
]


def _post(client: TestClient, path: str, how: str, token: str | None, tmp_path: Path):
    headers = {"X-CSRF-Token": token} if token and path.startswith("/api/") else {}
    form = {"csrf": token} if token and not path.startswith("/api/") else {}
    if how == "upload":
        return client.post(path, data=form, files=upload("a.png"), headers=headers, follow_redirects=False)
    if how == "form":
        return client.post(path, data={**form, "path": str(tmp_path)}, headers=headers, follow_redirects=False)
    return client.post(path, json={"paths": [str(tmp_path)]}, headers=headers, follow_redirects=False)


def test_every_new_state_changing_route_refuses_without_session_csrf_or_role(app, engine, tmp_path):
    anon = TestClient(app)
    anon.get("/login")
    viewer, vcsrf = signed_in(app, "vera")
    editor, ecsrf = signed_in(app, "eddie")
    for path, needs, how in STATE_CHANGING:
        r = _post(anon, path, how, None, tmp_path)
        assert r.status_code == (401 if path.startswith("/api/") else 303), (path, r.status_code)
        assert _post(viewer, path, how, vcsrf, tmp_path).status_code == 403, path
        assert _post(editor, path, how, None, tmp_path).status_code == 403, path  # no token
        assert _post(editor, path, how, "forged", tmp_path).status_code == 403, path
        assert _post(editor, path, how, vcsrf, tmp_path).status_code == 403, path  # another session's token
        if needs == "admin":
            assert _post(editor, path, how, ecsrf, tmp_path).status_code == 403, path
    assert job_count(engine) == 0 and stored_files(app) == []
    # Reading a job or the ingest page needs an editor too; the fixity dashboard only a reader.
    assert anon.get("/api/jobs/1").status_code == 401
    assert viewer.get("/api/jobs/1").status_code == 403 and viewer.get("/ingest").status_code == 403
    assert viewer.get("/fixity").status_code == 200


@pytest.mark.parametrize("name", ["../evil.png", "/etc/evil.png", "a/../../evil.png", "..\\..\\evil.png",
                                  "a//evil.png", "./evil.png",
                                  "a/./b.png"])
def test_upload_path_traversal_is_refused_and_nothing_is_written(app, engine, tmp_path, name):
    editor, csrf = signed_in(app, "eddie")
    for field in ("files", "folder"):
        r = editor.post("/api/ingest", files=upload(name, field=field), headers={"X-CSRF-Token": csrf})
        assert r.status_code == 400, (name, r.status_code, r.text)
        assert "refused" in r.json()["detail"] or "printable" in r.json()["detail"]
    assert stored_files(app) == [] and job_count(engine) == 0
    assert not (tmp_path / "evil.png").exists() and not (tmp_path / "storage" / "evil.png").exists()


def test_names_are_checked_part_by_part(db_url):
    from archive.errors import UsageError
    from archive.web.uploads import safe_parts
    assert safe_parts("folder/sub/page-1.png") == ("folder", "sub", "page-1.png")
    assert safe_parts("folder/.DS_Store") is None  # hidden files are skipped, not kept
    for bad in ("C:\\Windows\\evil.png", "C:evil.png", "\\\\server\\share\\x.png", "a/../b", "..", "", "a\x7fb",
                "x" * 256 + ".png", "/".join(["d"] * 40)):
        with pytest.raises(UsageError):
            safe_parts(bad)


def test_upload_through_a_symlinked_uploads_folder_is_refused(app, engine, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    storage = jobs.settings(app).storage
    storage.mkdir(parents=True)
    (storage / "uploads").symlink_to(elsewhere)
    editor, csrf = signed_in(app, "eddie")
    r = editor.post("/api/ingest", files=upload("a.png"), headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400 and list(elsewhere.iterdir()) == [] and job_count(engine) == 0


def test_size_limits(app, engine):
    editor, csrf = signed_in(app, "eddie")
    big = b"\0" * (5 * jobs.MiB)  # over the 4 MiB a file
    r = editor.post("/api/ingest", files=upload("big.png", big), headers={"X-CSRF-Token": csrf})
    assert r.status_code == 413, r.text
    two = [("files", ("a.png", b"\0" * (3 * jobs.MiB + 600_000), "image/png")),
           ("files", ("b.png", b"\0" * (3 * jobs.MiB), "image/png"))]  # each under, together over 6 MiB
    assert editor.post("/api/ingest", files=two, headers={"X-CSRF-Token": csrf}).status_code == 413
    many = [("files", (f"p{i}.png", PNG_1PX, "image/png")) for i in range(25)]  # over 20 files
    assert editor.post("/api/ingest", files=many, headers={"X-CSRF-Token": csrf}).status_code == 400
    assert stored_files(app) == [] and job_count(engine) == 0


def test_hostile_file_name_is_inert_and_the_failure_has_its_reason(app, engine):
    editor, csrf = signed_in(app, "eddie")
    name = "<img src=x onerror=alert(1)>.pdf"
    r = editor.post("/ingest", data={"csrf": csrf}, files=upload(name, b"not a pdf at all"), follow_redirects=False)
    assert r.status_code == 303
    job_id = int(r.headers["location"].rsplit("/", 1)[1])
    job = wait_for(editor, job_id)
    assert job["state"] == "done" and job["result"]["ingested"] == []
    [failed] = job["result"]["failed"]
    assert failed["path"].endswith(name) and "\n" not in failed["reason"] and failed["reason"]
    page = editor.get(f"/jobs/{job_id}").text
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert failed["reason"].split(":")[0].replace("'", "&#39;") in page
    listing = editor.get("/ingest").text
    assert f'href="/jobs/{job_id}"' in listing


def test_a_real_scan_is_ingested_and_its_job_survives_a_reload_and_a_restart(app, engine, tmp_path):
    if not SCAN.is_file():
        pytest.skip(f"the shared corpus is absent: expected {SCAN} (../shared/corpus beside the project)")
    editor, csrf = signed_in(app, "eddie")
    r = editor.post("/api/ingest", files=[("folder", ("workers-library/page-001.png", SCAN.read_bytes(),
                                                      "image/png"))], headers={"X-CSRF-Token": csrf})
    assert r.status_code == 202, r.text
    job_id = r.json()["id"]
    assert r.json()["state"] in ("queued", "running")
    # A reload while it runs: a new page view reads the job's row.
    page = editor.get(f"/jobs/{job_id}").text
    assert 'data-status-url="/api/jobs/%d"' % job_id in page and "<progress" in page
    job = wait_for(editor, job_id)
    assert job["state"] == "done", job
    assert set(job["result"]) == {"ingested", "skipped", "failed"}  # the keys of `archive ingest --json`
    [item] = job["result"]["ingested"]
    assert item["pages"] == 1 and item["paths"][0].endswith("workers-library/page-001.png")
    hits = editor.get("/api/search", params={"q": "pamphlets"}).json()["hits"]
    assert item["document"] in [h["document"] for h in hits]
    doc = editor.get(f"/api/documents/{item['document']}").json()
    stored = Path(doc["source_files"][0]["path"])  # the fixity record names the stored copy
    assert stored.is_file() and stored.resolve().is_relative_to((tmp_path / "storage" / "uploads").resolve())
    assert doc["pages"][0]["method"] == "ocr" and doc["label"] == "workers-library"
    # A restart: another app on the same database shows the finished job and its results.
    again = create_app(engine, secret="test-secret")
    jobs.configure(again, storage=tmp_path / "storage")
    client = TestClient(again)
    client.cookies.update(editor.cookies)
    html = client.get(f"/jobs/{job_id}").text
    assert "done" in html and f'href="/documents/{item["document"]}"' in html and "http-equiv" not in html

    # The fixity audit catches the stored scan changed on disk.
    stored.write_bytes(stored.read_bytes() + b"tampered")
    r = editor.post("/api/fixity/audit", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 202
    audit = wait_for(editor, r.json()["id"])
    assert audit["state"] == "done", audit
    assert set(audit["result"]) == {"checked", "ok", "modified", "missing", "resumed_from", "already_checked"}
    assert [m["path"] for m in audit["result"]["modified"]] == [str(stored)]
    fx = editor.get("/api/fixity", params={"status": "failures"}).json()
    assert fx["counts"]["modified"] == 1 and [f["path"] for f in fx["files"]] == [str(stored)]
    assert fx["files"][0]["status"] == "modified" and fx["last_audit"]["completed"]
    assert str(stored) in editor.get("/fixity?status=failures").text


def test_a_job_whose_process_died_is_marked_failed(app, engine):
    with session_scope(engine) as s:
        job = accounts.new_job(s, "audit", "eddie", {})
        job.state, job.result_json = "running", '{"pid": 999999999}'
        s.add(job)
        job_id = job.id
    editor, _ = signed_in(app, "eddie")
    job = editor.get(f"/api/jobs/{job_id}").json()
    assert job["state"] == "failed" and "ended before it finished" in job["result"]["error"]


def test_fixity_pages_by_key(app, engine):
    with session_scope(engine) as s:
        doc = Document(fingerprint="f" * 64, label="many")
        s.add(doc)
        s.flush()
        for i in range(120):
            s.add(SourceFile(document_id=doc.id, sequence=i, path=f"/scans/<b>{i}</b>.png", size=1, sha256="0" * 64,
                             format="png", last_fixity="missing" if i % 40 == 7 else ("ok" if i % 2 else None)))
    viewer, _ = signed_in(app, "vera")
    seen, after = [], 0
    while True:
        page = viewer.get("/api/fixity", params={"after": after}).json()
        seen += [f["source_file"] for f in page["files"]]
        if page["next_after"] is None:
            break
        after = page["next_after"]
    assert len(seen) == 120 == len(set(seen)) and seen == sorted(seen)
    assert viewer.get("/api/fixity", params={"after": 50}).json()["counts"] is None  # on the first page only
    fails = viewer.get("/api/fixity", params={"status": "failures"}).json()
    assert fails["counts"] == {"ok": 57, "modified": 0, "missing": 3, "unchecked": 60, "files": 120}
    assert [f["path"] for f in fails["files"]] == [f"/scans/<b>{i}</b>.png" for i in (7, 47, 87)]
    html = viewer.get("/fixity?status=missing").text
    assert "<b>7</b>" not in html and "&lt;b&gt;7&lt;/b&gt;" in html
    assert viewer.get("/api/fixity", params={"status": "bogus"}).status_code == 400
    if engine.dialect.name == "sqlite":  # the page is a range of the primary key, not a scan with OFFSET
        with engine.connect() as c:
            plan = " ".join(str(r) for r in c.exec_driver_sql(
                "EXPLAIN QUERY PLAN SELECT id FROM sourcefile WHERE id > 50 ORDER BY id LIMIT 51"))
        assert "PRIMARY KEY" in plan


def test_server_path_ingest_is_for_admins(app, engine, tmp_path):
    admin, csrf = signed_in(app, "ada")
    r = admin.post("/api/ingest/path", json={"paths": ["relative/path"]}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400 and "absolute" in r.json()["detail"]
    r = admin.post("/api/ingest/path", json={"paths": [str(tmp_path / "nope")]}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "notes.pdf").write_bytes(b"plain text, not a PDF")
    r = admin.post("/ingest/path", data={"csrf": csrf, "path": str(folder)}, follow_redirects=False)
    assert r.status_code == 303
    job = wait_for(admin, int(r.headers["location"].rsplit("/", 1)[1]))
    assert job["state"] == "done" and job["params"]["source"] == "server"
    assert [f["path"] for f in job["result"]["failed"]] == [str(folder / "notes.pdf")]
    assert os.listdir(folder) == ["notes.pdf"]


def test_the_ingest_job_record_is_listed_for_editors(app, engine):
    """`archive jobs` in the browser: counts per state from the record's index and the newest inputs, the
    same keys as `archive jobs --json`; a viewer is refused; a hostile input name stays text."""
    from archive.store import jobs as job_record
    job_record.register(engine, [("a" * 64, "<img src=x onerror=alert(1)>.pdf", 2), ("b" * 64, "b.pdf", 1),
                                 ("c" * 64, "c.pdf", 1)])
    assert job_record.claim(engine, "b" * 64, job_record.new_owner()).taken
    with session_scope(engine) as s:
        job_record.record_failed(s, "c" * 64, "c.pdf", "cannot read the page image: truncated")
    editor, _ = signed_in(app, "eddie")
    got = editor.get("/api/ingest-jobs").json()
    assert got["counts"] == {"queued": 1, "running": 1, "done": 0, "failed": 1}
    assert {j["label"] for j in got["jobs"]} == {"<img src=x onerror=alert(1)>.pdf", "b.pdf", "c.pdf"}
    assert set(got["jobs"][0]) >= {"fingerprint", "label", "state", "owner", "lease_until", "pages", "document",
                                   "reason"}
    assert [j["label"] for j in editor.get("/api/ingest-jobs?state=failed").json()["jobs"]] == ["c.pdf"]
    assert editor.get("/api/ingest-jobs?state=bogus").status_code == 422
    page = editor.get("/ingest-jobs", headers={"accept": "text/html"}).text
    assert "cannot read the page image: truncated" in page and "<img src=x" not in page
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in page
    viewer, _ = signed_in(app, "vera")
    assert viewer.get("/api/ingest-jobs").status_code == 403

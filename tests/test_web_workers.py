"""`archive serve --workers 2`: two real server processes (uvicorn's) on one database, as an archive serving
many people runs it. A session signed in through one is honoured by the other, failed sign-ins are counted
across both, and a page read and an edit work whichever process answers."""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.helpers.collection import build_collection
from tests.helpers.web import PASSWORD, add_users, field_version

pytestmark = pytest.mark.parametrize("db_url", ["sqlite", "postgres"], indirect=True)
ARCHIVE = str(Path(sys.executable).with_name("archive"))


def _workers(pid: int) -> list[int]:
    """uvicorn's worker processes under `archive serve` (not multiprocessing's resource tracker)."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    return [int(p) for p in out if "spawn_main" in Path(f"/proc/{p}/cmdline").read_text()]


def _cpu_ticks(pid: int) -> int:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


@contextlib.contextmanager
def _serve(db_url: str, storage: Path, workers: int):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k != "ARCHIVE_SECRET"}   # the command makes one for all
    proc = subprocess.Popen([ARCHIVE, "-q", "--db", db_url, "serve", "--port", str(port), "--workers", str(workers),
                             "--storage", str(storage)], env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/login", timeout=2).status_code == 200 and (
                        workers == 1 or len(_workers(proc.pid)) == workers):
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline and proc.poll() is None, f"serve --workers {workers} did not start"
            time.sleep(0.3)
        yield base, proc
    finally:
        proc.terminate()
        proc.wait(30)


@pytest.fixture
def served(engine, db_url, tmp_path):
    ids = build_collection(engine)
    add_users(engine)
    with _serve(db_url, tmp_path / "files", 2) as (base, proc):
        yield base, ids, proc


def _csrf(client: httpx.Client) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text).group(1)


def test_two_server_processes_share_sessions_limits_and_edits(served):
    base, ids, proc = served
    workers = _workers(proc.pid)
    before = {p: _cpu_ticks(p) for p in workers}
    with httpx.Client(base_url=base) as c:   # a new connection per request: both processes answer some
        csrf = _csrf(c)
        r = c.post("/login", data={"name": "eddie", "password": PASSWORD, "csrf": csrf})
        assert r.status_code == 303
        codes = set()
        for _ in range(20):
            with httpx.Client(base_url=base, cookies=c.cookies) as fresh:
                codes.add(fresh.get("/api/me").status_code)
        for _ in range(40):
            with httpx.Client(base_url=base, cookies=c.cookies) as fresh:
                codes.add(fresh.get("/search", params={"q": "pamphlets OR leaflet"}).status_code)
        assert codes == {200}, codes   # the session's signature holds in either process
        assert all(_cpu_ticks(p) > before[p] for p in workers), "one process answered every request"
        doc = ids["described"]
        page = c.get(f"/documents/{doc}").text
        version = field_version(page, doc, "place")
        token = c.get("/api/me").json()["csrf"]
        r = c.post(f"/documents/{doc}/fields/place", data={"csrf": token, "version": version,
                                                          "value": "Leeds", "note": "seen on the cover"})
        assert r.status_code == 303
        assert c.get(f"/api/documents/{doc}").json()["place"] == "Leeds"
    # Five failures spread over fresh connections (either process): the sixth attempt is refused.
    codes = []
    for _ in range(6):
        with httpx.Client(base_url=base) as anon:
            codes.append(anon.post("/login", data={"name": "vera", "password": "nope",
                                                   "csrf": _csrf(anon)}).status_code)
    assert codes == [401] * 5 + [429], codes


def test_one_server_process_serves_the_app_it_builds(engine, db_url, tmp_path):
    """Without --workers, `archive serve` (the README's command) serves the app in its own process."""
    ids = build_collection(engine)
    add_users(engine)
    with _serve(db_url, tmp_path / "files", 1) as (base, proc), httpx.Client(base_url=base) as c:
        assert _workers(proc.pid) == []
        assert c.get("/").status_code in (303, 401)   # anonymous reading is off by default
        r = c.post("/login", data={"name": "vera", "password": PASSWORD, "csrf": _csrf(c)})
        assert r.status_code == 303
        assert c.get(f"/api/documents/{ids['described']}").json()["id"] == ids["described"]

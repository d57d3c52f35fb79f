"""A throwaway PostgreSQL server for the tests and the benchmarks: initdb and pg_ctl in a temporary
directory, as the unprivileged `postgres` user when run as root (initdb refuses root), listening on
127.0.0.1 only, on a free port."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path


class PostgresMissing(RuntimeError):
    pass


def pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / name).exists():
            return str(d / name)
    raise PostgresMissing(f"PostgreSQL's {name} is not installed: "
                          "run scripts/bootstrap.sh (apt-get install postgresql)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    """`with PostgresServer() as pg:` a running server; pg.url is its base URL (no database name),
    pg.database() creates a fresh database and returns its URL. `durable=False` turns fsync off. With `keep`, a
    folder, the server's files live there and outlive it: a later server on the same folder has the same databases
    (a benchmark's archive, built once)."""

    def __init__(self, *, durable: bool = False, max_connections: int = 100, keep: Path | None = None):
        self.options = f"-c max_connections={max_connections}" + ("" if durable else " -c fsync=off")
        self.keep = Path(keep) if keep is not None else None

    def __enter__(self) -> "PostgresServer":
        if self.keep is not None:
            self.keep.mkdir(parents=True, exist_ok=True)
            self.base = self.keep
        else:
            self.base = Path(tempfile.mkdtemp(prefix="archive-pg-"))
        self.port = free_port()
        self.as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        if self.as_user:
            shutil.chown(self.base, "postgres", "postgres")
        data = self.base / "data"
        if (data / "postmaster.pid").exists():  # a kept server that a killed run left running
            subprocess.run(self.as_user + [pg_bin("pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
                           capture_output=True)
        if not (data / "PG_VERSION").exists():
            subprocess.run(self.as_user + [pg_bin("initdb"), "-D", str(data), "-U", "postgres", "-A", "trust", "-E",
                                           "UTF8", "--no-sync"], check=True, capture_output=True)
        subprocess.run(self.as_user + [pg_bin("pg_ctl"), "-D", str(data), "-l", str(self.base / "server.log"), "-w",
                                       "-t", "60", "-o", f"-p {self.port} -k {self.base} "
                                       f"-c listen_addresses=127.0.0.1 {self.options}", "start"],
                       check=True, capture_output=True)
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}"
        return self

    def database(self, name: str | None = None, *, template: str | None = None) -> str:
        """A new, empty database (an existing one of that name is dropped first); with `template`, a copy of that
        database of this server (which nobody may be connected to)."""
        import psycopg
        name = name or "t_" + uuid.uuid4().hex[:12]
        copy = f' TEMPLATE "{template}"' if template else ""
        for _attempt in range(50):
            try:
                with psycopg.connect(self.url + "/postgres", autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
                    if template:   # a pooled connection left open (a disposed engine's) would refuse the copy
                        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s",
                                     (template,))
                    conn.execute(f'CREATE DATABASE "{name}"{copy}')
                return f"{self.url}/{name}"
            except psycopg.OperationalError as exc:
                error = exc
                time.sleep(0.2)
        raise RuntimeError(f"could not create the database {name} on {self.url}: {error}")

    def existing(self, name: str) -> str | None:
        """The URL of the database `name` if this server holds it (a kept server's), else None."""
        import psycopg
        with psycopg.connect(self.url + "/postgres", autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        return f"{self.url}/{name}" if found else None

    def __exit__(self, *exc) -> None:
        # A kept server stops cleanly (its files are used again); a throwaway one is dropped at once.
        mode = "fast" if self.keep is not None else "immediate"
        subprocess.run(self.as_user + [pg_bin("pg_ctl"), "-D", str(self.base / "data"), "-m", mode, "stop"],
                       capture_output=True)
        if self.keep is None:
            shutil.rmtree(self.base, ignore_errors=True)

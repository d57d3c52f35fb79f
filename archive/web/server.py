"""How `archive serve` runs its server processes (uvicorn's).

With more than one process, each listens on a socket of its own, all bound to the same address with
`SO_REUSEPORT`, so the kernel spreads new connections across the processes. uvicorn's own `--workers` hands every
process one shared socket, and whichever process wakes first accepts every connection waiting: 50 clients split
16 / 34 between two processes, and the busier one's requests queued (bench/WEB_LOAD.md, seventh section).
Where the system has no `SO_REUSEPORT` the processes share one socket, as uvicorn does it.
"""

from __future__ import annotations

import socket
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from archive.errors import UsageError

SPREAD_BY_KERNEL = hasattr(socket, "SO_REUSEPORT")


def run(target: Any, host: str, port: int, workers: int, **options: Any) -> None:
    """Serve `target` (the app; with workers > 1 the import string of its factory) until Ctrl-C or SIGTERM."""
    if workers == 1 or not SPREAD_BY_KERNEL:
        uvicorn.run(target, host=host, port=port, workers=workers, log_level="warning", **options)
        return
    config = uvicorn.Config(target, host=host, port=port, workers=workers, log_level="warning", **options)
    SocketPerProcess(config, listening_socket(host, port)).run()


def listening_socket(host: str, port: int, first: bool = True) -> socket.socket:
    """A TCP socket bound to (host, port) that more sockets of this user may bind as well (SO_REUSEPORT). The
    first is refused when something already listens there: another `archive serve` started on the same port
    would otherwise silently take a share of this one's connections."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    if first and port:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.settimeout(1)
            if probe.connect_ex((host, port)) == 0:
                raise UsageError(f"{host}:{port}: something is already listening there")
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UsageError(f"{host}:{port}: cannot listen there ({exc.strerror or exc})") from exc
    sock.set_inheritable(True)
    return sock


class SocketPerProcess(Multiprocess):
    """uvicorn's supervisor (it starts, watches, restarts and stops the processes), handing each process it starts
    a socket of its own. uvicorn reads `self.sockets` each time it starts a process (at the start, on SIGHUP, when
    one dies) and starts that process at once. A socket is bound here and not yet listening (its process listens
    once its app is up), so no connection waits on a socket no process serves. The parent's copies are closed on
    the supervisor's next round (every 0.5 s), once multiprocessing has handed each process a duplicate: held
    longer, a dead process's socket would go on taking connections."""

    def __init__(self, config: uvicorn.Config, first: socket.socket) -> None:
        self._next: socket.socket | None = first
        self._port = first.getsockname()[1]   # the system's choice when asked for port 0
        self._handed: list[socket.socket] = []
        super().__init__(config, sockets=[])

    @property
    def sockets(self) -> list[socket.socket]:
        sock, self._next = self._next, None
        self._handed.append(sock or listening_socket(self.config.host, self._port, first=False))
        return self._handed[-1:]

    @sockets.setter
    def sockets(self, value: list[socket.socket]) -> None:   # Multiprocess.__init__ stores the list it is given
        pass

    def _close_handed(self) -> None:
        while self._handed:
            self._handed.pop().close()

    def keep_subprocess_alive(self) -> None:
        self._close_handed()
        super().keep_subprocess_alive()

    def run(self) -> None:
        try:
            super().run()
        finally:
            self._close_handed()

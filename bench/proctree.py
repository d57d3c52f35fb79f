"""Run a command and measure it: wall time, CPU time of the whole process tree, and peak memory
per process role (sampled from /proc), for the benchmarks. Linux only."""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

SAMPLE_S = 0.05


@dataclass
class Measured:
    argv: list[str]
    returncode: int
    wall_s: float
    cpu_s: float  # user + system of every process in the tree (reaped children)
    stdout: str
    stderr: str
    peak_kib: dict[str, int] = field(default_factory=dict)  # role -> highest VmHWM of one process of that role
    tree_peak_kib: int = 0  # highest sum of VmRSS over the tree at one sample
    # The parent's highest VmRSS while it had worker processes, and once it had none left (for
    # `archive ingest`: the OCR stage, then the provenance stage that follows it in the same process).
    parent_phase_kib: dict[str, int] = field(default_factory=dict)

    def peak_mib(self, role: str) -> float | None:
        return round(self.peak_kib[role] / 1024, 1) if role in self.peak_kib else None


def _status(pid: int) -> dict[str, str]:
    out = {}
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            out[key] = value.strip()
    except OSError:
        pass
    return out


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        # The command name is in parentheses and may hold spaces: the ppid follows the last ')'.
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        kids.setdefault(ppid, []).append(int(entry.name))
    return kids


def _tree(root: int) -> list[tuple[int, int]]:
    """(pid, depth) of root and its descendants."""
    kids = _children_map()
    out, stack = [], [(root, 0)]
    while stack:
        pid, depth = stack.pop()
        out.append((pid, depth))
        stack += [(k, depth + 1) for k in kids.get(pid, [])]
    return out


def role_of(name: str, depth: int, root_name: str) -> str:
    """parent (the command itself), worker (a child of the same program), or the program's name."""
    if depth == 0:
        return "parent"
    if name == root_name or name.startswith("python"):
        return "worker"
    return name


class _Sampler(threading.Thread):
    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid = pid
        self.stop = threading.Event()
        self.peak: dict[str, int] = {}
        self.tree_peak = 0
        self.root_name = ""
        self.phase: dict[str, int] = {}
        self.had_workers = False

    def run(self) -> None:
        while not self.stop.is_set():
            total = 0
            parent_rss = 0
            workers = False
            for pid, depth in _tree(self.pid):
                st = _status(pid)
                if not st:
                    continue
                name = st.get("Name", "?")
                if depth == 0:
                    self.root_name = name
                hwm = int(st.get("VmHWM", "0 kB").split()[0])
                rss = int(st.get("VmRSS", "0 kB").split()[0])
                total += rss
                role = role_of(name, depth, self.root_name)
                self.peak[role] = max(self.peak.get(role, 0), hwm)
                if role == "parent":
                    parent_rss = rss
                workers = workers or role == "worker"
            self.tree_peak = max(self.tree_peak, total)
            self.had_workers = self.had_workers or workers
            phase = "with workers" if workers else ("after workers" if self.had_workers else "before workers")
            self.phase[phase] = max(self.phase.get(phase, 0), parent_rss)
            self.stop.wait(SAMPLE_S)


def measure(argv: list[str], *, env: dict[str, str] | None = None, cwd: str | None = None,
            timeout: float | None = None) -> Measured:
    """Run argv to completion, sampling its process tree's memory every 50 ms."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd, text=True)
    sampler = _Sampler(proc.pid)
    sampler.start()
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        sampler.stop.set()
        sampler.join()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return Measured(argv, proc.returncode, wall, cpu, out, err, dict(sampler.peak), sampler.tree_peak,
                    dict(sampler.phase))


# --- CPU time by role, over a window (the web load benchmark) -----------------------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _times(pid: int) -> tuple[str, float, float]:
    """(command line, own CPU seconds, reaped children's CPU seconds) of a process; ('', 0, 0) once it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return "", 0.0, 0.0
    f = stat.rsplit(")", 1)[1].split()  # fields from the state on: utime is the 12th, cstime the 15th
    return cmd, (int(f[11]) + int(f[12])) / _TICK, (int(f[13]) + int(f[14])) / _TICK


def cpu_snapshot(server_pid: int, *, job_marker: str = "archive.web.runner") -> dict[str, float]:
    """CPU seconds used so far, by role:
    - server: the server's own processes (the tree of server_pid less the job runner's), their own time only;
    - postgres: every PostgreSQL process of the machine, with the backends its postmaster reaped;
    - this: the calling process (the benchmark's clients);
    - busy, all, steal: the machine's busy and total CPU time, and the time its host took from it (/proc/stat:
      on a shared virtual machine, the noise in every other figure).
    (Not the job runner's own: one that ends inside a window, and the processes it leaves to init, take their
    time out of the server's tree.) Take one before and one after a window and subtract (cpu_delta)."""
    times = {pid: _times(pid) for pid, _depth in _tree(server_pid)}   # each process's /proc read once
    kids = _children_map()
    stack = [pid for pid, (cmd, _own, _reaped) in times.items() if job_marker in cmd]
    runner: set[int] = set()
    while stack:  # the runner and its own tree
        pid = stack.pop()
        runner.add(pid)
        stack += kids.get(pid, [])
    server = sum(own for pid, (_cmd, own, _reaped) in times.items() if pid not in runner)
    pg = 0.0
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                comm = Path(f"/proc/{entry.name}/comm").read_text().strip()
            except OSError:
                continue
            if comm.startswith("postgres"):
                _cmd, own, reaped = _times(int(entry.name))
                pg += own + reaped
    me = resource.getrusage(resource.RUSAGE_SELF)
    cpu = [int(v) / _TICK for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = cpu[3] + cpu[4]
    return {"server": server, "postgres": pg, "this": me.ru_utime + me.ru_stime,
            "busy": sum(cpu) - idle, "all": sum(cpu), "steal": cpu[7]}


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """Seconds of CPU each role used between two snapshots (cores busy = seconds / wall)."""
    return {k: round(after[k] - before[k], 2) for k in before}

"""Processes we start are stopped however their starter ends: whole groups, recorded trees.

`kefu up` writes down every process it starts in `<home>/up.json` (pid and start time, so a reused
pid is never signalled) and runs a reaper, `python -m tooling.processes <pid> <record>`, in its own
session: when `kefu up` is gone without having cleaned up (SIGKILL, a crash), the reaper stops what
the record still lists. Tests and benchmarks start their children in a new session and stop the
whole group with `stop_group`.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import psutil

# Stop order, highest first: services before the fakes, the fakes before the servers they use.
SERVERS, FAKES, SERVICES = 0, 1, 2


@dataclass(frozen=True)
class Started:
    """One process a starter is responsible for."""

    name: str
    pid: int
    created: float  # psutil's create_time: tells this process from a later one with its pid
    stage: int = SERVICES
    stop_signal: int = signal.SIGTERM  # Postgres: SIGINT (fast shutdown)

    @classmethod
    def of(
        cls, name: str, pid: int, stage: int = SERVICES, stop_signal: int = signal.SIGTERM
    ) -> Started:
        """The record of a running process."""
        return cls(name, pid, psutil.Process(pid).create_time(), stage, int(stop_signal))

    def process(self) -> psutil.Process | None:
        """The process if it still runs (and is the same one), else None."""
        try:
            p = psutil.Process(self.pid)
            if p.create_time() != self.created or p.status() == psutil.STATUS_ZOMBIE:
                return None
            return p
        except psutil.Error:
            return None


def stop(started: list[Started], timeout: float = 15.0) -> list[str]:
    """Stop the processes stage by stage (signal, wait, then SIGKILL); names of those killed."""
    killed: list[str] = []
    for stage in sorted({s.stage for s in started}, reverse=True):
        running = [(s, p) for s in started if s.stage == stage if (p := s.process()) is not None]
        for s, p in running:
            with contextlib.suppress(psutil.Error):
                p.send_signal(s.stop_signal)
        _, alive = psutil.wait_procs([p for _, p in running], timeout=timeout)
        for p in alive:
            killed += [s.name for s, q in running if q is p]
            with contextlib.suppress(psutil.Error):
                p.kill()
        psutil.wait_procs(alive, timeout=5)
    return killed


class Record:
    """`<home>/up.json`: which process owns the home, what it started, on which ports."""

    def __init__(self, path: Path, owner: int | None = None) -> None:
        self.path = path
        self.owner = owner if owner is not None else os.getpid()
        self.started: list[Started] = []
        self.ports: dict[str, int] = {}

    def add(self, started: Started) -> None:
        """Write a newly started process down before anything else can go wrong."""
        self.started.append(started)
        self._write()

    def set_ports(self, ports: dict[str, int]) -> None:
        """Write down the HTTP port of each service."""
        self.ports = dict(ports)
        self._write()

    def _write(self) -> None:
        data = {
            "owner": self.owner,
            "owner_created": psutil.Process(self.owner).create_time(),
            "ports": self.ports,
            "started": [asdict(s) for s in self.started],
        }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(self.path)

    def remove(self) -> None:
        """Forget the record (everything in it has been stopped)."""
        self.path.unlink(missing_ok=True)

    @staticmethod
    def read(path: Path) -> dict[str, Any] | None:
        """The record's content, or None when there is none (or it is unreadable)."""
        try:
            data: dict[str, Any] = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        return data

    @staticmethod
    def entries(data: dict[str, Any]) -> list[Started]:
        """The processes a record lists."""
        return [Started(**s) for s in data.get("started", [])]

    @staticmethod
    def owner_alive(data: dict[str, Any]) -> bool:
        """Whether the process that wrote the record still runs."""
        owner = Started("owner", int(data["owner"]), float(data["owner_created"]))
        return owner.process() is not None


def start_reaper(record: Path, log: Path) -> subprocess.Popen[bytes]:
    """Start the reaper of this process's record, in its own session (Ctrl-C does not reach it)."""
    with open(log, "ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "tooling.processes", str(os.getpid()), str(record)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def reap(owner: int, record: Path, poll: float = 0.2) -> list[str]:
    """Wait until the owner is gone; stop whatever its record still lists; names stopped."""
    try:
        me = psutil.Process(owner)
        while me.is_running() and me.status() != psutil.STATUS_ZOMBIE:
            time.sleep(poll)
    except psutil.Error:
        pass
    data = Record.read(record)
    if data is None or int(data["owner"]) != owner:
        return []
    entries = Record.entries(data)
    left = [s.name for s in entries if s.process() is not None]
    stop(entries)
    record.unlink(missing_ok=True)
    return left


def stop_group(
    proc: subprocess.Popen[Any], sig: int = signal.SIGTERM, timeout: float = 30.0
) -> int | None:
    """Stop a child started with `start_new_session=True` and everything in its group.

    The leader gets `sig` and `timeout` to stop what it started; then the whole group is
    SIGKILLed. Returns the leader's exit status when it stopped on its own, None if killed.
    """
    status: int | None = None
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            proc.send_signal(sig)
        try:
            status = proc.wait(timeout)
        except subprocess.TimeoutExpired:
            status = None
    else:
        status = proc.returncode
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    if proc.poll() is None:
        proc.wait()
    return status


def main() -> None:
    """The reaper's entry point: `python -m tooling.processes <owner pid> <record>`."""
    owner, record = int(sys.argv[1]), Path(sys.argv[2])
    left = reap(owner, record)
    if left:
        print(f"kefu up (pid {owner}) ended without stopping: stopped {', '.join(left)}")


if __name__ == "__main__":
    main()

"""`kefu up` as a test runs it: on free ports, in its own process group, stopped on every path.

The services get free ports (KEFU_<SERVICE>_HTTP_PORT), so a developer's own `./dev up` on
8001–8005 runs undisturbed beside the tests. Leaving the `with` block, however it is left
(assertion, timeout, Ctrl-C), sends SIGINT as a user's Ctrl-C would, then SIGKILLs the whole
process group; the servers `kefu up` started in their own sessions are stopped by its reaper,
which this waits for.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil

from shared.settings import DEFAULT_PORTS
from tests.support.harness import server_home
from tooling.embedded import free_port
from tooling.processes import Record, stop_group

ADMIN_TOKEN = "kefu-local-admin"  # what `kefu up` sets in development mode


def up_env(ports: dict[str, int]) -> dict[str, str]:
    """A newcomer's shell: no KEFU_* (embedded servers, `kefu up`'s development mode and its
    admin token, ADMIN_TOKEN), plus the ports."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env.update({f"KEFU_{name.upper()}_HTTP_PORT": str(port) for name, port in ports.items()})
    return env


def ready(url: str) -> bool:
    """Whether GET url answers 200."""
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@dataclass
class KefuUp:
    """A running `kefu up`: where its services are, and how it ended."""

    process: subprocess.Popen[bytes]
    home: Path
    log: Path
    ports: dict[str, int]
    env: dict[str, str]
    exit_status: int | None = None
    started: list[psutil.Process] = field(default_factory=list)
    left_after_exit: list[psutil.Process] = field(default_factory=list)
    stopped: bool = False

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def wait_ready(self, services: tuple[str, ...], timeout: float = 90.0) -> None:
        """Wait until every service's /readyz answers 200 (bounded); remember what runs."""
        deadline = time.monotonic() + timeout
        while not all(ready(f"{self.url(s)}/readyz") for s in services):
            assert self.process.poll() is None, f"kefu up exited early:\n{self.output()}"
            assert time.monotonic() < deadline, (
                f"not ready within {timeout:.0f} s:\n{self.output()}"
            )
            time.sleep(0.3)
        self.started = self.processes()

    def processes(self) -> list[psutil.Process]:
        """Everything `kefu up` runs now: its process tree and the servers in its record."""
        found: dict[int, psutil.Process] = {}
        try:
            parent = psutil.Process(self.process.pid)
            found = {p.pid: p for p in [parent, *parent.children(recursive=True)]}
        except psutil.Error:
            pass
        data = Record.read(self.home / "up.json")
        for s in Record.entries(data) if data else []:
            if (p := s.process()) is not None:
                found.setdefault(p.pid, p)
        return list(found.values())

    def stop(self, timeout: float = 40.0) -> int | None:
        """Ctrl-C and what `kefu up` left running after it (`left_after_exit`); then SIGKILL
        to its whole group, and a bounded wait for its reaper to stop the servers. Returns
        the exit status of `kefu up` (None when it had to be killed)."""
        if self.stopped:
            return self.exit_status
        self.stopped = True
        watched = self.started or self.processes()
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.exit_status = self.process.wait(timeout)
        else:
            self.exit_status = self.process.returncode
        self.left_after_exit = [p for p in alive(watched) if p.pid != self.process.pid]
        stop_group(self.process, signal.SIGKILL, timeout=5)
        deadline = time.monotonic() + 30
        while alive(watched) and time.monotonic() < deadline:
            time.sleep(0.2)  # the reaper stops what was in other sessions
        return self.exit_status


def alive(processes: list[psutil.Process]) -> list[psutil.Process]:
    """Those still running (zombies count as gone)."""
    running = []
    for p in processes:
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                running.append(p)
        except psutil.Error:
            pass
    return running


def free_ports() -> dict[str, int]:
    """A free port for every service `kefu up` may run (all of DEFAULT_PORTS)."""
    ports: dict[str, int] = {}
    while len(ports) < len(DEFAULT_PORTS):
        port = free_port()
        if port not in ports.values():
            ports[list(DEFAULT_PORTS)[len(ports)]] = port
    return ports


@contextmanager
def kefu_up(tmp_path: Path, *args: str) -> Iterator[KefuUp]:
    """Start `kefu up [args]` (its log in tmp_path, its home in a server_home removed at the
    end); stop it however the block ends."""
    ports = free_ports()
    env = up_env(ports)
    log = tmp_path / "kefu-up.log"
    with server_home("kefu-up-") as home:
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [sys.executable, "-m", "tooling.cli", "up", "--home", str(home), *args],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        up = KefuUp(process, home, log, ports, env)
        try:
            yield up
        finally:
            up.stop()

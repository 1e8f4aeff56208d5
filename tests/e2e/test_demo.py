"""`kefu demo` against `kefu up` on a bare machine: every journey is walked to its end."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from shared.settings import DEFAULT_PORTS, SERVICES
from tooling.demo import JOURNEYS

pytestmark = pytest.mark.e2e


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _taken(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


def _listening(pid: int) -> set[int]:
    """Ports the process tree of `pid` listens on."""
    ports: set[int] = set()
    for p in [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]:
        try:
            conns = p.net_connections(kind="tcp")
        except psutil.Error:
            continue
        ports |= {c.laddr.port for c in conns if c.status == psutil.CONN_LISTEN}
    return ports


def test_kefu_demo_walks_the_five_journeys(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env["KEFU_ADMIN_TOKEN"] = "kefu-local-admin"
    env["XDG_RUNTIME_DIR"] = str(tmp_path)
    # Nothing listens on 127.0.0.2 (services bind 127.0.0.1): the demo says so and fails.
    nowhere = subprocess.run(
        [sys.executable, "-m", "tooling.cli", "demo", "--host", "127.0.0.2"],
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert nowhere.returncode == 2, nowhere.stdout + nowhere.stderr
    assert "not reachable" in nowhere.stdout and "kefu up" in nowhere.stdout
    assert "intake (http://127.0.0.2:8001)" in nowhere.stdout

    taken = [p for p in DEFAULT_PORTS.values() if _taken(p)]
    assert not taken, f"ports {taken} are in use: another `kefu up` is running"
    started = time.monotonic()
    up = subprocess.Popen(
        [sys.executable, "-m", "tooling.cli", "up", "--home", str(tmp_path / "home")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        while not all(_ready(DEFAULT_PORTS[s]) for s in SERVICES):
            assert up.poll() is None, "kefu up exited early"
            assert time.monotonic() - started < 60, "services not ready within 60 s"
            time.sleep(0.5)
        ports = set(DEFAULT_PORTS.values())
        assert ports <= _listening(up.pid), "another process answers on the services' ports"

        demo = subprocess.run(
            [sys.executable, "-m", "tooling.cli", "demo", "--token", "kefu-local-admin"],
            env=env,
            capture_output=True,
            text=True,
            timeout=80,
        )
        out = demo.stdout
        assert demo.returncode == 0, f"kefu demo failed:\n{out}\n{demo.stderr}"
        for n, name in enumerate(JOURNEYS, 1):
            assert f"[{n}/5 {name}] done" in out, out
        assert "FAILED" not in out
        assert "65 % = 130,000.00 due today" in out
        assert "/v1/callbacks" in out and "/v1/messages" in out and "/v1/reports/" in out
    finally:
        up.send_signal(signal.SIGINT)
        try:
            up.wait(40)
        except subprocess.TimeoutExpired:
            up.kill()
            raise

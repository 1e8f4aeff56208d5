"""`kefu demo` against `kefu up` on a bare machine: every journey is walked to its end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from shared.settings import SERVICES
from tests.support.kefu_up import ADMIN_TOKEN, free_ports, kefu_up, up_env
from tooling.demo import JOURNEYS

pytestmark = pytest.mark.e2e


def _listening(processes: list[psutil.Process]) -> set[int]:
    """Ports the processes listen on."""
    ports: set[int] = set()
    for p in processes:
        try:
            conns = p.net_connections(kind="tcp")
        except psutil.Error:
            continue
        ports |= {c.laddr.port for c in conns if c.status == psutil.CONN_LISTEN}
    return ports


def test_kefu_demo_walks_the_five_journeys(tmp_path: Path) -> None:
    ports = free_ports()
    # Nothing listens on 127.0.0.2 (services bind 127.0.0.1): the demo says so and fails.
    nowhere = subprocess.run(
        [sys.executable, "-m", "tooling.cli", "demo", "--host", "127.0.0.2"],
        env=up_env(ports),
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert nowhere.returncode == 2, nowhere.stdout + nowhere.stderr
    assert "not reachable" in nowhere.stdout and "kefu up" in nowhere.stdout
    assert f"intake (http://127.0.0.2:{ports['intake']})" in nowhere.stdout

    with kefu_up(tmp_path) as up:
        up.wait_ready(SERVICES)
        assert {up.ports[s] for s in SERVICES} <= _listening(up.started), (
            "another process answers on the services' ports"
        )
        # No port in the demo's environment: it finds them in the running kefu up's home.
        demo = subprocess.run(
            [
                sys.executable,
                "-m",
                "tooling.cli",
                "demo",
                "--token",
                ADMIN_TOKEN,
                "--home",
                up.home,
            ],
            env=up_env({}),
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
        assert f"127.0.0.1:{up.ports['notifications']}/v1/messages" in out

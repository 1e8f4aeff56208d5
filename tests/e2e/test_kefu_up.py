"""The README's first command, as a newcomer runs it: `kefu up` on a bare machine.

Starts embedded NATS and Postgres, migrates, runs every service as its own process; a posted
complaint becomes a callback task within 2 s; Ctrl-C leaves no process behind.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest

from shared.settings import DEFAULT_PORTS, SERVICES

pytestmark = pytest.mark.e2e
ADMIN = {"Authorization": "Bearer kefu-local-admin"}


def _ready(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def test_kefu_up_runs_the_skeleton_journey_and_stops_cleanly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env["KEFU_ADMIN_TOKEN"] = "kefu-local-admin"
    env["XDG_RUNTIME_DIR"] = str(tmp_path)
    home = tmp_path / "home"
    proc = subprocess.Popen(
        [sys.executable, "-m", "tooling.cli", "up", "--home", str(home)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    started = time.monotonic()
    try:
        deadline = started + 90
        while not all(_ready(DEFAULT_PORTS[s]) for s in SERVICES):
            assert proc.poll() is None, (
                f"kefu up exited early:\n{proc.stdout.read() if proc.stdout else ''}"
            )
            assert time.monotonic() < deadline, "services not ready within 90 s"
            time.sleep(0.5)
        ready_after = time.monotonic() - started
        assert ready_after < 60, f"every /readyz answered 200 only after {ready_after:.0f}s"

        descendants = psutil.Process(proc.pid).children(recursive=True)
        assert len(descendants) >= len(SERVICES) + 1  # services + NATS (+ fakes)
        pg_pid = int((home / "pg" / "postmaster.pid").read_text().split()[0])

        r = httpx.post(
            f"http://127.0.0.1:{DEFAULT_PORTS['intake']}/v1/complaints",
            headers={**ADMIN, "Idempotency-Key": "e2e-1"},
            json={
                "customer": {"name": "王芳", "phone": "13812345678"},
                "channel": "phone",
                "category": "quality",
                "severity": "normal",
                "description": "墙面开裂",
                "department": "engineering",
            },
            timeout=5,
        )
        assert r.status_code == 201, r.text
        complaint_id = r.json()["id"]
        posted = time.monotonic()
        task = None
        while time.monotonic() - posted < 2.0 and task is None:
            cb = httpx.get(
                f"http://127.0.0.1:{DEFAULT_PORTS['notifications']}/v1/callbacks",
                params={"entity_id": complaint_id, "purpose": "complaint_handling"},
                headers=ADMIN,
                timeout=2,
            )
            items = cb.json()["items"] if cb.status_code == 200 else []
            task = items[0] if items else None
            if task is None:
                time.sleep(0.05)
        assert task is not None, "the complaint did not become a callback task within 2 s"
        assert task["entity"] == {"kind": "complaint", "id": complaint_id}
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(40)
        except subprocess.TimeoutExpired:
            proc.kill()
            raise
    alive = [p for p in descendants if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"processes left behind: {[p.pid for p in alive]}"
    assert not psutil.pid_exists(pg_pid) or psutil.Process(pg_pid).status() == psutil.STATUS_ZOMBIE

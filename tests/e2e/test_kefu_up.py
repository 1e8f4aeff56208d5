"""The README's first command, as a newcomer runs it: `kefu up` on a bare machine.

Starts embedded NATS and Postgres, migrates, runs every service as its own process (here on free
ports, so a developer's own `./dev up` may run beside); a posted complaint becomes a callback
task, which the console's admin sees on the worklist; Ctrl-C leaves no process and no `up.json`
behind.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import httpx
import pytest

from shared.settings import SERVICES
from tests.support.kefu_up import ADMIN_TOKEN, alive, kefu_up

pytestmark = pytest.mark.e2e
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


def test_kefu_up_runs_the_skeleton_journey_and_stops_cleanly(tmp_path: Path) -> None:
    with kefu_up(tmp_path) as up:
        up.wait_ready(SERVICES)
        names = {" ".join(p.cmdline()) for p in up.started}
        for service in SERVICES:
            assert any(f"tooling.cli run {service}" in n for n in names), names
        assert any("nats-server" in n for n in names) and any("postgres" in n for n in names)
        assert any("tooling.fakes" in n for n in names)
        record = up.home / "up.json"
        assert record.exists()

        r = httpx.post(
            f"{up.url('intake')}/v1/complaints",
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
        task = None
        deadline = time.monotonic() + 20
        while task is None and time.monotonic() < deadline:
            cb = httpx.get(
                f"{up.url('notifications')}/v1/callbacks",
                params={"entity_id": complaint_id, "purpose": "complaint_handling"},
                headers=ADMIN,
                timeout=2,
            )
            items = cb.json()["items"] if cb.status_code == 200 else []
            task = items[0] if items else None
            if task is None:
                time.sleep(0.05)
        assert task is not None, "the complaint did not become a callback task"
        assert task["entity"] == {"kind": "complaint", "id": complaint_id}

        # The console reaches the services where kefu up put them: the admin signs in with the
        # password it printed and sees the task on the worklist.
        assert "console sign-in: admin / kefu-local-admin" in up.output()
        console = up.url("console")
        with httpx.Client(base_url=console, headers={"Origin": console}, timeout=5) as c:
            form = c.get("/signin")
            found = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert found, form.text
            body = {"username": "admin", "password": "kefu-local-admin", "csrf_token": found[1]}
            signed_in = c.post("/signin", data=body)
            assert signed_in.status_code == 303, signed_in.text
            worklist = c.get("/")
        assert worklist.status_code == 200 and complaint_id in worklist.text

        status = up.stop()  # Ctrl-C
        out = up.output()
        assert status == 0, out
        assert up.left_after_exit == [], f"kefu up left running: {up.left_after_exit}"
        assert not alive(up.started)
        assert not record.exists(), "a clean stop removes up.json"
        assert out.rstrip().endswith("stopped"), out
        assert "Warning" not in out, out

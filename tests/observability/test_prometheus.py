"""A real Prometheus scrapes `kefu up` and sees a journey's business and FastStream metrics.

The services run as `kefu up` runs them (embedded NATS and Postgres, one process per service on
127.0.0.1:8001-8005); Debian's Prometheus scrapes them every second with the same job and labels
as deploy/prometheus/prometheus.yml. Both stop on SIGINT and leave no process behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest
import yaml

from shared.settings import DEFAULT_PORTS, SERVICES
from tooling.embedded import free_port

pytestmark = pytest.mark.e2e
ADMIN = {"Authorization": "Bearer kefu-local-admin"}
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _wait(check: Callable[[], Any], timeout: float, what: str, interval: float = 0.3) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(interval)
    raise AssertionError(f"{what} not within {timeout:.0f}s")


def _config(path: Path) -> None:
    """The compose scrape job for the five services, every second."""
    job = {
        "job_name": "kefu",
        "honor_labels": True,
        "scrape_interval": "1s",
        "scrape_timeout": "1s",
        "static_configs": [
            {"targets": [f"127.0.0.1:{DEFAULT_PORTS[s]}"], "labels": {"service": s}}
            for s in SERVICES
        ],
    }
    path.write_text(yaml.safe_dump({"global": {"scrape_interval": "1s"}, "scrape_configs": [job]}))


def _query(base: str, promql: str) -> list[dict[str, Any]]:
    r = httpx.get(f"{base}/api/v1/query", params={"query": promql}, timeout=2)
    r.raise_for_status()
    body = r.json()
    assert body["status"] == "success", body
    return list(body["data"]["result"])


def _positive(base: str, promql: str) -> float:
    """The query's first value when it is above zero, else 0."""
    try:
        result = _query(base, promql)
    except httpx.HTTPError:
        return 0.0
    value = float(result[0]["value"][1]) if result else 0.0
    return value if value > 0 else 0.0


def _stop(proc: subprocess.Popen[str], timeout: float) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        raise


def test_prometheus_scrapes_the_journeys_business_and_handler_metrics(tmp_path: Path) -> None:
    if not os.access(PROMETHEUS, os.X_OK):
        pytest.skip(
            "Prometheus is not installed (Debian: apt-get install -y prometheus; ./dev test does)"
        )
    busy = [p for p in DEFAULT_PORTS.values() if _ready(f"http://127.0.0.1:{p}/healthz")]
    if busy:
        pytest.skip(f"ports {busy} already serve something (another `kefu up`?)")
    env = {k: v for k, v in os.environ.items() if not k.startswith("KEFU_")}
    env["KEFU_ADMIN_TOKEN"] = "kefu-local-admin"
    env["XDG_RUNTIME_DIR"] = str(tmp_path)
    home = tmp_path / "home"
    up = subprocess.Popen(
        [sys.executable, "-m", "tooling.cli", "up", "--home", str(home)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    prom_port = free_port()
    base = f"http://127.0.0.1:{prom_port}"
    _config(tmp_path / "prometheus.yml")
    prom_log = (tmp_path / "prometheus.log").open("w")
    prom = subprocess.Popen(
        [
            PROMETHEUS,
            f"--config.file={tmp_path / 'prometheus.yml'}",
            f"--storage.tsdb.path={tmp_path / 'tsdb'}",
            f"--web.listen-address=127.0.0.1:{prom_port}",
            "--storage.tsdb.retention.time=1h",
        ],
        stdout=subprocess.DEVNULL,
        stderr=prom_log,
        text=True,
    )
    descendants: list[psutil.Process] = []
    try:
        _wait(lambda: _ready(f"{base}/-/ready"), 20, "Prometheus ready")

        def services_ready() -> bool:
            assert up.poll() is None, "kefu up exited early"
            return all(_ready(f"http://127.0.0.1:{DEFAULT_PORTS[s]}/readyz") for s in SERVICES)

        _wait(services_ready, 60, "every /readyz 200", interval=0.5)
        descendants = psutil.Process(up.pid).children(recursive=True)
        # Every target scraped and up (the `service` label comes from the scrape config).
        _wait(lambda: _positive(base, 'count(up{job="kefu"} == 1) == 5'), 15, "5 targets up")

        r = httpx.post(
            f"http://127.0.0.1:{DEFAULT_PORTS['intake']}/v1/complaints",
            headers={**ADMIN, "Idempotency-Key": "prometheus-1"},
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

        def callback_task() -> bool:
            cb = httpx.get(
                f"http://127.0.0.1:{DEFAULT_PORTS['notifications']}/v1/callbacks",
                params={"entity_id": complaint_id, "purpose": "complaint_handling"},
                headers=ADMIN,
                timeout=2,
            )
            return cb.status_code == 200 and bool(cb.json()["items"])

        _wait(callback_task, 10, "the callback task", interval=0.1)

        opened = _wait(
            lambda: _positive(
                base,
                'kefu_intake_complaints_opened_total{job="kefu", service="intake",'
                ' category="quality", severity="normal"}',
            ),
            15,
            "kefu_intake_complaints_opened_total > 0 in Prometheus",
        )
        assert opened == 1
        received = _wait(
            lambda: _positive(
                base,
                'sum(faststream_received_messages_total{app_name="kefu-notifications",'
                ' handler="complaint.opened"})',
            ),
            15,
            "faststream_received_messages_total{handler=complaint.opened} > 0 in Prometheus",
        )
        assert received >= 1
        handled = _positive(
            base,
            'sum(faststream_received_processed_messages_total{app_name="kefu-notifications",'
            ' handler="complaint.opened", status="acked"})',
        )
        assert handled >= 1
        # The relay published it: the platform counter of intake moved too.
        assert _positive(base, 'kefu_outbox_published_total{service="intake"}') >= 1
    finally:
        try:
            _stop(prom, 20)
        finally:
            prom_log.close()
            _stop(up, 40)
    alive = [p for p in descendants if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    assert not alive, f"processes left behind: {[p.pid for p in alive]}"
    assert prom.returncode == 0, (tmp_path / "prometheus.log").read_text()[-2000:]

"""A real Prometheus scrapes `kefu up` and sees a journey's business and FastStream metrics.

The services run as `kefu up` runs them (embedded NATS and Postgres, one process per service, here
on free ports); Debian's Prometheus scrapes them every second with the same job and labels as
deploy/prometheus/prometheus.yml. Both stop on SIGINT and leave no process behind.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from shared.settings import SERVICES
from tests.support.kefu_up import ADMIN_TOKEN, alive, kefu_up
from tooling.embedded import free_port
from tooling.processes import stop_group

pytestmark = pytest.mark.e2e
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
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


def _config(path: Path, ports: dict[str, int]) -> None:
    """The compose scrape job for the five services, every second."""
    job = {
        "job_name": "kefu",
        "honor_labels": True,
        "scrape_interval": "1s",
        "scrape_timeout": "1s",
        "static_configs": [
            {"targets": [f"127.0.0.1:{ports[s]}"], "labels": {"service": s}} for s in SERVICES
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


@contextmanager
def _prometheus(tmp_path: Path, ports: dict[str, int]) -> Iterator[tuple[Any, str]]:
    """Prometheus scraping the services on their ports; stopped with its group at the end."""
    prom_port = free_port()
    base = f"http://127.0.0.1:{prom_port}"
    _config(tmp_path / "prometheus.yml", ports)
    with (tmp_path / "prometheus.log").open("w") as prom_log:
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
            start_new_session=True,
        )
    try:
        _wait(lambda: _ready(f"{base}/-/ready"), 20, "Prometheus ready")
        yield prom, base
    finally:
        stop_group(prom, signal.SIGINT, 20)


def test_prometheus_scrapes_the_journeys_business_and_handler_metrics(tmp_path: Path) -> None:
    if not os.access(PROMETHEUS, os.X_OK):
        pytest.skip(
            "Prometheus is not installed (Debian: apt-get install -y prometheus; ./dev test does)"
        )
    with kefu_up(tmp_path) as up, _prometheus(tmp_path, up.ports) as (prom, base):
        up.wait_ready(SERVICES)
        # Every target scraped and up (the `service` label comes from the scrape config).
        every = f'count(up{{job="kefu"}} == 1) == {len(SERVICES)}'
        _wait(lambda: _positive(base, every), 15, f"{len(SERVICES)} targets up")

        r = httpx.post(
            f"{up.url('intake')}/v1/complaints",
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
                f"{up.url('notifications')}/v1/callbacks",
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
        handled = _wait(
            lambda: _positive(
                base,
                'sum(faststream_received_processed_messages_total{app_name="kefu-notifications",'
                ' handler="complaint.opened", status="acked"})',
            ),
            15,
            "faststream_received_processed_messages_total{status=acked} > 0 in Prometheus",
        )
        assert handled >= 1
        # The relay published it: the platform counter of intake moved too (in a later scrape
        # of intake, maybe, than the one of notifications that saw the message).
        published = _wait(
            lambda: _positive(base, 'kefu_outbox_published_total{service="intake"}'),
            15,
            "kefu_outbox_published_total{service=intake} > 0 in Prometheus",
        )
        assert published >= 1
        assert stop_group(prom, signal.SIGINT, 20) == 0, (tmp_path / "prometheus.log").read_text()[
            -2000:
        ]
        assert up.stop() == 0, up.output()
    assert up.left_after_exit == [] and not alive(up.started)

"""Alerts reach someone: Alertmanager's configs, their routes for every rule, and a live
Prometheus firing our rules into a live Alertmanager that delivers to a loopback webhook."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from tests.support.deploy import ROOT, compose_config
from tooling.embedded import free_port

PROM = ROOT / "deploy" / "prometheus"
COMPOSE_AM = ROOT / "deploy" / "alertmanager" / "alertmanager.yml"
K8S_AM = ROOT / "deploy" / "k8s" / "monitoring" / "alertmanager.yml"
AMTOOL = shutil.which("amtool")
ALERTMANAGER = shutil.which("alertmanager") or shutil.which("prometheus-alertmanager")
PROMETHEUS = shutil.which("prometheus")
TEAMS = {"platform", "customer-service", "logistics"}

needs_amtool = pytest.mark.skipif(
    AMTOOL is None,
    reason="amtool not on PATH (Debian package prometheus-alertmanager; ./dev test installs it)",
)


def _yaml(path: Path) -> dict[str, Any]:
    return yaml.safe_load(path.read_text())  # type: ignore[no-any-return]


def _rules() -> list[dict[str, Any]]:
    return [r for g in _yaml(PROM / "alerts.yml")["groups"] for r in g["rules"] if "alert" in r]


def _amtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert AMTOOL is not None
    return subprocess.run([AMTOOL, *args], capture_output=True, text=True, timeout=60, check=False)


# --- configuration ---------------------------------------------------------------------------


@pytest.mark.quick
@needs_amtool
@pytest.mark.parametrize("path", [COMPOSE_AM, K8S_AM], ids=["compose", "kubernetes"])
def test_alertmanager_configs_are_valid(path: Path) -> None:
    result = _amtool("check-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.quick
def test_compose_and_kubernetes_route_and_inhibit_alike() -> None:
    compose, k8s = _yaml(COMPOSE_AM), _yaml(K8S_AM)
    assert compose["route"] == k8s["route"]
    assert compose["inhibit_rules"] == k8s["inhibit_rules"]
    assert [r["name"] for r in compose["receivers"]] == [r["name"] for r in k8s["receivers"]]


@pytest.mark.quick
def test_every_rule_names_its_team_and_severity() -> None:
    for rule in _rules():
        labels = rule.get("labels", {})
        assert labels.get("severity") in {"critical", "warning"}, rule["alert"]
        assert labels.get("team") in TEAMS, rule["alert"]


@pytest.mark.quick
@needs_amtool
def test_every_rule_routes_to_its_teams_receiver_for_its_severity() -> None:
    for rule in _rules():
        labels = rule["labels"]
        want = f"{labels['team']}-{'page' if labels['severity'] == 'critical' else 'mail'}"
        matchers = [f"{k}={v}" for k, v in {"alertname": rule["alert"], **labels}.items()]
        for path in (COMPOSE_AM, K8S_AM):
            result = _amtool("config", "routes", "test", f"--config.file={path}", *matchers)
            assert result.stdout.strip() == want, (rule["alert"], path.name, result.stdout)


@pytest.mark.quick
def test_both_prometheus_configs_send_alerts_to_alertmanager() -> None:
    compose = _yaml(PROM / "prometheus.yml")["alerting"]["alertmanagers"]
    targets = [t for am in compose for sc in am["static_configs"] for t in sc["targets"]]
    am_service = compose_config()["services"]["alertmanager"]
    assert targets == ["alertmanager:9093"]
    assert any(str(COMPOSE_AM.parent) == v["source"] for v in am_service["volumes"])
    k8s = _yaml(PROM / "prometheus-k8s.yml")["alerting"]["alertmanagers"]
    (keep,) = [r for am in k8s for r in am["relabel_configs"] if r.get("action") == "keep"]
    assert keep["regex"] == "alertmanager;web"


# --- live: Prometheus -> Alertmanager -> webhook ---------------------------------------------


class _Inbox:
    """A loopback webhook receiver: every notification, by the path (receiver) it came to."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        inbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                inbox.received.append((self.path.strip("/"), json.loads(body)))
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def alerts(self) -> list[tuple[str, dict[str, str]]]:
        """(receiver, labels) of every firing alert notified so far."""
        return [
            (receiver, alert["labels"])
            for receiver, body in list(self.received)
            for alert in body["alerts"]
            if alert["status"] == "firing"
        ]


class _Exporter:
    """A fake Kefu target exporting what a service exports after its first dead letter."""

    BODY = (
        b"# TYPE kefu_dead_letters_total counter\n"
        b'kefu_dead_letters_total{service="intake",consumer="intake-on_repair_completed",'
        b'reason="invalid"} 1\n'
    )

    def __init__(self) -> None:
        body = self.BODY

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _fast(route: dict[str, Any]) -> dict[str, Any]:
    """The same route tree with second-long timers, so a test need not wait half a minute."""
    out = {**route, "group_wait": "1s", "group_interval": "1s", "repeat_interval": "1h"}
    if "routes" in route:
        out["routes"] = [_fast(r) for r in route["routes"]]
    return out


def _test_alertmanager_config(webhook_port: int) -> dict[str, Any]:
    """Compose's routes and inhibit rules; each receiver a webhook at /<its name>."""
    config = _yaml(COMPOSE_AM)
    return {
        "route": _fast(config["route"]),
        "inhibit_rules": config["inhibit_rules"],
        "receivers": [
            {
                "name": r["name"],
                "webhook_configs": [{"url": f"http://127.0.0.1:{webhook_port}/{r['name']}"}],
            }
            for r in config["receivers"]
        ],
    }


# Rules that fire at once, one per route the real rules cannot reach within a test's time.
EXTRA_RULES = {
    "groups": [
        {
            "name": "routing-test",
            "rules": [
                {
                    "alert": "TestPlatformCritical",
                    "expr": "vector(1)",
                    "labels": {"severity": "critical", "team": "platform", "service": "projects"},
                },
                {
                    "alert": "TestLogisticsWarning",
                    "expr": "vector(1)",
                    "labels": {"severity": "warning", "team": "logistics"},
                },
            ],
        }
    ]
}


def _wait(check: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.2)
    raise AssertionError(f"{what} not within {timeout:.0f}s")


def _get(url: str) -> str:
    try:
        return httpx.get(url, timeout=2).text
    except httpx.HTTPError as exc:
        return repr(exc)


def _ready(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_a_firing_rule_reaches_its_teams_receiver_with_its_labels(
    tmp_path: Path, processes: list[subprocess.Popen[bytes]]
) -> None:
    if ALERTMANAGER is None or PROMETHEUS is None:
        pytest.skip(
            "Prometheus or Alertmanager not installed (Debian: prometheus, prometheus-alertmanager;"
            " ./dev test installs them)"
        )
    inbox, exporter = _Inbox(), _Exporter()
    am_port, prom_port = free_port(), free_port()
    (tmp_path / "alertmanager.yml").write_text(
        yaml.safe_dump(_test_alertmanager_config(inbox.port))
    )
    processes.append(
        subprocess.Popen(
            [
                ALERTMANAGER,
                f"--config.file={tmp_path / 'alertmanager.yml'}",
                f"--storage.path={tmp_path / 'am'}",
                f"--web.listen-address=127.0.0.1:{am_port}",
                "--cluster.listen-address=",
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / "alertmanager.log", "wb"),
        )
    )
    # The compose Prometheus config's alerting section, pointed at this Alertmanager.
    alerting = _yaml(PROM / "prometheus.yml")["alerting"]
    for am in alerting["alertmanagers"]:
        for sc in am["static_configs"]:
            sc["targets"] = [f"127.0.0.1:{am_port}"]
    (tmp_path / "extra.yml").write_text(yaml.safe_dump(EXTRA_RULES))
    prometheus = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(PROM / "alerts.yml"), str(tmp_path / "extra.yml")],
        "alerting": alerting,
        "scrape_configs": [
            {
                "job_name": "kefu",
                "honor_labels": True,
                "static_configs": [
                    {"targets": [f"127.0.0.1:{exporter.port}"], "labels": {"service": "intake"}}
                ],
            }
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(prometheus))
    processes.append(
        subprocess.Popen(
            [
                PROMETHEUS,
                f"--config.file={tmp_path / 'prometheus.yml'}",
                f"--storage.tsdb.path={tmp_path / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{prom_port}",
                # a rule that fires before the notifier knows its Alertmanager is resent soon
                "--rules.alert.resend-delay=1s",
            ],
            stdout=subprocess.DEVNULL,
            stderr=open(tmp_path / "prometheus.log", "wb"),
        )
    )
    try:
        _wait(lambda: _ready(f"http://127.0.0.1:{am_port}/-/ready"), 20, "Alertmanager ready")
        _wait(lambda: _ready(f"http://127.0.0.1:{prom_port}/-/ready"), 20, "Prometheus ready")

        def delivered() -> dict[str, tuple[str, dict[str, str]]]:
            by_name = {labels["alertname"]: (rcv, labels) for rcv, labels in inbox.alerts()}
            wanted = {"KefuDeadLetters", "TestPlatformCritical", "TestLogisticsWarning"}
            return by_name if wanted <= set(by_name) else {}

        by_name = _wait(delivered, 60, "the three alerts at their receivers")
    except AssertionError:
        logs = {
            p: (tmp_path / p).read_text()[-1500:] for p in ("alertmanager.log", "prometheus.log")
        }
        seen = {
            name: _get(f"http://127.0.0.1:{port}{path}")
            for name, port, path in (
                ("prometheus", prom_port, "/api/v1/alerts"),
                ("alertmanager", am_port, "/api/v2/alerts"),
            )
        }
        raise AssertionError(f"received {inbox.received!r}; {seen}; logs {logs}") from None
    # Our own rule, fed by the fake target: warning for the platform team, labels intact.
    receiver, labels = by_name["KefuDeadLetters"]
    assert receiver == "platform-mail"
    assert labels == {
        "alertname": "KefuDeadLetters",
        "severity": "warning",
        "team": "platform",
        "service": "intake",
        "consumer": "intake-on_repair_completed",
        "reason": "invalid",
    }
    # Severity picks the receiver within a team; the team picks the branch of the tree.
    assert by_name["TestPlatformCritical"][0] == "platform-page"
    assert by_name["TestLogisticsWarning"][0] == "logistics-mail"

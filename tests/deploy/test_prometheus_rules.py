"""Alert rules and Prometheus configs: promtool checks them and runs the rule unit tests."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

pytestmark = pytest.mark.quick

PROM = Path(__file__).resolve().parents[2] / "deploy" / "prometheus"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool not on PATH (Debian package `prometheus`; ./dev test installs it via apt)",
)

ALERTS = {
    "KefuDeadLetters",
    "KefuOutboxLag",
    "KefuConsumerLag",
    "KefuTimerLag",
    "KefuServiceDown",
    "KefuServiceAbsent",
    "KefuCallbacksOverdue",
    "KefuReceiptsOverdueGrowing",
}


def _promtool(*args: str, cwd: Path = PROM) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@needs_promtool
def test_promtool_check_rules() -> None:
    result = _promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"SUCCESS: {len(ALERTS)} rules found" in result.stdout


@needs_promtool
def test_promtool_rule_unit_tests_pass() -> None:
    result = _promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@needs_promtool
def test_compose_prometheus_config_is_valid(tmp_path: Path) -> None:
    # The compose file mounts deploy/prometheus at /etc/prometheus; point the rule file here.
    config = (PROM / "prometheus.yml").read_text()
    assert "/etc/prometheus/alerts.yml" in config
    (tmp_path / "prometheus.yml").write_text(
        config.replace("/etc/prometheus/alerts.yml", str(PROM / "alerts.yml"))
    )
    result = _promtool("check", "config", "prometheus.yml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_is_unit_tested_firing_and_quiet() -> None:
    rules = yaml.safe_load((PROM / "alerts.yml").read_text())
    names = {r["alert"] for g in rules["groups"] for r in g["rules"] if "alert" in r}
    assert names == ALERTS
    cases = yaml.safe_load((PROM / "alerts_test.yml").read_text())["tests"]
    firing: set[str] = set()
    quiet: set[str] = set()
    for case in cases:
        for check in case["alert_rule_test"]:
            (firing if check["exp_alerts"] else quiet).add(check["alertname"])
    assert firing == ALERTS, f"no firing case for {ALERTS - firing}"
    assert quiet == ALERTS, f"no quiet case for {ALERTS - quiet}"


def test_every_alert_names_a_runbook_section_that_exists() -> None:
    runbook = (PROM.parents[1] / "docs" / "RUNBOOK.md").read_text()
    # GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens
    anchors = {
        "#" + re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        for line in runbook.splitlines()
        if line.startswith("#")
    }
    rules = yaml.safe_load((PROM / "alerts.yml").read_text())
    for group in rules["groups"]:
        for rule in group["rules"]:
            target = rule["annotations"]["runbook"]
            assert target.startswith("docs/RUNBOOK.md#"), rule["alert"]
            assert target.removeprefix("docs/RUNBOOK.md") in anchors, (rule["alert"], target)


def test_kubernetes_scrape_config_keeps_the_job_names_the_alerts_use() -> None:
    # Debian's promtool is built without Kubernetes discovery, so only the shape is checked here.
    config = yaml.safe_load((PROM / "prometheus-k8s.yml").read_text())
    jobs = {j["job_name"]: j for j in config["scrape_configs"]}
    assert set(jobs) == {"kefu", "nats"}
    assert jobs["kefu"]["honor_labels"] is True
    targets = [r.get("target_label") for r in jobs["kefu"]["relabel_configs"]]
    assert "service" in targets
    assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]

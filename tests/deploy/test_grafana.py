"""Grafana provisioning and dashboards: every panel queries Prometheus with documented metrics."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.settings import SERVICES

pytestmark = pytest.mark.quick

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "deploy" / "grafana"
DASHBOARDS = sorted((GRAFANA / "dashboards").glob("*.json"))
METRICS_DOC = ROOT / "docs" / "OPERATIONS-METRICS.md"
DATASOURCE_UID = "prometheus"

# PromQL words that look like metric names but are not.
_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset"}
_KEYWORDS |= {"and", "or", "unless", "inf", "nan", "atan2"}
_HISTOGRAM_SUFFIXES = ("_bucket", "_sum", "_count")

# Metric names prometheus-nats-exporter emits with -jsz=all (collector/jsz.go) and the /varz
# fields the dashboards read; default prefixes `jetstream` and `gnatsd`.
NATS_EXPORTER_METRICS = {
    f"jetstream_{name}"
    for name in (
        "server_jetstream_disabled",
        "server_total_streams",
        "server_total_consumers",
        "server_total_messages",
        "server_total_message_bytes",
        "server_max_memory",
        "server_max_storage",
        "stream_total_messages",
        "stream_total_bytes",
        "stream_first_seq",
        "stream_last_seq",
        "stream_consumer_count",
        "consumer_delivered_consumer_seq",
        "consumer_delivered_stream_seq",
        "consumer_num_ack_pending",
        "consumer_num_redelivered",
        "consumer_num_waiting",
        "consumer_num_pending",
        "consumer_ack_floor_stream_seq",
        "consumer_ack_floor_consumer_seq",
    )
} | {"gnatsd_varz_connections", "gnatsd_varz_slow_consumers"}


def documented_metrics() -> dict[str, str]:
    """Metric name -> type, from the tables of docs/OPERATIONS-METRICS.md."""
    found: dict[str, str] = {}
    for line in METRICS_DOC.read_text().splitlines():
        m = re.match(r"^\|\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\s*\|\s*([^|]+)\|", line)
        if m:
            found[m.group(1)] = m.group(2).strip()
    return found


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression selects (functions, labels and keywords removed)."""
    e = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    e = re.sub(r"\{[^}]*\}", " ", e)
    e = re.sub(r"\[[^\]]*\]", " ", e)
    e = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", e)
    names: set[str] = set()
    for m in re.finditer(r"(?<![\w$.:])([a-zA-Z_:][\w:]*)(\s*\()?", e):
        if m.group(2) or m.group(1) in _KEYWORDS:
            continue
        names.add(m.group(1))
    return names


def is_documented(name: str, documented: dict[str, str]) -> bool:
    """A documented metric, or a histogram's _bucket/_sum/_count series, or `up`."""
    if name == "up" or name in documented:
        return True
    for suffix in _HISTOGRAM_SUFFIXES:
        base = name.removesuffix(suffix)
        if base != name and documented.get(base, "").startswith("histogram"):
            return True
    return False


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def _panels(board: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for p in board.get("panels", []):
        out.append(p)
        out.extend(p.get("panels", []))  # collapsed rows keep their panels inside
    return out


def _exprs(board: dict[str, Any]) -> list[str]:
    exprs = [t["expr"] for p in _panels(board) for t in p.get("targets", [])]
    for var in board.get("templating", {}).get("list", []):
        query = var.get("query")
        if isinstance(query, dict):
            query = query.get("query")
        if var.get("type") == "query" and query:
            exprs.append(re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", query))
    return exprs


def test_metric_name_extraction() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (app_name, le) (rate(x_seconds_bucket{app_name=~"kefu-($service)"}'
        "[$__rate_interval]))) - max by (region) (y offset 1d) > 0 or on(a) up unless z[5m] * 1e3"
    )
    assert metric_names(expr) == {"x_seconds_bucket", "y", "up", "z"}


def test_provisioning_points_grafana_at_prometheus_and_the_dashboard_folder() -> None:
    ds = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text())
    (source,) = ds["datasources"]
    assert (source["type"], source["uid"], source["url"]) == (
        "prometheus",
        DATASOURCE_UID,
        "http://prometheus:9090",
    )
    prov = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "kefu.yml").read_text())
    (provider,) = prov["providers"]
    assert provider["type"] == "file"
    path = provider["options"]["path"]
    assert path == "/var/lib/grafana/dashboards"
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./deploy/grafana/dashboards:{path}:ro" in mounts
    assert "./deploy/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts


def test_an_overview_and_one_dashboard_per_service() -> None:
    uids = [_load(p)["uid"] for p in DASHBOARDS]
    assert len(uids) == len(set(uids))
    assert sorted(uids) == sorted(["kefu-overview", *(f"kefu-{s}" for s in SERVICES)])
    for path in DASHBOARDS:
        assert path.stem == _load(path)["uid"]


@pytest.mark.parametrize("path", DASHBOARDS, ids=lambda p: p.stem)
def test_every_panel_has_a_datasource_and_a_promql_query(path: Path) -> None:
    board = _load(path)
    assert board["title"].startswith("Kefu / ")
    panels = _panels(board)
    assert panels
    ids = [p["id"] for p in panels]
    assert len(ids) == len(set(ids)), "panel ids repeat"
    for panel in panels:
        if panel["type"] == "row":
            continue
        where = f"{path.stem}: {panel['title']}"
        assert panel["datasource"]["uid"] == DATASOURCE_UID, where
        assert panel["datasource"]["type"] == "prometheus", where
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24, where
        targets = panel["targets"]
        assert targets, where
        ref_ids = [t["refId"] for t in targets]
        assert len(ref_ids) == len(set(ref_ids)), where
        for target in targets:
            assert isinstance(target["expr"], str) and target["expr"].strip(), where
            assert target.get("datasource", panel["datasource"])["uid"] == DATASOURCE_UID, where
            assert metric_names(target["expr"]), f"{where}: no metric in {target['expr']}"


def test_dashboards_use_only_documented_metrics() -> None:
    documented = documented_metrics()
    undocumented = {
        (path.stem, name)
        for path in DASHBOARDS
        for expr in _exprs(_load(path))
        for name in metric_names(expr)
        if not is_documented(name, documented)
    }
    assert not undocumented, f"add these to docs/OPERATIONS-METRICS.md: {sorted(undocumented)}"


def test_alert_rules_use_only_documented_metrics() -> None:
    documented = documented_metrics()
    rules = yaml.safe_load((ROOT / "deploy" / "prometheus" / "alerts.yml").read_text())
    used = {name for g in rules["groups"] for r in g["rules"] for name in metric_names(r["expr"])}
    assert used, "no metric found in alerts.yml"
    assert {n for n in used if not is_documented(n, documented)} == set()


def test_each_service_page_shows_all_and_only_its_business_metrics() -> None:
    documented = documented_metrics()
    for service in SERVICES:
        used = {
            n
            for e in _exprs(_load(GRAFANA / "dashboards" / f"kefu-{service}.json"))
            for n in metric_names(e)
        }
        business = {n for n in used if n.startswith("kefu_") and n.split("_")[1] in SERVICES}
        assert all(n.startswith(f"kefu_{service}_") for n in business), (service, business)
        own = {n for n in documented if n.startswith(f"kefu_{service}_")}
        shown = {n.removesuffix(s) for n in used for s in ("", *_HISTOGRAM_SUFFIXES)}
        assert own <= shown, f"{service}: not on its page: {own - shown}"


def test_documented_faststream_metrics_are_the_ones_faststream_exports() -> None:
    from faststream.prometheus.container import MetricsContainer
    from prometheus_client import CollectorRegistry

    container = MetricsContainer(CollectorRegistry(), custom_label_names=())
    exported: dict[str, str] = {}
    for slot in MetricsContainer.__slots__:
        if slot.startswith("_"):
            continue
        metric = getattr(container, slot)
        kind = metric._type
        name = metric._name + ("_total" if kind == "counter" else "")
        exported[name] = kind
    documented = {n: t for n, t in documented_metrics().items() if n.startswith("faststream_")}
    assert set(documented) == set(exported)
    for name, kind in exported.items():
        assert documented[name].startswith(kind), (name, documented[name], kind)


def test_documented_nats_metrics_are_ones_the_exporter_emits() -> None:
    documented = {
        n for n in documented_metrics() if n.startswith(("jetstream_", "gnatsd_", "nats_"))
    }
    assert documented
    assert documented <= NATS_EXPORTER_METRICS


def test_documented_platform_metrics_match_the_platform_code() -> None:
    from shared import deadletters, outbox, timers

    platform = {
        outbox.PUBLISHED._name + "_total": outbox.PUBLISHED._labelnames,
        outbox.PUBLISH_ERRORS._name + "_total": outbox.PUBLISH_ERRORS._labelnames,
        outbox.LAG._name: outbox.LAG._labelnames,
        timers.FIRED._name + "_total": timers.FIRED._labelnames,
        timers.TIMER_LAG._name: timers.TIMER_LAG._labelnames,
        deadletters.DEAD_LETTERS._name + "_total": deadletters.DEAD_LETTERS._labelnames,
    }
    rows = {
        m.group(1): [x.strip() for x in m.group(2).split(",")]
        for m in re.finditer(
            r"^\|\s*`(kefu_[a-z_]+)`\s*\|[^|]+\|([^|]*)\|", METRICS_DOC.read_text(), re.M
        )
    }
    for name, labels in platform.items():
        assert rows.get(name) == list(labels), name


@pytest.mark.skipif(
    shutil.which("promtool") is None, reason="promtool not on PATH (apt prometheus)"
)
def test_every_dashboard_query_is_valid_promql(tmp_path: Path) -> None:
    # promtool parses recording rules: one rule per query, Grafana's variables filled in.
    rules = []
    for path in DASHBOARDS:
        for i, expr in enumerate(_exprs(_load(path))):
            concrete = (
                expr.replace("$__rate_interval", "1m")
                .replace("$__interval", "1m")
                .replace("$service", ".*")
            )
            rules.append({"record": f"check:{path.stem.replace('-', '_')}:{i}", "expr": concrete})
    (tmp_path / "queries.yml").write_text(
        yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]})
    )
    promtool = shutil.which("promtool")
    assert promtool is not None
    result = subprocess.run(
        [promtool, "check", "rules", "queries.yml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr

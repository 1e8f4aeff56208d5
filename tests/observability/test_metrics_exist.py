"""Every metric docs/OPERATIONS-METRICS.md documents for a service is on that service's /metrics,
with the documented type and label names, as soon as the service has started."""

from __future__ import annotations

import importlib
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from shared.consumers import consumers_of
from shared.settings import SERVICES, Settings
from tests.support.harness import eventually, running
from tests.support.logistics import create, shipment_body

ROOT = Path(__file__).resolve().parents[2]
METRICS_DOC = ROOT / "docs" / "OPERATIONS-METRICS.md"
PLATFORM = "platform"
# The bulk runner's series: only services with a bulk consumer have them.
BULK = ("kefu_bulk_batch_size", "kefu_bulk_batch_duration_seconds", "kefu_bulk_isolated_runs_total")
_ROW = re.compile(r"^\|\s*`([a-zA-Z_:][a-zA-Z0-9_:]*)`\s*\|\s*([^|]+)\|\s*([^|]*)\|")


@dataclass(frozen=True)
class Documented:
    name: str
    type: str  # counter, gauge or histogram
    labels: frozenset[str]


def documented() -> dict[str, list[Documented]]:
    """The metric tables of the doc by section: `platform` and one per service."""
    sections: dict[str, list[Documented]] = {}
    current: str | None = None
    for line in METRICS_DOC.read_text().splitlines():
        if line.startswith("## "):
            title = line[3:].strip()
            current = PLATFORM if title.startswith("Platform") else title
            continue
        m = _ROW.match(line)
        if m and current is not None:
            labels = frozenset(x.strip() for x in m.group(3).split(",") if x.strip())
            kind = m.group(2).split()[0]
            sections.setdefault(current, []).append(Documented(m.group(1), kind, labels))
    return sections


def exported(text: str) -> dict[str, tuple[str, list[dict[str, str]]]]:
    """Metric name -> (type, label sets of its samples) from a /metrics page."""
    found: dict[str, tuple[str, list[dict[str, str]]]] = {}
    for family in text_string_to_metric_families(text):
        name = family.name + ("_total" if family.type == "counter" else "")
        samples = [
            {k: v for k, v in s.labels.items() if k != "le"}
            for s in family.samples
            if not s.name.endswith("_created")
        ]
        found[name] = (family.type, samples)
    return found


def missing(text: str, wanted: list[Documented], service: str | None) -> list[str]:
    """What of `wanted` the page lacks (platform metrics: a series of this service)."""
    page = exported(text)
    gaps = []
    for doc in wanted:
        if doc.name not in page:
            gaps.append(f"{doc.name}: absent")
            continue
        kind, samples = page[doc.name]
        if service is not None:
            samples = [s for s in samples if s.get("service") == service]
        if not samples:
            gaps.append(f"{doc.name}: no series" + (f" for service={service}" if service else ""))
        elif kind != doc.type:
            gaps.append(f"{doc.name}: type {kind}, documented {doc.type}")
        elif any(frozenset(s) != doc.labels for s in samples):
            seen = sorted({",".join(sorted(s)) for s in samples})
            gaps.append(f"{doc.name}: labels {seen}, documented {sorted(doc.labels)}")
    return gaps


def test_the_doc_has_a_table_for_the_platform_and_every_service() -> None:
    sections = documented()
    assert {PLATFORM, *SERVICES} <= set(sections)
    assert {d.name for d in sections[PLATFORM]} == {
        "kefu_outbox_lag_seconds",
        "kefu_outbox_published_total",
        "kefu_outbox_publish_errors_total",
        "kefu_timer_lag_seconds",
        "kefu_timers_fired_total",
        "kefu_dead_letters_total",
        "kefu_http_request_duration_seconds",
        *BULK,
    }
    for service in SERVICES:
        assert all(d.name.startswith(f"kefu_{service}_") for d in sections[service]), service


async def seed_region(settings: Settings) -> None:
    """One shipment, so logistics has a region: its gauges are per region, with none before."""
    from services.logistics.app import create_app

    async with running(create_app(settings)) as client:
        waybill = f"OBS{uuid.uuid4().hex[:10].upper()}"
        await create(client, shipment_body(waybill, "SH01", "BJ01", region="east"))


@pytest.mark.parametrize("service", SERVICES)
async def test_every_documented_metric_is_exported(service: str, settings: Settings) -> None:
    sections = documented()
    if service == "logistics":
        await seed_region(settings)
    create_app = importlib.import_module(f"services.{service}.app").create_app
    async with running(create_app(settings)) as client:

        async def gaps() -> list[str]:
            text = (await client.get("/metrics")).text
            # Dead letters come from durable consumers; a service with none (the console) has none.
            bulk = any(c.bulk for c in consumers_of(service))
            platform = [
                d
                for d in sections[PLATFORM]
                if (d.name != "kefu_dead_letters_total" or consumers_of(service))
                and (d.name not in BULK or bulk)
            ]
            return missing(text, sections[service], None) + missing(text, platform, service)

        async def complete() -> bool:
            return not await gaps()

        try:
            # Database gauges appear with the first refresh, right after start-up.
            await eventually(complete, timeout=10)
        except AssertionError:
            pytest.fail(f"{service}: {await gaps()}")

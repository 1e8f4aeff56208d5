"""Service levels: first contact 24 h, survey 72 h, the repair by its last planned day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from nats.js import JetStreamContext
from prometheus_client import REGISTRY

from services.aftersales.app import create_app
from shared.calendar import end_of_local_day, local_date
from shared.settings import Settings
from tests.support.aftersales import (
    ADMIN,
    emitted,
    new_id,
    opened_ticket,
    post,
    surveyed,
)
from tests.support.harness import eventually, running

pytestmark = pytest.mark.quick
HOUR = 3600


def breaches(step: str) -> float:
    return REGISTRY.get_sample_value("kefu_aftersales_sla_breaches_total", {"step": step}) or 0.0


def contacts() -> float:
    return REGISTRY.get_sample_value("kefu_aftersales_first_contact_seconds_count") or 0.0


async def test_sla_breached_when_the_timer_passes_and_the_step_is_not_done(
    settings: Settings, js: JetStreamContext
) -> None:
    app = create_app(settings)
    before_breaches, before_contacts = breaches("first_contact"), contacts()
    async with running(app) as client:
        late = await opened_ticket(client, js, new_id("prj"))
        on_time = await opened_ticket(client, js, new_id("prj"))
        await post(client, f"/v1/repairs/{on_time}/assignment", {"staff": "tech-1"})
        await post(
            client,
            f"/v1/repairs/{on_time}/survey-booking",
            {"at": (datetime.now(UTC) + timedelta(days=1)).isoformat()},
        )
        assert contacts() == before_contacts + 1
        late_view = (await client.get(f"/v1/repairs/{late}", headers=ADMIN)).json()
        opened_at = datetime.fromisoformat(late_view["opened_at"])

        assert await _due(app, f"{late}:first_contact") == opened_at + timedelta(hours=24)
        assert await _due(app, f"{late}:survey") == opened_at + timedelta(hours=72)

        timers = app.state.runtime.timers
        timers.clock_offset_seconds = 24 * HOUR + 120
        [first] = await eventually(
            lambda: emitted(js, "repair.sla.breached", repair_id=late, step="first_contact")
        )
        await eventually(lambda: _fired(app, f"{on_time}:first_contact"))
        on_time_view = (await client.get(f"/v1/repairs/{on_time}", headers=ADMIN)).json()
        assert "sla_breached" not in [h["action"] for h in on_time_view["history"]]
        assert await emitted(js, "repair.sla.breached", repair_id=late, step="survey") == []

        timers.clock_offset_seconds = 72 * HOUR + 120
        [survey] = await eventually(
            lambda: emitted(js, "repair.sla.breached", repair_id=late, step="survey")
        )
        await eventually(
            lambda: emitted(js, "repair.sla.breached", repair_id=on_time, step="survey")
        )
        history = (await client.get(f"/v1/repairs/{late}", headers=ADMIN)).json()["history"]
        metrics = (await client.get("/metrics")).text

    assert datetime.fromisoformat(first["due_at"]) == opened_at + timedelta(hours=24)
    assert datetime.fromisoformat(survey["due_at"]) == opened_at + timedelta(hours=72)
    assert first["customer_id"] == "cust-1" and first["staff"] is None
    assert [h["step"] for h in history if h["action"] == "sla_breached"] == [
        "first_contact",
        "survey",
    ]
    assert breaches("first_contact") >= before_breaches + 1
    assert 'kefu_aftersales_sla_breaches_total{step="first_contact"}' in metrics
    assert "kefu_aftersales_first_contact_seconds_bucket" in metrics
    assert "kefu_aftersales_survey_seconds_count" in metrics


async def test_backdated_repair_plan_breaches_at_once(
    settings: Settings, js: JetStreamContext
) -> None:
    async with running(create_app(settings)) as client:
        rid = await opened_ticket(client, js, new_id("prj"))
        survey_at = datetime.now(UTC) - timedelta(days=4)
        await surveyed(client, rid, at=survey_at, kind="other")
        await post(client, f"/v1/repairs/{rid}/quote-acceptance")
        repair_on = local_date(survey_at) + timedelta(days=1)
        await post(
            client,
            f"/v1/repairs/{rid}/schedule",
            {"date": repair_on.isoformat(), "duration_days": 2},
        )
        [event] = await eventually(
            lambda: emitted(js, "repair.sla.breached", repair_id=rid, step="repair")
        )
    due = end_of_local_day(repair_on + timedelta(days=1))
    assert datetime.fromisoformat(event["due_at"]) == due


async def _due(app: FastAPI, key: str) -> datetime | None:
    async with app.state.pool.acquire() as conn:
        due: datetime | None = await conn.fetchval(
            "SELECT due_at FROM aftersales.timers WHERE kind = 'repair.sla' AND key = $1", key
        )
    return due


async def _fired(app: FastAPI, key: str) -> bool:
    return await _due(app, key) is None

"""Opening tickets from events, the projections of projects, the supervision follow-up."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from nats.js import JetStreamContext

from services.aftersales.app import create_app
from services.projects.domain import add_years
from shared.calendar import local_date
from shared.contracts.notifications import CallbackCompleted, EntityRef
from shared.contracts.projects import MaterialItem, ProjectMaterialsRecorded
from shared.contracts.values import CallbackPurpose, EntityKind, Stage, Team
from shared.settings import Settings
from tests.support.aftersales import (
    ADMIN,
    complaint_opened,
    emitted,
    new_id,
    opened_ticket,
    photographed,
    post,
    publish,
    repair_requested,
    stage_changed,
    surveyed,
    tickets,
    wait_drained,
)
from tests.support.harness import eventually, running

pytestmark = pytest.mark.quick


async def test_duplicate_repair_requests_open_one_ticket(
    settings: Settings, js: JetStreamContext
) -> None:
    project = new_id("prj")
    request = repair_requested(project)
    # Same event redelivered past JetStream's dedupe (inbox), then the same request re-sent by
    # intake as a new event (unique source id).
    again = request.model_copy(update={"event_id": uuid.uuid4()})
    async with running(create_app(settings)) as client:
        await publish(js, request)
        await publish(js, request, msg_id=f"redelivery-{uuid.uuid4()}")
        await publish(js, again)
        await wait_drained(js, "on_repair_requested")
        items = await tickets(client, project_id=project)
        opened = await eventually(lambda: emitted(js, "repair.opened", project_id=project))
        view = (await client.get(f"/v1/repairs/{items[0]['id']}", headers=ADMIN)).json()
    assert len(items) == 1
    assert len(opened) == 1 and opened[0]["repair_id"] == items[0]["id"]
    assert opened[0]["causation_id"] == str(request.event_id)
    assert opened[0]["branch_id"] == "SH01" and opened[0]["customer_id"] == "cust-1"
    assert view["status"] == "opened" and view["branch_id"] == "SH01"
    assert view["address"] == "上海市徐汇区 1 号"
    assert view["history"][0]["action"] == "opened"
    assert view["history"][0]["source"] == f"repair.requested:{request.request_id}"


async def test_quality_complaint_on_a_finished_project_is_repaired_and_resolves_the_complaint(
    settings: Settings, js: JetStreamContext
) -> None:
    finished, unfinished, unknown = new_id("prj"), new_id("prj"), new_id("prj")
    today = local_date(datetime.now(UTC))
    async with running(create_app(settings)) as client:
        await publish(
            js, stage_changed(finished, Stage.COMPLETED, completed_on=today - timedelta(days=200))
        )
        await publish(js, stage_changed(unfinished, Stage.PAINTING_ACCEPTED, version=13))
        await wait_drained(js, "on_project_stage_changed")
        complaint = complaint_opened(finished)
        ignored = [
            complaint_opened(unfinished),
            complaint_opened(unknown),
            complaint_opened(finished, category="service"),
        ]
        for c in (complaint, complaint, *ignored):  # the first twice, as a redelivery
            await publish(js, c, msg_id=str(uuid.uuid4()))
        await wait_drained(js, "on_complaint_opened")
        [ticket] = await tickets(client, complaint_id=complaint.complaint_id)
        for c in ignored:
            assert await tickets(client, complaint_id=c.complaint_id) == []
        assert await tickets(client, project_id=unfinished) == []
        # A repair request for the same complaint does not open a second ticket.
        await publish(js, repair_requested(finished, complaint_id=complaint.complaint_id))
        await wait_drained(js, "on_repair_requested")
        assert len(await tickets(client, project_id=finished)) == 1

        rid = ticket["id"]
        answer = await surveyed(client, rid, kind="tile")
        assert answer["warranty"]["covered"] is True
        await post(
            client, f"/v1/repairs/{rid}/schedule", {"date": today.isoformat(), "duration_days": 1}
        )
        await photographed(client, rid)
        await post(
            client,
            f"/v1/repairs/{rid}/completion",
            {"evaluation_score": 5, "comment": "fixed in a morning"},
        )
        completed = await eventually(lambda: emitted(js, "repair.completed", repair_id=rid))
    assert ticket["project_id"] == finished and ticket["customer_id"] == "cust-2"
    assert ticket["problem"] == "tiles came loose in the kitchen"
    [event] = completed
    assert event["complaint_id"] == complaint.complaint_id
    assert event["customer_id"] == "cust-2" and event["project_id"] == finished
    assert event["evaluation_score"] == 5 and event["covered"] is True and event["fee_fen"] == 0
    assert event["staff"] == "tech-1" and event["source"] == "aftersales"


async def test_projections_skip_stale_versions_and_feed_the_material_list(
    settings: Settings, js: JetStreamContext
) -> None:
    project = new_id("prj")
    today = local_date(datetime.now(UTC))
    paint = MaterialItem(
        category="Paint",
        supplier="Nippon SH",
        brand="Nippon",
        model="A1",
        spec="5L",
        colour="NN-0301",
    )
    tile = MaterialItem(
        category="tile",
        supplier="Dongpeng",
        brand="Dongpeng",
        model="T600",
        spec="600x600",
        colour="white",
    )
    async with running(create_app(settings)) as client:
        # Newest first: the older events arrive late and must not win.
        await publish(
            js,
            stage_changed(
                project, Stage.WARRANTY, version=16, completed_on=today - timedelta(days=100)
            ),
        )
        await publish(js, stage_changed(project, Stage.PAINTING_ACCEPTED, version=13))
        await publish(
            js,
            ProjectMaterialsRecorded(
                project_id=project, items=[paint, tile], version=9, source="projects"
            ),
        )
        await publish(
            js,
            ProjectMaterialsRecorded(
                project_id=project, items=[tile], version=8, source="projects"
            ),
        )
        await wait_drained(js, "on_project_stage_changed", "on_project_materials_recorded")
        rid = await opened_ticket(client, js, project)
        answer = await surveyed(client, rid, kind="paint")
        scheduled = await post(
            client, f"/v1/repairs/{rid}/schedule", {"date": today.isoformat(), "duration_days": 2}
        )
        view = (await client.get(f"/v1/repairs/{rid}", headers=ADMIN)).json()
    # Still the warranty stage with its completion (version 16), not painting (13).
    assert answer["warranty"]["covered"] is True
    assert answer["warranty"]["ends_on"] == add_years(today - timedelta(days=100), 2).isoformat()
    assert scheduled["materials"] == [paint.model_dump()]
    assert view["materials"] == [paint.model_dump()]


async def test_supervision_follow_up_is_recorded_on_the_ticket(
    settings: Settings, js: JetStreamContext
) -> None:
    project = new_id("prj")
    async with running(create_app(settings)) as client:
        rid = await opened_ticket(client, js, project)
        followup = CallbackCompleted(
            source="notifications",
            callback_id=new_id("cb"),
            purpose=CallbackPurpose.REPAIR_FOLLOWUP,
            entity=EntityRef(kind=EntityKind.REPAIR, id=rid),
            due_at=datetime.now(UTC),
            team=Team.SUPERVISION,
            reached=True,
            satisfied=True,
            satisfaction=4,
            comment="happy with the fix",
            by="sup-3",
        )
        other = followup.model_copy(
            update={"event_id": uuid.uuid4(), "purpose": CallbackPurpose.REPAIR_CONTACT}
        )
        await publish(js, followup)
        await publish(js, other)
        await wait_drained(js, "on_callback_completed")
        history = (await client.get(f"/v1/repairs/{rid}", headers=ADMIN)).json()["history"]
    [entry] = [h for h in history if h["action"] == "supervision_followup"]
    assert entry["by"] == "sup-3" and entry["callback_id"] == followup.callback_id
    assert entry["reached"] is True and entry["satisfaction"] == 4
    assert entry["comment"] == "happy with the fix"
    assert [h["action"] for h in history] == ["opened", "supervision_followup"]

"""The customer's service file on real NATS + Postgres (《家装公司客服部工作流程》客户档案建立与客情维护
流程: 客户签订施工合同—建立客户资料/服务档案 …—客户资料整理入档案): opened by the construction
contract, holding the customer's projects, archived once the works are finished."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

import pytest
from nats.js import JetStreamContext

from shared.calendar import BUSINESS_TZ
from shared.contracts.projects import ProjectOpened, ProjectStageChanged
from shared.contracts.values import Stage
from shared.settings import Settings
from tests.support.harness import eventually
from tests.support.intake import ADMIN, auth, complaint_body, intake, lead_body, publish

pytestmark = pytest.mark.quick

SIGNED = datetime(2026, 3, 2, 15, tzinfo=BUSINESS_TZ)
DONE_ON = date(2026, 6, 30)


def opened(project_id: str, customer_id: str) -> ProjectOpened:
    return ProjectOpened(
        project_id=project_id, customer_id=customer_id, address="锦绣路", version=1
    )


def moved(
    project_id: str, customer_id: str, to: Stage, version: int, **kw: Any
) -> ProjectStageChanged:
    return ProjectStageChanged(
        project_id=project_id,
        customer_id=customer_id,
        from_stage=Stage.DESIGN,
        to_stage=to,
        at=kw.pop("at", SIGNED),
        by="eng-1",
        version=version,
        **kw,
    )


def completed(project_id: str, customer_id: str, version: int) -> ProjectStageChanged:
    return moved(
        project_id,
        customer_id,
        Stage.COMPLETED,
        version,
        at=datetime(2026, 6, 30, 16, tzinfo=BUSINESS_TZ),
        completed_on=DONE_ON,
        warranty_ends_on=date(2028, 6, 30),
    )


async def test_duty_service_file_opens_at_the_contract_and_is_archived_at_the_end(
    settings: Settings, js: JetStreamContext
) -> None:
    """建立客户资料/服务档案 at the construction contract; 客户资料整理入档案 once every contracted
    project is completed and no complaint is open; a second archive is refused."""
    cs = auth(settings, "cs", sub="cs-li")
    async with intake(settings) as (client, _):
        lead = await client.post("/v1/leads", json=lead_body(), headers=auth(settings, "reception"))
        cid = lead.json()["customer_id"]
        file = f"/v1/customers/{cid}/file"
        empty = (await client.get(file, headers=cs)).json()
        early = await client.post(f"{file}/archive", json={}, headers=cs)

        pid, dropped = str(uuid.uuid4()), str(uuid.uuid4())
        await publish(js, opened(pid, cid))
        await publish(js, opened(dropped, cid))  # a project never contracted stays out of it
        await publish(js, moved(pid, cid, Stage.CONTRACT, 6))

        async def at_stage(stage: str) -> Any:
            got = (await client.get(file, headers=cs)).json()
            stages = {p["project_id"]: p["stage"] for p in got["projects"]}
            return got if stages.get(pid) == stage and len(stages) == 2 else None

        signed = await eventually(lambda: at_stage("contract"))
        unfinished = await client.post(f"{file}/archive", json={}, headers=cs)
        await publish(js, completed(pid, cid, 14))
        await publish(js, moved(pid, cid, Stage.CONTRACT, 6, at=SIGNED))  # late: changes nothing
        done = await eventually(lambda: at_stage("completed"))
        note = {"note": "合同、保修单、竣工满意度调查表已归档"}
        engineering = await client.post(
            f"{file}/archive", json=note, headers=auth(settings, "engineering")
        )
        archived = await client.post(f"{file}/archive", json=note, headers=cs)
        again = await client.post(f"{file}/archive", json=note, headers=cs)
        shown = (await client.get(file, headers=auth(settings, "manager"))).json()
        branch = await client.get(file, headers=auth(settings, "branch", branch="SH01"))
        unknown = await client.get(f"/v1/customers/{uuid.uuid4()}/file", headers=ADMIN)
    assert (empty["status"], empty["projects"], empty["opened_at"]) == ("none", [], None)
    assert early.status_code == 409 and early.json()["code"] == "no_service_file"
    assert signed["status"] == "open"
    assert datetime.fromisoformat(signed["opened_at"]) == SIGNED
    assert unfinished.status_code == 409 and unfinished.json()["code"] == "projects_unfinished"
    assert pid in unfinished.json()["detail"] and dropped not in unfinished.json()["detail"]
    [project] = [p for p in done["projects"] if p["project_id"] == pid]
    assert (project["completed_on"], project["stage"]) == ("2026-06-30", "completed")
    assert engineering.status_code == 403
    assert archived.status_code == 200, archived.text
    assert archived.json()["status"] == "archived"
    assert archived.json()["archived"]["by"] == "cs-li"
    assert again.status_code == 409 and again.json()["code"] == "file_archived"
    assert shown["archived"]["note"] == note["note"] and shown["status"] == "archived"
    assert branch.status_code == 403 and unknown.status_code == 404


async def test_a_file_with_an_open_complaint_is_not_archived(
    settings: Settings, js: JetStreamContext
) -> None:
    """按客户整理备案入档: an open complaint keeps the file open."""
    cs = auth(settings, "cs", sub="cs-li")
    async with intake(settings) as (client, _):
        r = await client.post("/v1/complaints", json=complaint_body(), headers=cs)
        assert r.status_code == 201, r.text
        complaint = (await client.get(f"/v1/complaints/{r.json()['id']}", headers=cs)).json()
        cid = complaint["customer_id"]
        pid = str(uuid.uuid4())
        await publish(js, opened(pid, cid))
        await publish(js, moved(pid, cid, Stage.CONTRACT, 6))
        await publish(js, completed(pid, cid, 14))
        file = f"/v1/customers/{cid}/file"

        async def finished() -> Any:
            got = (await client.get(file, headers=cs)).json()
            return got if [p["stage"] for p in got["projects"]] == ["completed"] else None

        got = await eventually(finished)
        refused = await client.post(f"{file}/archive", json={}, headers=cs)
    assert got["open_complaints"] == 1
    assert refused.status_code == 409 and refused.json()["code"] == "complaints_open"

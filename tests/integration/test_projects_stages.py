"""Projects over HTTP: opening, the stage machine and each guard's 409, sign-offs, roles,
the events other services rely on (project.opened, project.stage.changed)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from services.projects.app import create_app
from services.projects.workflow import StaleVersion, Unit
from shared.calendar import BUSINESS_TZ as SHANGHAI
from shared.contracts.values import Stage
from shared.db import transaction
from tests.support.harness import eventually, running
from tests.support.projects import (
    ADMIN,
    DEPOSIT_FEN,
    Clock,
    auth,
    documents_for,
    drive,
    open_project,
    post,
    published,
    sign_all,
)

pytestmark = pytest.mark.quick


async def test_open_read_assign_and_project_opened(settings, js) -> None:
    async with running(create_app(settings)) as client:
        r = await client.post(
            "/v1/projects",
            json={"customer_id": "cust-1", "address": "上海 1 号", "designer": "d-1"},
            headers=auth(settings, "engineering", "eng-1"),
        )
        assert r.status_code == 201, r.text
        body = r.json()
        pid = body["id"]
        assert body["stage"] == "consultation" and body["version"] == 1

        got = (await client.get(f"/v1/projects/{pid}", headers=auth(settings, "cs"))).json()
        assert got["stage"] == "consultation" and got["version"] == 1
        assert got["contract"] is None and got["warranty"] is None
        assert got["payments"] == [] and got["signoffs"] == [] and got["deadlines"] == []
        assert got["installments"] == []

        r = await client.patch(
            f"/v1/projects/{pid}",
            json={"project_manager": "pm-7", "supervisor": "sup-1", "foreman": "fm-1"},
            headers=auth(settings, "manager"),
        )
        assert r.status_code == 200, r.text
        assert r.json()["project_manager"] == "pm-7" and r.json()["designer"] == "d-1"
        assert r.json()["version"] == 2

        opened = await eventually(lambda: published(js, "project.opened", project_id=pid))
        assert opened[0]["customer_id"] == "cust-1" and opened[0]["designer"] == "d-1"
        assert opened[0]["address"] == "上海 1 号" and opened[0]["source"] == "projects"

        # Roles, unknown ids and invalid bodies.
        assert (await client.get(f"/v1/projects/{pid}")).status_code == 401
        r = await client.post(
            f"/v1/projects/{pid}/transitions",
            json={"to": "measurement"},
            headers=auth(settings, "cs"),
        )
        assert r.status_code == 403
        r = await client.post(
            f"/v1/projects/{pid}/payments",
            json={"installment": "deposit", "amount_fen": 50_000},
            headers=auth(settings, "engineering"),
        )
        assert r.status_code == 403
        assert (await client.get("/v1/projects/nope", headers=ADMIN)).status_code == 404
        r = await client.post(
            f"/v1/projects/{pid}/transitions", json={"to": "demolition"}, headers=ADMIN
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "to"
        r = await client.post(
            f"/v1/projects/{pid}/transitions",
            json={"to": "measurement", "at": "2026-01-01T10:00:00"},
            headers=ADMIN,
        )
        assert r.status_code == 422, "a business time without offset is refused"


async def _refused(client, pid: str, to: str, code: str, **extra) -> dict:
    r = await client.post(
        f"/v1/projects/{pid}/transitions", json={"to": to, **extra}, headers=ADMIN
    )
    assert r.status_code == 409, r.text
    body = r.json()
    assert body["code"] == code, body
    return body


async def test_stage_machine_guards_each_answer_409_naming_the_rule(settings, js) -> None:
    async with running(create_app(settings)) as client:
        pid = await open_project(client)
        base = f"/v1/projects/{pid}"
        body = await _refused(client, pid, "quotation", "skipping")
        assert "next stage is `measurement`" in body["detail"]
        await _refused(client, pid, "consultation", "same_stage")
        await _refused(client, pid, "warranty", "automatic_stage")
        await post(client, f"{base}/transitions", {"to": "measurement", "note": "booked"})
        await _refused(client, pid, "consultation", "going_back")
        await _refused(client, pid, "quotation", "before_current_stage", at="2000-01-01T00:00:00Z")
        await post(client, f"{base}/transitions", {"to": "quotation"})

        # design_agreement needs the deposit (at least 500 yuan).
        body = await _refused(client, pid, "design_agreement", "deposit_unpaid")
        assert "500.00 yuan" in body["detail"]
        r = await client.post(
            f"{base}/payments",
            json={"installment": "deposit", "amount_fen": DEPOSIT_FEN},
            headers=auth(settings, "finance", "fin-1"),
        )
        assert r.status_code == 200, r.text
        # ... and the written quotation (四、报价: 以书面的形式向客户报价).
        body = await _refused(client, pid, "design_agreement", "documents_missing")
        assert "missing: the written quotation (书面报价)" in body["detail"]
        await documents_for(client, pid, Stage.DESIGN_AGREEMENT, Clock(None))
        await post(client, f"{base}/transitions", {"to": "design_agreement"})
        await post(client, f"{base}/transitions", {"to": "design"})

        # contract: the scheme approved, a signed contract and its documents; all named.
        body = await _refused(client, pid, "contract", "scheme_not_approved")
        assert [r["code"] for r in body["rules"]] == [
            "scheme_not_approved",
            "contract_not_signed",
            "documents_missing",
        ]
        r = await client.post(f"{base}/contract", json={"amount_fen": 20_000_000}, headers=ADMIN)
        assert r.status_code == 409 and r.json()["code"] == "scheme_not_approved"
        await post(client, f"{base}/approvals", {"what": "scheme_and_quote"})
        r = await client.post(f"{base}/contract", json={"amount_fen": 20_000_000}, headers=ADMIN)
        assert r.status_code == 409 and r.json()["code"] == "documents_missing"
        assert [x["code"] for x in r.json()["rules"]] == ["documents_missing"]
        await documents_for(client, pid, Stage.CONTRACT, Clock(None))
        contract = await post(client, f"{base}/contract", {"amount_fen": 20_000_000})
        assert contract["stage"] == "contract"

        # works_started: contract effective (first instalment paid), drawings signed, 4 parties.
        body = await _refused(client, pid, "works_started", "contract_not_effective")
        codes = [r["code"] for r in body["rules"]]
        assert codes == ["contract_not_effective", "drawings_not_signed", "signoffs_missing"]
        assert "0.00 yuan of 130,000.00 yuan" in body["detail"]
        assert "missing: supervisor, designer, foreman, customer" in body["detail"]
        await post(client, f"{base}/payments", {"installment": "first", "amount_fen": 13_000_000})
        await post(client, f"{base}/approvals", {"what": "construction_drawings"})
        await post(
            client,
            f"{base}/signoffs",
            {"stage": "works_started", "party": "supervisor", "name": "王监理"},
        )
        body = await _refused(client, pid, "works_started", "signoffs_missing")
        assert "missing: designer, foreman, customer" in body["detail"]
        # Sign-offs are completeness-checked: three of four is still refused.
        for party in ("designer", "foreman"):
            await post(
                client,
                f"{base}/signoffs",
                {"stage": "works_started", "party": party, "name": party},
            )
        body = await _refused(client, pid, "works_started", "signoffs_missing")
        assert body["detail"].endswith("missing: customer")
        await post(
            client,
            f"{base}/signoffs",
            {"stage": "works_started", "party": "customer", "name": "李女士"},
        )
        moved = await post(client, f"{base}/transitions", {"to": "works_started"})
        assert moved["stage"] == "works_started"

        # A sign-off for a stage already reached, or an unknown one, is refused.
        r = await client.post(
            f"{base}/signoffs",
            json={"stage": "works_started", "party": "customer", "name": "x"},
            headers=ADMIN,
        )
        assert r.status_code == 409 and r.json()["code"] == "stage_already_reached"
        r = await client.post(
            f"{base}/signoffs",
            json={"stage": "design", "party": "customer", "name": "x"},
            headers=ADMIN,
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "stage"

        # Trade acceptances need supervisor, foreman and customer (not the designer).
        body = await _refused(client, pid, "materials_accepted", "signoffs_missing")
        assert "needs the sign-offs of supervisor, foreman, customer" in body["detail"]
        await sign_all(client, pid, Stage.MATERIALS_ACCEPTED, Clock(None))
        await post(client, f"{base}/transitions", {"to": "materials_accepted"})

        got = (await client.get(base, headers=ADMIN)).json()
        assert [h["stage"] for h in got["history"]] == [
            "consultation",
            "measurement",
            "quotation",
            "design_agreement",
            "design",
            "contract",
            "works_started",
            "materials_accepted",
        ]
        assert got["history"][1]["note"] == "booked"
        assert len(got["signoffs"]) == 4 + 3


async def test_stage_changed_carries_what_consumers_need(settings, js) -> None:
    async with running(create_app(settings)) as client:
        pid = await open_project(
            client, project_manager="pm-stage", at=datetime(2026, 3, 1, tzinfo=SHANGHAI)
        )
        eng = auth(settings, "engineering", "eng-42")
        r = await client.post(
            f"/v1/projects/{pid}/transitions",
            json={"to": "measurement", "at": "2026-03-02T09:30:00+08:00"},
            headers=eng,
        )
        assert r.status_code == 200, r.text
        changed = await eventually(lambda: published(js, "project.stage.changed", project_id=pid))
        e = changed[0]
        assert (e["from_stage"], e["to_stage"]) == ("consultation", "measurement")
        assert e["by"] == "eng-42" and e["project_manager"] == "pm-stage"
        assert datetime.fromisoformat(e["at"]) == datetime(2026, 3, 2, 9, 30, tzinfo=SHANGHAI)
        assert e["version"] == 2
        assert e["customer_id"].startswith("cust-")
        assert e["completed_on"] is None and e["warranty_ends_on"] is None
        assert e["works_start_by"] is None

        # Completion carries its date and the warranty's end (2 years) at once.
        clock = Clock(datetime(2026, 3, 2, 10, tzinfo=SHANGHAI))
        await drive(client, pid, Stage.PAINTING_ACCEPTED, clock)
        # Signing names the last day to start (合同签订三日后开工), for engineering to arrange.
        signed = await published(js, "project.stage.changed", project_id=pid, to_stage="contract")
        assert signed[0]["works_start_by"] == "2026-03-05"
        await sign_all(client, pid, Stage.COMPLETED, clock)
        await documents_for(client, pid, Stage.COMPLETED, clock)
        await post(
            client,
            f"/v1/projects/{pid}/transitions",
            {"to": "completed", "at": "2026-06-30T15:00:00+08:00"},
        )
        done = await eventually(
            lambda: published(js, "project.stage.changed", project_id=pid, to_stage="completed")
        )
        assert done[0]["completed_on"] == "2026-06-30"
        assert done[0]["warranty_ends_on"] == "2028-06-30"
        versions = [
            e["version"] for e in await published(js, "project.stage.changed", project_id=pid)
        ]
        assert versions == sorted(versions) and len(versions) == 13


async def test_concurrent_change_is_refused_by_version(settings, js) -> None:
    async with running(create_app(settings)) as client:
        pid = await open_project(client)
        r = await client.post(
            f"/v1/projects/{pid}/transitions",
            json={"to": "measurement"},
            headers={**ADMIN, "If-Match": "1"},
        )
        assert r.status_code == 200 and r.json()["version"] == 2
        r = await client.post(
            f"/v1/projects/{pid}/transitions",
            json={"to": "quotation"},
            headers={**ADMIN, "If-Match": "1"},
        )
        assert r.status_code == 412, "a change made against an older version is refused"
        got = (await client.get(f"/v1/projects/{pid}", headers=ADMIN)).json()
        assert got["stage"] == "measurement" and got["version"] == 2


async def test_a_write_based_on_a_stale_read_is_refused(settings, js) -> None:
    """Optimistic concurrency: the state is written only if still at the version read."""
    app = create_app(settings)
    async with running(app) as client:
        pid = await open_project(client)
        async with app.state.pool.acquire() as conn, transaction(conn):
            unit = await Unit.load(app.state.runtime.context(conn), pid)
            assert unit is not None and unit.project.version == 1
            await post(client, f"/v1/projects/{pid}/transitions", {"to": "measurement"})
            await unit.transition(Stage.MEASUREMENT, datetime.now(SHANGHAI), "eng-2", None)
            with pytest.raises(StaleVersion):
                await unit.commit()
        got = (await client.get(f"/v1/projects/{pid}", headers=ADMIN)).json()
        assert got["version"] == 2 and [h["by"] for h in got["history"]] == [None, "admin"]


async def test_process_is_ready_and_documents_its_subjects(settings, js) -> None:
    async with running(create_app(settings)) as client:
        ready = await client.get("/readyz")
        assert ready.status_code == 200, ready.text
        doc = (await client.get("/asyncapi.json")).json()
        sends = {k for k, v in doc["operations"].items() if v["action"] == "send"}
        assert {
            "send project.opened",
            "send project.stage.changed",
            "send project.materials.recorded",
            "send project.payment.due",
            "send project.payment.overdue",
            "send project.payment.received",
            "send project.deadline.missed",
            "send report.published",
        } <= sends
        receives = {v["x-durable"] for v in doc["operations"].values() if v["action"] == "receive"}
        assert receives == {
            "projects-on_lead_registered",
            "projects-on_complaint_opened",
            "projects-on_callback_scheduled",
            "projects-on_callback_completed",
        }


async def test_duty_design_acceptance_booked_and_its_result_signed(settings, js) -> None:
    """十、中期验收: 设计师也可提前约请客户到现场进行设计验收 — the designer books it before the
    mid-term acceptance (the customer is told through project.design_acceptance.booked) and
    records the customer's signed result after the visit."""
    async with running(create_app(settings)) as client:
        pid = await open_project(client, designer="des-da")
        designer = auth(settings, "engineering", "des-da")
        now = datetime.now(SHANGHAI)
        visit = {"on": (now + timedelta(days=2)).isoformat()}
        r = await client.post(f"/v1/projects/{pid}/design-acceptance", json=visit, headers=designer)
        assert r.status_code == 409 and r.json()["code"] == "design_acceptance_stage"
        await drive(client, pid, Stage.WORKS_STARTED)
        other = auth(settings, "engineering", "des-other")
        r = await client.post(f"/v1/projects/{pid}/design-acceptance", json=visit, headers=other)
        assert r.status_code == 409 and r.json()["code"] == "not_the_designer"
        soon = {"on": (now + timedelta(minutes=2)).isoformat()}
        r = await client.post(f"/v1/projects/{pid}/design-acceptance", json=soon, headers=designer)
        assert r.status_code == 200, r.text
        booked = r.json()["design_acceptance"]
        assert (booked["booked_by"], booked["accepted"]) == ("des-da", None)
        [event] = await eventually(
            lambda: published(js, "project.design_acceptance.booked", project_id=pid)
        )
        assert (event["designer"], event["version"]) == ("des-da", r.json()["version"])
        assert datetime.fromisoformat(event["on"]) == datetime.fromisoformat(soon["on"])
        result = {"accepted": False, "notes": "电视墙改浅色", "customer_name": "孙丽"}
        early = await client.post(
            f"/v1/projects/{pid}/design-acceptance/result",
            json={**result, "at": now.isoformat()},
            headers=designer,
        )
        assert early.status_code == 422 and early.json()["errors"][0]["field"] == "at"
        r = await client.post(
            f"/v1/projects/{pid}/design-acceptance/result",
            json={**result, "at": (now + timedelta(minutes=11)).isoformat()},
            headers=designer,
        )
        assert r.status_code == 422  # a result may not be dated ahead of now
        r = await client.post(
            f"/v1/projects/{pid}/design-acceptance/result",
            json={**result, "at": (now + timedelta(minutes=3)).isoformat()},
            headers=designer,
        )
        assert r.status_code == 200, r.text
        done = (await client.get(f"/v1/projects/{pid}", headers=ADMIN)).json()["design_acceptance"]
    assert (done["accepted"], done["notes"], done["customer_name"]) == (
        False,
        "电视墙改浅色",
        "孙丽",
    )
    assert done["recorded_by"] == "des-da"

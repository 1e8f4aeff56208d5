"""Works' records over HTTP: materials (and the event aftersales keeps), material change forms,
drawing/budget reviews, quality inspections."""

from __future__ import annotations

import pytest

from services.projects.app import create_app
from shared.contracts.values import Stage
from shared.web.auth import issue_token
from tests.support.harness import eventually, running
from tests.support.projects import ADMIN, auth, drive, open_project, published

pytestmark = pytest.mark.quick

PAINT = {
    "category": "paint",
    "supplier": "立邦上海",
    "brand": "Nippon",
    "model": "A-100",
    "spec": "18L",
    "colour": "NN-0012 米白",
    "quantity": 6,
}
TILE = {"category": "tile", "brand": "东鹏", "model": "YF-600", "spec": "600x600", "colour": "灰"}


async def _n(coro, n: int):
    found = await coro
    return found if len(found) >= n else None


async def test_materials_are_recorded_and_published_as_the_full_list(settings, js) -> None:
    async with running(create_app(settings)) as client:
        pid = await open_project(client)
        await drive(client, pid, Stage.WORKS_STARTED)
        eng = auth(settings, "engineering", "eng-m")
        r = await client.post(f"/v1/projects/{pid}/materials", json={"items": [PAINT]}, headers=eng)
        assert r.status_code == 201, r.text
        first_version = r.json()["version"]
        r = await client.post(
            f"/v1/projects/{pid}/materials",
            json={"items": [TILE, {"category": "fixture", "brand": "TOTO"}]},
            headers=eng,
        )
        assert r.status_code == 201
        assert [i["category"] for i in r.json()["items"]] == ["paint", "tile", "fixture"]

        events = await eventually(
            lambda: _n(published(js, "project.materials.recorded", project_id=pid), 2)
        )
        assert [len(e["items"]) for e in events] == [1, 3]
        assert events[0]["version"] == first_version < events[1]["version"]
        paint = events[1]["items"][0]
        assert {k: paint[k] for k in ("supplier", "brand", "model", "spec", "colour")} == {
            "supplier": "立邦上海",
            "brand": "Nippon",
            "model": "A-100",
            "spec": "18L",
            "colour": "NN-0012 米白",
        }
        got = (
            await client.get(f"/v1/projects/{pid}/materials", headers=auth(settings, "cs"))
        ).json()
        assert got["items"][0]["quantity"] == 6.0 and got["items"][1]["supplier"] is None

        r = await client.post(f"/v1/projects/{pid}/materials", json={"items": []}, headers=eng)
        assert r.status_code == 422

        # A customer's material change needs the signed change form.
        r = await client.post(
            f"/v1/projects/{pid}/material-changes",
            json={"description": "瓷砖换成 800x800", "signed_by_customer": False},
            headers=eng,
        )
        assert r.status_code == 409 and r.json()["code"] == "change_not_signed"
        r = await client.post(
            f"/v1/projects/{pid}/material-changes",
            json={"description": "瓷砖换成 800x800", "signed_by_customer": True},
            headers=eng,
        )
        assert r.status_code == 201 and r.json()["signed_by_customer"] is True
        got = (await client.get(f"/v1/projects/{pid}/materials", headers=ADMIN)).json()
        assert [c["description"] for c in got["changes"]] == ["瓷砖换成 800x800"]


def head_of(settings, department: str, sub: str) -> dict[str, str]:
    """A department head's token."""
    token = issue_token(settings, role="dept_head", sub=sub, department=department)
    return {"Authorization": f"Bearer {token}"}


async def test_review_goes_through_panel_manager_and_designer(settings, js) -> None:
    """图纸、预算审核流程: 设计师交付—组成审核小组—审核小组打分—工程部经理审批—交回设计师修改—
    设计师有异议与审核小组沟通: the engineering manager forms the panel, only its members
    score, only the engineering manager approves or returns, never the designer."""
    async with running(create_app(settings)) as client:
        pid = await open_project(client, designer="designer-9")
        designer = auth(settings, "engineering", "designer-9")
        panel = auth(settings, "engineering", "panel-1")
        manager = head_of(settings, "engineering", "eng-manager")
        r = await client.post(
            f"/v1/projects/{pid}/reviews", json={"kind": "drawings"}, headers=designer
        )
        assert r.status_code == 201, r.text
        review = r.json()
        rid = review["id"]
        assert review["status"] == "submitted" and review["designer"] == "designer-9"

        async def do(path: str, body: dict, headers: dict, status: int = 200) -> dict:
            r = await client.post(f"/v1/reviews/{rid}/{path}", json=body, headers=headers)
            assert r.status_code == status, r.text
            return r.json()

        sheet = {"scores": {"尺寸标注": 8}, "details": "自评"}
        assert (await do("scores", sheet, panel, 409))["code"] == "no_panel"
        members = {"members": ["panel-1", "panel-2"]}
        for who in (panel, head_of(settings, "design", "design-head")):
            await do("panel", members, who, 403)
        bad = await do("panel", {"members": ["panel-1", "designer-9"]}, manager, 422)
        assert bad["errors"][0]["field"] == "members"
        formed = await do("panel", members, manager)
        assert (formed["panel"], formed["panel_by"]) == (["panel-1", "panel-2"], "eng-manager")
        assert (await do("scores", sheet, designer, 409))["code"] == "not_on_panel"
        bad = await do("scores", {"scores": {"尺寸标注": 11}, "details": "x"}, panel, 422)
        assert bad["errors"][0]["field"] == "scores"
        scored = await do(
            "scores", {"scores": {"尺寸标注": 7, "水电走向": 9}, "details": "标注不全"}, panel
        )
        assert scored["status"] == "scored" and scored["total_score"] == 16
        await do("approval", {}, designer, 403)
        await do("approval", {}, panel, 403)
        assert (await do("return", {"note": "补全标注"}, manager))["status"] == "returned"
        refused = await do("resubmission", {}, panel, 409)
        assert refused["code"] == "not_the_designer"
        again = await do("resubmission", {}, designer)
        assert again["status"] == "submitted" and again["round"] == 2 and again["scores"] == {}
        await do("scores", {"scores": {"尺寸标注": 6}, "details": "仍有遗漏"}, panel)
        disputed = await do("disputes", {"reason": "已按规范标注"}, designer)
        assert disputed["status"] == "disputed"
        await do("scores", {"scores": {"尺寸标注": 9}, "details": "复核通过"}, panel)
        approved = await do("approval", {}, manager)
        assert approved["status"] == "approved" and approved["total_score"] == 9
        assert (await do("approval", {}, manager, 409))["code"] == "review_state"
        got = (await client.get(f"/v1/reviews/{rid}", headers=auth(settings, "cs"))).json()
        assert [h["status"] for h in got["history"]] == [
            "submitted",
            "scored",
            "returned",
            "submitted",
            "scored",
            "disputed",
            "scored",
            "approved",
        ]
        assert (await client.get("/v1/reviews/nope", headers=ADMIN)).status_code == 404
        r = await client.post(f"/v1/reviews/{rid}/approval", json={}, headers=auth(settings, "cs"))
        assert r.status_code == 403


async def test_inspections_are_of_sites_under_construction(settings, js) -> None:
    async with running(create_app(settings)) as client:
        idle = await open_project(client)
        busy = await open_project(client)
        await drive(client, busy, Stage.WORKS_STARTED)
        eng = auth(settings, "engineering", "inspector-2")
        body = {"quality": 4, "progress": 3, "tidiness": 5, "problems": ["材料堆放杂乱", " "]}
        r = await client.post(f"/v1/projects/{busy}/inspections", json=body, headers=eng)
        assert r.status_code == 201, r.text
        got = r.json()
        assert got["mean"] == 4.0 and got["inspector"] == "inspector-2"
        assert got["problems"] == ["材料堆放杂乱"]
        r = await client.post(f"/v1/projects/{idle}/inspections", json=body, headers=eng)
        assert r.status_code == 409 and r.json()["code"] == "not_under_construction"
        r = await client.post(
            f"/v1/projects/{busy}/inspections", json={**body, "quality": 6}, headers=eng
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "quality"


async def test_duty_inspection_problems_are_published_to_be_handled_at_once(settings, js) -> None:
    """七、质量检查: 发现问题,及时处理 — each inspection is published with its problems at a new
    version of the project (a later clean inspection says they were handled)."""
    async with running(create_app(settings)) as client:
        pid = await open_project(client, project_manager="pm-fix")
        await drive(client, pid, Stage.WORKS_STARTED)
        before = (await client.get(f"/v1/projects/{pid}", headers=ADMIN)).json()["version"]
        eng = auth(settings, "engineering", "inspector-3")
        found = {"quality": 2, "progress": 4, "tidiness": 3, "problems": ["卫生间防水层破损"]}
        r = await client.post(f"/v1/projects/{pid}/inspections", json=found, headers=eng)
        assert r.status_code == 201, r.text
        clean = {"quality": 5, "progress": 4, "tidiness": 5}
        r = await client.post(f"/v1/projects/{pid}/inspections", json=clean, headers=eng)
        assert r.status_code == 201, r.text
        first, second = await eventually(
            lambda: _n(published(js, "project.inspection.recorded", project_id=pid), 2)
        )
        after = (await client.get(f"/v1/projects/{pid}", headers=ADMIN)).json()["version"]
    assert first["problems"] == ["卫生间防水层破损"] and second["problems"] == []
    assert (first["inspector"], first["project_manager"]) == ("inspector-3", "pm-fix")
    assert (first["quality"], first["progress"], first["tidiness"]) == (2, 4, 3)
    assert first["customer_id"].startswith("cust-") and first["inspection_id"]
    assert (first["version"], second["version"]) == (before + 1, before + 2) == (after - 1, after)


async def test_duty_material_acceptance_sheet_item_by_item(settings, js) -> None:
    """七、材料验收: 按合同规定的材料要求核对数量,品牌,型号,质量 — the delivery is checked against the
    recorded materials item by item; the sheet names each mismatch and what never came, and is
    kept with the project's materials."""
    async with running(create_app(settings)) as client:
        pid = await open_project(client)
        eng = auth(settings, "engineering", "eng-check")
        early = {"items": [{"category": "paint", "quality_ok": True}]}
        r = await client.post(f"/v1/projects/{pid}/material-checks", json=early, headers=eng)
        assert r.status_code == 409 and r.json()["code"] == "not_under_construction"
        await drive(client, pid, Stage.WORKS_STARTED)
        r = await client.post(f"/v1/projects/{pid}/material-checks", json=early, headers=eng)
        assert r.status_code == 409 and r.json()["code"] == "no_materials"
        r = await client.post(
            f"/v1/projects/{pid}/materials", json={"items": [PAINT, TILE]}, headers=eng
        )
        assert r.status_code == 201, r.text
        delivered = [
            {
                "category": "paint",
                "brand": "Nippon",
                "model": "A-100",
                "quantity": 5,
                "quality_ok": True,
            },
            {"category": "flooring", "brand": "圣象", "quality_ok": False, "note": "受潮"},
        ]
        r = await client.post(
            f"/v1/projects/{pid}/material-checks", json={"items": delivered}, headers=eng
        )
        assert r.status_code == 201, r.text
        sheet = r.json()
        bad = await client.post(
            f"/v1/projects/{pid}/material-checks",
            json={"items": [{"category": "paint"}]},
            headers=eng,
        )
        cs = await client.post(
            f"/v1/projects/{pid}/material-checks", json=early, headers=auth(settings, "cs")
        )
        kept = (await client.get(f"/v1/projects/{pid}/materials", headers=ADMIN)).json()["checks"]
    assert sheet["passed"] is False and sheet["checked_by"] == "eng-check"
    paint, flooring = sheet["items"]
    assert paint["mismatches"] == ["quantity"] and paint["expected"]["quantity"] == 6.0
    assert flooring["mismatches"] == ["not_contracted", "quality"] and flooring["expected"] is None
    assert flooring["note"] == "受潮"
    assert [m["category"] for m in sheet["missing"]] == ["tile"]
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "items.0.quality_ok"
    assert cs.status_code == 403
    assert kept == [sheet]

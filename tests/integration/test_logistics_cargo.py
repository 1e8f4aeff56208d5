"""Cargo exceptions on real servers (DOMAIN.md §4.2): photos in the object store, registration,
the daily truck check's reconciliation and the weekly summary, served and published."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta

import pytest
from pypdf import PdfReader

from shared.calendar import BUSINESS_TZ
from tests.support.harness import eventually
from tests.support.logistics import (
    ADMIN,
    create,
    db,
    events,
    service,
    shipment,
    shipment_body,
    today,
    token,
    uid,
)

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


def week_of(day) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


@pytest.mark.quick
async def test_photos_exceptions_and_the_truck_check(settings, js) -> None:
    u = uid()
    o, h, d = f"O{u}", f"H{u}", f"D{u}"
    a, b, c, e = (f"{x}{u}" for x in "ABCE")
    async with service(settings, photo_max_bytes=2048) as (client, _):
        for wb in (a, b, c, e):
            await create(client, shipment_body(wb, o, d, transfers=(h,)))
        hub = token(settings, "branch", branch=h, sub="hub-counter-3")
        r = await client.post(
            f"/v1/shipments/{a}/photos",
            headers=hub,
            files={"file": ("crate.png", PNG, "image/png")},
        )
        assert r.status_code == 201, r.text
        photo = r.json()
        assert photo["sha256"] == hashlib.sha256(PNG).hexdigest()
        r = await client.get(f"/v1/shipments/{a}/photos/{photo['photo_id']}", headers=ADMIN)
        assert r.status_code == 200 and r.content == PNG
        r = await client.post(
            f"/v1/shipments/{a}/photos",
            headers=hub,
            files={"file": ("notes.txt", b"hello", "text/plain")},
        )
        assert r.status_code == 415
        r = await client.post(
            f"/v1/shipments/{a}/photos",
            headers=hub,
            files={"file": ("big.png", PNG + b"\0" * 2048, "image/png")},
        )
        assert r.status_code == 413
        stranger = token(settings, "branch", branch=f"Z{u}")
        r = await client.post(
            f"/v1/shipments/{a}/photos",
            headers=stranger,
            files={"file": ("crate.png", PNG, "image/png")},
        )
        assert r.status_code == 404

        body = {
            "kind": "damage",
            "note": "crate split, 2 tiles broken",
            "station": h,
            "photo_ids": [photo["photo_id"]],
        }
        r = await client.post(f"/v1/shipments/{a}/exceptions", json=body, headers=hub)
        assert r.status_code == 201, r.text
        registered = r.json()
        bad = body | {"photo_ids": ["nope"]}
        r = await client.post(f"/v1/shipments/{a}/exceptions", json=bad, headers=hub)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "photo_ids"
        r = await client.post(
            f"/v1/shipments/{a}/exceptions", json=body | {"station": f"Q{u}"}, headers=ADMIN
        )
        assert r.status_code == 409
        told = await eventually(lambda: events(js, "shipment.exception.registered", waybill=a))
        assert told[0]["photos"] == [photo["photo_id"]] and told[0]["kind"] == "damage"
        assert told[0]["exception_id"] == registered["exception_id"]

        # The evening truck check at the hub: B one piece short, C missing, E not on the list,
        # and a waybill nobody knows.
        check = {
            "station": h,
            "truck": "沪B-77821",
            "handover": [
                {"waybill": a, "pieces": 3},
                {"waybill": b, "pieces": 2},
                {"waybill": c, "pieces": 1},
            ],
            "received": [
                {"waybill": a, "pieces": 3},
                {"waybill": b, "pieces": 1},
                {"waybill": e, "pieces": 1},
                {"waybill": f"NOPE{u}", "pieces": 2},
            ],
        }
        r = await client.post(
            "/v1/truck-checks", json=check, headers=token(settings, "branch", branch=o)
        )
        assert r.status_code == 403
        r = await client.post("/v1/truck-checks", json=check, headers=hub)
        assert r.status_code == 201, r.text
        result = r.json()
        found = {(f["waybill"], f["kind"]) for f in result["findings"]}
        assert found == {
            (b, "shortage"),
            (c, "shortage"),
            (e, "mismatch"),
            (f"NOPE{u}", "mismatch"),
        }
        notes = {f["waybill"]: f["note"] for f in result["findings"]}
        assert notes[b].endswith("listed 2 piece(s), received 1: 1 short")
        assert notes[c].endswith("listed 1 piece(s), none received")
        assert result["waybills_checked"] == 5
        told_all = await eventually(
            lambda: _n(events(js, "shipment.exception.registered", station=h), 5)
        )
        assert {x["waybill"]: x["kind"] for x in told_all if x["waybill"] != a} == {
            b: "shortage",
            c: "shortage",
            e: "mismatch",
            f"NOPE{u}": "mismatch",
        }
        got = await shipment(client, b)
        assert [(x["kind"], x["truck_check_id"]) for x in got["exceptions"]] == [
            ("shortage", result["id"])
        ]
        assert (await shipment(client, a))["exceptions"][0]["photo_ids"] == [photo["photo_id"]]

        # This week's summary per station and kind, as JSON and CSV.
        week = week_of(today())
        r = await client.get(
            f"/v1/reports/exceptions/weekly?week={week}", headers=token(settings, "cs")
        )
        assert r.status_code == 200
        mine = {
            (x["kind"], x["count"], tuple(x["waybills"]))
            for x in r.json()["lines"]
            if x["station"] == h
        }
        assert mine == {
            ("damage", 1, (a,)),
            ("mismatch", 2, tuple(sorted((e, f"NOPE{u}")))),
            ("shortage", 2, tuple(sorted((b, c)))),
        }
        r = await client.get(f"/v1/reports/exceptions/weekly?week={week}&format=csv", headers=ADMIN)
        assert r.headers["content-type"].startswith("text/csv")
        assert f"{h},shortage,2,{' '.join(sorted((b, c)))}" in r.text.splitlines()
        r = await client.get("/v1/reports/exceptions/weekly?week=2026-W60", headers=ADMIN)
        assert r.status_code == 422


@pytest.mark.quick
async def test_weekly_exception_summary_is_published_to_customer_service(settings, js) -> None:
    u = uid()
    o, h, d = f"O{u}", f"H{u}", f"D{u}"
    last_week = datetime.now(BUSINESS_TZ) - timedelta(days=7)
    async with service(settings) as (client, _):
        await create(client, shipment_body(f"A{u}", o, d, transfers=(h,)))
        r = await client.post(
            f"/v1/shipments/A{u}/exceptions",
            headers=ADMIN,
            json={
                "kind": "shortage",
                "note": "1 of 4 boxes missing",
                "station": h,
                "at": last_week.isoformat(),
            },
        )
        assert r.status_code == 201
        conn = await db(settings)
        try:
            await eventually(
                lambda: conn.fetchval(
                    "SELECT 1 FROM logistics.timers WHERE kind = 'report.exceptions_weekly'"
                )
            )
            await conn.execute(
                "UPDATE logistics.timers SET due_at = now() - interval '1 second'"
                " WHERE kind = 'report.exceptions_weekly'"
            )
            published = await eventually(
                lambda: events(js, "report.published", kind="exceptions_weekly")
            )
            due = await eventually(
                lambda: conn.fetchval(
                    "SELECT due_at FROM logistics.timers WHERE kind = 'report.exceptions_weekly'"
                    " AND due_at > now()"
                )
            )
        finally:
            await conn.close()
        report = published[-1]
        assert report["audience"] == "customer_service"
        assert report["period"] == week_of(last_week.date())
        lines = [x for x in report["summary"]["lines"] if x["station"] == h]
        assert lines == [{"station": h, "kind": "shortage", "count": 1, "waybills": [f"A{u}"]}]
        assert f"{h},shortage,1,A{u}" in report["csv"]
        local = due.astimezone(BUSINESS_TZ)
        assert (local.isoweekday(), local.hour) == (1, 8)
        assert timedelta(0) < due - datetime.now(BUSINESS_TZ) <= timedelta(days=7)


def pdf_text(content: bytes) -> str:
    """Every page's text, as a PDF reader extracts it."""
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


async def _n(coro, n: int):
    found = await coro
    return found if len(found) >= n else None


async def test_duty_the_hub_prints_its_day_of_cargo_exceptions(settings) -> None:
    """异常管理流程: 现场人员清点发现异常…在系统里面做异常处理,上传图片,并打印货物异常报表 — a
    station's exceptions of one day as JSON, CSV and a page to print (zh and en labels); a
    branch prints its own only."""
    u = uid()
    o, h, d = f"O{u}", f"H{u}", f"D{u}"
    a, b = f"PA{u}", f"PB{u}"
    now = datetime.now(BUSINESS_TZ)
    hub = token(settings, "branch", branch=h)
    async with service(settings) as (client, _):
        for wb in (a, b):
            await create(
                client, shipment_body(wb, o, d, transfers=(h,), dispatched=now - timedelta(hours=3))
            )
        for wb, kind, note in ((a, "damage", "外箱<破损>"), (b, "shortage", "少 2 件")):
            r = await client.post(
                f"/v1/shipments/{wb}/exceptions",
                json={"kind": kind, "note": note, "station": h, "at": now.isoformat()},
                headers=hub,
            )
            assert r.status_code == 201, r.text
        query = {"station": h, "day": today().isoformat()}
        r = await client.get("/v1/reports/exceptions/daily", params=query, headers=hub)
        assert r.status_code == 200, r.text
        report = r.json()
        assert (report["station"], report["total"]) == (h, 2)
        assert [(x["waybill"], x["kind"], x["note"]) for x in report["lines"]] == [
            (a, "damage", "外箱<破损>"),
            (b, "shortage", "少 2 件"),
        ]
        r = await client.get(
            "/v1/reports/exceptions/daily", params=query | {"format": "csv"}, headers=hub
        )
        header, *rows = r.text.strip().splitlines()
        assert header == "at,waybill,kind,note,photos,by,truck_check_id" and len(rows) == 2
        r = await client.get(
            "/v1/reports/exceptions/daily", params=query | {"format": "html"}, headers=hub
        )
        assert r.headers["content-type"].startswith("text/html")
        page = r.text
        assert "货物异常报表" in page and "Cargo exception report" in page
        assert "货损 damage" in page and "货差 shortage" in page
        assert "外箱&lt;破损&gt;" in page and "<破损>" not in page  # escaped
        # The same report as an A4 PDF: its text (read back with pypdf) has the heading, the
        # station, the day and every line; a day without exceptions says so.
        r = await client.get(
            "/v1/reports/exceptions/daily", params=query | {"format": "pdf"}, headers=hub
        )
        assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
        assert r.content.startswith(b"%PDF")
        assert f'filename="exceptions-{h}-{query["day"]}.pdf"' in r.headers["content-disposition"]
        text = pdf_text(r.content)
        assert (
            "货物异常报表" in text and h in text and query["day"] in text and "共 Total: 2" in text
        )
        assert a in text and b in text and "外箱<破损>" in text and "货差 shortage" in text
        assert "清点人 Counted by" in text and "货管部主管 Cargo supervisor" in text
        r = await client.get(
            "/v1/reports/exceptions/daily",
            params={"station": h, "day": "2026-01-05", "format": "pdf"},
            headers=hub,
        )
        assert r.status_code == 200 and "无异常 No exceptions" in pdf_text(r.content)
        r = await client.get(
            "/v1/reports/exceptions/daily", params=query | {"format": "docx"}, headers=hub
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "format"
        other = token(settings, "branch", branch=o)
        r = await client.get("/v1/reports/exceptions/daily", params=query, headers=other)
        assert r.status_code == 403
        r = await client.get(
            "/v1/reports/exceptions/daily",
            params={"station": h, "day": "2026-02-30"},
            headers=ADMIN,
        )
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "day"


async def test_duty_the_truck_check_records_damage_and_inaccurate_waybills(settings, js) -> None:
    """考评: 货损、货差、托运单信息准确性 — the evening check of a truck at the hub records damaged
    pieces and a waybill whose information is wrong, each an exception the supervisor is told of."""
    u = uid()
    o, h, d = f"O{u}", f"H{u}", f"D{u}"
    a, b = f"DA{u}", f"DB{u}"
    now = datetime.now(BUSINESS_TZ)
    hub = token(settings, "branch", branch=h)
    async with service(settings) as (client, _):
        for wb in (a, b):
            await create(
                client, shipment_body(wb, o, d, transfers=(h,), dispatched=now - timedelta(hours=3))
            )
        check = {
            "station": h,
            "truck": "沪B-12345",
            "handover": [{"waybill": a, "pieces": 4}, {"waybill": b, "pieces": 2}],
            "received": [
                {"waybill": a, "pieces": 4, "damaged": 1},
                {"waybill": b, "pieces": 2, "waybill_issue": "收货人电话缺失"},
            ],
        }
        r = await client.post("/v1/truck-checks", json=check, headers=hub)
        assert r.status_code == 201, r.text
        found = [(f["waybill"], f["kind"], f["note"]) for f in r.json()["findings"]]
        assert found == [
            (a, "damage", "truck 沪B-12345: 1 of 4 piece(s) damaged"),
            (b, "mismatch", "truck 沪B-12345: waybill information inaccurate: 收货人电话缺失"),
        ]
        told = await eventually(
            lambda: _n(events(js, "shipment.exception.registered", station=h), 2)
        )
        assert {(x["waybill"], x["kind"]) for x in told} == {(a, "damage"), (b, "mismatch")}
        too_many = check | {"received": [{"waybill": a, "pieces": 4, "damaged": 5}]}
        r = await client.post("/v1/truck-checks", json=too_many, headers=hub)
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "received"

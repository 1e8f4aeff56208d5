"""Branches change only what they own (issue 16, defect 5; docs/SECURITY.md): a branch that meets
another branch's customer or shipper by phone keeps its own view without changing theirs, and a
branch's reference to another branch's project is refused where the project is known, visibly
(a dead letter naming the reason). Every service runs with its whole runtime on real NATS and
Postgres (`conftest.platform`)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
from nats.js import JetStreamContext

from shared.calendar import local_date
from shared.contracts.projects import ProjectStageChanged
from shared.contracts.values import Stage
from shared.migrate import migrations_for
from shared.settings import Settings
from tests.security.conftest import ADMIN, Platform, bearer, uid
from tests.support.harness import eventually
from tests.support.projects import publish, published

OWNER, OTHER = "BJ02", "SH01"


def phone() -> str:
    """A mobile number no other test uses."""
    return f"137{uuid.uuid4().int % 10**8:08d}"


def ok(r: httpx.Response, status: int = 201) -> dict[str, Any]:
    """The JSON body of a call that must succeed."""
    assert r.status_code == status, f"{r.request.method} {r.request.url}: {r.status_code} {r.text}"
    body: dict[str, Any] = r.json()
    return body


def complaint(**fields: Any) -> dict[str, Any]:
    """A complaint form with the given customer or subject."""
    return {
        "channel": "phone",
        "category": "service",
        "severity": "normal",
        "description": "branch write probe",
        "department": "customer_service",
        **fields,
    }


def lead(name: str, number: str) -> dict[str, Any]:
    """A lead form for a customer."""
    return {
        "customer": {"name": name, "phone": number},
        "house": {"address": "北京市朝阳区安全路 1 号", "area_m2": 88.0, "layout": "2室1厅"},
    }


async def fetch(database_url: str, sql: str, *args: Any) -> list[asyncpg.Record]:
    """Rows of one statement, on the administrative connection."""
    conn = await asyncpg.connect(database_url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


async def dead_letters(database_url: str, schema: str, consumer: str, needle: str) -> list[str]:
    """The errors of a service's dead letters from one consumer that mention `needle`."""
    rows = await fetch(
        database_url,
        f"SELECT error FROM {schema}.dead_letters WHERE consumer = $1 AND strpos(error, $2) > 0",
        f"{schema}-{consumer}",
        needle,
    )
    return [r["error"] for r in rows]


async def forget(database_url: str, schema: str, consumer: str, needle: str) -> None:
    """Drop the dead letters a case made on purpose: the session's database is shared, and
    other suites count their own."""
    conn = await asyncpg.connect(database_url)
    try:
        await conn.execute(
            f"DELETE FROM {schema}.dead_letters WHERE consumer = $1 AND strpos(error, $2) > 0",
            f"{schema}-{consumer}",
            needle,
        )
    finally:
        await conn.close()


async def test_another_branch_never_renames_a_customer_and_sees_only_its_own_view(
    platform: Platform, settings: Settings, database_url: str, js: JetStreamContext
) -> None:
    owner, other = (
        bearer(settings, "branch", branch=OWNER),
        bearer(settings, "branch", branch=OTHER),
    )
    intake, u, number = platform.clients["intake"], uid(), phone()
    theirs, mine = f"北京王{u}", f"上海李{u}"
    customer_id = ok(await intake.post("/v1/leads", headers=owner, json=lead(theirs, number)))[
        "customer_id"
    ]

    filed = ok(
        await intake.post(
            "/v1/complaints",
            headers=other,
            json=complaint(customer={"name": mine, "phone": number}),
        )
    )
    seen = ok(await intake.get(f"/v1/complaints/{filed['id']}", headers=other), 200)
    assert seen["customer_id"] == customer_id  # one phone, one customer company-wide

    # The record keeps the owner's name and version; no customer.updated went out for it.
    (row,) = await fetch(
        database_url, "SELECT name, version FROM intake.customers WHERE id = $1", customer_id
    )
    assert (row["name"], row["version"]) == (theirs, 1)
    await eventually(
        lambda: published(js, "complaint.opened", complaint_id=filed["id"]), timeout=15
    )
    assert await published(js, "customer.updated", customer_id=customer_id) == []
    assert (
        ok(await intake.get(f"/v1/customers/{customer_id}", headers=ADMIN), 200)["name"] == theirs
    )
    assert (
        ok(await intake.get(f"/v1/customers/{customer_id}", headers=owner), 200)["name"] == theirs
    )

    # The other branch sees the customer as it named them, with its own records only.
    seen = ok(await intake.get(f"/v1/customers/{customer_id}", headers=other), 200)
    assert seen["name"] == mine and theirs not in str(seen)
    assert [e["id"] for e in seen["timeline"]] == [filed["id"]]
    found = ok(await intake.get("/v1/customers", headers=other, params={"phone": number}), 200)
    assert [(c["id"], c["name"]) for c in found["items"]] == [(customer_id, mine)]
    by_their_name = {"phone_last4": number[-4:], "name": theirs}
    by_my_name = {"phone_last4": number[-4:], "name": mine}
    assert (
        ok(await intake.get("/v1/customers", headers=other, params=by_their_name), 200)["items"]
        == []
    )
    assert [
        c["id"]
        for c in ok(await intake.get("/v1/customers", headers=other, params=by_my_name), 200)[
            "items"
        ]
    ] == [customer_id]

    # A later name from the other branch changes only its own view; the owner still renames.
    renamed = f"上海李二{u}"
    ok(
        await intake.post(
            "/v1/repair-requests",
            headers=other,
            json={
                "customer": {"name": renamed, "phone": number},
                "address": "上海市",
                "problem": "branch write probe",
            },
        )
    )
    ok(await intake.post("/v1/leads", headers=owner, json=lead(f"北京王二{u}", number)))
    (row,) = await fetch(
        database_url, "SELECT name, version FROM intake.customers WHERE id = $1", customer_id
    )
    assert (row["name"], row["version"]) == (f"北京王二{u}", 2)
    seen = ok(await intake.get(f"/v1/customers/{customer_id}", headers=other), 200)
    assert seen["name"] == renamed
    updated = await eventually(
        lambda: published(js, "customer.updated", customer_id=customer_id), timeout=15
    )
    assert [e["name"] for e in updated] == [f"北京王二{u}"]


def shipment(waybill: str, origin: str, shipper: dict[str, Any]) -> dict[str, Any]:
    """A shipment from `origin` to GZ03 for a shipper."""
    now = datetime.now(UTC)
    return {
        "waybill": waybill,
        "origin_branch": origin,
        "destination_branch": "GZ03",
        "region": "east",
        "transfers": 0,
        "transfer_branches": [],
        "promised_arrival_at": (now + timedelta(days=3)).isoformat(),
        "shipper": shipper,
        "consignee": {"name": "收货人", "phone": "13900000002"},
        "receipt": {"required": False},
    }


async def test_another_branch_never_renames_a_shipper_nor_marks_it_a_key_customer(
    platform: Platform, settings: Settings, database_url: str
) -> None:
    owner, other = (
        bearer(settings, "branch", branch=OWNER),
        bearer(settings, "branch", branch=OTHER),
    )
    desk = bearer(settings, "logistics", sub="logistics-desk")
    logistics, u, number = platform.clients["logistics"], uid(), phone()
    theirs = f"北京发货{u}"

    async def shipper() -> tuple[str, bool, int]:
        (row,) = await fetch(
            database_url,
            "SELECT name, key_customer, version FROM logistics.shippers WHERE phone = $1",
            number,
        )
        return row["name"], row["key_customer"], row["version"]

    first = ok(
        await logistics.post(
            "/v1/shipments",
            headers=owner,
            json=shipment(f"BWA{u}", OWNER, {"name": theirs, "phone": number}),
        )
    )
    mine = ok(
        await logistics.post(
            "/v1/shipments",
            headers=other,
            json=shipment(
                f"BWB{u}", OTHER, {"name": f"上海改名{u}", "phone": number, "key_customer": True}
            ),
        )
    )
    assert mine["shipper_id"] == first["shipper_id"]  # one phone, one shipper
    assert await shipper() == (theirs, False, 1)
    # The other branch's own shipment keeps the name it was given.
    waybill = ok(await logistics.get(f"/v1/shipments/BWB{u}", headers=other), 200)
    assert f"上海改名{u}" in str(waybill) and theirs not in str(waybill)

    # The logistics desk (company-wide) and the owning branch change it.
    key = {"name": theirs, "phone": number, "key_customer": True}
    ok(await logistics.post("/v1/shipments", headers=desk, json=shipment(f"BWC{u}", OWNER, key)))
    assert await shipper() == (theirs, True, 2)
    again = {"name": f"北京发货二{u}", "phone": number}
    ok(await logistics.post("/v1/shipments", headers=owner, json=shipment(f"BWD{u}", OWNER, again)))
    assert await shipper() == (f"北京发货二{u}", True, 3)


async def test_a_branch_cannot_refer_to_another_branchs_project(
    platform: Platform, settings: Settings, database_url: str, js: JetStreamContext
) -> None:
    owner, other = (
        bearer(settings, "branch", branch=OWNER),
        bearer(settings, "branch", branch=OTHER),
    )
    intake, aftersales = platform.clients["intake"], platform.clients["aftersales"]
    u = uid()
    registered = ok(await intake.post("/v1/leads", headers=owner, json=lead(f"业主{u}", phone())))

    async def opened() -> str | None:
        r = await platform.clients["projects"].get(
            "/v1/projects", headers=ADMIN, params={"lead_id": registered["id"]}
        )
        items = r.json().get("items", []) if r.status_code == 200 else []
        return str(items[0]["id"]) if items else None

    project_id: str = await eventually(opened, timeout=30)
    # The project finished, as projects announces it (stamped with the project's branch), so
    # that aftersales knows it and a quality complaint about it would open a repair.
    done = local_date(datetime.now(UTC)) - timedelta(days=30)
    await publish(
        js,
        ProjectStageChanged(
            source="projects",
            branch_id=OWNER,
            project_id=project_id,
            customer_id=registered["customer_id"],
            from_stage=Stage.PAINTING_ACCEPTED,
            to_stage=Stage.COMPLETED,
            at=datetime.now(UTC),
            by="engineering-1",
            completed_on=done,
            warranty_ends_on=done + timedelta(days=730),
            version=1000,
        ),
    )

    async def known() -> bool:
        rows = await fetch(
            database_url,
            "SELECT 1 FROM aftersales.projects WHERE project_id = $1 AND stage = 'completed'",
            project_id,
        )
        return bool(rows)

    await eventually(known, timeout=15)

    customer = {"name": f"报修{u}", "phone": phone()}
    repair = {"customer": customer, "address": "上海市", "problem": f"漏水{u}"}
    ok(
        await intake.post(
            "/v1/repair-requests", headers=other, json={**repair, "project_id": project_id}
        )
    )
    subject = {"kind": "project", "id": project_id}
    quality = complaint(customer=customer, category="quality", subject=subject)
    ok(await intake.post("/v1/complaints", headers=other, json=quality))
    # The owner's own request is taken: the refusal is about the branch, not the project.
    ok(
        await intake.post(
            "/v1/repair-requests", headers=owner, json={**repair, "project_id": project_id}
        )
    )

    async def refused() -> tuple[list[str], list[str], list[str]] | None:
        found = (
            await dead_letters(database_url, "aftersales", "on_repair_requested", project_id),
            await dead_letters(database_url, "aftersales", "on_complaint_opened", project_id),
            await dead_letters(database_url, "projects", "on_complaint_opened", project_id),
        )
        return found if all(found) else None

    letters = await eventually(refused, timeout=30)
    for schema, consumer in (
        ("aftersales", "on_repair_requested"),
        ("aftersales", "on_complaint_opened"),
        ("projects", "on_complaint_opened"),
    ):
        await forget(database_url, schema, consumer, project_id)
    for errors in letters:
        assert len(errors) == 1 and errors[0].startswith("rejected: "), errors
        assert f"from branch {OTHER}" in errors[0] and f"of branch {OWNER}" in errors[0]

    async def tickets() -> list[dict[str, Any]] | None:
        r = await aftersales.get("/v1/repairs", headers=ADMIN, params={"project_id": project_id})
        items: list[dict[str, Any]] = r.json().get("items", [])
        return items or None

    found = await eventually(tickets, timeout=15)
    assert [t["branch_id"] for t in found] == [OWNER]
    counted = await fetch(
        database_url, "SELECT 1 FROM projects.project_complaints WHERE project_id = $1", project_id
    )
    assert counted == []


async def test_a_complaint_about_a_shipment_off_the_branchs_route_is_refused(
    platform: Platform, settings: Settings, database_url: str, js: JetStreamContext
) -> None:
    owner, other = (
        bearer(settings, "branch", branch=OWNER),
        bearer(settings, "branch", branch=OTHER),
    )
    on_route = bearer(settings, "branch", branch="GZ03")
    u = uid()
    waybill = f"BWS{u}"
    ok(
        await platform.clients["logistics"].post(
            "/v1/shipments",
            headers=owner,
            json=shipment(waybill, OWNER, {"name": f"发货{u}", "phone": phone()}),
        )
    )
    subject = {"kind": "shipment", "id": waybill}
    intake = platform.clients["intake"]
    for token in (on_route, other):
        customer = {"name": f"投诉{u}", "phone": phone()}
        ok(
            await intake.post(
                "/v1/complaints", headers=token, json=complaint(customer=customer, subject=subject)
            )
        )

    async def refused() -> list[str]:
        return await dead_letters(database_url, "logistics", "on_complaint_opened", waybill)

    (error,) = await eventually(refused, timeout=30)
    assert error.startswith("rejected: ") and f"from branch {OTHER}" in error

    async def drained() -> bool:
        info = await js.consumer_info("EVENTS", "logistics-on_complaint_opened")
        return info.num_pending == 0 and info.num_ack_pending == 0

    await eventually(drained, timeout=15)
    # The destination's complaint about it is taken: only the branch off the route is refused.
    assert await refused() == [error]
    await forget(database_url, "logistics", "on_complaint_opened", waybill)


async def test_the_migration_gives_existing_shippers_the_branch_of_their_first_shipment(
    database_url: str,
) -> None:
    """Shippers registered before `branch_id` (NULL) get the origin of their first shipment;
    run on rows made for it in a transaction rolled back."""
    (migration,) = [m for m in migrations_for("logistics") if m.name.endswith("_shipper_owner.sql")]
    add = "ALTER TABLE logistics.shippers ADD COLUMN branch_id text;"
    assert add in migration.sql
    backfill = migration.sql.split(add, 1)[1]
    u = uid()
    used, unused = f"shp_mig_used_{u}", f"shp_mig_unused_{u}"
    conn = await asyncpg.connect(database_url)
    try:
        tx = conn.transaction()
        await tx.start()
        for sid in (used, unused):
            await conn.execute(
                "INSERT INTO logistics.shippers (shipper_id, name, phone) VALUES ($1, 'x', $2)",
                sid,
                phone(),
            )
        for waybill, origin, days in ((f"MGA{u}", "SH01", 1), (f"MGB{u}", "GZ03", 2)):
            await conn.execute(
                "INSERT INTO logistics.shipments (waybill, origin_branch, destination_branch,"
                " region, transfers, promised_arrival_at, dispatched_at, shipper_id,"
                " shipper_name, shipper_phone, consignee_name, consignee_phone,"
                " consignee_kind, created_by, created_at)"
                " VALUES ($1, $2, 'BJ02', 'east', 0, now(), now(), $3, 'x', '13700000000',"
                " 'y', '13900000000', 'person', 'test', now() - make_interval(days => $4))",
                waybill,
                origin,
                used,
                days,
            )
        await conn.execute("SET LOCAL ROLE kefu_logistics")
        await conn.execute(backfill)
        rows = await conn.fetch(
            "SELECT shipper_id, branch_id FROM logistics.shippers WHERE shipper_id = ANY($1)",
            [used, unused],
        )
        await tx.rollback()
    finally:
        await conn.close()
    assert {r["shipper_id"]: r["branch_id"] for r in rows} == {used: "GZ03", unused: None}

"""Branches change only what they own (issue 16, defect 5; docs/SECURITY.md): a branch that meets
another branch's customer or shipper by phone keeps its own view without changing theirs, and a
branch's reference to another branch's project is refused where the project is known, visibly
(a dead letter naming the reason). Every service runs with its whole runtime on real NATS and
Postgres (`conftest.platform`)."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import httpx
from nats.js import JetStreamContext

from shared.settings import Settings
from tests.security.conftest import ADMIN, Platform, bearer, uid
from tests.support.harness import eventually
from tests.support.projects import published

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

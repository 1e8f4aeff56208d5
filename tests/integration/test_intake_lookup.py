"""Finding a customer on an inbound call (GET /v1/customers) on real Postgres: by the whole
phone however typed, by the last four digits with the name, a branch only its own."""

from __future__ import annotations

import pytest

from tests.support.intake import ADMIN, auth, complaint_body, intake, lead_body

pytestmark = pytest.mark.quick


async def test_a_customer_is_found_by_phone_or_by_last_four_and_name(settings) -> None:
    reception = auth(settings, "reception", sub="rec-zhang")
    async with intake(settings) as (client, _):
        wang = await client.post("/v1/leads", json=lead_body(), headers=reception)
        other = lead_body(customer={"name": "王芳", "phone": "13900005678"})
        await client.post("/v1/leads", json=other, headers=reception)
        li = lead_body(customer={"name": "李明", "phone": "13700005678"})
        await client.post("/v1/leads", json=li, headers=reception)
        wang_id = wang.json()["customer_id"]

        r = await client.get("/v1/customers", params={"phone": "138 1234 5678"}, headers=reception)
        assert r.status_code == 200, r.text
        assert r.json() == {
            "items": [
                {"id": wang_id, "name": "王芳", "phone": "138****5678", "phone_full": "13812345678"}
            ],
            "next_cursor": None,
        }
        # The last four and the name: both 王芳 ending 5678, one page at a time; 李明 is not one.
        params = {"phone_last4": "5678", "name": "王芳", "limit": 1}
        first = (await client.get("/v1/customers", params=params, headers=reception)).json()
        rest = await client.get(
            "/v1/customers", params={**params, "cursor": first["next_cursor"]}, headers=reception
        )
        names = [i["name"] for i in first["items"] + rest.json()["items"]]
        assert names == ["王芳", "王芳"] and rest.json()["next_cursor"] is None

        for bad, field in (
            ({}, "phone"),
            ({"phone_last4": "5678"}, "name"),
            ({"phone": "abc"}, "phone"),
            ({"phone_last4": "56"}, "phone_last4"),
        ):
            r = await client.get("/v1/customers", params=bad, headers=reception)
            assert r.status_code == 422, bad
            assert r.json()["errors"][0]["field"] == field

        # A branch finds the customers it has records of, and sees no whole number.
        branch = auth(settings, "branch", branch="SH01")
        assert (
            await client.get("/v1/customers", params={"phone": "13812345678"}, headers=branch)
        ).json()["items"] == []
        mine = complaint_body(customer={"name": "王芳", "phone": "13812345678"})
        assert (await client.post("/v1/complaints", json=mine, headers=branch)).status_code == 201
        found = (
            await client.get("/v1/customers", params={"phone": "13812345678"}, headers=branch)
        ).json()["items"]
        assert [(c["id"], c["phone_full"]) for c in found] == [(wang_id, None)]
        card = await client.get(f"/v1/customers/{wang_id}", headers=ADMIN)
        assert card.json()["phone_full"] == "13812345678"

"""Identifiers derived from personal data cannot be reversed (issue 16, defect 4): a shipper id
shown beside a masked phone (137****1234) must not give the number back by trying the 10,000
numbers the mask hides, under any plain hash a developer might have used; and the migration that
re-keys existing shippers tells the consumers through the bus."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable

import pytest

from services.logistics.domain import new_shipper_id
from shared.contracts.logistics import ShipperRegistered
from shared.migrate import migrations_for
from shared.privacy import keyed_digest, pseudonym
from shared.settings import Settings
from tests.support.logistics import ADMIN, db, service, shipment_body, uid

# The namespaces and plain hashes an identifier "derived from the phone" could have used.
_OLD_NS = uuid.UUID("6b656675-0000-4000-8000-6c6f67697374")
PLAIN: dict[str, Callable[[str], str]] = {
    "uuid5(kefu)": lambda p: uuid.uuid5(_OLD_NS, p).hex,
    "uuid5(url)": lambda p: uuid.uuid5(uuid.NAMESPACE_URL, p).hex,
    "uuid3(url)": lambda p: uuid.uuid3(uuid.NAMESPACE_URL, p).hex,
    "md5": lambda p: hashlib.md5(p.encode()).hexdigest(),
    "sha1": lambda p: hashlib.sha1(p.encode()).hexdigest(),
    "sha256": lambda p: hashlib.sha256(p.encode()).hexdigest(),
}


def reverse(shown_id: str, masked: str) -> list[str]:
    """Every phone behind the mask whose plain hash gives the id shown (the attack)."""
    token = shown_id.removeprefix("shp_")
    head, tail = masked[:3], masked[-4:]
    found = []
    for middle in range(10_000):
        phone = f"{head}{middle:04d}{tail}"
        found += [name for name, h in PLAIN.items() if h(phone).startswith(token)]
    return found


@pytest.mark.quick
async def test_a_shipper_id_does_not_give_the_phone_back(settings: Settings) -> None:
    u = uid()
    phone = f"137{int(u, 16) % 10**8:08d}"
    async with service(settings) as (client, _):
        body = shipment_body(f"DI{u}", f"O{u}", f"D{u}", shipper_phone=phone)
        first = await client.post("/v1/shipments", json=body, headers=ADMIN)
        assert first.status_code == 201, first.text
        # The same shipper typed differently is the same shipper (found by its phone).
        spaced = f"{phone[:3]}-{phone[3:7]} {phone[7:]}"
        again = shipment_body(f"DJ{u}", f"O{u}", f"D{u}", shipper_phone=spaced)
        second = await client.post("/v1/shipments", json=again, headers=ADMIN)
        assert second.status_code == 201, second.text
    shown = first.json()["shipper_id"]
    assert second.json()["shipper_id"] == shown
    masked = f"{phone[:3]}****{phone[-4:]}"
    assert reverse(shown, masked) == []
    # New ids are random, not a function of anything.
    assert new_shipper_id() != new_shipper_id()


@pytest.mark.quick
def test_the_platform_derives_from_personal_data_only_with_its_key() -> None:
    phone = "13712341234"
    with pytest.raises(ValueError, match="secret key"):
        keyed_digest(b"", phone)
    a, b = b"k" * 32, b"K" * 32
    assert keyed_digest(a, phone) != keyed_digest(b, phone)
    assert pseudonym(a, "shipper", phone) != pseudonym(a, "customer", phone)
    assert all(not h(phone).startswith(pseudonym(a, "shipper", phone)) for h in PLAIN.values())


async def test_the_migration_rekeys_existing_shippers_and_tells_consumers(
    settings: Settings,
) -> None:
    """Old-style rows (uuid5 of the phone) re-keyed by 0002 in a transaction rolled back."""
    (migration,) = [m for m in migrations_for("logistics") if m.name.startswith("0002_")]
    u = uid()
    phones = {"key": f"136{int(u, 16) % 10**8:08d}", "plain": f"135{int(u, 16) % 10**8:08d}"}
    old = {k: f"shp_{uuid.uuid5(_OLD_NS, p).hex[:20]}" for k, p in phones.items()}
    # The attack works on the ids Kefu made before: the masked phone and the id give it back.
    assert reverse(old["key"], f"{phones['key'][:3]}****{phones['key'][-4:]}") == ["uuid5(kefu)"]
    conn = await db(settings)
    try:
        tx = conn.transaction()
        await tx.start()
        for kind, phone in phones.items():
            await conn.execute(
                "INSERT INTO logistics.shippers (shipper_id, name, phone, key_customer, version)"
                " VALUES ($1, $2, $3, $4, 3)",
                old[kind],
                f"货主{kind}",
                phone,
                kind == "key",
            )
        await conn.execute(
            "INSERT INTO logistics.shipments (waybill, origin_branch, destination_branch,"
            " region, transfers, promised_arrival_at, dispatched_at, shipper_id, shipper_name,"
            " shipper_phone, consignee_name, consignee_phone, consignee_kind, created_by)"
            " VALUES ($1, 'SH01', 'BJ02', 'east', 0, now(), now(), $2, 'x', $3, 'y', $4,"
            " 'person', 'test')",
            f"MG{u}",
            old["key"],
            phones["key"],
            phones["plain"],
        )
        before = await conn.fetchval("SELECT coalesce(max(id), 0) FROM logistics.outbox")
        await conn.execute("SET LOCAL ROLE kefu_logistics")
        await conn.execute(migration.sql)
        rows = {
            r["phone"]: r
            for r in await conn.fetch(
                "SELECT * FROM logistics.shippers WHERE phone = ANY($1::text[])",
                list(phones.values()),
            )
        }
        new = {k: rows[p]["shipper_id"] for k, p in phones.items()}
        assert all(new[k] != old[k] and new[k].startswith("shp_") for k in phones)
        assert all(reverse(new[k], f"{p[:3]}****{p[-4:]}") == [] for k, p in phones.items())
        assert {r["version"] for r in rows.values()} == {4}
        shipment = await conn.fetchval(
            "SELECT shipper_id FROM logistics.shipments WHERE waybill = $1", f"MG{u}"
        )
        assert shipment == new["key"]
        published = [
            ShipperRegistered.model_validate(json.loads(bytes(r["payload"])))
            for r in await conn.fetch(
                "SELECT payload FROM logistics.outbox WHERE id > $1 AND subject = $2",
                before,
                "shipper.registered",
            )
        ]
        mine = {(e.shipper_id, e.key_customer, e.phone) for e in published}
        assert (new["key"], True, phones["key"]) in mine
        assert (new["plain"], False, phones["plain"]) in mine
        # The key customer's monthly calls filed under the old id end; nothing else names it.
        assert (old["key"], False, phones["key"]) in mine
        assert all(e.shipper_id != old["plain"] for e in published)
        ours = [e for e in published if e.phone in phones.values()]
        assert len(ours) == 3 and all(e.source == "logistics" and e.version == 4 for e in ours)
        await tx.rollback()
    finally:
        await conn.close()

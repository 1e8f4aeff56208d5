"""deploy/nats/accounts.conf on a real nats-server: who may publish, bind and read what."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import importlib.util
import inspect
import json
import os
import re
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from nats.js import JetStreamContext, api

from shared.consumers import CONSUMERS
from shared.contracts import REPORTERS
from shared.objects import ObjectStore
from shared.settings import SERVICES
from shared.streams import declare
from tooling.embedded import free_port, nats_binary
from tooling.processes import stop_group

pytestmark = pytest.mark.quick

ACCOUNTS = Path(__file__).resolve().parents[2] / "deploy" / "nats" / "accounts.conf"
USERS = ("kefu-admin", *SERVICES, "branch-SH01", "branch-BJ01", "reader-bi", "sys")
# The services with events of their own (the console publishes none: it only reads callback.>).
PUBLISHERS = tuple(s for s in SERVICES if importlib.util.find_spec(f"shared.contracts.{s}"))
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 256


def _env_name(user: str) -> str:
    return f"KEFU_{user.removeprefix('kefu-').replace('-', '_').upper()}_NATS_PASSWORD"


def _password(user: str) -> str:
    return f"pw-{user}"


@dataclass
class Server:
    port: int

    def url(self, user: str) -> str:
        return f"nats://{user}:{_password(user)}@127.0.0.1:{self.port}"


@dataclass
class Errors:
    seen: list[str] = field(default_factory=list)

    async def record(self, exc: Exception) -> None:
        self.seen.append(str(exc))

    def denied_publish(self) -> set[str]:
        return {
            m.group(1)
            for e in self.seen
            if (m := re.search(r'permissions violation for publish to "([^"]+)"', e))
        }


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    home = tmp_path_factory.mktemp("nats-accounts")
    (home / "accounts.conf").write_text(ACCOUNTS.read_text())
    port = free_port()
    (home / "server.conf").write_text(
        f'port: {port}\nhost: "127.0.0.1"\n'
        f'jetstream {{store_dir: "{home / "js"}"}}\ninclude accounts.conf\n'
    )
    env = dict(os.environ) | {_env_name(u): _password(u) for u in USERS}
    check = subprocess.run(
        [nats_binary(), "-t", "-c", str(home / "server.conf")],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stderr + check.stdout
    with open(home / "nats.log", "wb") as log:
        proc = subprocess.Popen(
            [nats_binary(), "-c", str(home / "server.conf")],
            env=env,
            stdout=log,
            stderr=log,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 15
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                    break
                except OSError:
                    assert proc.poll() is None, (home / "nats.log").read_text()
                    assert time.monotonic() < deadline, "nats-server did not start"
                    time.sleep(0.1)
            yield Server(port)
        finally:
            stop_group(proc, timeout=10)


async def _connect(server: Server, user: str, errors: Errors | None = None, **kw: object) -> Client:
    return await nats.connect(
        server.url(user),
        error_cb=(errors or Errors()).record,
        max_reconnect_attempts=0,
        **kw,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
async def declared(server: Server) -> AsyncIterator[Server]:
    admin = await _connect(server, "kefu-admin")
    try:
        # what the migration Job does with the administrative user: `kefu bus declare`
        await declare(admin.jetstream())
    finally:
        await admin.close()
    yield server


def _owned_subjects() -> dict[str, set[str]]:
    """Subject -> the services allowed to publish it, from the contract modules."""
    owners: dict[str, set[str]] = {}
    for module_name in (*PUBLISHERS, "reports", "ingest"):
        module = importlib.import_module(f"shared.contracts.{module_name}")
        for _, cls in inspect.getmembers(module, inspect.isclass):
            subject = getattr(cls, "SUBJECT", "")
            if cls.__module__ != module.__name__ or not isinstance(subject, str) or not subject:
                continue
            subject = subject.replace("*", "SH01")
            if module_name in PUBLISHERS:
                owners.setdefault(subject, set()).add(module_name)
            elif module_name == "reports":
                owners.setdefault(subject, set()).update(REPORTERS)
            else:
                owners.setdefault(subject, set())  # ingest: branches only
    return owners


async def test_each_service_publishes_exactly_the_subjects_it_owns(declared: Server) -> None:
    owners = _owned_subjects()
    assert len(owners) > 30 and "ingest.SH01.shipment.scanned" in owners
    for service in SERVICES:
        errors = Errors()
        nc = await _connect(declared, service, errors)
        try:
            for subject in owners:
                await nc.publish(subject, b"{}")
            await nc.flush()
            await asyncio.sleep(0.2)
        finally:
            await nc.close()
        allowed = {s for s, who in owners.items() if service in who}
        assert allowed or service not in PUBLISHERS, service
        # nats-py reports the server's error text lower-cased
        assert errors.denied_publish() == {s.lower() for s in set(owners) - allowed}, service


async def test_a_service_binds_fetches_and_acks_its_own_consumers(declared: Server) -> None:
    errors = Errors()
    nc = await _connect(declared, "intake", errors)
    admin = await _connect(declared, "kefu-admin")
    try:
        js = nc.jetstream(timeout=2)
        # FastStream's path: pull_subscribe looks the durable up (consumer info), then binds
        sub = await js.pull_subscribe(
            "callback.completed", durable="intake-on_callback_completed", stream="EVENTS"
        )
        while True:  # settle what other tests left in the stream
            try:
                for old in await sub.fetch(100, timeout=0.5):
                    await old.ack_sync()
            # nats-py raises the bare asyncio one when the deadline is gone before it asks
            # (a busy machine), as the platform's own fetch loops know (shared/bus.py).
            except (TimeoutError, nats.errors.TimeoutError):
                break
        await admin.jetstream().publish(
            "callback.completed", b"{}", headers={"Nats-Msg-Id": "cb-1"}
        )
        (msg,) = await sub.fetch(1, timeout=10)  # bounded waits, generous for a busy machine
        await msg.nak(delay=0.1)  # the platform's retry: a nak with a delay
        (again,) = await sub.fetch(1, timeout=10)
        assert again.metadata.num_delivered == 2
        assert again.headers == {"Nats-Msg-Id": "cb-1"}
        await again.ack_sync()
        # the bulk runner and the advisory sweeper bind without a lookup
        await js.pull_subscribe_bind(durable="intake-advisories", stream="ADVISORIES")
        # the sweeper reads the original message of a max-deliveries advisory
        original = await js.get_msg("EVENTS", again.metadata.sequence.stream)
        assert original.subject == "callback.completed"
        assert errors.seen == []
    finally:
        await nc.close()
        await admin.close()


async def test_a_service_cannot_touch_other_consumers_or_manage_streams(
    declared: Server,
) -> None:
    errors = Errors()
    nc = await _connect(declared, "intake", errors)
    js = nc.jetstream(timeout=0.5)
    attempts = {
        "$JS.API.CONSUMER.INFO.EVENTS.projects-on_callback_completed": js.consumer_info(
            "EVENTS", "projects-on_callback_completed"
        ),
        "$JS.API.CONSUMER.CREATE.EVENTS.intake-sneaky": js.add_consumer(
            "EVENTS", api.ConsumerConfig(durable_name="intake-sneaky", name="intake-sneaky")
        ),
        "$JS.API.CONSUMER.DELETE.EVENTS.intake-on_callback_completed": js.delete_consumer(
            "EVENTS", "intake-on_callback_completed"
        ),
        "$JS.API.STREAM.DELETE.EVENTS": js.delete_stream("EVENTS"),
        "$JS.API.STREAM.MSG.GET.INGEST": js.get_msg("INGEST", 1),
    }
    try:
        for attempt in attempts.values():
            with pytest.raises(nats.errors.TimeoutError):
                await attempt
        sub = await nc.subscribe("complaint.>")
        await nc.flush()
        await asyncio.sleep(0.2)
        assert {s.lower() for s in attempts} <= errors.denied_publish()
        assert any('subscription to "complaint.>"' in e for e in errors.seen)
        await sub.unsubscribe()
    finally:
        await nc.close()
    admin = await _connect(declared, "kefu-admin")
    names = await admin.jetstream().consumers_info("EVENTS")
    await admin.close()
    assert "intake-sneaky" not in {c.name for c in names}
    assert "intake-on_callback_completed" in {c.name for c in names}


async def test_a_branch_publishes_only_under_its_own_code(declared: Server) -> None:
    errors = Errors()
    nc = await _connect(declared, "branch-SH01", errors, inbox_prefix="_INBOX.SH01")
    try:
        js = nc.jetstream(timeout=2)
        ack = await js.publish(
            "ingest.SH01.shipment.scanned", b"{}", headers={"Nats-Msg-Id": "scan-1"}
        )
        assert ack.stream == "INGEST"
        for subject in ("ingest.BJ01.shipment.scanned", "complaint.opened", "$JS.API.INFO"):
            await nc.publish(subject, b"{}")
        await nc.subscribe("_INBOX.BJ01.>")
        await nc.flush()
        await asyncio.sleep(0.2)
        assert errors.denied_publish() == {
            "ingest.bj01.shipment.scanned",
            "complaint.opened",
            "$js.api.info",
        }
        assert any('subscription to "_inbox.bj01.>"' in e.lower() for e in errors.seen)
    finally:
        await nc.close()


async def test_other_teams_read_events_and_cannot_write_them(declared: Server) -> None:
    reader = await _connect(declared, "reader-bi")
    intake = await _connect(declared, "intake")
    admin = await _connect(declared, "kefu-admin")
    try:
        complaints = await reader.subscribe("complaint.>")
        customers = await reader.subscribe("customer.>")
        await reader.flush()
        before = (await admin.jetstream().stream_info("EVENTS")).state.messages
        await intake.publish("complaint.opened", b'{"n": 1}')
        await intake.publish("customer.registered", b'{"phone": "13812345678"}')
        await intake.flush()
        got = await complaints.next_msg(timeout=2)
        assert (got.subject, got.data) == ("complaint.opened", b'{"n": 1}')
        with pytest.raises(nats.errors.TimeoutError):
            await customers.next_msg(timeout=0.3)  # personal data is not exported
        # a reader's publish stays in its own account
        await reader.publish("complaint.opened", b'{"forged": true}')
        await reader.flush()
        await asyncio.sleep(0.2)
        after = (await admin.jetstream().stream_info("EVENTS")).state.messages
        assert after == before + 2
    finally:
        for nc in (reader, intake, admin):
            await nc.close()


async def test_photo_buckets_belong_to_their_service(declared: Server) -> None:
    errors = Errors()
    aftersales = await _connect(declared, "aftersales", errors)
    logistics = await _connect(declared, "logistics")
    try:
        store = ObjectStore(aftersales.jetstream(timeout=2), "kefu-aftersales")
        stored = await store.put(PNG, "image/png")
        assert await store.get(stored.id) == PNG
        assert errors.seen == []
        foreign = ObjectStore(logistics.jetstream(timeout=0.5), "kefu-aftersales")
        with pytest.raises(nats.errors.TimeoutError):
            await foreign.get(stored.id)
    finally:
        await aftersales.close()
        await logistics.close()


def test_every_durable_consumer_is_granted_to_its_service_only() -> None:
    text = ACCOUNTS.read_text()
    for spec in CONSUMERS:
        subject = f'"$JS.API.CONSUMER.MSG.NEXT.{spec.stream}.{spec.durable}"'
        assert text.count(subject) == 1, spec.durable
        block = text.split(f"{spec.service.upper()}_PERMS = {{", 1)[1].split("\n}\n", 1)[0]
        assert subject in block, spec.durable


HISTORY_SUBJECTS = (
    "lead", "complaint", "repair", "project", "shipper", "shipment", "receipt", "callback",
    "notification", "report",
)  # fmt: skip


async def test_other_teams_read_history_through_a_stream_of_their_own(declared: Server) -> None:
    """docs/SUBSCRIBING.md as written: a READERS stream sourcing EVENTS, one source per exported
    subject, gets what was published before it existed and what comes after; a source asking
    for customer.> (or any subject not exported) gets nothing."""
    admin = await _connect(declared, "kefu-admin")
    reader = await _connect(declared, "reader-bi")
    name = f"KEFU_HISTORY_{uuid.uuid4().hex[:6].upper()}"
    try:
        ajs, rjs = admin.jetstream(), reader.jetstream()
        marker = uuid.uuid4().hex
        body = json.dumps({"marker": marker, "pad": "x" * 2000}).encode()
        before = 12000  # ~24 MB: past the flow-control window, so the copy needs $JS.FC.EVENTS
        for n in range(before):
            await ajs.publish("complaint.opened", body, headers={"Nats-Msg-Id": f"{marker}-{n}"})
        await ajs.publish("customer.registered", b'{"phone": "13812345678"}')
        await ajs.publish("lead.registered", body)
        external = api.ExternalStream(api="$JS.KEFU.API", deliver=f"kefu.history.{name}")
        sources = [
            api.StreamSource(name="EVENTS", filter_subject=f"{s}.>", external=external)
            for s in HISTORY_SUBJECTS
        ]
        await rjs.add_stream(api.StreamConfig(name=name, subjects=[], sources=sources))

        async def copied(n: int) -> bool:
            info = await rjs.stream_info(name)
            subjects = await _subjects(rjs, name)
            return info.state.messages >= n and subjects >= {"complaint.opened", "lead.registered"}

        await eventually(lambda: copied(before + 1), timeout=60)
        await ajs.publish("repair.requested", body)  # live, after the stream was made
        await eventually(lambda: copied(before + 2), timeout=20)
        subjects = await _subjects(rjs, name)
        assert not any(s.startswith("customer.") for s in subjects), subjects

        # Asking for personal data: the consumer create is not exported, nothing arrives.
        sneaky = f"{name}_SNEAKY"
        customer = api.StreamSource(name="EVENTS", filter_subject="customer.>", external=external)
        await rjs.add_stream(api.StreamConfig(name=sneaky, subjects=[], sources=[customer]))
        await asyncio.sleep(3)
        assert (await rjs.stream_info(sneaky)).state.messages == 0
        await rjs.delete_stream(sneaky)
        # And the readers' copy is theirs: EVENTS is untouched by what they do with it.
        await rjs.purge_stream(name)
        assert (await ajs.stream_info("EVENTS")).state.messages >= before + 3
    finally:
        with contextlib.suppress(Exception):
            await reader.jetstream().delete_stream(name)
        for nc in (reader, admin):
            await nc.close()


async def _subjects(js: JetStreamContext, stream: str) -> set[str]:
    """The subjects a stream holds messages of."""
    info = await js.stream_info(stream, subjects_filter=">")
    return set((info.state.subjects or {}).keys())


async def eventually(check: Any, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"not within {timeout} s"
        await asyncio.sleep(0.2)

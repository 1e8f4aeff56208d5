"""Issue 16, defect 1: a crash between claiming an Idempotency-Key and finishing the request
must not leave the key "in flight" forever, and a retry must not make a second effect.

Intake runs as a real process (`kefu run intake`) and is killed with SIGKILL while its request
waits inside Postgres: a test trigger makes one statement of the request wait for an advisory
lock the test holds, so the window is exact and needs no hook in the service. Notifications
runs in the test process with the fake SMS gateway; the customer must get one SMS, not two.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import APIRouter, Request

from services.intake.app import create_app as intake_app
from services.notifications.app import create_app as notifications_app
from services.notifications.config import NotificationsSettings
from shared.service import ServiceDef, build_app
from shared.settings import Settings
from shared.web.deps import change, view
from shared.web.idempotency import purge
from tests.support.harness import eventually, running
from tests.support.intake import complaint_body
from tests.support.journeys import clean, serve
from tooling.embedded import free_port
from tooling.fakes import SmsGateway

REPO = Path(__file__).resolve().parents[2]
ADMIN = {"Authorization": "Bearer test-admin"}
LOCK = 160_016  # the advisory lock the trigger waits for
LEASE = 4.0


class IntakeProcess:
    """`kefu run intake` on a free port; only this handle signals it (by its own pid)."""

    def __init__(self, settings: Settings, log: Path) -> None:
        self.settings, self.log, self.port = settings, log, free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def launch(self) -> None:
        env = {
            **os.environ,
            "KEFU_ENV": "test",
            "KEFU_NATS_URL": self.settings.nats_url,
            "KEFU_DATABASE_URL": self.settings.database_url,
            "KEFU_ADMIN_TOKEN": "test-admin",
            "KEFU_AUTH_SECRET": self.settings.auth_secret,
            "KEFU_DECLARE_ON_START": "false",
            "KEFU_IDEMPOTENCY_LEASE_SECONDS": str(LEASE),
        }
        with open(self.log, "ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "tooling.cli", "run", "intake", "--port", str(self.port)],
                cwd=REPO,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    async def start(self) -> IntakeProcess:
        """Launch the process and wait until /readyz answers 200."""
        await asyncio.to_thread(self.launch)

        async def ready() -> bool:
            assert self.process is not None
            assert self.process.poll() is None, self.log.read_text()[-3000:]
            with contextlib.suppress(httpx.HTTPError):
                async with httpx.AsyncClient() as c:
                    return (await c.get(f"{self.url}/readyz")).status_code == 200
            return False

        await eventually(ready, timeout=60, interval=0.2)
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)


@asynccontextmanager
async def notifications(settings: Settings) -> AsyncIterator[SmsGateway]:
    """Notifications in this process, sending SMS to a fake gateway on loopback."""
    gateway = SmsGateway(key="sms-crash")
    async with AsyncExitStack() as stack:
        sms = await stack.enter_async_context(serve(gateway.app()))
        config = NotificationsSettings.model_validate(
            {
                "sms_url": f"{sms}/sms/send",
                "sms_key": "sms-crash",
                "quiet_hours_start": "00:00",
                "quiet_hours_end": "00:00",
            }
        )
        await stack.enter_async_context(running(notifications_app(settings, config=config)))
        yield gateway


@asynccontextmanager
async def blocked(settings: Settings, trigger_sql: str) -> AsyncIterator[asyncpg.Connection]:
    """Install a test trigger that waits for LOCK, and hold LOCK until the block ends."""
    conn = await asyncpg.connect(settings.database_url)
    await conn.execute(
        "CREATE OR REPLACE FUNCTION intake.test_wait() RETURNS trigger LANGUAGE plpgsql AS $$"
        f" BEGIN PERFORM pg_advisory_xact_lock({LOCK}); RETURN NEW; END $$"
    )
    await conn.execute(trigger_sql)
    await conn.execute("SELECT pg_advisory_lock($1)", LOCK)
    try:
        yield conn
    finally:
        await conn.execute("SELECT pg_advisory_unlock_all()")
        await conn.execute("DROP TRIGGER IF EXISTS test_wait ON intake.complaints")
        await conn.execute("DROP TRIGGER IF EXISTS test_wait ON intake.idempotency_keys")
        await conn.execute("DROP FUNCTION IF EXISTS intake.test_wait()")
        await conn.close()


# Before: the complaint's INSERT waits (the key is claimed, nothing is written yet).
# After: every business statement has run; the key's completion waits. With the old store the
# business transaction had committed by then, so a retry that took over would store it twice.
WINDOWS = {
    "before-writes": "CREATE TRIGGER test_wait BEFORE INSERT ON intake.complaints"
    " FOR EACH ROW EXECUTE FUNCTION intake.test_wait()",
    "after-writes": "CREATE TRIGGER test_wait BEFORE UPDATE ON intake.idempotency_keys"
    " FOR EACH ROW WHEN (NEW.status IS NOT NULL) EXECUTE FUNCTION intake.test_wait()",
}


async def waiting_on_lock(conn: asyncpg.Connection) -> bool:
    """Whether some intake backend waits for the test's advisory lock."""
    return bool(
        await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kefu-intake'"
            " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
        )
    )


async def stored(settings: Settings, description: str) -> int:
    conn = await asyncpg.connect(settings.database_url)
    try:
        return int(
            await conn.fetchval(
                "SELECT count(*) FROM intake.complaints WHERE description = $1", description
            )
        )
    finally:
        await conn.close()


async def retry_until_done(url: str, body: dict[str, Any], key: str) -> tuple[httpx.Response, int]:
    """A correct client: retry with the same key, honouring Retry-After; (answer, 409s seen)."""
    conflicts = 0
    deadline = time.monotonic() + 30
    async with httpx.AsyncClient(base_url=url, timeout=15) as c:
        while True:
            r = await c.post("/v1/complaints", json=body, headers={**ADMIN, "Idempotency-Key": key})
            if r.status_code != 409 or time.monotonic() > deadline:
                return r, conflicts
            conflicts += 1
            assert r.headers["content-type"] == "application/problem+json"
            await asyncio.sleep(min(float(r.headers.get("retry-after", "1")), 5.0))


@pytest.mark.parametrize("window", list(WINDOWS))
async def test_kill_9_between_claim_and_finish_then_retry_stores_one_complaint_and_sends_one_sms(
    window: str, settings: Settings, js, tmp_path: Path
) -> None:
    await clean(settings)
    phone = f"139{uuid.uuid4().int % 10**8:08d}"
    description = f"crash-{window}-{uuid.uuid4().hex[:8]}"
    body = complaint_body(customer={"name": "赵敏", "phone": phone}, description=description)
    key = f"crash-{uuid.uuid4().hex}"
    async with notifications(settings) as gateway:
        first = await IntakeProcess(settings, tmp_path / "intake-1.log").start()
        try:
            async with blocked(settings, WINDOWS[window]) as admin:
                client = httpx.AsyncClient(base_url=first.url, timeout=30)
                request = asyncio.create_task(
                    client.post(
                        "/v1/complaints", json=body, headers={**ADMIN, "Idempotency-Key": key}
                    )
                )
                await eventually(lambda: waiting_on_lock(admin), timeout=20)
                claimed = await admin.fetchrow(
                    "SELECT status FROM intake.idempotency_keys WHERE key = $1", key
                )
                assert claimed is not None and claimed["status"] is None
                first.kill()
                with contextlib.suppress(httpx.HTTPError):
                    await request
                await client.aclose()
        finally:
            first.kill()
        killed_at = time.monotonic()

        second = await IntakeProcess(settings, tmp_path / "intake-2.log").start()
        try:
            answer, conflicts = await retry_until_done(second.url, body, key)
            waited = time.monotonic() - killed_at
            assert answer.status_code == 201, answer.text
            assert "idempotent-replayed" not in answer.headers
            replay, _ = await retry_until_done(second.url, body, key)
            assert replay.status_code == 201 and replay.json() == answer.json()
            assert replay.headers["idempotent-replayed"] == "true"
        finally:
            second.kill()

        assert await stored(settings, description) == 1

        def sms() -> list[dict[str, Any]]:
            return [s for s in gateway.sent if str(s["phone_numbers"]).endswith(phone[-8:])]

        await eventually(sms, timeout=30, interval=0.2)
        await asyncio.sleep(2.0)  # a second SMS would show up now
        assert len(sms()) == 1, sms()
    print(
        f"\nFIGURES idempotency-crash [{window}]: lease={LEASE}s 409s_before_takeover={conflicts}"
        f" retry_done_after_kill={waited:.1f}s complaints=1 sms=1"
    )


async def test_an_owner_still_alive_after_its_lease_cannot_commit_a_second_effect(
    settings: Settings, js
) -> None:
    """A slow owner loses its key to a retry once the lease is over; its writes roll back."""
    await clean(settings)
    description = f"slow-owner-{uuid.uuid4().hex[:8]}"
    body = complaint_body(description=description)
    headers = {**ADMIN, "Idempotency-Key": f"slow-{uuid.uuid4().hex}"}
    local = settings.model_copy(update={"idempotency_lease_seconds": 1.0})
    async with running(intake_app(local)) as client:
        async with blocked(settings, WINDOWS["before-writes"]) as admin:
            slow = asyncio.create_task(client.post("/v1/complaints", json=body, headers=headers))
            await eventually(lambda: waiting_on_lock(admin), timeout=20)
            await asyncio.sleep(1.5)  # the slow owner's lease is over
            retry = asyncio.create_task(client.post("/v1/complaints", json=body, headers=headers))

            async def both_waiting() -> bool:
                # The retry waits for the trigger too, or for the slow owner's customer row.
                n = await admin.fetchval(
                    "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'kefu-intake'"
                    " AND wait_event_type = 'Lock'"
                )
                return int(n) >= 2

            await eventually(both_waiting, timeout=20)
        slow_answer, retry_answer = await slow, await retry
    assert retry_answer.status_code == 201, retry_answer.text
    assert slow_answer.status_code == 409, slow_answer.text
    assert "took over" in slow_answer.json()["detail"]
    assert await stored(settings, description) == 1


async def test_keys_expire_after_the_retention_on_access_and_by_the_purge(
    settings: Settings, js
) -> None:
    """A finished key older than the retention is a new use of the key; the purge deletes it."""
    await clean(settings)
    key = f"old-{uuid.uuid4().hex}"
    headers = {**ADMIN, "Idempotency-Key": key}
    app = intake_app(settings)
    async with running(app) as client:
        first = await client.post("/v1/complaints", json=complaint_body(), headers=headers)
        assert first.status_code == 201, first.text
        changed = complaint_body(description="另一件事")
        assert (
            await client.post("/v1/complaints", json=changed, headers=headers)
        ).status_code == 422
        admin = await asyncpg.connect(settings.database_url)
        try:
            await admin.execute(
                "UPDATE intake.idempotency_keys SET created_at = now() - interval '25 hours'"
            )
            again = await client.post("/v1/complaints", json=changed, headers=headers)
            assert again.status_code == 201, again.text
            assert again.json()["id"] != first.json()["id"]
            assert "idempotent-replayed" not in again.headers
            # Three more: old and finished, old and abandoned in flight, recent and finished.
            await admin.execute(
                "INSERT INTO intake.idempotency_keys"
                " (principal, key, method, path, request_hash, status, created_at, lease_until)"
                " VALUES ('a', 'done', 'POST', '/', 'h', 201, now() - interval '25 hours', NULL),"
                " ('a', 'stuck', 'POST', '/', 'h', NULL, now() - interval '25 hours',"
                "  now() - interval '25 hours'),"
                " ('a', 'fresh', 'POST', '/', 'h', 201, now(), NULL)"
            )
            removed = await purge(app.state.pool, 24 * 3600)
            left = {
                r["key"]
                for r in await admin.fetch(
                    "SELECT key FROM intake.idempotency_keys WHERE principal = 'a'"
                )
            }
        finally:
            await admin.close()
    assert removed == 2
    assert left == {"fresh"}


async def test_a_keyed_change_commits_with_its_key_and_a_failed_one_leaves_nothing(
    settings: Settings, js
) -> None:
    """Routes written with `change(request)` join the keyed request's transaction too."""
    router = APIRouter()

    @router.post("/things/{name}", status_code=201)
    async def add(name: str, request: Request) -> dict[str, int]:
        async with change(request) as ctx:
            await ctx.conn.execute("INSERT INTO platformtest.things (name) VALUES ($1)", name)
        async with view(request) as ctx:  # sees the write, not yet committed
            n = await ctx.conn.fetchval("SELECT count(*) FROM platformtest.things")
        if name == "boom":
            raise RuntimeError("a bug after the write")
        return {"count": int(n)}

    admin = await asyncpg.connect(settings.database_url)
    try:
        await admin.execute("DROP TABLE IF EXISTS platformtest.things")
        await admin.execute("CREATE TABLE platformtest.things (name text)")
        await admin.execute("GRANT ALL ON platformtest.things TO kefu_platformtest")
        app = build_app(ServiceDef(name="platformtest", router=router, consumers=()), settings)
        async with running(app) as client:
            headers = {**ADMIN, "Idempotency-Key": f"thing-{uuid.uuid4().hex}"}
            first = await client.post("/things/a", headers=headers)
            again = await client.post("/things/a", headers=headers)
            try:
                boom = (
                    await client.post("/things/boom", headers={**ADMIN, "Idempotency-Key": "boom"})
                ).status_code
            except RuntimeError:  # raised through the test client when no handler answers 500
                boom = 500
        names = [r["name"] for r in await admin.fetch("SELECT name FROM platformtest.things")]
        keys = await admin.fetch("SELECT key, status FROM platformtest.idempotency_keys")
    finally:
        await admin.execute("DROP TABLE IF EXISTS platformtest.things")
        await admin.close()
    assert first.status_code == 201 and first.json() == {"count": 1}, first.text
    assert again.json() == {"count": 1} and again.headers["idempotent-replayed"] == "true"
    assert boom == 500
    assert names == ["a"], "the failed request's write was rolled back"
    assert [k["key"] for k in keys if k["status"] == 201] == [headers["Idempotency-Key"]]
    assert "boom" not in {k["key"] for k in keys}, "a failed request releases its key"

"""The Idempotency-Key store: claims with a lease, and one transaction per keyed request.

A keyed POST first claims its key in a statement of its own (a concurrent duplicate sees the
claim at once and gets 409). The claim carries an owner token and a lease. Everything the
request writes then goes into ONE transaction on the connection the claim was made on (the
routes' `tx(request)` joins it, see `shared.web.deps`), and that transaction also stores the
answer on the key, but only `WHERE owner = <this request's token>`. So:

- the business writes and the key's completion commit together or not at all: a process killed
  anywhere in between leaves a claim with no effect, never an effect with an unfinished key;
- once the lease is over, a retry takes the claim over by replacing the owner token, in a
  statement that waits for any transaction holding the key's row; from then on the old owner's
  completion matches no row, so if it is still alive (slow, not dead) it rolls its writes back
  and answers 409. Either the owner completed first (the retry replays its answer) or the retry
  took over first (the owner stores nothing): never both;
- a vanished owner's open transaction is ended by Postgres after the lease of idleness
  (`idle_in_transaction_session_timeout`), so its row locks do not outlive the lease.

Completed keys are kept `idempotency_retention_hours`; an older key is a new use of the key
(on access), and `purge` deletes them in the background.
"""

from __future__ import annotations

import asyncio
import logging
import math
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import anyio
import asyncpg
from starlette.requests import Request

log = logging.getLogger("kefu.idempotency")

STATE = "kefu_keyed"  # request.state attribute holding the keyed request's transaction

CLAIM = """
INSERT INTO idempotency_keys AS k (principal, key, method, path, request_hash, owner, lease_until)
VALUES ($1, $2, $3, $4, $5, $6, now() + make_interval(secs => $7))
ON CONFLICT (principal, key) DO UPDATE
   SET method = EXCLUDED.method, path = EXCLUDED.path, request_hash = EXCLUDED.request_hash,
       owner = EXCLUDED.owner, lease_until = EXCLUDED.lease_until,
       status = NULL, response = NULL, created_at = now()
 WHERE k.created_at < now() - make_interval(secs => $8)
    OR (k.status IS NULL AND k.request_hash = EXCLUDED.request_hash
        AND coalesce(k.lease_until, k.created_at + make_interval(secs => $7)) < now())
RETURNING 1
"""
# Keys claimed before leases existed have no lease_until: their lease counts from created_at.

EXISTING = """
SELECT request_hash, status, response,
       greatest(0, extract(epoch FROM coalesce(lease_until, created_at + make_interval(secs => $3))
                                      - now()))::float8 AS lease_left
  FROM idempotency_keys WHERE principal = $1 AND key = $2
"""

COMPLETE = (
    "UPDATE idempotency_keys SET status = $4, response = $5, lease_until = NULL"
    " WHERE principal = $1 AND key = $2 AND owner = $3 AND status IS NULL"
)
RELEASE = "DELETE FROM idempotency_keys WHERE principal = $1 AND key = $2 AND owner = $3"


@dataclass(frozen=True)
class Key:
    """One caller's key."""

    principal: str
    key: str


async def claim(
    conn: asyncpg.Connection,
    k: Key,
    *,
    method: str,
    path: str,
    digest: str,
    owner: uuid.UUID,
    lease_seconds: float,
    retention_seconds: float,
) -> bool:
    """Claim a new key, or take over one whose lease is over or whose retention has passed."""
    return bool(
        await conn.fetchval(
            CLAIM,
            k.principal,
            k.key,
            method,
            path,
            digest,
            owner,
            lease_seconds,
            retention_seconds,
        )
    )


async def existing(conn: asyncpg.Connection, k: Key, lease_seconds: float) -> asyncpg.Record | None:
    """The key's stored state: request hash, status, answer and seconds left on its lease."""
    row: asyncpg.Record | None = await conn.fetchrow(EXISTING, k.principal, k.key, lease_seconds)
    return row


def retry_after(lease_left: float) -> str:
    """Retry-After for a key still in flight: when its lease ends (at least one second)."""
    return str(max(1, math.ceil(lease_left)))


class Keyed:
    """A keyed request's connection and its one transaction (opened by the first write)."""

    def __init__(self, conn: asyncpg.Connection, k: Key, owner: uuid.UUID, lease: float) -> None:
        self.conn, self.k, self.owner, self.lease = conn, k, owner, lease
        self.open = False
        self.depth = 0

    @asynccontextmanager
    async def joined(self) -> AsyncIterator[asyncpg.Connection]:
        """A route's transaction: the first opens the request's, later ones are savepoints."""
        if not self.open:
            # The vanished owner's transaction ends after a lease of idleness (module doc).
            await self.conn.execute(
                "BEGIN; SET LOCAL idle_in_transaction_session_timeout = "
                f"{max(1000, int(self.lease * 1000))}"
            )
            self.open = True
            try:
                yield self.conn
            except BaseException:
                await self.rollback()
                raise
            return
        self.depth += 1
        name = f"kefu_route_{self.depth}"
        await self.conn.execute(f"SAVEPOINT {name}")
        try:
            yield self.conn
        except BaseException:
            with anyio.CancelScope(shield=True):
                await self.conn.execute(f"ROLLBACK TO SAVEPOINT {name}")
            raise
        else:
            await self.conn.execute(f"RELEASE SAVEPOINT {name}")
        finally:
            self.depth -= 1

    async def complete(self, status: int, response: bytes) -> bool:
        """Store the answer and commit the request's writes with it; False: the lease was lost
        to a retry (then nothing of this request is stored)."""
        done = await self.conn.execute(COMPLETE, *self._who(), status, response)
        if done != "UPDATE 1":
            await self.rollback()
            return False
        if self.open:
            self.open = False
            outcome = await self.conn.execute("COMMIT")
            if outcome != "COMMIT":
                raise asyncpg.InFailedSQLTransactionError(f"COMMIT answered {outcome}")
        return True

    async def abandon(self) -> None:
        """Roll back whatever the request wrote and release its claim, so a retry runs at once."""
        with anyio.CancelScope(shield=True):
            await self.rollback()
            try:
                await self.conn.execute(RELEASE, *self._who())
            except Exception:
                log.warning("could not release an idempotency key", exc_info=True)

    async def rollback(self) -> None:
        """End the open transaction, if any; a connection that cannot is closed, not reused."""
        if not self.open and not self.conn.is_in_transaction():
            return
        self.open = False
        with anyio.CancelScope(shield=True):
            try:
                await self.conn.execute("ROLLBACK")
            except Exception:
                self.conn.terminate()

    def _who(self) -> tuple[str, str, uuid.UUID]:
        return self.k.principal, self.k.key, self.owner


def keyed(request: Request) -> Keyed | None:
    """The keyed request's transaction holder, when this request carries an Idempotency-Key."""
    found: Keyed | None = getattr(request.state, STATE, None)
    return found


async def purge(pool: asyncpg.Pool, retention_seconds: float, batch: int = 5000) -> int:
    """Delete keys older than the retention (finished or abandoned); return how many."""
    removed = 0
    while True:
        async with pool.acquire() as conn:
            status = await conn.execute(
                "DELETE FROM idempotency_keys WHERE ctid = ANY(ARRAY("
                " SELECT ctid FROM idempotency_keys"
                " WHERE created_at < now() - make_interval(secs => $1)"
                " AND (status IS NOT NULL OR coalesce(lease_until, created_at) < now())"
                " LIMIT $2))",
                retention_seconds,
                batch,
            )
        n = int(status.split()[-1])
        removed += n
        if n < batch:
            return removed


async def purge_loop(pool: asyncpg.Pool, retention_seconds: float, every_seconds: float) -> None:
    """Purge expired keys now and then, for the life of the process."""
    while True:
        try:
            removed = await purge(pool, retention_seconds)
            if removed:
                log.info("purged %d expired idempotency keys", removed)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            log.warning("idempotency key purge failed; retrying later", exc_info=True)
        await asyncio.sleep(every_seconds)

"""Signing in and out, and finding the person behind a session cookie."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from services.console import queries
from services.console.domain import (
    Staff,
    minutes,
    needs_touch,
    retry_after,
    session_expiry,
)
from services.console.metrics import SIGN_INS
from services.console.queries.records import account_of, session_of
from services.console.workflow.accounts import HASHER, needs_rehash, verify_password
from shared.context import Context


@dataclass(frozen=True)
class Visit:
    """A request from a signed-in person: who, the session's form token, and now."""

    staff: Staff
    csrf_token: str
    now: datetime


@dataclass(frozen=True)
class SignedIn:
    """A new session: the cookie value (never stored) and the person."""

    token: str
    staff: Staff


@dataclass(frozen=True)
class Refused:
    """Sign-in refused: `wrong` (name or password; which is not said) or `throttled`."""

    reason: str
    wait_minutes: int = 0


def token_hash(token: str) -> bytes:
    """What the sessions table keys a cookie value by."""
    return hashlib.sha256(token.encode()).digest()


async def _throttled(ctx: Context, username: str, address: str, now: datetime) -> timedelta:
    by_user, by_address = ctx.config.throttles()
    users = await queries.user_failures(
        ctx.conn, username=username, since=now - by_user.window, limit=by_user.failures
    )
    addresses = await queries.address_failures(
        ctx.conn, address=address, since=now - by_address.window, limit=by_address.failures
    )
    return max(retry_after(users, now, by_user), retry_after(addresses, now, by_address))


async def sign_in(
    ctx: Context, username: str, password: str, *, address: str, user_agent: str
) -> SignedIn | Refused:
    """Check the throttle and the password, record the attempt, open a session when right.
    The attempt is recorded whatever the outcome (the throttle and the audit read it)."""
    name = username.strip().lower()
    await queries.lock_username(ctx.conn, username=name)
    now = await ctx.now()
    wait = await _throttled(ctx, name, address, now)
    if wait > timedelta(0):
        await _attempt(ctx, name, address, now, "throttled")
        return Refused("throttled", minutes(wait))
    row = await queries.get_staff(ctx.conn, username=name)
    account = account_of(row) if row else None
    right = await verify_password(account.password_hash if account else None, password)
    if account is None or not right or account.disabled:
        outcome = "unknown_user" if account is None else "bad_password" if not right else "disabled"
        await _attempt(ctx, name, address, now, outcome)
        return Refused("wrong")
    if account.password_hash and needs_rehash(account.password_hash):
        new_hash = await asyncio.to_thread(HASHER.hash, password)
        await queries.set_password(ctx.conn, username=name, password_hash=new_hash, at=now)
    await _attempt(ctx, name, address, now, "ok")
    token = secrets.token_urlsafe(32)
    await queries.insert_session(
        ctx.conn,
        token_hash=token_hash(token),
        username=name,
        csrf_token=secrets.token_urlsafe(32),
        address=address,
        user_agent=user_agent[:400],
        at=now,
        expires_at=session_expiry(now, now, ctx.config.session_rules()),
    )
    return SignedIn(token, account.staff)


async def _attempt(ctx: Context, username: str, address: str, now: datetime, outcome: str) -> None:
    await queries.insert_attempt(
        ctx.conn, username=username[:64], address=address, at=now, outcome=outcome
    )
    SIGN_INS.labels(outcome).inc()


async def current(ctx: Context, token: str | None) -> Visit | None:
    """The person a session cookie signs in, or None (no cookie, unknown, ended, expired).
    An expired session is ended on the spot; a used one has its idle expiry moved."""
    if not token:
        return None
    key = token_hash(token)
    row = await queries.get_session(ctx.conn, token_hash=key)
    if row is None:
        return None
    session = session_of(row)
    now = await ctx.now()
    if session.expires_at <= now:
        await queries.end_session(ctx.conn, token_hash=key, at=now, reason="expired")
        return None
    rules = ctx.config.session_rules()
    if needs_touch(session.last_seen_at, now, rules):
        expires = session_expiry(session.created_at, now, rules)
        await queries.touch_session(ctx.conn, token_hash=key, at=now, expires_at=expires)
    return Visit(session.staff, session.csrf_token, now)


async def sign_out(ctx: Context, token: str) -> bool:
    """End the session of this cookie value; False when it was over already."""
    now = await ctx.now()
    return await queries.end_session(
        ctx.conn, token_hash=token_hash(token), at=now, reason="sign_out"
    )


PRUNE = "console.prune"


async def plan_pruning(ctx: Context) -> None:
    """The daily clean-up's timer, due now (each start runs it once, then daily)."""
    await ctx.schedule(PRUNE, "daily", await ctx.now())


async def prune(ctx: Context) -> datetime:
    """Forget sign-in attempts and ended sessions past the keeping period; when to run again."""
    now = await ctx.now()
    before = now - timedelta(days=ctx.config.keep_days)
    await queries.prune_attempts(ctx.conn, before=before)
    await queries.prune_sessions(ctx.conn, before=before)
    return now + timedelta(days=1)

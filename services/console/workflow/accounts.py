"""Staff accounts: add one, set a password, and the local `admin` of `kefu up`."""

from __future__ import annotations

import asyncio
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from services.console import queries
from services.console.domain import Staff, check_password, new_staff
from shared.context import Context
from shared.errors import DomainError

HASHER = PasswordHasher()  # argon2id with the library's current recommended cost


class Taken(DomainError):
    """The account name is in use."""


async def hash_password(password: str) -> str:
    """An argon2id hash, computed off the event loop (it takes tens of milliseconds)."""
    return await asyncio.to_thread(HASHER.hash, check_password(password))


@cache
def _stand_in() -> str:
    """A hash to verify against when the account does not exist, so an unknown name costs as
    long as a wrong password (the time must not tell which names exist)."""
    return HASHER.hash("not a password of anyone")


def _verify(stored: str | None, password: str) -> bool:
    try:
        return HASHER.verify(stored or _stand_in(), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


async def verify_password(stored: str | None, password: str) -> bool:
    """Whether the password matches the stored hash (False for no hash), off the event loop."""
    return await asyncio.to_thread(_verify, stored, password)


def needs_rehash(stored: str) -> bool:
    """Whether a hash was made with weaker settings than today's."""
    return HASHER.check_needs_rehash(stored)


async def add_staff(
    ctx: Context,
    username: str,
    password: str,
    role: str,
    *,
    branch: str | None = None,
    region: str | None = None,
    department: str | None = None,
    team: str | None = None,
) -> Staff:
    """Create an account with a password; refused when the name is taken."""
    staff = new_staff(
        username, role, branch=branch, region=region, department=department, team=team
    )
    added = await queries.insert_staff(
        ctx.conn,
        username=staff.username,
        password_hash=await hash_password(password),
        role=staff.role.value,
        branch=staff.branch,
        region=staff.region,
        department=staff.department,
        team=staff.team,
        at=await ctx.now(),
    )
    if not added:
        raise Taken("taken", f"an account named {staff.username} exists already", "username")
    return staff


async def ensure_admin(ctx: Context, password: str) -> bool:
    """The local `admin` account with this password: created, or its password reset (local
    runs only; the caller refuses production). True when it was created."""
    hashed = await hash_password(password)
    now = await ctx.now()
    if await queries.set_password(ctx.conn, username="admin", password_hash=hashed, at=now):
        return False
    await queries.insert_staff(
        ctx.conn,
        username="admin",
        password_hash=hashed,
        role="admin",
        branch=None,
        region=None,
        department=None,
        team=None,
        at=now,
    )
    return True

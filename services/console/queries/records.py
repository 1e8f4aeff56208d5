"""Rows as domain objects, once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.console.domain import Staff
from shared.contracts.values import Role


@dataclass(frozen=True)
class Account:
    """A stored account: the person and how they sign in."""

    staff: Staff
    password_hash: str | None
    disabled: bool


@dataclass(frozen=True)
class Session:
    """An open session: whose, its form token, and its times."""

    staff: Staff
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime


def staff_of(row: asyncpg.Record) -> Staff:
    """The person a staff or session row names."""
    return Staff(
        username=row["username"],
        role=Role(row["role"]),
        branch=row["branch"],
        region=row["region"],
        department=row["department"],
        team=row["team"],
    )


def account_of(row: asyncpg.Record) -> Account:
    """A staff row as an account."""
    return Account(staff_of(row), row["password_hash"], row["disabled"])


def session_of(row: asyncpg.Record) -> Session:
    """A session row (joined with its account)."""
    return Session(
        staff=staff_of(row),
        csrf_token=row["csrf_token"],
        created_at=row["created_at"],
        last_seen_at=row["last_seen_at"],
        expires_at=row["expires_at"],
    )

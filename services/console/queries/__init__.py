"""All SQL of the console: staff accounts, sessions, sign-in attempts and the audit."""

from services.console.queries.accounts import get_staff, insert_staff, set_password
from services.console.queries.attempts import (
    address_failures,
    insert_attempt,
    lock_username,
    prune_attempts,
    user_failures,
)
from services.console.queries.audit import (
    failures_by_address,
    failures_by_user,
    open_sessions,
)
from services.console.queries.sessions import (
    end_session,
    get_session,
    insert_session,
    prune_sessions,
    touch_session,
)

__all__ = [
    "address_failures",
    "end_session",
    "failures_by_address",
    "failures_by_user",
    "get_session",
    "get_staff",
    "insert_attempt",
    "insert_session",
    "insert_staff",
    "lock_username",
    "open_sessions",
    "prune_attempts",
    "prune_sessions",
    "set_password",
    "touch_session",
    "user_failures",
]

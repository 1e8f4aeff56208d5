"""Pure rules of the console: accounts, sessions and throttling, phones, the worklist."""

from services.console.domain.accounts import Staff, check_password, new_staff
from services.console.domain.phones import dial_link, mask, may_call
from services.console.domain.sessions import (
    SessionRules,
    Throttle,
    minutes,
    needs_touch,
    retry_after,
    session_expiry,
)
from services.console.domain.worklist import (
    Audience,
    Due,
    Groups,
    Task,
    audience,
    concerns,
    group,
    merge,
    scopes,
)

__all__ = [
    "Audience",
    "Due",
    "Groups",
    "SessionRules",
    "Staff",
    "Task",
    "Throttle",
    "audience",
    "check_password",
    "concerns",
    "dial_link",
    "group",
    "mask",
    "may_call",
    "merge",
    "minutes",
    "needs_touch",
    "new_staff",
    "retry_after",
    "scopes",
    "session_expiry",
]

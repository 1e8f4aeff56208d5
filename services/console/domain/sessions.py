"""Session lifetimes and sign-in throttling, with the time passed in."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class SessionRules:
    """How long a session lives: unused (`idle`) and at most (`absolute`)."""

    idle: timedelta
    absolute: timedelta
    # Recording every request's time would be a write per page; this is precise enough.
    touch_every: timedelta = timedelta(minutes=1)


def session_expiry(created_at: datetime, last_seen_at: datetime, rules: SessionRules) -> datetime:
    """When a session ends if it is not used again."""
    return min(last_seen_at + rules.idle, created_at + rules.absolute)


def needs_touch(last_seen_at: datetime, now: datetime, rules: SessionRules) -> bool:
    """Whether a use of the session should be written down (it moves the idle expiry)."""
    return now - last_seen_at >= rules.touch_every


@dataclass(frozen=True)
class Throttle:
    """At most `failures` failed sign-ins within `window`; then wait until the oldest of
    them leaves the window."""

    failures: int
    window: timedelta


def retry_after(recent_failures: Sequence[datetime], now: datetime, rule: Throttle) -> timedelta:
    """How long sign-in stays refused given the failures (any order); zero when allowed."""
    # Each failure holds sign-in back until it leaves the window; the `failures`-th longest
    # hold decides (a failure already outside the window holds nothing).
    holds = sorted((t + rule.window - now for t in recent_failures), reverse=True)
    if len(holds) < rule.failures:
        return timedelta(0)
    return max(timedelta(0), holds[rule.failures - 1])


def minutes(wait: timedelta) -> int:
    """A wait as whole minutes for people (never 0 while something is left)."""
    return max(1, math.ceil(wait.total_seconds() / 60))

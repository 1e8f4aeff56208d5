"""When an unreached call is tried again (configurable steps, business calendar)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final, Protocol

from shared.calendar import BUSINESS_TZ, local_date

DEFAULT_RETRY_DELAYS: Final = ("2h", "next_day@10:00", "1d")
DEFAULT_MAX_ATTEMPTS: Final = 3
_UNITS: Final = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_DELAY = re.compile(r"^(\d+)([smhd])$")
_NEXT_DAY = re.compile(r"^next_day@([01]\d|2[0-3]):([0-5]\d)$")


class RetrySettings(Protocol):
    """What record_outcome needs from the settings (NotificationsSettings satisfies it)."""

    @property
    def callback_retry_delays(self) -> Sequence[str]: ...

    @property
    def callback_max_attempts(self) -> int: ...


@dataclass(frozen=True)
class RetryPolicy:
    """The defaults: retry in 2 h, then the next local day at 10:00, then a day later; 3 calls.

    With 3 attempts only the first two steps are used (the third unreached call gives up);
    the third step applies when a company raises the number of attempts.
    """

    callback_retry_delays: Sequence[str] = DEFAULT_RETRY_DELAYS
    callback_max_attempts: int = DEFAULT_MAX_ATTEMPTS


@dataclass(frozen=True)
class RetryStep:
    """A fixed delay, or the next local day at a time of day."""

    delay: timedelta | None = None
    next_day_at: time | None = None

    def after(self, now: datetime) -> datetime:
        """The retry time for a call that failed at `now`."""
        if self.delay is not None:
            return now + self.delay
        assert self.next_day_at is not None
        day = local_date(now) + timedelta(days=1)
        return datetime.combine(day, self.next_day_at, tzinfo=BUSINESS_TZ)


def parse_retry_step(text: str) -> RetryStep:
    """'30m', '2h', '1d' or 'next_day@10:00'; ValueError otherwise."""
    text = text.strip()
    if m := _DELAY.match(text):
        return RetryStep(delay=timedelta(**{_UNITS[m.group(2)]: int(m.group(1))}))
    if m := _NEXT_DAY.match(text):
        return RetryStep(next_day_at=time(int(m.group(1)), int(m.group(2))))
    raise ValueError(f"retry step {text!r} is not like '2h', '30m', '1d' or 'next_day@10:00'")


def retry_at(settings: RetrySettings, attempts: int, now: datetime) -> datetime:
    """When to call again after `attempts` unreached calls (the last step repeats)."""
    steps = [parse_retry_step(s) for s in settings.callback_retry_delays] or [
        parse_retry_step(DEFAULT_RETRY_DELAYS[0])
    ]
    return steps[min(attempts, len(steps)) - 1].after(now)

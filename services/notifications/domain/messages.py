"""Sending rules: SMS quiet hours, idempotency keys, webhook signatures, send retries."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Final, Protocol

from shared.calendar import BUSINESS_TZ, local_date
from shared.contracts.values import MessageChannel, MessageStatus

DEFAULT_QUIET_START: Final = time(21, 0)
DEFAULT_QUIET_END: Final = time(8, 0)
WEBHOOK_TOLERANCE_SECONDS: Final = 300
# Failed sends: retried after 30 s, 2 min, 10 min, 1 h; the 5th failure is final.
SEND_RETRY_DELAYS: Final = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
)
MAX_SEND_ATTEMPTS: Final = 5
FALLBACK_AUDIENCE: Final = "manager"


class QuietHoursSettings(Protocol):
    """What send_at needs from the settings (NotificationsSettings satisfies it)."""

    @property
    def quiet_hours_start(self) -> time: ...

    @property
    def quiet_hours_end(self) -> time: ...


@dataclass(frozen=True)
class QuietHours:
    """The default window: no SMS from 21:00 to 08:00 Asia/Shanghai."""

    quiet_hours_start: time = DEFAULT_QUIET_START
    quiet_hours_end: time = DEFAULT_QUIET_END


def in_quiet_hours(at: datetime, settings: QuietHoursSettings) -> bool:
    """Whether local time falls in [start, end); the window may wrap past midnight."""
    start, end = settings.quiet_hours_start, settings.quiet_hours_end
    local = at.astimezone(BUSINESS_TZ).time()
    if start <= end:
        return start <= local < end  # empty when start == end: quiet hours switched off
    return local >= start or local < end


def send_at(now: datetime, channel: MessageChannel, settings: QuietHoursSettings) -> datetime:
    """Now, unless it is an SMS in quiet hours: then the window's next end (08:00 local)."""
    if channel is not MessageChannel.SMS or not in_quiet_hours(now, settings):
        return now
    end = datetime.combine(local_date(now), settings.quiet_hours_end, tzinfo=BUSINESS_TZ)
    return end if end > now else end + timedelta(days=1)


def idempotency_key(dedupe_key: str) -> str:
    """The key sent to a provider: 32 hex chars of sha256, stable across retries."""
    return hashlib.sha256(dedupe_key.encode()).hexdigest()[:32]


def _mac(secret: bytes, timestamp: int, body: bytes) -> str:
    """hex HMAC-SHA256 of '<ts>.' + body."""
    return hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def webhook_signature(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header value: 't=<ts>,v1=<hex hmac-sha256 of "<ts>." + body>'."""
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify_webhook_signature(
    secret: bytes,
    header: str,
    body: bytes,
    now: int,
    tolerance: int = WEBHOOK_TOLERANCE_SECONDS,
) -> bool:
    """True when some v1 signature matches and the timestamp is within `tolerance` of now."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1":
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance:
        return False
    expected = _mac(secret, timestamp, body)
    # Check every candidate: stopping at the first match would leak which one matched.
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(expected, candidate)
    return matched


def send_retry_delay(attempt: int, max_attempts: int = MAX_SEND_ATTEMPTS) -> timedelta | None:
    """Wait after the `attempt`-th failed send; None once it is final (5 failures)."""
    if attempt < 1:
        raise ValueError("attempt counts failed sends from 1")
    if attempt >= max_attempts:
        return None
    return SEND_RETRY_DELAYS[min(attempt, len(SEND_RETRY_DELAYS)) - 1]


def after_send_failure(
    attempt: int, now: datetime, max_attempts: int = MAX_SEND_ATTEMPTS
) -> tuple[MessageStatus, datetime | None]:
    """Queued again with its retry time, or failed after the last attempt."""
    delay = send_retry_delay(attempt, max_attempts)
    if delay is None:
        return MessageStatus.FAILED, None
    return MessageStatus.QUEUED, now + delay


def recipients_for(audience: str, table: Mapping[str, Sequence[str]]) -> list[str]:
    """E-mail addresses of an audience: exact match, else `region:*`/`<kind>:*`, else manager."""
    for key in (audience, f"{audience.partition(':')[0]}:*", FALLBACK_AUDIENCE):
        if table.get(key):
            return list(table[key])
    return []


def webhook_targets(audience: str, table: Mapping[str, Sequence[str]]) -> list[str]:
    """The URLs that also receive an audience's messages: exact, else `<kind>:*` (no fallback)."""
    for key in (audience, f"{audience.partition(':')[0]}:*"):
        if table.get(key):
            return list(table[key])
    return []

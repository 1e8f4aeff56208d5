"""When an unreached call is tried again (services/notifications/domain/retry.py): the shipped
steps, every spelling a company may configure, the next local day across midnight and the end
of a month in Asia/Shanghai, and which step each attempt takes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.notifications.domain.retry import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_RETRY_DELAYS,
    RetryPolicy,
    RetryStep,
    parse_retry_step,
    retry_at,
)
from shared.calendar import BUSINESS_TZ

pytestmark = pytest.mark.quick


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BUSINESS_TZ)


def test_the_shipped_policy_is_2_hours_then_the_next_day_at_10_then_a_day_and_3_calls() -> None:
    assert DEFAULT_RETRY_DELAYS == ("2h", "next_day@10:00", "1d")
    assert DEFAULT_MAX_ATTEMPTS == 3
    policy = RetryPolicy()
    assert tuple(policy.callback_retry_delays) == ("2h", "next_day@10:00", "1d")
    assert policy.callback_max_attempts == 3


@pytest.mark.parametrize(
    ("text", "delay"),
    [
        ("45s", timedelta(seconds=45)),
        ("30m", timedelta(minutes=30)),
        ("2h", timedelta(hours=2)),
        ("1d", timedelta(days=1)),
        ("0m", timedelta(0)),
        (" 90m ", timedelta(minutes=90)),
        ("120h", timedelta(hours=120)),
    ],
)
def test_a_fixed_delay_step(text: str, delay: timedelta) -> None:
    step = parse_retry_step(text)
    assert step == RetryStep(delay=delay)
    assert step.next_day_at is None


@pytest.mark.parametrize(
    ("text", "at"),
    [
        ("next_day@10:00", time(10, 0)),
        ("next_day@00:00", time(0, 0)),
        ("next_day@09:05", time(9, 5)),
        ("next_day@19:59", time(19, 59)),
        ("next_day@23:59", time(23, 59)),
        (" next_day@08:30 ", time(8, 30)),
    ],
)
def test_a_next_day_step(text: str, at: time) -> None:
    step = parse_retry_step(text)
    assert step == RetryStep(next_day_at=at)
    assert step.delay is None


@pytest.mark.parametrize(
    "text",
    [
        "",
        "2",
        "h",
        "2x",
        "2 h",
        "-2h",
        "2hh",
        "x2h",
        "2h\n1d",
        "next_day@24:00",
        "next_day@9:00",
        "next_day@10:60",
        "next_day@10:0",
        "next_day@10:00x",
        "xnext_day@10:00",
        "next_day10:00",
        "next_day@",
    ],
)
def test_anything_else_is_refused_naming_the_step_and_the_forms(text: str) -> None:
    with pytest.raises(ValueError) as err:
        parse_retry_step(text)
    assert str(err.value) == (
        f"retry step {text.strip()!r} is not like '2h', '30m', '1d' or 'next_day@10:00'"
    )


def test_a_delay_counts_from_the_failed_call() -> None:
    now = local(2026, 3, 31, 23, 30)
    assert RetryStep(delay=timedelta(hours=2)).after(now) == local(2026, 4, 1, 1, 30)


def test_the_next_day_is_the_next_local_day_across_midnight_and_the_months_end() -> None:
    step = RetryStep(next_day_at=time(10, 0))
    assert step.after(local(2026, 3, 31, 23, 30)) == local(2026, 4, 1, 10)
    assert step.after(local(2026, 2, 28, 0, 0)) == local(2026, 3, 1, 10)
    # 16:30 UTC on Mar 31 is 00:30 on Apr 1 in Shanghai: the next local day is Apr 2
    assert step.after(datetime(2026, 3, 31, 16, 30, tzinfo=UTC)) == local(2026, 4, 2, 10)
    assert step.after(datetime(2026, 3, 31, 15, 59, tzinfo=UTC)) == local(2026, 4, 1, 10)
    assert RetryStep(next_day_at=time(8, 15)).after(local(2026, 12, 31, 9)) == local(
        2027, 1, 1, 8, 15
    )


class Configured:
    def __init__(self, delays: list[str], attempts: int = 9) -> None:
        self.callback_retry_delays = delays
        self.callback_max_attempts = attempts


def test_each_attempt_takes_its_step_and_the_last_step_repeats() -> None:
    now = local(2026, 3, 10, 11)
    policy = Configured(["30m", "next_day@09:00", "3h"])
    assert retry_at(policy, 1, now) == local(2026, 3, 10, 11, 30)
    assert retry_at(policy, 2, now) == local(2026, 3, 11, 9)
    assert retry_at(policy, 3, now) == local(2026, 3, 10, 14)
    assert retry_at(policy, 4, now) == local(2026, 3, 10, 14)
    assert retry_at(policy, 10, now) == local(2026, 3, 10, 14)
    assert retry_at(RetryPolicy(), 1, now) == local(2026, 3, 10, 13)
    assert retry_at(RetryPolicy(), 2, now) == local(2026, 3, 11, 10)
    assert retry_at(RetryPolicy(), 3, now) == local(2026, 3, 11, 11)


def test_no_configured_steps_retry_in_two_hours() -> None:
    now = local(2026, 3, 10, 11)
    assert retry_at(Configured([]), 1, now) == local(2026, 3, 10, 13)
    assert retry_at(Configured([]), 3, now) == local(2026, 3, 10, 13)


def test_a_bad_configured_step_is_refused() -> None:
    with pytest.raises(ValueError):
        retry_at(Configured(["2h", "soon"]), 1, local(2026, 3, 10, 11))


@settings(max_examples=100, derandomize=True, deadline=None)
@given(
    st.lists(st.integers(0, 10_000), min_size=1, max_size=5),
    st.integers(1, 12),
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
)
def test_property_a_fixed_step_retries_exactly_its_minutes_later(
    minutes: list[int], attempts: int, now: datetime
) -> None:
    policy = Configured([f"{m}m" for m in minutes])
    step = minutes[min(attempts, len(minutes)) - 1]
    assert retry_at(policy, attempts, now) - now == timedelta(minutes=step)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(
    st.datetimes(
        min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)
    ),
    st.integers(0, 23),
    st.integers(0, 59),
)
def test_property_the_next_day_step_lands_on_the_following_local_day(
    now: datetime, hour: int, minute: int
) -> None:
    at = parse_retry_step(f"next_day@{hour:02d}:{minute:02d}").after(now)
    local_at = at.astimezone(BUSINESS_TZ)
    assert local_at.date() - now.astimezone(BUSINESS_TZ).date() == timedelta(days=1)
    assert (local_at.hour, local_at.minute) == (hour, minute)
    assert at > now

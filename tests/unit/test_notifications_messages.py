"""Sending rules (DOMAIN.md §5, docs/ARCHITECTURE.md §4): quiet hours, idempotency, webhooks, retries."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, time, timedelta

import pytest

from services.notifications.config import NotificationsSettings
from services.notifications.domain import (
    MAX_SEND_ATTEMPTS,
    QuietHours,
    after_send_failure,
    idempotency_key,
    in_quiet_hours,
    recipients_for,
    send_at,
    send_retry_delay,
    verify_webhook_signature,
    webhook_signature,
    webhook_targets,
)
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import MessageChannel, MessageStatus

pytestmark = pytest.mark.quick

SMS, EMAIL, WEBHOOK = MessageChannel.SMS, MessageChannel.EMAIL, MessageChannel.WEBHOOK
QUIET = QuietHours()
SECRET = b"whsec-test"
BODY = b'{"event":"shipment.delayed","waybill":"WB100"}'
TS = 1_773_100_000


def local(y: int, mo: int, d: int, h: int, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BUSINESS_TZ)


def test_sms_at_22_30_waits_until_08_00_the_next_morning() -> None:
    assert send_at(local(2026, 3, 10, 22, 30), SMS, QUIET) == local(2026, 3, 11, 8)


def test_sms_at_07_59_waits_until_08_00_the_same_morning() -> None:
    assert send_at(local(2026, 3, 11, 7, 59), SMS, QUIET) == local(2026, 3, 11, 8)


def test_sms_at_08_00_and_20_59_goes_now_and_21_00_waits() -> None:
    for now in (local(2026, 3, 11, 8), local(2026, 3, 11, 20, 59)):
        assert send_at(now, SMS, QUIET) == now
    assert send_at(local(2026, 3, 11, 21), SMS, QUIET) == local(2026, 3, 12, 8)


def test_quiet_hours_are_shanghai_time_whatever_the_clock_zone() -> None:
    now = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai
    assert send_at(now, SMS, QUIET) == local(2026, 3, 11, 8)
    assert send_at(datetime(2026, 3, 10, 2, 0, tzinfo=UTC), SMS, QUIET).hour == 2  # 10:00 local


def test_email_and_webhooks_ignore_quiet_hours() -> None:
    night = local(2026, 3, 10, 23, 30)
    assert send_at(night, EMAIL, QUIET) == night
    assert send_at(night, WEBHOOK, QUIET) == night


def test_quiet_hours_are_configurable() -> None:
    settings = NotificationsSettings(quiet_hours_start=time(22), quiet_hours_end=time(7, 30))
    assert send_at(local(2026, 3, 10, 21, 30), SMS, settings) == local(2026, 3, 10, 21, 30)
    assert send_at(local(2026, 3, 10, 23), SMS, settings) == local(2026, 3, 11, 7, 30)
    off = QuietHours(time(0), time(0))
    assert send_at(local(2026, 3, 10, 3), SMS, off) == local(2026, 3, 10, 3)
    daytime = QuietHours(time(12), time(14))  # a window that does not wrap midnight
    assert send_at(local(2026, 3, 10, 13), SMS, daytime) == local(2026, 3, 10, 14)


def test_idempotency_key_is_32_hex_and_stable() -> None:
    key = idempotency_key("ev-1:complaint_ack:customer")
    assert len(key) == 32 and int(key, 16) >= 0
    assert key == idempotency_key("ev-1:complaint_ack:customer")
    assert key != idempotency_key("ev-2:complaint_ack:customer")


def test_webhook_signature_verifies() -> None:
    header = webhook_signature(SECRET, TS, BODY)
    assert header.startswith(f"t={TS},v1=") and len(header.split("v1=")[1]) == 64
    assert verify_webhook_signature(SECRET, header, BODY, now=TS + 10)


def test_webhook_signature_fails_on_a_tampered_body_or_wrong_secret() -> None:
    header = webhook_signature(SECRET, TS, BODY)
    assert not verify_webhook_signature(SECRET, header, BODY.replace(b"WB100", b"WB101"), TS)
    assert not verify_webhook_signature(b"other", header, BODY, TS)
    forged = header.replace(f"t={TS}", f"t={TS + 1}")  # timestamp is part of the MAC
    assert not verify_webhook_signature(SECRET, forged, BODY, TS)


def test_webhook_signature_fails_when_stale_beyond_300_seconds() -> None:
    header = webhook_signature(SECRET, TS, BODY)
    assert verify_webhook_signature(SECRET, header, BODY, now=TS + 300)
    assert not verify_webhook_signature(SECRET, header, BODY, now=TS + 301)
    assert not verify_webhook_signature(SECRET, header, BODY, now=TS - 301)


def test_webhook_signature_rejects_malformed_headers_and_accepts_a_rotated_pair() -> None:
    for bad in ("", "t=abc,v1=00", f"t={TS}", "v1=deadbeef"):
        assert not verify_webhook_signature(SECRET, bad, BODY, TS)
    old = webhook_signature(b"old", TS, BODY).split(",")[1]
    new = webhook_signature(SECRET, TS, BODY)
    assert verify_webhook_signature(SECRET, f"{new},{old}", BODY, TS)


def test_failed_sends_are_retried_30s_2min_10min_1h_then_fail() -> None:
    delays = [send_retry_delay(n) for n in range(1, MAX_SEND_ATTEMPTS + 1)]
    assert delays == [
        timedelta(seconds=30),
        timedelta(minutes=2),
        timedelta(minutes=10),
        timedelta(hours=1),
        None,
    ]
    now = local(2026, 3, 10, 10)
    assert after_send_failure(1, now) == (MessageStatus.QUEUED, now + timedelta(seconds=30))
    assert after_send_failure(5, now) == (MessageStatus.FAILED, None)
    with pytest.raises(ValueError):
        send_retry_delay(0)


def test_audiences_map_to_addresses_with_a_manager_fallback() -> None:
    table = {
        "manager": ["boss@example.com"],
        "region:east": ["east@example.com"],
        "region:*": ["regions@example.com"],
    }
    assert recipients_for("region:east", table) == ["east@example.com"]
    assert recipients_for("region:west", table) == ["regions@example.com"]
    assert recipients_for("finance", table) == ["boss@example.com"]
    assert recipients_for("finance", {}) == []


# --- the exact edges of each rule --------------------------------------------------------------
def test_the_shipped_quiet_hours_are_21_to_8() -> None:
    assert (QUIET.quiet_hours_start, QUIET.quiet_hours_end) == (time(21), time(8))
    assert in_quiet_hours(local(2026, 3, 10, 21), QUIET)
    assert in_quiet_hours(local(2026, 3, 11, 0), QUIET)
    assert in_quiet_hours(local(2026, 3, 11, 7, 59), QUIET)
    assert not in_quiet_hours(local(2026, 3, 11, 8), QUIET)
    assert not in_quiet_hours(local(2026, 3, 11, 20, 59), QUIET)


def test_a_window_within_one_day_includes_its_start_and_excludes_its_end() -> None:
    daytime = QuietHours(time(12), time(14))
    assert not in_quiet_hours(local(2026, 3, 10, 11, 59), daytime)
    assert in_quiet_hours(local(2026, 3, 10, 12), daytime)
    assert in_quiet_hours(local(2026, 3, 10, 13, 59), daytime)
    assert not in_quiet_hours(local(2026, 3, 10, 14), daytime)
    assert not in_quiet_hours(local(2026, 3, 10, 23), daytime)


def test_an_empty_window_switches_quiet_hours_off_at_every_hour() -> None:
    for start in (time(0), time(8), time(21)):
        off = QuietHours(start, start)
        for hour in range(24):
            assert not in_quiet_hours(local(2026, 3, 10, hour), off), (start, hour)
            assert not in_quiet_hours(local(2026, 3, 10, hour, 30), off), (start, hour)


def test_a_quiet_sms_waits_for_the_windows_next_end_in_shanghai() -> None:
    # 00:30 in Shanghai is 16:30 UTC the day before: the end is 08:00 the same local morning
    assert send_at(datetime(2026, 3, 31, 16, 30, tzinfo=UTC), SMS, QUIET) == local(2026, 4, 1, 8)
    # 23:59 on the last day of February: 08:00 on March 1
    assert send_at(local(2026, 2, 28, 23, 59), SMS, QUIET) == local(2026, 3, 1, 8)
    early = QuietHours(time(0), time(9))  # within one day, starting at midnight
    assert send_at(datetime(2026, 3, 31, 16, 0, tzinfo=UTC), SMS, early) == local(2026, 4, 1, 9)


def test_the_retry_delays_follow_the_configured_number_of_attempts() -> None:
    assert MAX_SEND_ATTEMPTS == 5
    now = local(2026, 3, 10, 10)
    assert send_retry_delay(4) == timedelta(hours=1)
    assert send_retry_delay(3, max_attempts=3) is None
    assert send_retry_delay(2, max_attempts=3) == timedelta(minutes=2)
    # more attempts than steps: the last step repeats
    assert send_retry_delay(5, max_attempts=7) == timedelta(hours=1)
    assert send_retry_delay(6, max_attempts=7) == timedelta(hours=1)
    assert send_retry_delay(7, max_attempts=7) is None
    assert after_send_failure(3, now, max_attempts=3) == (MessageStatus.FAILED, None)
    assert after_send_failure(2, now, max_attempts=3) == (
        MessageStatus.QUEUED,
        now + timedelta(minutes=2),
    )
    assert after_send_failure(4, now) == (MessageStatus.QUEUED, now + timedelta(hours=1))
    assert after_send_failure(6, now, max_attempts=8) == (
        MessageStatus.QUEUED,
        now + timedelta(hours=1),
    )
    for attempt in (0, -1):
        with pytest.raises(ValueError, match=r"^attempt counts failed sends from 1$"):
            send_retry_delay(attempt)


def test_the_idempotency_key_is_the_start_of_the_sha256() -> None:
    assert (
        idempotency_key("ev-1:complaint_ack:customer")
        == (hashlib.sha256(b"ev-1:complaint_ack:customer").hexdigest()[:32])
    )


def test_the_signature_is_hmac_sha256_of_the_timestamp_a_dot_and_the_body() -> None:
    mac = hmac.new(SECRET, f"{TS}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert webhook_signature(SECRET, TS, BODY) == f"t={TS},v1={mac}"
    spaced = f" t={TS} , v1={mac} "
    assert verify_webhook_signature(SECRET, spaced, BODY, now=TS)
    assert verify_webhook_signature(SECRET, f"v1=00,v1={mac},t={TS}", BODY, now=TS - 300)
    assert not verify_webhook_signature(SECRET, f"t={TS},v1={mac}", BODY, now=TS, tolerance=-1)
    assert verify_webhook_signature(SECRET, f"t={TS},v1={mac}", BODY, now=TS + 5, tolerance=5)
    assert not verify_webhook_signature(SECRET, f"t={TS},v1={mac}", BODY, now=TS + 6, tolerance=5)
    assert not verify_webhook_signature(SECRET, f"t={TS},v2={mac}", BODY, now=TS)
    assert not verify_webhook_signature(SECRET, f"t=-{TS},v1={mac}", BODY, now=TS)


def test_an_audiences_addresses_exact_then_its_kind_then_the_manager() -> None:
    table = {
        "manager": ["boss@example.com"],
        "region:*": ["regions@example.com"],
        "region:east": [],
        "team:*": ["teams@example.com"],
    }
    assert recipients_for("region:east", table) == ["regions@example.com"]  # empty: next
    assert recipients_for("region:east:night", table) == ["regions@example.com"]
    assert recipients_for("team:a", table) == ["teams@example.com"]
    assert recipients_for("manager", table) == ["boss@example.com"]
    assert recipients_for("nobody", {"manager": []}) == []
    found = recipients_for("manager", table)
    found.append("x")
    assert table["manager"] == ["boss@example.com"]  # a copy, not the settings' own list


def test_webhook_targets_exact_then_the_kind_and_never_the_manager() -> None:
    table = {
        "manager": ["https://boss.example/hook"],
        "region:*": ["https://regions.example/hook"],
        "region:east": ["https://east.example/hook"],
    }
    assert webhook_targets("region:east", table) == ["https://east.example/hook"]
    assert webhook_targets("region:west", table) == ["https://regions.example/hook"]
    assert webhook_targets("region:west:night", table) == ["https://regions.example/hook"]
    assert webhook_targets("finance", table) == []
    assert webhook_targets("manager", table) == ["https://boss.example/hook"]
    assert webhook_targets("region:east", {"region:east": [], "region:*": ["u"]}) == ["u"]
    assert webhook_targets(":x", {":*": ["v"]}) == ["v"]

"""Sending rules (DOMAIN.md §5, docs/ARCHITECTURE.md §4): quiet hours, idempotency, webhooks, retries."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from services.notifications.config import NotificationsSettings
from services.notifications.domain import (
    MAX_SEND_ATTEMPTS,
    QuietHours,
    after_send_failure,
    idempotency_key,
    recipients_for,
    send_at,
    send_retry_delay,
    verify_webhook_signature,
    webhook_signature,
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

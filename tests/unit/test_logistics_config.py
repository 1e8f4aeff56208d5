"""Logistics settings: the seed's defaults, environment overrides and production guards."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from services.logistics.config import LogisticsSettings
from services.logistics.domain import DEFAULT_RULES

pytestmark = pytest.mark.quick


def test_defaults_are_the_seeds_figures(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_ENV", "development")
    s = LogisticsSettings()
    assert s.http_port == 8004
    rules = s.rules()
    assert rules == DEFAULT_RULES
    assert [rules.receipt_days(n) for n in (0, 1, 2)] == [10, 15, 20]
    assert rules.receipt_days_hard_limit == 25
    assert rules.delay_recheck == timedelta(hours=4)
    assert (rules.penalty_overdue_fen, rules.penalty_abnormal_fen) == (5_000, 10_000)
    assert rules.lost_receipt_staff_pct == 50
    assert s.photo_max_bytes == 10 * 1024 * 1024
    assert s.photo_types == {"image/jpeg", "image/png", "image/webp", "application/pdf"}


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_LOGISTICS_RECEIPT_DAYS_DIRECT", "7")
    monkeypatch.setenv("KEFU_LOGISTICS_DELAY_RECHECK_HOURS", "2")
    monkeypatch.setenv("KEFU_LOGISTICS_HTTP_PORT", "9004")
    s = LogisticsSettings()
    assert (s.http_port, s.rules().receipt_days(0)) == (9004, 7)
    assert s.rules().delay_recheck == timedelta(hours=2)


def test_production_refuses_the_development_id_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_ENV", "production")
    with pytest.raises(ValidationError, match="ID_HMAC_KEY"):
        LogisticsSettings()
    monkeypatch.setenv("KEFU_LOGISTICS_ID_HMAC_KEY", "a-real-secret")  # too short to be secret
    with pytest.raises(ValidationError, match="at least 32 bytes"):
        LogisticsSettings()
    monkeypatch.setenv("KEFU_LOGISTICS_ID_HMAC_KEY", "a-real-secret-of-thirty-two-bytes-or-more")
    assert LogisticsSettings().id_key() == b"a-real-secret-of-thirty-two-bytes-or-more"


def test_hard_limit_cannot_precede_the_two_transfer_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KEFU_ENV", "development")
    monkeypatch.setenv("KEFU_LOGISTICS_RECEIPT_DAYS_HARD_LIMIT", "18")
    with pytest.raises(ValidationError):
        LogisticsSettings()

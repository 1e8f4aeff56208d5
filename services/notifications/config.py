"""Settings of the notifications service (env prefix `KEFU_NOTIFICATIONS_`)."""

from __future__ import annotations

from datetime import time

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.notifications.domain.retry import (
    DEFAULT_MAX_ATTEMPTS,
    DEFAULT_RETRY_DELAYS,
    parse_retry_step,
)
from services.notifications.domain.templates import TEMPLATES
from shared.links import DEV_LINK_SECRET


def _default_template_ids() -> dict[str, str]:
    """The registered gateway codes of the built-in SMS templates (SMS_001 …)."""
    return {key: t.template_id for key, t in TEMPLATES.items() if t.template_id}


class NotificationsSettings(BaseSettings):
    """Notifications' own knobs; the platform's shared settings are combined with these later.

    Dicts and lists come from the environment as JSON, e.g.
    `KEFU_NOTIFICATIONS_REPORT_RECIPIENTS='{"manager": ["boss@example.com"]}'`.
    """

    model_config = SettingsConfigDict(env_prefix="KEFU_NOTIFICATIONS_", extra="ignore")

    http_port: int = 8005
    database_url: str | None = None  # KEFU_NOTIFICATIONS_DATABASE_URL (docs/ARCHITECTURE.md §6)

    # SMS gateway (Aliyun-style: sign name + registered template codes)
    sms_url: str | None = None  # None: messages are logged as sent, nothing leaves the host
    sms_key: SecretStr | None = None
    sms_sign_name: str = "Kefu"
    sms_template_ids: dict[str, str] = Field(default_factory=_default_template_ids)
    default_language: str = "zh"

    # E-mail
    smtp_host: str = "localhost"
    smtp_port: int = 25
    smtp_from: str = "kefu@example.com"
    # Audience (role, department, `region:<code>`, or `region:*` for every region) → addresses;
    # an audience with no entry goes to `manager`.
    report_recipients: dict[str, list[str]] = Field(
        default_factory=lambda: {
            "manager": ["manager@example.com"],
            "logistics": ["logistics@example.com"],
            "cargo_supervisor": ["cargo-supervisor@example.com"],
        }
    )

    # Webhooks: audience → URLs that also receive that audience's messages, signed with
    # `t=<ts>,v1=<hmac>` (messages.webhook_signature).
    webhook_urls: dict[str, list[str]] = Field(default_factory=dict)
    webhook_secret: SecretStr | None = None

    # The customer's page linked from the shipment SMS: signed with the secret the console
    # opens it with (production refuses the published default), served under this address.
    link_secret: str = Field(default=DEV_LINK_SECRET, validation_alias="KEFU_LINK_SECRET")
    link_base_url: str = Field(
        default="http://127.0.0.1:8000",
        validation_alias="KEFU_LINK_BASE_URL",
        description="The console's public address, as a customer's phone reaches it",
    )
    link_days: int = Field(default=30, ge=1, le=90, description="How long a link opens")

    # SMS quiet hours, Asia/Shanghai; start == end switches them off.
    quiet_hours_start: time = time(21, 0)
    quiet_hours_end: time = time(8, 0)

    # Unreached calls: '2h', '30m', '1d' or 'next_day@10:00' per retry; given up after
    # `callback_max_attempts` unreached calls.
    callback_retry_delays: list[str] = Field(default_factory=lambda: list(DEFAULT_RETRY_DELAYS))
    callback_max_attempts: int = Field(default=DEFAULT_MAX_ATTEMPTS, ge=1)
    # Failed provider sends: final after this many attempts (messages.send_retry_delay).
    message_max_attempts: int = Field(default=5, ge=1)

    # The sender: due messages claimed per round, provider calls in flight, per-call timeout.
    send_batch: int = Field(default=200, ge=1)
    send_concurrency: int = Field(default=32, ge=1)
    send_timeout_seconds: float = Field(default=10.0, gt=0)
    # How often the open-callback gauges are refreshed (0 switches the refresh off).
    gauge_seconds: float = Field(default=15.0, ge=0)

    @field_validator("callback_retry_delays")
    @classmethod
    def _steps_parse(cls, value: list[str]) -> list[str]:
        """Refuse a retry step the domain cannot read, at start-up rather than mid-call."""
        if not value:
            raise ValueError("at least one retry step is needed")
        for step in value:
            parse_retry_step(step)
        return value

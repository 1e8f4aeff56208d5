"""Settings of the logistics service (env prefix KEFU_LOGISTICS_); defaults from DOMAIN.md §4."""

from __future__ import annotations

from datetime import timedelta

from pydantic import Field, NonNegativeInt, PositiveInt, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.logistics.domain import LogisticsRules
from shared.privacy import DEV_PERSONAL_DATA_KEY, key_problem
from shared.settings import DEVELOPMENT_MODES

MIB = 1024 * 1024
DEV_ID_HMAC_KEY = DEV_PERSONAL_DATA_KEY


class LogisticsSettings(BaseSettings):
    """Everything the logistics service can be configured with."""

    model_config = SettingsConfigDict(env_prefix="KEFU_LOGISTICS_", extra="ignore")

    http_port: int = 8004
    database_url: str | None = Field(
        default=None, description="Own credentials; falls back to KEFU_DATABASE_URL + SET ROLE"
    )
    env: str = Field(default="production", validation_alias="KEFU_ENV")

    receipt_days_direct: PositiveInt = Field(default=10, description="Return deadline, direct")
    receipt_days_one_transfer: PositiveInt = Field(default=15, description="With one transfer")
    receipt_days_two_transfers: PositiveInt = Field(default=20, description="With two transfers")
    receipt_days_hard_limit: PositiveInt = Field(
        default=25, description="Two transfers: the very latest, then a hard breach"
    )
    # A float so tests can re-check within seconds.
    delay_recheck_hours: float = Field(
        default=4, gt=0, description="How often a late shipment without a new ETA is re-checked"
    )
    penalty_overdue_fen: NonNegativeInt = Field(
        default=5_000, description="Per receipt overdue at month end (settlement delayed)"
    )
    penalty_abnormal_fen: NonNegativeInt = Field(
        default=10_000, description="Per abnormal receipt not handled in time (hard breach)"
    )
    lost_receipt_staff_pct: int = Field(
        default=50, ge=0, le=100, description="Staff share of a lost receipt's direct loss"
    )
    abnormal_handling_days: PositiveInt = Field(
        default=3, description="An abnormal receipt not signed again within this is a penalty"
    )

    # Production must set its own secret key (KEFU_LOGISTICS_ID_HMAC_KEY, 32+ bytes): ID
    # fingerprints made with this published default could be reversed by trying every ID number.
    id_hmac_key: str = DEV_ID_HMAC_KEY

    photo_max_bytes: PositiveInt = 10 * MIB
    photo_types: frozenset[str] = frozenset(
        {"image/jpeg", "image/png", "image/webp", "application/pdf"}
    )

    @model_validator(mode="after")
    def _production_needs_own_key(self) -> LogisticsSettings:
        """Refuse to run production with the development ID key or inverted deadlines."""
        problem = key_problem(
            self.id_hmac_key,
            development=self.env in DEVELOPMENT_MODES,
            setting="KEFU_LOGISTICS_ID_HMAC_KEY",
        )
        if problem:
            raise ValueError(
                f"{problem} unless KEFU_ENV is exactly 'development' or 'test' (it is {self.env!r})"
            )
        if self.receipt_days_hard_limit < self.receipt_days_two_transfers:
            raise ValueError("the hard limit cannot come before the two-transfer deadline")
        return self

    def rules(self) -> LogisticsRules:
        """The figures the pure rules take."""
        return LogisticsRules(
            receipt_days_direct=self.receipt_days_direct,
            receipt_days_one_transfer=self.receipt_days_one_transfer,
            receipt_days_two_transfers=self.receipt_days_two_transfers,
            receipt_days_hard_limit=self.receipt_days_hard_limit,
            delay_recheck=timedelta(hours=self.delay_recheck_hours),
            penalty_overdue_fen=self.penalty_overdue_fen,
            penalty_abnormal_fen=self.penalty_abnormal_fen,
            lost_receipt_staff_pct=self.lost_receipt_staff_pct,
            abnormal_handling=timedelta(days=self.abnormal_handling_days),
        )

    def id_key(self) -> bytes:
        """The HMAC key for ID fingerprints."""
        return self.id_hmac_key.encode()

"""Settings of the aftersales service (env prefix KEFU_AFTERSALES_)."""

from __future__ import annotations

from pydantic import Field, NonNegativeInt, PositiveInt
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.contracts.values import ProblemKind

MIB = 1024 * 1024


def default_fee_schedule() -> dict[ProblemKind, int]:
    """Placeholder fees in fen per problem kind, to be replaced by the company's own schedule."""
    # The seed names a fee schedule (收费标准) but gives no figures: these are placeholders.
    return {
        ProblemKind.LEAK: 30_000,
        ProblemKind.CRACK: 20_000,
        ProblemKind.ELECTRICAL: 15_000,
        ProblemKind.PLUMBING: 20_000,
        ProblemKind.PAINT: 25_000,
        ProblemKind.CARPENTRY: 20_000,
        ProblemKind.TILE: 25_000,
        ProblemKind.FIXTURE: 10_000,
        ProblemKind.CUSTOMER_DAMAGE: 35_000,
        ProblemKind.NORMAL_WEAR: 15_000,
        ProblemKind.OTHER: 20_000,
    }


class AftersalesSettings(BaseSettings):
    """Everything the aftersales service can be configured with; rule defaults from DOMAIN.md §3."""

    model_config = SettingsConfigDict(env_prefix="KEFU_AFTERSALES_", extra="ignore")

    http_port: int = 8003

    warranty_years: PositiveInt = Field(default=2, description="Counted from completion")
    uncovered_kinds: frozenset[ProblemKind] = Field(
        default=frozenset({ProblemKind.CUSTOMER_DAMAGE, ProblemKind.NORMAL_WEAR}),
        description="Problem kinds the warranty never covers",
    )
    fee_schedule_fen: dict[ProblemKind, NonNegativeInt] = Field(
        default_factory=default_fee_schedule, description="Fee per problem kind when not covered"
    )
    default_fee_fen: NonNegativeInt = Field(
        default=20_000, description="Fee for a kind missing from the schedule"
    )

    sla_first_contact_hours: PositiveInt = Field(default=24, description="From the ticket opening")
    sla_survey_hours: PositiveInt = Field(default=72, description="From the ticket opening")

    photo_bucket: str = Field(
        default="kefu-aftersales", description="NATS Object Store bucket for photos and documents"
    )
    photo_max_bytes: PositiveInt = 10 * MIB
    photo_types: frozenset[str] = frozenset(
        {"image/jpeg", "image/png", "image/webp", "application/pdf"}
    )

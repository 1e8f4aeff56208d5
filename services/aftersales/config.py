"""Settings of the aftersales service (env prefix KEFU_AFTERSALES_)."""

from __future__ import annotations

from pydantic import Field, NonNegativeInt, PositiveInt
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.aftersales.domain import DEFAULT_RULES, RepairRules
from shared.contracts.values import ProblemKind


def default_fee_schedule() -> dict[ProblemKind, int]:
    """Placeholder fees in fen per problem kind, to be replaced by the company's own schedule."""
    return dict(DEFAULT_RULES.fee_schedule_fen)


class AftersalesSettings(BaseSettings):
    """Everything the aftersales service can be configured with; rule defaults from DOMAIN.md §3."""

    model_config = SettingsConfigDict(env_prefix="KEFU_AFTERSALES_", extra="ignore")

    http_port: int = 8003

    uncovered_kinds: frozenset[ProblemKind] = Field(
        default=DEFAULT_RULES.uncovered_kinds,
        description="Problem kinds the warranty never covers",
    )
    fee_schedule_fen: dict[ProblemKind, NonNegativeInt] = Field(
        default_factory=default_fee_schedule, description="Fee per problem kind when not covered"
    )
    default_fee_fen: NonNegativeInt = Field(
        default=DEFAULT_RULES.default_fee_fen,
        description="Fee for a kind missing from the schedule",
    )

    sla_first_contact_hours: PositiveInt = Field(
        default=DEFAULT_RULES.sla_first_contact_hours, description="From the ticket opening"
    )
    sla_survey_hours: PositiveInt = Field(
        default=DEFAULT_RULES.sla_survey_hours, description="From the ticket opening"
    )

    photo_bucket: str = Field(
        default="kefu-aftersales", description="NATS Object Store bucket for photos and documents"
    )
    photo_max_bytes: PositiveInt = DEFAULT_RULES.photo_max_bytes
    photo_types: frozenset[str] = DEFAULT_RULES.photo_types
    after_photo_required: bool = Field(
        default=DEFAULT_RULES.after_photo_required,
        description="A repair is completed only with a photo of its end (维修结束相片存档)",
    )

    def rules(self) -> RepairRules:
        """The figures the pure rules take."""
        return RepairRules(
            uncovered_kinds=self.uncovered_kinds,
            fee_schedule_fen=dict(self.fee_schedule_fen),
            default_fee_fen=self.default_fee_fen,
            sla_first_contact_hours=self.sla_first_contact_hours,
            sla_survey_hours=self.sla_survey_hours,
            photo_types=self.photo_types,
            photo_max_bytes=self.photo_max_bytes,
            after_photo_required=self.after_photo_required,
        )

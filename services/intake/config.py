"""Settings of the intake service (env prefix `KEFU_INTAKE_`)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.contracts.values import Severity


class IntakeSettings(BaseSettings):
    """Intake's own knobs; the platform's shared settings are combined with these later."""

    model_config = SettingsConfigDict(env_prefix="KEFU_INTAKE_", extra="ignore")

    http_port: int = 8001
    # Hours from opening to the automatic escalation to the department head; the manager
    # follows after the same interval again. Floats so tests can use seconds-long intervals.
    escalation_hours_urgent: float = Field(default=4, gt=0)
    escalation_hours_high: float = Field(default=24, gt=0)
    escalation_hours_normal: float = Field(default=72, gt=0)
    escalation_hours_low: float = Field(default=168, gt=0)
    # How often every replica recounts the open complaints for kefu_intake_complaints_open.
    metrics_refresh_seconds: float = Field(default=15, gt=0)

    def escalation_hours(self, severity: Severity) -> float:
        """The automatic-escalation interval for a complaint of this severity."""
        return {
            Severity.URGENT: self.escalation_hours_urgent,
            Severity.HIGH: self.escalation_hours_high,
            Severity.NORMAL: self.escalation_hours_normal,
            Severity.LOW: self.escalation_hours_low,
        }[severity]

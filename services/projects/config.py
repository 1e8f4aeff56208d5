"""Settings of the projects service only (pydantic-settings, prefix KEFU_PROJECTS_)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.projects.domain import (
    DEFAULT_DEPOSIT_FEN,
    DEPOSIT_MAX_FEN,
    DEPOSIT_MIN_FEN,
    PaymentPlan,
)


class ProjectsSettings(BaseSettings):
    """Port and business defaults of the projects service, from KEFU_PROJECTS_* variables."""

    model_config = SettingsConfigDict(env_prefix="KEFU_PROJECTS_", extra="ignore")

    http_port: int = 8002
    default_deposit_fen: int = Field(default=DEFAULT_DEPOSIT_FEN, description="500 yuan")
    deposit_min_fen: int = DEPOSIT_MIN_FEN
    deposit_max_fen: int = DEPOSIT_MAX_FEN
    plan_first_pct: int = Field(default=65, ge=0, le=100)
    plan_midterm_pct: int = Field(default=30, ge=0, le=100)
    plan_final_pct: int = Field(default=5, ge=0, le=100)
    payment_due_days: int = Field(default=3, ge=0)
    rating_complaint_penalty: Decimal = Field(default=Decimal(1), ge=0)
    rating_size: int = Field(default=3, ge=1)
    warranty_years: int = Field(default=2, ge=1)
    company_name: str = Field(
        default="家装公司", description="The company's name printed on receipts and warranty cards"
    )
    document_bucket: str = Field(
        default="kefu-projects", description="NATS Object Store bucket for project documents"
    )
    document_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    document_types: frozenset[str] = frozenset(
        {"application/pdf", "image/jpeg", "image/png", "image/webp"}
    )

    @model_validator(mode="after")
    def _check_rules(self) -> ProjectsSettings:
        total = self.plan_first_pct + self.plan_midterm_pct + self.plan_final_pct
        if total != 100:
            raise ValueError(f"plan percentages must sum to 100, got {total}")
        if not 0 < self.deposit_min_fen <= self.deposit_max_fen:
            raise ValueError("deposit range must satisfy 0 < min <= max")
        if not self.deposit_min_fen <= self.default_deposit_fen <= self.deposit_max_fen:
            raise ValueError("the default deposit must lie within the deposit range")
        return self

    def payment_plan(self) -> PaymentPlan:
        """The default payment plan for new contracts."""
        return PaymentPlan(self.plan_first_pct, self.plan_midterm_pct, self.plan_final_pct)

"""report.published: each service publishes the reports on its own data (docs/EVENTS.md)."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field

from shared.contracts.envelope import Event
from shared.contracts.values import ReportKind


class ReportPublished(Event):
    """A periodic report was computed; notifications delivers it to its audience."""

    SUBJECT: ClassVar[str] = "report.published"
    OWNER: ClassVar[str] = "*"

    kind: ReportKind
    period: str = Field(description="ISO week `YYYY-Www` or month `YYYY-MM`")
    audience: str = Field(description="A role, a department, or `region:<code>`")
    summary: dict[str, Any] = Field(default_factory=dict, description="The report as JSON")
    csv: str = Field(default="", description="The same report as CSV, for the e-mail")

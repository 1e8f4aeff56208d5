"""Business metrics of the aftersales service (DESIGN.md §7): bounded labels only."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from prometheus_client import Counter, Histogram

HOUR: Final = 3600.0
# Buckets around the service levels: first contact within 24 h, survey within 72 h.
BUCKETS: Final = tuple(h * HOUR for h in (1, 4, 8, 12, 24, 36, 48, 72, 96, 120, 168))

FIRST_CONTACT = Histogram(
    "kefu_aftersales_first_contact_seconds",
    "Time from a repair ticket's opening to the first contact with the customer",
    buckets=BUCKETS,
)
SURVEY = Histogram(
    "kefu_aftersales_survey_seconds",
    "Time from a repair ticket's opening to the recorded site survey",
    buckets=BUCKETS,
)
SLA_BREACHES = Counter(
    "kefu_aftersales_sla_breaches_total",
    "Service-level steps of repair tickets not done in time",
    ["step"],
)


def elapsed(start: datetime, end: datetime) -> float:
    """Seconds between two instants, never negative (business times may be backdated)."""
    return max((end - start).total_seconds(), 0.0)

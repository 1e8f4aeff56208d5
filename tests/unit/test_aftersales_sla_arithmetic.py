"""Aftersales' service-level arithmetic over generated tickets (Hypothesis, derandomised; no
deadline: the machine the quick suite runs on may be busy): the first contact and the survey are
due the configured hours after the opening, a repair of n days is due n whole Shanghai days
after its first day starts, and a step is breached exactly when it was done after its due time."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.aftersales.domain import RepairRules, SlaStep, breached, open_ticket, sla_deadlines
from shared.calendar import BUSINESS_TZ, start_of_local_day

pytestmark = pytest.mark.quick

INSTANTS = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(BUSINESS_TZ)
)
HOURS = st.integers(min_value=1, max_value=24 * 14)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(
    opened=INSTANTS,
    contact=HOURS,
    survey=HOURS,
    day=st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    days=st.integers(min_value=1, max_value=60),
)
def test_every_deadline_is_the_configured_span_after_its_start(
    opened: datetime, contact: int, survey: int, day: date, days: int
) -> None:
    rules = RepairRules(sla_first_contact_hours=contact, sla_survey_hours=survey)
    ticket = open_ticket(id="r1", customer_id="c1", problem="漏水", now=opened)
    assert sla_deadlines(ticket, rules) == [
        (SlaStep.FIRST_CONTACT, opened + timedelta(hours=contact)),
        (SlaStep.SURVEY, opened + timedelta(hours=survey)),
    ]
    scheduled = replace(ticket, repair_on=day, duration_days=days)
    due = dict(sla_deadlines(scheduled, rules))[SlaStep.REPAIR]
    assert due - start_of_local_day(day) == timedelta(days=days)
    longer = dict(sla_deadlines(replace(scheduled, duration_days=days + 1), rules))
    assert longer[SlaStep.REPAIR] - due == timedelta(days=1)


@settings(max_examples=100, derandomize=True, deadline=None)
@given(opened=INSTANTS, contact=HOURS, late=st.integers(min_value=-(10**6), max_value=10**6))
def test_a_step_is_breached_exactly_when_done_after_its_due_time(
    opened: datetime, contact: int, late: int
) -> None:
    rules = RepairRules(sla_first_contact_hours=contact)
    due = opened + timedelta(hours=contact)
    done = due + timedelta(seconds=late)
    ticket = replace(
        open_ticket(id="r1", customer_id="c1", problem="漏水", now=opened), first_contact_at=done
    )
    # once done, the clock no longer matters
    for now in (opened, due, done + timedelta(days=400)):
        assert breached(ticket, SlaStep.FIRST_CONTACT, now, rules) is (late > 0)

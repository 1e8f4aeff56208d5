"""A repair as its customer's page shows it (issue 19): open until the repair is done, and the
next step in the customer's terms with the time, day or fee it waits for."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from services.aftersales.domain import Status, Ticket
from services.aftersales.domain.customer import OPEN, CustomerStep, customer_step, is_open

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 11, 3, 10, 0, tzinfo=SH)
TICKET = Ticket(id="r-1", customer_id="c-1", opened_at=T0, problem="卫生间吊顶渗水")


def at(status: Status, **fields: object) -> Ticket:
    return replace(TICKET, status=status, **fields)  # type: ignore[arg-type]


def test_a_ticket_is_open_for_its_customer_until_the_repair_is_done() -> None:
    order = list(Status)
    done = order.index(Status.COMPLETED)
    assert [is_open(s) for s in order] == [i < done for i in range(len(order))]
    assert OPEN == frozenset(order[:done])


def test_the_next_step_in_the_customers_terms() -> None:
    survey = datetime(2026, 11, 4, 14, 0, tzinfo=SH)
    assert customer_step(at(Status.OPENED)) == CustomerStep("contact")
    bare = customer_step(at(Status.IN_REPAIR))
    assert (bare.at, bare.on, bare.fee_fen) == (None, None, None)
    assert customer_step(at(Status.ASSIGNED)) == CustomerStep("contact")
    assert customer_step(at(Status.SURVEY_BOOKED, survey_at=survey)) == CustomerStep(
        "survey", at=survey
    )
    quoted = at(Status.SURVEYED, covered=False, fee_quote_fen=35_000)
    assert customer_step(quoted) == CustomerStep("accept_quote", fee_fen=35_000)
    accepted = replace(quoted, quote_accepted=True)
    assert customer_step(accepted) == CustomerStep("schedule")
    assert customer_step(at(Status.SURVEYED, covered=True)) == CustomerStep("schedule")
    assert customer_step(at(Status.QUOTE_ACCEPTED)) == CustomerStep("schedule")
    day = date(2026, 11, 9)
    assert customer_step(at(Status.SCHEDULED, repair_on=day)) == CustomerStep("repair", on=day)
    assert customer_step(at(Status.IN_REPAIR)) == CustomerStep("in_repair")


def test_a_ticket_past_its_repair_has_no_customer_step() -> None:
    for status in (Status.COMPLETED, Status.REIMBURSEMENT_CLAIMED, Status.CLOSED):
        with pytest.raises(ValueError, match=f"a {status.value} ticket is not open"):
            customer_step(at(status))

"""What a renovation customer's link shows of their repairs: the tickets still open for them
(until the repair is done; what follows is the company's paperwork) and, for each, the next
step in the customer's terms, with the date it waits for when there is one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Final

from services.aftersales.domain.lifecycle import Status, Ticket

# Open for the customer: from opening until the repair is completed. The reimbursement and the
# closure after it are staff's steps, nothing the customer waits for.
OPEN: Final = frozenset(
    {
        Status.OPENED,
        Status.ASSIGNED,
        Status.SURVEY_BOOKED,
        Status.SURVEYED,
        Status.QUOTE_ACCEPTED,
        Status.SCHEDULED,
        Status.IN_REPAIR,
    }
)


@dataclass(frozen=True, slots=True)
class CustomerStep:
    """The next step as the customer sees it: a code the page words (contact, survey,
    accept_quote, schedule, repair, in_repair) and the time or day it is set for, if any."""

    code: str
    at: datetime | None = None
    on: date | None = None
    fee_fen: int | None = None


def is_open(status: Status) -> bool:
    """Whether the customer still waits on this ticket."""
    return status in OPEN


def customer_step(ticket: Ticket) -> CustomerStep:
    """What comes next for an open ticket: a call to book the survey, the survey on its time,
    the fee quote to accept (a repair the warranty does not cover), the repair to be scheduled,
    the repair on its day, the repair under way."""
    status = ticket.status
    if status in (Status.OPENED, Status.ASSIGNED):
        return CustomerStep("contact")
    if status is Status.SURVEY_BOOKED:
        return CustomerStep("survey", at=ticket.survey_at)
    if status is Status.SURVEYED and ticket.needs_quote_acceptance:
        return CustomerStep("accept_quote", fee_fen=ticket.fee_quote_fen)
    if status in (Status.SURVEYED, Status.QUOTE_ACCEPTED):
        return CustomerStep("schedule")
    if status is Status.SCHEDULED:
        return CustomerStep("repair", on=ticket.repair_on)
    if status is Status.IN_REPAIR:
        return CustomerStep("in_repair")
    raise ValueError(f"a {status.value} ticket is not open for its customer")

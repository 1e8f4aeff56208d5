"""Project deadlines (4 days / 1 day / 3 days) and the 2-year warranty card."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import (
    SATISFIED_BY,
    DeadlineFact,
    WarrantyCard,
    add_years,
    deadline_met_by,
    deadlines_for,
    in_warranty,
    is_missed,
    last_day_of_cover,
    open_project,
    responsible,
    warranty_card,
)
from shared.contracts.values import Deadline, Stage

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")


def test_renderings_are_due_within_4_days_of_the_design_agreement() -> None:
    [due] = deadlines_for(Stage.DESIGN_AGREEMENT, datetime(2026, 3, 1, 23, 30, tzinfo=SH))
    assert due.kind == Deadline.RENDERINGS
    assert due.due_on == date(2026, 3, 5)
    assert due.due_at == datetime(2026, 3, 6, tzinfo=SH)


def test_contract_to_finance_in_1_day_and_works_start_3_days_after_signing() -> None:
    signed = datetime(2026, 3, 10, 9, 0, tzinfo=SH)
    dues = {d.kind: d for d in deadlines_for(Stage.CONTRACT, signed)}
    assert set(dues) == {Deadline.CONTRACT_TO_FINANCE, Deadline.WORKS_START}
    assert dues[Deadline.CONTRACT_TO_FINANCE].due_on == date(2026, 3, 11)
    assert dues[Deadline.CONTRACT_TO_FINANCE].due_at == datetime(2026, 3, 12, tzinfo=SH)
    assert dues[Deadline.WORKS_START].due_on == date(2026, 3, 13)
    assert dues[Deadline.WORKS_START].due_at == datetime(2026, 3, 14, tzinfo=SH)


def test_deadlines_count_shanghai_days_not_utc_days() -> None:
    signed = datetime(2026, 3, 10, 17, 0, tzinfo=ZoneInfo("UTC"))  # 01:00 on 11 March in Shanghai
    dues = {d.kind: d.due_on for d in deadlines_for(Stage.CONTRACT, signed)}
    assert dues == {
        Deadline.CONTRACT_TO_FINANCE: date(2026, 3, 12),
        Deadline.WORKS_START: date(2026, 3, 14),
    }


@pytest.mark.parametrize(
    "stage", [s for s in Stage if s not in (Stage.DESIGN_AGREEMENT, Stage.CONTRACT)]
)
def test_other_stages_start_no_deadline(stage: Stage) -> None:
    assert deadlines_for(stage, datetime(2026, 3, 1, tzinfo=SH)) == []


def test_each_deadline_is_met_by_its_fact() -> None:
    assert SATISFIED_BY == {
        Deadline.RENDERINGS: DeadlineFact.RENDERINGS_DELIVERED,
        Deadline.CONTRACT_TO_FINANCE: DeadlineFact.CONTRACT_HANDED_TO_FINANCE,
        Deadline.WORKS_START: DeadlineFact.WORKS_STARTED,
    }
    assert deadline_met_by(DeadlineFact.WORKS_STARTED) == Deadline.WORKS_START
    assert DeadlineFact.WORKS_STARTED.value == Stage.WORKS_STARTED.value


def test_missed_only_once_the_bound_passes_without_the_fact() -> None:
    [due] = deadlines_for(Stage.DESIGN_AGREEMENT, datetime(2026, 3, 1, 10, tzinfo=SH))
    bound = datetime(2026, 3, 6, tzinfo=SH)
    assert due.due_at == bound
    assert not is_missed(due, None, bound - timedelta(seconds=1))
    assert is_missed(due, None, bound)
    assert not is_missed(due, datetime(2026, 3, 5, 23, 59, tzinfo=SH), bound)
    assert is_missed(due, bound, bound)  # delivered at 00:00 on day 5 is late


def test_responsible_person() -> None:
    p = open_project(
        "p", "c", datetime(2026, 3, 1, tzinfo=SH), designer="d-1", project_manager="pm-1"
    )
    assert responsible(Deadline.RENDERINGS, p) == "d-1"
    assert responsible(Deadline.CONTRACT_TO_FINANCE, p) == "d-1"
    assert responsible(Deadline.WORKS_START, p) == "pm-1"


def test_duty_warranty_card_last_day_is_the_second_anniversary() -> None:
    """十二、工程保修: 合同竣工后,有2年的保修期 — counted as the Civil Code counts years (the
    completion day not counted): the card's 有效期至 is the second anniversary, covered itself;
    the day after is not. The card's number stays the same for the same project."""
    card = warranty_card("3f2a9c1b-7d4e-4a0b-9c3d-5e6f7a8b9c0d", date(2026, 3, 14))
    assert card == WarrantyCard("WC-3F2A9C1B7D4E", date(2026, 3, 14), date(2028, 3, 14))
    assert warranty_card("3f2a9c1b-7d4e-4a0b-9c3d-5e6f7a8b9c0d", date(2026, 3, 14)) == card
    assert card.ends_on == last_day_of_cover(date(2026, 3, 14), 2)
    assert in_warranty(card, date(2026, 3, 14))
    assert in_warranty(card, date(2028, 3, 13))
    assert in_warranty(card, date(2028, 3, 14))
    assert not in_warranty(card, date(2028, 3, 15))
    assert not in_warranty(card, date(2026, 3, 13))
    assert last_day_of_cover(date(2026, 3, 14), 3) == date(2029, 3, 14)


def test_duty_warranty_from_a_leap_day_ends_on_28_february() -> None:
    """No 29 February two years on: the month's last day is the card's last day."""
    card = warranty_card("p-29", date(2028, 2, 29))
    assert card.ends_on == date(2030, 2, 28)
    assert add_years(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert card.card_no == "WC-P29"

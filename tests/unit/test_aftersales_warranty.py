"""The warranty decision word for word (DOMAIN.md §2.1 step 13, §3 step 2): the customer is told
why a repair is free or not, and the fee when it is not; the shipped defaults pinned."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.aftersales.domain import RepairRules, WarrantyDecision, warranty_decision
from services.aftersales.domain.rules import DEFAULT_FEE_SCHEDULE_FEN, DEFAULT_RULES
from services.aftersales.domain.warranty import fee_quote, kind_words
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import ProblemKind

pytestmark = pytest.mark.quick

COMPLETED = date(2024, 11, 26)
LAST = date(2026, 11, 26)


def survey(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 10, tzinfo=BUSINESS_TZ)


def decide(kind: ProblemKind, on: date, rules: RepairRules = DEFAULT_RULES) -> WarrantyDecision:
    return warranty_decision(COMPLETED, LAST, kind, survey(on), rules)


def test_a_covered_repair_says_when_the_warranty_runs_and_that_the_kind_is_covered() -> None:
    assert decide(ProblemKind.PAINT, date(2025, 6, 1)) == WarrantyDecision(
        True,
        "covered: the survey on 2025-06-01 is within the warranty from completion on 2024-11-26"
        " (its last day is 2026-11-26), and paint problems are covered",
        LAST,
    )


def test_an_uncovered_kind_within_the_warranty_says_so() -> None:
    assert decide(ProblemKind.CUSTOMER_DAMAGE, date(2025, 6, 1)) == WarrantyDecision(
        False,
        "customer damage is not covered by the warranty, even within the warranty from"
        " completion on 2024-11-26 (through 2026-11-26)",
        LAST,
    )


def test_after_the_last_day_the_reason_names_both_days_and_an_uncovered_kind_too() -> None:
    late = date(2026, 11, 27)
    expected = (
        "the warranty from completion on 2024-11-26 covered repairs through 2026-11-26;"
        " the survey on 2026-11-27 is after it"
    )
    assert decide(ProblemKind.LEAK, late) == WarrantyDecision(False, expected, LAST)
    assert decide(ProblemKind.NORMAL_WEAR, late).reason == (
        f"{expected}; besides, normal wear is not covered by the warranty"
    )


def test_a_survey_before_completion_is_not_covered_and_says_when_cover_starts() -> None:
    assert decide(ProblemKind.LEAK, date(2024, 11, 25)) == WarrantyDecision(
        False,
        "the survey on 2024-11-25 is before the project's completion on 2024-11-26,"
        " when the warranty starts",
        LAST,
    )
    assert decide(ProblemKind.LEAK, COMPLETED).covered


def test_without_a_completion_date_nothing_is_covered_and_the_kind_is_named_too() -> None:
    plain = (
        "no completion date is known for this project (not a Kefu project, or its completion"
        " has not been recorded), so the warranty cannot apply"
    )
    for completed, last in ((None, None), (COMPLETED, None), (None, LAST)):
        decision = warranty_decision(
            completed, last, ProblemKind.LEAK, survey(date(2025, 1, 1)), DEFAULT_RULES
        )
        assert decision == WarrantyDecision(False, plain, last)
    damage = warranty_decision(
        None, None, ProblemKind.CUSTOMER_DAMAGE, survey(date(2025, 1, 1)), DEFAULT_RULES
    )
    assert damage.reason == f"{plain}; besides, customer damage is not covered by the warranty"


def test_kinds_are_named_in_plain_words() -> None:
    assert kind_words(ProblemKind.CUSTOMER_DAMAGE) == "customer damage"
    assert kind_words(ProblemKind.LEAK) == "leak"


def test_the_shipped_rules_exclude_damage_and_wear_and_charge_the_schedule() -> None:
    rules = RepairRules()
    assert rules.uncovered_kinds == {ProblemKind.CUSTOMER_DAMAGE, ProblemKind.NORMAL_WEAR}
    assert rules.fee_schedule_fen == DEFAULT_FEE_SCHEDULE_FEN
    assert dict(DEFAULT_FEE_SCHEDULE_FEN) == {
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
    assert (rules.default_fee_fen, rules.sla_first_contact_hours, rules.sla_survey_hours) == (
        20_000,
        24,
        72,
    )
    assert rules.photo_types == {"image/jpeg", "image/png", "image/webp", "application/pdf"}
    assert rules.photo_max_bytes == 10 * 1024 * 1024


def test_the_fee_is_the_scheduled_one_the_default_for_an_unlisted_kind_and_zero_if_covered() -> (
    None
):
    assert fee_quote(ProblemKind.LEAK, DEFAULT_RULES) == 30_000
    assert fee_quote(ProblemKind.LEAK, DEFAULT_RULES, covered=True) == 0
    partial = RepairRules(fee_schedule_fen={ProblemKind.LEAK: 1_234}, default_fee_fen=777)
    assert fee_quote(ProblemKind.LEAK, partial) == 1_234
    assert fee_quote(ProblemKind.TILE, partial) == 777
    assert fee_quote(ProblemKind.TILE, RepairRules(fee_schedule_fen={})) == 20_000

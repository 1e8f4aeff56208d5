"""Monthly best/worst rating and customer-care compliance on known data sets."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import (
    CareRequirement,
    CompletedCallback,
    ProjectCare,
    ProjectMonth,
    QualityInspection,
    StageEntry,
    care_compliance,
    compliance,
    credited_calls,
    made_calls,
    monthly_rating,
    rate_project,
    required_calls,
)
from shared.contracts.values import CallbackPurpose, Stage, StageCallback

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")


def d(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 10, tzinfo=SH)


def insp(pid: str, q: int, p: int, t: int) -> QualityInspection:
    return QualityInspection(pid, "eng-1", d(5, 10), q, p, t)


def month(
    pid: str, marks: list[tuple[int, int, int]], complaints: int, sat: tuple[int, ...]
) -> ProjectMonth:
    return ProjectMonth(pid, tuple(insp(pid, *m) for m in marks), complaints, sat)


DATA = [
    month("p-a", [(5, 5, 5)], 0, (5, 5)),  # 5 + 5 − 0 = 10
    month("p-b", [(4, 4, 4), (5, 5, 5)], 0, (4,)),  # 4.5 + 4 = 8.5
    month("p-c", [(5, 4, 3)], 1, (5,)),  # 4 + 5 − 1 = 8
    month("p-d", [(4, 4, 4)], 0, ()),  # 4 + 3 (neutral) = 7
    month("p-e", [(3, 3, 3)], 0, (4,)),  # 3 + 4 = 7 (ties p-d)
    month("p-f", [(2, 2, 2)], 2, (2,)),  # 2 + 2 − 2 = 2
    month("p-g", [(3, 3, 3)], 1, (3,)),  # 3 + 3 − 1 = 5
    month("p-h", [], 0, (5,)),  # not inspected: not rated
]


def test_rating_formula_on_one_project() -> None:
    r = rate_project(DATA[1])
    assert r is not None
    assert (r.mean_inspection, r.mean_satisfaction, r.score) == (
        Fraction(9, 2),
        Fraction(4),
        Fraction(17, 2),
    )
    assert r.score_2dp == Decimal("8.50")
    assert rate_project(DATA[-1]) is None


def test_monthly_best_and_worst_three() -> None:
    best, worst = monthly_rating(DATA)
    assert [(r.project_id, r.score) for r in best] == [
        ("p-a", 10),
        ("p-b", Fraction(17, 2)),
        ("p-c", 8),
    ]
    # p-d and p-e tie on 7: the smaller id comes first, so p-e is among the worst three
    assert [(r.project_id, r.score) for r in worst] == [("p-f", 2), ("p-g", 5), ("p-d", 7)]


def test_complaint_penalty_is_configurable() -> None:
    best, worst = monthly_rating(DATA, complaint_penalty=Decimal("2.5"))
    assert [r.project_id for r in best] == ["p-a", "p-b", "p-d"]  # p-c drops to 6.5
    assert [(r.project_id, r.score) for r in worst] == [
        ("p-f", -1),
        ("p-g", Fraction(7, 2)),
        ("p-c", Fraction(13, 2)),
    ]


def test_a_project_is_never_both_best_and_worst() -> None:
    best, worst = monthly_rating(DATA[:4])
    assert [r.project_id for r in best] == ["p-a", "p-b", "p-c"]
    assert [r.project_id for r in worst] == ["p-d"]


HISTORY = (
    StageEntry(Stage.CONSULTATION, d(2, 1)),
    StageEntry(Stage.DESIGN_AGREEMENT, d(2, 10)),
    StageEntry(Stage.CONTRACT, d(3, 5)),
    StageEntry(Stage.WORKS_STARTED, d(3, 10)),
    StageEntry(Stage.MATERIALS_ACCEPTED, d(3, 12)),
    StageEntry(Stage.PLUMBING_ELECTRICAL_ACCEPTED, d(3, 20)),
    StageEntry(Stage.MIDTERM_ACCEPTED, d(3, 25)),
    StageEntry(Stage.CARPENTRY_ACCEPTED, d(4, 5)),
    StageEntry(Stage.TILING_ACCEPTED, d(4, 20)),
    StageEntry(Stage.PAINTING_ACCEPTED, d(5, 1)),
    StageEntry(Stage.COMPLETED, d(5, 12)),
)


def test_required_calls_of_a_project_under_construction() -> None:
    req = required_calls(HISTORY, datetime(2026, 4, 8, 9, tzinfo=SH))
    # 10 March 10:00 → 8 April 09:00 is 28 days 23 hours: 4 full weeks
    assert req == CareRequirement(
        frontdesk=3,
        weekly=4,
        stage_callbacks=frozenset(
            {
                StageCallback.DESIGN_AGREEMENT,
                StageCallback.CONTRACT,
                StageCallback.PLUMBING_ELECTRICAL_ACCEPTED,
                StageCallback.CARPENTRY_ACCEPTED,
            }
        ),
    )
    assert req.total == 11


def test_required_calls_of_a_completed_project_stop_counting_weeks_at_completion() -> None:
    req = required_calls(HISTORY, d(12, 31))
    assert req.weekly == 9  # 10 March → 12 May = 63 days
    assert req.stage_callbacks == frozenset(StageCallback)  # all seven, incl. the survey
    assert req.total == 3 + 9 + 7


def test_no_care_calls_owed_before_works_except_stage_callbacks() -> None:
    req = required_calls(HISTORY, d(3, 6))
    assert req == CareRequirement(
        0, 0, frozenset({StageCallback.DESIGN_AGREEMENT, StageCallback.CONTRACT})
    )


def test_made_calls_are_capped_per_requirement() -> None:
    req = required_calls(HISTORY, datetime(2026, 4, 8, 9, tzinfo=SH))
    made = made_calls(
        [CompletedCallback(CallbackPurpose.FRONTDESK_CALL)] * 5
        + [CompletedCallback(CallbackPurpose.WEEKLY_WORKS)] * 2
        + [
            CompletedCallback(CallbackPurpose.STAGE_CALLBACK, "design_agreement"),
            CompletedCallback(CallbackPurpose.STAGE_CALLBACK, "contract"),
            CompletedCallback(CallbackPurpose.STAGE_CALLBACK, "tiling_accepted"),  # not yet owed
            CompletedCallback(CallbackPurpose.PAYMENT_REMINDER),  # not a care call
        ]
    )
    assert (made.frontdesk, made.weekly) == (5, 2)
    assert credited_calls(req, made) == 3 + 2 + 2
    assert compliance(req, made) == Decimal("63.6")  # 7 of 11
    assert compliance(CareRequirement(), made) == Decimal("100.0")


def test_completion_survey_counts_whether_sent_as_its_purpose_or_stage() -> None:
    a = made_calls([CompletedCallback(CallbackPurpose.COMPLETION_SURVEY)])
    b = made_calls([CompletedCallback(CallbackPurpose.STAGE_CALLBACK, "completed")])
    assert a.stage_callbacks == b.stage_callbacks == frozenset({StageCallback.COMPLETION_SURVEY})


def test_care_compliance_per_project_manager() -> None:
    full = CareRequirement(3, 4, frozenset({StageCallback.CONTRACT}))  # 8 owed
    rows = care_compliance(
        [
            ProjectCare(
                "p-1", "pm-zhang", full, CareRequirement(3, 4, frozenset({StageCallback.CONTRACT}))
            ),
            ProjectCare("p-2", "pm-zhang", full, CareRequirement(1, 1, frozenset())),
            ProjectCare(
                "p-3", "pm-li", full, CareRequirement(6, 9, frozenset({StageCallback.CONTRACT}))
            ),
            ProjectCare(
                "p-4",
                None,
                CareRequirement(0, 0, frozenset({StageCallback.DESIGN_AGREEMENT})),
                CareRequirement(),
            ),
        ]
    )
    assert [
        (r.project_manager, r.projects, r.required_calls, r.made_calls, r.compliance_pct)
        for r in rows
    ] == [
        ("pm-li", 1, 8, 8, Decimal("100.0")),
        ("pm-zhang", 2, 16, 10, Decimal("62.5")),
        (None, 1, 1, 0, Decimal("0.0")),
    ]

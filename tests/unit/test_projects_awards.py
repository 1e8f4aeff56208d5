"""Rewards and penalties on the monthly rating (《家装设计师工作流程》六、施工: 每月公司将对施工工程进行
评比,评出最好和最差的工程、奖优罚劣,重奖重罚)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import Award, AwardKind, decide_award
from shared.errors import DomainError, Invalid

pytestmark = pytest.mark.quick

AT = datetime(2026, 4, 2, 9, tzinfo=ZoneInfo("Asia/Shanghai"))
LISTS = {"best": ["p-1", "p-2"], "worst": ["p-8", "p-9"], "this_month": "2026-04"}


def decide(**kw: object) -> Award:
    values: dict[str, object] = {
        **LISTS,
        "project_id": "p-1",
        "kind": AwardKind.REWARD,
        "amount_fen": 200_000,
        "person": "pm-1",
        "reason": " 工地整洁 ",
        "by": "mgr-1",
        "at": AT,
        **kw,
    }
    return decide_award("2026-03", **values)  # type: ignore[arg-type]


def test_duty_best_projects_are_rewarded_and_worst_penalised() -> None:
    """奖优罚劣: a reward for a project on the month's best list, a penalty for one on its worst,
    to the project's manager, of the amount management decides."""
    reward = decide()
    assert reward == Award(
        "2026-03", "p-1", AwardKind.REWARD, 200_000, "pm-1", "工地整洁", "mgr-1", AT
    )
    penalty = decide(project_id="p-9", kind=AwardKind.PENALTY, amount_fen=50_000)
    assert (penalty.kind, penalty.amount_fen, penalty.project_id) == (
        AwardKind.PENALTY,
        50_000,
        "p-9",
    )


@pytest.mark.parametrize(
    ("kw", "code"),
    [
        ({"project_id": "p-8"}, "not_best"),  # a worst project is never rewarded
        ({"project_id": "p-5"}, "not_best"),
        ({"project_id": "p-1", "kind": AwardKind.PENALTY}, "not_worst"),
        ({"this_month": "2026-03"}, "month_not_over"),
        ({"this_month": "2026-02"}, "month_not_over"),
    ],
)
def test_awards_follow_the_lists_of_a_finished_month(kw: dict[str, object], code: str) -> None:
    with pytest.raises(DomainError) as err:
        decide(**kw)
    assert err.value.code == code


@pytest.mark.parametrize("amount", [0, -100, True])
def test_an_award_is_a_positive_amount(amount: object) -> None:
    with pytest.raises(Invalid) as err:
        decide(amount_fen=amount)
    assert err.value.field == "amount_fen"

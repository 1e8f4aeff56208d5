"""Drawing/budget reviews and quality inspections (DOMAIN.md §2.2)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from fractions import Fraction
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import (
    QualityInspection,
    Review,
    ReviewKind,
    ReviewStatus,
    approve_review,
    dispute_review,
    form_panel,
    inspect,
    open_project,
    resubmit_review,
    return_review,
    score_review,
    submit_review,
)
from services.projects.domain.reviews import ReviewStep, RuleScore
from shared.contracts.values import Stage
from shared.errors import DomainError, Invalid

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 5, 9, tzinfo=SH)


def at(hours: int) -> datetime:
    return T0 + timedelta(hours=hours)


def test_review_returned_resubmitted_disputed_rescored_and_approved() -> None:
    r = submit_review("rv-1", "p-1", ReviewKind.DRAWINGS, "designer-1", at(0))
    assert (r.status, r.round) == (ReviewStatus.SUBMITTED, 1)
    r = form_panel(r, ["panel", "panel-2"], "eng-manager", at(0))
    r = score_review(r, {"layout": 6, "electrical": 4}, "sockets missing", "panel", at(1))
    assert (r.status, r.total_score) == (ReviewStatus.SCORED, 10)
    r = return_review(r, "eng-manager", "add sockets", at(2))
    assert r.status == ReviewStatus.RETURNED
    r = resubmit_review(r, "designer-1", at(3))
    assert (r.status, r.round, r.scores) == (ReviewStatus.SUBMITTED, 2, ())
    r = score_review(r, {"layout": 7, "electrical": 5}, "better", "panel", at(4))
    r = dispute_review(r, "designer-1", "electrical deserves more", at(5))
    assert r.status == ReviewStatus.DISPUTED
    r = score_review(r, {"layout": 7, "electrical": 8}, "agreed after discussion", "panel", at(6))
    assert r.total_score == 15
    r = approve_review(r, "eng-manager", at(7))
    assert r.status == ReviewStatus.APPROVED
    assert [s.status for s in r.history] == [
        ReviewStatus.SUBMITTED,
        ReviewStatus.SCORED,
        ReviewStatus.RETURNED,
        ReviewStatus.SUBMITTED,
        ReviewStatus.SCORED,
        ReviewStatus.DISPUTED,
        ReviewStatus.SCORED,
        ReviewStatus.APPROVED,
    ]
    assert {s.rule: s.score for s in r.history[1].scores} == {"layout": 6, "electrical": 4}


def test_review_refusals() -> None:
    r = submit_review("rv-1", "p-1", ReviewKind.BUDGET, "designer-1", at(0))
    r = form_panel(r, ["panel", "panel-2"], "eng-manager", at(0))
    with pytest.raises(DomainError) as unscored:
        approve_review(r, "eng-manager", at(1))
    assert unscored.value.code == "review_state"
    with pytest.raises(Invalid):
        score_review(r, {"prices": 11}, "x", "panel", at(1))
    with pytest.raises(Invalid):
        score_review(r, {}, "x", "panel", at(1))
    scored = score_review(r, {"prices": 9}, "ok", "panel", at(1))
    with pytest.raises(DomainError) as other:
        dispute_review(scored, "designer-2", "mine", at(2))
    assert other.value.code == "not_the_designer"
    done = approve_review(scored, "eng-manager", at(2))
    with pytest.raises(DomainError):
        dispute_review(done, "designer-1", "late", at(3))


def test_duty_review_panel_scores_and_the_engineering_manager_approves() -> None:
    """图纸、预算审核流程: 组成审核小组—审核小组按规定审核打分…工程部经理审批 — the panel (2–7,
    never the designer) is formed first and only its members score; the designer neither
    scores nor approves nor returns their own work; a panel formed again replaces the first."""
    r = submit_review("rv-1", "p-1", ReviewKind.DRAWINGS, "designer-1", at(0))
    with pytest.raises(DomainError) as unformed:
        score_review(r, {"layout": 8}, "ok", "panel-a", at(1))
    assert unformed.value.code == "no_panel"
    for members in (["panel-a"], ["panel-a", " panel-a "], [f"p{n}" for n in range(8)]):
        with pytest.raises(Invalid) as size:
            form_panel(r, members, "eng-manager", at(1))
        assert size.value.field == "members"
    with pytest.raises(Invalid) as own:
        form_panel(r, ["panel-a", "designer-1"], "eng-manager", at(1))
    assert own.value.field == "members"
    with pytest.raises(DomainError) as by_designer:
        form_panel(r, ["panel-a", "panel-b"], "designer-1", at(1))
    assert by_designer.value.code == "own_review"
    first = form_panel(r, ["panel-a", "panel-b"], "eng-manager", at(1))
    r = form_panel(first, [" panel-c ", "panel-b", "panel-c"], "eng-manager", at(2))
    assert (r.panel, r.panel_by, r.panel_at) == (("panel-c", "panel-b"), "eng-manager", at(2))
    for outsider in ("panel-a", "designer-1", "eng-manager"):
        with pytest.raises(DomainError) as other:
            score_review(r, {"layout": 8}, "ok", outsider, at(3))
        assert other.value.code == "not_on_panel"
    assert score_review(r, {"layout": 8}, "ok", "admin", at(3), on_behalf=True).total_score == 8
    scored = score_review(r, {"layout": 8}, "ok", "panel-b", at(3))
    assert scored.history[-1].by == "panel-b"
    with pytest.raises(DomainError):
        form_panel(scored, ["panel-a", "panel-b"], "eng-manager", at(4))
    for act in (
        lambda: approve_review(scored, "designer-1", at(4)),
        lambda: return_review(scored, "designer-1", "redo", at(4)),
    ):
        with pytest.raises(DomainError) as self_approval:
            act()
        assert self_approval.value.code == "own_review"
    assert approve_review(scored, "eng-manager", at(4)).status == ReviewStatus.APPROVED


def test_inspection_of_an_active_project() -> None:
    p = replace(open_project("p-1", "c", T0), stage=Stage.CARPENTRY_ACCEPTED)
    i = inspect(p, "eng-1", at(1), quality=5, progress=4, tidiness=3, problems=[" dust ", ""])
    assert i.mean == Fraction(4)
    assert i.problems == ("dust",)
    with pytest.raises(Invalid):
        inspect(p, "eng-1", at(1), quality=6, progress=4, tidiness=3)
    with pytest.raises(Invalid):
        inspect(p, "eng-1", at(1), quality=5, progress=0, tidiness=3)
    for stage in (Stage.CONTRACT, Stage.COMPLETED):
        with pytest.raises(DomainError) as err:
            inspect(replace(p, stage=stage), "eng-1", at(1), quality=5, progress=4, tidiness=3)
        assert err.value.code == "not_under_construction"


def _refused(call: Callable[[], object]) -> DomainError:
    with pytest.raises(DomainError) as info:
        call()
    return info.value


def _panel_formed() -> Review:
    r = submit_review("rv-1", "p-1", ReviewKind.BUDGET, "designer-1", at(0))
    return form_panel(r, ["panel", "panel-2"], "eng-manager", at(0))


def test_a_submitted_review_keeps_its_ids_kind_and_first_step() -> None:
    r = submit_review("rv-9", "p-9", "drawings", "designer-1", at(0))  # type: ignore[arg-type]
    assert (r.id, r.project_id, r.kind, r.designer) == ("rv-9", "p-9", "drawings", "designer-1")
    assert r.kind is ReviewKind.DRAWINGS
    assert r.history == (ReviewStep(ReviewStatus.SUBMITTED, at(0), "designer-1"),)
    err = _refused(
        lambda: submit_review("rv-9", "p-9", ReviewKind.BUDGET, "d", at(0).replace(tzinfo=None))
    )
    assert (err.field, err.detail) == ("at", "a time must carry its UTC offset")


def test_every_step_records_who_when_and_why() -> None:
    r = score_review(_panel_formed(), {"prices": 4, "labour": 6}, " dear ", "panel", at(1))
    assert r.details == "dear"
    assert r.scores == (RuleScore("labour", 6), RuleScore("prices", 4))  # by rule name
    assert r.history[-1] == ReviewStep(ReviewStatus.SCORED, at(1), "panel", "", r.scores)
    returned = return_review(r, "eng-manager", "cheaper tiles", at(2))
    assert returned.history[-1] == ReviewStep(
        ReviewStatus.RETURNED, at(2), "eng-manager", "cheaper tiles"
    )
    again = resubmit_review(returned, "designer-1", at(3))
    assert (again.details, again.scores, again.round) == ("", (), 2)
    assert again.history[-1] == ReviewStep(ReviewStatus.SUBMITTED, at(3), "designer-1")
    disputed = dispute_review(returned, "designer-1", " tiles are fine ", at(3))
    assert disputed.history[-1] == ReviewStep(
        ReviewStatus.DISPUTED, at(3), "designer-1", "tiles are fine"
    )
    approved = approve_review(r, "eng-manager", at(4))
    assert approved.history[-1] == ReviewStep(ReviewStatus.APPROVED, at(4), "eng-manager")
    err = _refused(lambda: approve_review(r, "eng-manager", at(4).replace(tzinfo=None)))
    assert (err.field, err.detail) == ("at", "a time must carry its UTC offset")
    err = _refused(lambda: approve_review(approved, "eng-manager", at(5)))
    assert (err.code, err.detail) == (
        "review_state",
        "a review that is `approved` cannot become `approved`",
    )


def test_an_administrator_records_the_panels_sheet_on_its_behalf() -> None:
    r = score_review(_panel_formed(), {"prices": 7}, "ok", "admin", at(1), on_behalf=True)
    assert (r.status, r.history[-1].by) == (ReviewStatus.SCORED, "admin")
    err = _refused(lambda: score_review(_panel_formed(), {"prices": 7}, "ok", "admin", at(1)))
    assert (err.code, err.detail) == (
        "not_on_panel",
        "only the panel (panel, panel-2) scores this review",
    )


def test_scores_are_whole_numbers_from_0_to_10_with_details() -> None:
    r = _panel_formed()
    assert score_review(r, {"a": 0, "b": 10}, "edges", "panel", at(1)).total_score == 10
    cases = [
        ({"a": 11}, "x", "scores", "rule 'a': 11 is outside 0–10"),
        ({"a": -1}, "x", "scores", "rule 'a': -1 is outside 0–10"),
        ({"a": True}, "x", "scores", "rule 'a': a score is a whole number"),
        ({"a": 5.0}, "x", "scores", "rule 'a': a score is a whole number"),
        ({}, "x", "scores", "score at least one rule"),
        ({"a": 5}, "  ", "details", "the panel records its details with the scores"),
    ]
    for scores, details, field, detail in cases:
        err = _refused(lambda s=scores, d=details: score_review(r, s, d, "panel", at(1)))  # type: ignore[misc]
        assert (err.field, err.detail) == (field, detail), scores


def test_only_the_designer_resubmits_or_disputes_and_a_dispute_says_what() -> None:
    scored = score_review(_panel_formed(), {"prices": 7}, "ok", "panel", at(1))
    returned = return_review(scored, "eng-manager", "again", at(2))
    err = _refused(lambda: resubmit_review(returned, "designer-2", at(3)))
    assert (err.code, err.detail) == (
        "not_the_designer",
        "only the review's designer may resubmit it",
    )
    err = _refused(lambda: dispute_review(scored, "designer-2", "mine", at(3)))
    assert err.detail == "only the review's designer may dispute it"
    err = _refused(lambda: dispute_review(scored, "designer-1", "  ", at(3)))
    assert (err.field, err.detail) == ("reason", "say what is disputed")


def test_inspection_marks_are_whole_numbers_from_1_to_5_named_by_field() -> None:
    p = replace(open_project("p-1", "c", T0), stage=Stage.WORKS_STARTED)
    i = inspect(p, "eng-1", at(1), quality=1, progress=5, tidiness=2, problems=["crack"])
    assert i == QualityInspection("p-1", "eng-1", at(1), 1, 5, 2, ("crack",))
    assert i.mean == Fraction(8, 3)
    marks = {"quality": 3, "progress": 3, "tidiness": 3}
    for field in marks:
        for bad, detail in (
            (0, "0 is outside 1–5"),
            (6, "6 is outside 1–5"),
            (True, "a mark is a whole number"),
            (2.5, "a mark is a whole number"),
        ):
            given = {**marks, field: bad}
            err = _refused(lambda g=given: inspect(p, "eng-1", at(1), **g))  # type: ignore[arg-type]
            assert (err.field, err.detail) == (field, detail)
    err = _refused(lambda: inspect(replace(p, stage=Stage.CONTRACT), "e", at(1), **marks))
    assert err.detail == (
        "inspections are of projects under construction; this one is at `contract`"
    )
    err = _refused(lambda: inspect(p, "e", at(1).replace(tzinfo=None), **marks))
    assert (err.field, err.detail) == ("at", "a time must carry its UTC offset")

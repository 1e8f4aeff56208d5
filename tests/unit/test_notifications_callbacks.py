"""Callback tasks (DOMAIN.md §5): outcomes, retries, giving up, overdue escalation, access."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.notifications.config import NotificationsSettings
from services.notifications.domain import (
    MANAGER_ESCALATION_AFTER,
    Callback,
    CallbackStatus,
    DomainError,
    EntityRef,
    Outcome,
    OutcomeEffect,
    RetryPolicy,
    TaskSpec,
    can_record,
    cancel,
    completed_fields,
    mark_due,
    mark_overdue,
    new_callback,
    next_check_at,
    parse_retry_step,
    record_outcome,
)
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import CallbackPurpose as P
from shared.contracts.values import EscalationLevel

pytestmark = pytest.mark.quick

POLICY = RetryPolicy()


def local(y: int, mo: int, d: int, h: int = 0, mi: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, tzinfo=BUSINESS_TZ)


def callback(purpose: P = P.STAGE_CALLBACK, **fields: Any) -> Callback:
    base = Callback(
        id="cb-1",
        purpose=purpose,
        entity_kind="project",
        entity_id="p-1",
        due_at=local(2026, 3, 11),
        script=purpose.value,
        team="customer_service",
    )
    return replace(base, **fields)


def unreached(cb: Callback, now: datetime) -> tuple[Callback, OutcomeEffect]:
    return record_outcome(cb, False, None, None, None, "no answer", now, POLICY)


def test_reached_call_is_done_and_final() -> None:
    ratings = {"designer": 5, "inspector": 4, "foreman": 4, "engineering_manager": 3}
    cb, effect = record_outcome(
        callback(P.COMPLETION_SURVEY), True, True, 4, ratings, "ok", local(2026, 3, 10, 11), POLICY
    )
    assert (cb.status, cb.attempts, cb.version) == (CallbackStatus.DONE, 1, 2)
    assert effect.final and effect.retry_due_at is None and effect.escalated_to is None
    fields = completed_fields(cb, effect.outcome, by="cs-7")
    assert fields["ratings"] == ratings and fields["satisfaction"] == 4
    assert fields["entity"] == {"kind": "project", "id": "p-1"} and fields["by"] == "cs-7"


def test_unreached_is_retried_in_2_hours_then_next_day_at_10_then_given_up_and_escalated() -> None:
    cb = callback()
    cb, first = unreached(cb, local(2026, 3, 10, 11))
    assert (cb.status, cb.attempts, cb.due_at) == (
        CallbackStatus.SCHEDULED,
        1,
        local(2026, 3, 10, 13),
    )
    assert not first.final and first.retry_due_at == local(2026, 3, 10, 13)
    cb, _ = unreached(cb, local(2026, 3, 10, 13, 5))
    assert (cb.attempts, cb.due_at) == (2, local(2026, 3, 11, 10))  # next local day 10:00
    cb, third = unreached(cb, local(2026, 3, 11, 10, 20))
    assert (cb.status, cb.attempts, cb.level) == (
        CallbackStatus.GIVEN_UP,
        3,
        EscalationLevel.DEPT_HEAD,
    )
    assert third.final and third.escalated_to is EscalationLevel.DEPT_HEAD
    assert completed_fields(cb, third.outcome)["reached"] is False


def test_giving_up_on_a_department_head_task_goes_to_the_manager() -> None:
    cb = callback(attempts=2, level=EscalationLevel.DEPT_HEAD)
    cb, effect = unreached(cb, local(2026, 3, 10, 11))
    assert cb.level is EscalationLevel.MANAGER and effect.escalated_to is EscalationLevel.MANAGER


def test_a_fourth_attempt_uses_the_one_day_step_when_configured() -> None:
    policy = RetryPolicy(callback_max_attempts=4)
    cb = callback(attempts=2)
    cb, effect = record_outcome(cb, False, None, None, None, None, local(2026, 3, 11, 10), policy)
    assert cb.due_at == local(2026, 3, 12, 10) and not effect.final


def test_next_day_retry_after_midnight_utc_uses_the_local_day() -> None:
    # 23:30 Shanghai is 15:30 UTC the same day; "next local day" is the 11th, not the 12th.
    assert parse_retry_step("next_day@10:00").after(local(2026, 3, 10, 23, 30)) == local(
        2026, 3, 11, 10
    )
    with pytest.raises(ValueError, match="retry step"):
        parse_retry_step("soon")


def test_confirmation_must_say_whether_the_customer_is_satisfied() -> None:
    cb = callback(P.COMPLAINT_CONFIRMATION, entity_kind="complaint", entity_id="cp-1")
    with pytest.raises(DomainError) as err:
        record_outcome(cb, True, None, 4, None, None, local(2026, 3, 10, 11), POLICY)
    assert (err.value.code, err.value.field, err.value.http_status) == (
        "satisfied_required",
        "satisfied",
        422,
    )
    done, effect = record_outcome(cb, True, False, 2, None, None, local(2026, 3, 10, 11), POLICY)
    assert done.status is CallbackStatus.DONE
    assert completed_fields(done, effect.outcome)["satisfied"] is False


def test_an_unreached_confirmation_given_up_reports_not_satisfied() -> None:
    cb = callback(P.COMPLAINT_CONFIRMATION, attempts=2)
    cb, effect = unreached(cb, local(2026, 3, 10, 11))
    fields = completed_fields(cb, effect.outcome)
    assert (fields["reached"], fields["satisfied"]) == (False, False)


@pytest.mark.parametrize(
    ("satisfaction", "ratings"),
    [(0, None), (6, None), (None, {"plumber": 4}), (None, {"designer": 6}), (None, {"foreman": 0})],
)
def test_scores_are_1_to_5_for_known_roles(
    satisfaction: int | None, ratings: dict[str, int] | None
) -> None:
    with pytest.raises(DomainError) as err:
        record_outcome(
            callback(), True, True, satisfaction, ratings, None, local(2026, 3, 10, 11), POLICY
        )
    assert err.value.code == "invalid_outcome"


def test_an_unreached_customer_gives_no_scores() -> None:
    with pytest.raises(DomainError):
        record_outcome(callback(), False, None, 3, None, None, local(2026, 3, 10, 11), POLICY)


def test_a_closed_callback_takes_no_outcome() -> None:
    for status in (CallbackStatus.DONE, CallbackStatus.GIVEN_UP, CallbackStatus.CANCELLED):
        with pytest.raises(DomainError) as err:
            record_outcome(
                callback(status=status), True, None, None, None, None, local(2026, 3, 10), POLICY
            )
        assert err.value.http_status == 409


def test_overdue_escalates_to_the_department_head_then_a_day_later_the_manager() -> None:
    due = local(2026, 3, 11, 9, 30)
    cb = callback(P.COMPLAINT_HANDLING, due_at=due)
    same, emit = mark_overdue(cb, due - timedelta(seconds=1))
    assert same is cb and not emit
    cb, emit = mark_overdue(cb, due)  # due_at is an exclusive bound
    assert emit and (cb.status, cb.level) == (CallbackStatus.OVERDUE, EscalationLevel.DEPT_HEAD)
    assert next_check_at(cb) == due + MANAGER_ESCALATION_AFTER
    cb, emit = mark_overdue(cb, due + timedelta(hours=23))
    assert not emit and cb.level is EscalationLevel.DEPT_HEAD
    cb, emit = mark_overdue(cb, due + timedelta(hours=24))
    assert emit and cb.level is EscalationLevel.MANAGER
    cb, emit = mark_overdue(cb, due + timedelta(days=5))
    assert not emit and next_check_at(cb) is None


def test_a_task_already_at_manager_level_stays_there_when_overdue() -> None:
    cb = callback(P.RECEIPT_CHASE, level=EscalationLevel.MANAGER)
    cb, emit = mark_overdue(cb, cb.due_at)
    assert emit and cb.level is EscalationLevel.MANAGER


def test_tasks_due_now_and_windowed_calls_have_a_grace_before_they_are_late() -> None:
    now = local(2026, 3, 10, 10)
    sla = callback(P.SLA_TASK, due_at=now)
    assert not mark_overdue(sla, now + timedelta(hours=3, minutes=59))[1]
    assert mark_overdue(sla, now + timedelta(hours=4))[1]
    visit = callback(P.RETURN_VISIT, due_at=local(2026, 2, 15, 10))  # completion + 1 month
    assert not mark_overdue(visit, local(2026, 4, 15, 10))[1]  # within 1–3 months
    assert mark_overdue(visit, local(2026, 4, 17, 10))[1]


def test_a_scheduled_call_becomes_due_at_its_time() -> None:
    cb = callback(P.RETURN_VISIT, due_at=local(2026, 2, 15, 10))
    assert next_check_at(cb) == local(2026, 2, 15, 10)
    assert not mark_due(cb, local(2026, 2, 15, 9, 59))[1]
    due, changed = mark_due(cb, local(2026, 2, 15, 10))
    assert changed and due.status is CallbackStatus.DUE
    assert next_check_at(due) == local(2026, 2, 15, 10) + timedelta(days=61)


def test_cancel_only_touches_open_tasks() -> None:
    cancelled, changed = cancel(callback())
    assert changed and cancelled.status is CallbackStatus.CANCELLED
    assert cancel(cancelled) == (cancelled, False)
    assert not cancel(callback(status=CallbackStatus.DONE))[1]


def test_who_may_record_an_outcome() -> None:
    reception = callback(team="reception")
    supervision = callback(team="supervision")
    finance = callback(P.PAYMENT_REMINDER, team="finance")
    assert can_record(reception, "cs", None) and can_record(supervision, "admin", None)
    assert can_record(reception, "reception", "reception")
    assert not can_record(supervision, "reception", "reception")
    assert can_record(supervision, "supervision", None)
    assert not can_record(reception, "supervision", "supervision")
    assert can_record(finance, "finance", None) and not can_record(finance, "logistics", None)
    assert not can_record(finance, "branch", "finance")
    weekly = callback(P.WEEKLY_WORKS, team="engineering", assignee="pm-1")
    assert can_record(weekly, "engineering", None, sub="pm-9")  # the team's own task
    assert can_record(callback(team="design", assignee="pm-1"), "engineering", None, sub="pm-1")


def test_a_planned_task_becomes_a_scheduled_callback() -> None:
    spec = TaskSpec(
        purpose=P.COMPLAINT_HANDLING,
        entity=EntityRef("complaint", "cp-1"),
        due_at=local(2026, 3, 11, 9, 30),
        dedupe_key="ev-1:complaint_handling:cp-1",
        script="complaint_handling",
        team="engineering",
        customer_id="c-1",
    )
    cb = new_callback(spec, "cb-9")
    assert (cb.status, cb.attempts, cb.level, cb.version) == (
        CallbackStatus.SCHEDULED,
        0,
        None,
        1,
    )
    assert (cb.entity_kind, cb.entity_id, cb.team) == ("complaint", "cp-1", "engineering")


def test_the_settings_drive_the_retries() -> None:
    settings = NotificationsSettings(callback_retry_delays=["30m"], callback_max_attempts=2)
    cb, effect = record_outcome(
        callback(), False, None, None, None, None, local(2026, 3, 10, 11), settings
    )
    assert cb.due_at == local(2026, 3, 10, 11, 30)
    cb, effect = record_outcome(cb, False, None, None, None, None, local(2026, 3, 10, 12), settings)
    assert cb.status is CallbackStatus.GIVEN_UP and effect.final


# --- every field, every bound, every refusal's words -------------------------------------------
NOW = local(2026, 3, 10, 11)


def refusal(err: pytest.ExceptionInfo[DomainError]) -> tuple[str, str, str | None]:
    return err.value.code, err.value.detail, err.value.field


def test_the_grace_of_each_purpose_before_its_task_is_late() -> None:
    from services.notifications.domain import OVERDUE_GRACE

    assert OVERDUE_GRACE == {
        P.SLA_TASK: timedelta(hours=4),
        P.ALERT: timedelta(hours=4),
        P.WEEKLY_WORKS: timedelta(days=3),
        P.WEEKLY_SATISFACTION: timedelta(days=3),
        P.KEY_CUSTOMER_MONTHLY: timedelta(days=7),
        P.WARRANTY_QUARTERLY: timedelta(days=14),
        P.RETURN_VISIT: timedelta(days=61),
    }
    assert MANAGER_ESCALATION_AFTER == timedelta(hours=24)
    due = local(2026, 3, 10, 10)
    assert callback(P.WEEKLY_WORKS, due_at=due).overdue_at == local(2026, 3, 13, 10)
    assert callback(P.STAGE_CALLBACK, due_at=due).overdue_at == due


def test_a_stored_callback_starts_scheduled_at_version_one_with_no_attempt() -> None:
    cb = Callback(
        id="cb-1",
        purpose=P.STAGE_CALLBACK,
        entity_kind="project",
        entity_id="p-1",
        due_at=NOW,
        script="stage_callback",
    )
    assert (cb.status, cb.attempts, cb.version, cb.level) == (CallbackStatus.SCHEDULED, 0, 1, None)
    assert (cb.stage, cb.customer_id, cb.assignee, cb.team, cb.project_manager) == (None,) * 5
    assert cb.is_open
    open_ = {CallbackStatus.SCHEDULED, CallbackStatus.DUE, CallbackStatus.OVERDUE}
    for status in CallbackStatus:
        assert replace(cb, status=status).is_open is (status in open_), status


def test_every_field_of_a_planned_task_is_stored() -> None:
    spec = TaskSpec(
        purpose=P.STAGE_CALLBACK,
        entity=EntityRef("project", "p-1"),
        due_at=local(2026, 3, 12),
        dedupe_key="ev-1:stage_callback:p-1:contract",
        script="custom",
        assignee="cs-1",
        team="customer_service",
        stage="contract",
        customer_id="c-1",
        level=EscalationLevel.DEPT_HEAD,
        project_manager="pm-1",
    )
    assert new_callback(spec, "cb-9") == Callback(
        id="cb-9",
        purpose=P.STAGE_CALLBACK,
        entity_kind="project",
        entity_id="p-1",
        due_at=local(2026, 3, 12),
        script="custom",
        stage="contract",
        customer_id="c-1",
        assignee="cs-1",
        team="customer_service",
        level=EscalationLevel.DEPT_HEAD,
        project_manager="pm-1",
    )


@pytest.mark.parametrize(
    ("satisfaction", "ratings", "detail", "field"),
    [
        (0, None, "satisfaction must be 1–5", "satisfaction"),
        (6, None, "satisfaction must be 1–5", "satisfaction"),
        (None, {"plumber": 4}, "unknown rating role 'plumber'", "ratings"),
        (None, {"designer": 6}, "rating for designer must be 1–5", "ratings"),
        (None, {"foreman": 0}, "rating for foreman must be 1–5", "ratings"),
        (None, {"inspector": True}, "rating for inspector must be 1–5", "ratings"),
        (None, {"inspector": 4.0}, "rating for inspector must be 1–5", "ratings"),
        (None, {"designer": 5, "foreman": 9}, "rating for foreman must be 1–5", "ratings"),
    ],
)
def test_a_score_out_of_range_is_refused_in_words(
    satisfaction: int | None, ratings: dict[str, Any] | None, detail: str, field: str
) -> None:
    with pytest.raises(DomainError) as err:
        record_outcome(callback(), True, True, satisfaction, ratings, None, NOW, POLICY)
    assert refusal(err) == ("invalid_outcome", detail, field)
    assert err.value.http_status == 422


def test_scores_at_both_ends_of_the_range_are_taken() -> None:
    ratings = {"designer": 1, "inspector": 5, "foreman": 1, "engineering_manager": 5}
    for score in (1, 5):
        cb, effect = record_outcome(callback(), True, True, score, ratings, None, NOW, POLICY)
        assert cb.status is CallbackStatus.DONE and effect.outcome.satisfaction == score
        assert effect.outcome.ratings == ratings


@pytest.mark.parametrize(
    ("satisfied", "satisfaction", "ratings"),
    [(True, None, None), (False, None, None), (None, 3, None), (None, None, {"designer": 4})],
)
def test_an_unreached_customer_gave_nothing(
    satisfied: bool | None, satisfaction: int | None, ratings: dict[str, int] | None
) -> None:
    with pytest.raises(DomainError) as err:
        record_outcome(callback(), False, satisfied, satisfaction, ratings, None, NOW, POLICY)
    assert refusal(err) == (
        "invalid_outcome",
        "an unreached customer gave no satisfaction or ratings",
        "reached",
    )


def test_a_confirmation_must_say_satisfied_only_when_reached() -> None:
    cb = callback(P.COMPLAINT_CONFIRMATION)
    with pytest.raises(DomainError) as err:
        record_outcome(cb, True, None, None, None, None, NOW, POLICY)
    assert refusal(err) == (
        "satisfied_required",
        "a complaint confirmation must say if satisfied",
        "satisfied",
    )
    # unreached: nothing to say, retried
    again, effect = record_outcome(cb, False, None, None, None, None, NOW, POLICY)
    assert again.status is CallbackStatus.SCHEDULED and not effect.final
    # other purposes need no `satisfied`
    done, _ = record_outcome(callback(), True, None, None, None, None, NOW, POLICY)
    assert done.status is CallbackStatus.DONE


def test_a_closed_callback_is_refused_with_its_status() -> None:
    for status in (CallbackStatus.DONE, CallbackStatus.GIVEN_UP, CallbackStatus.CANCELLED):
        with pytest.raises(DomainError) as err:
            record_outcome(callback(status=status), True, None, None, None, None, NOW, POLICY)
        assert refusal(err) == ("callback_closed", f"the callback is already {status.value}", None)
    for status in (CallbackStatus.DUE, CallbackStatus.OVERDUE):
        cb, _ = record_outcome(callback(status=status), True, None, None, None, None, NOW, POLICY)
        assert cb.status is CallbackStatus.DONE


def test_a_reached_call_counts_its_attempt_and_keeps_the_rest() -> None:
    cb = callback(attempts=1, version=4, level=EscalationLevel.DEPT_HEAD)
    done, effect = record_outcome(
        cb, True, True, 4, {"designer": 5}, "fine", NOW, RetryPolicy(callback_max_attempts=1)
    )
    assert done == replace(cb, status=CallbackStatus.DONE, attempts=2, version=5)
    assert effect == OutcomeEffect(
        Outcome(True, True, 4, {"designer": 5}, "fine"),
        final=True,
        retry_due_at=None,
        escalated_to=None,
    )


def test_an_unreached_call_is_retried_until_the_configured_last_attempt() -> None:
    policy = RetryPolicy(callback_retry_delays=("30m",), callback_max_attempts=3)
    cb = callback(version=7)
    cb, effect = record_outcome(cb, False, None, None, None, None, NOW, policy)
    assert (cb.status, cb.attempts, cb.version, cb.due_at) == (
        CallbackStatus.SCHEDULED,
        1,
        8,
        local(2026, 3, 10, 11, 30),
    )
    assert effect == OutcomeEffect(
        Outcome(False, None, None, {}, None),
        final=False,
        retry_due_at=local(2026, 3, 10, 11, 30),
        escalated_to=None,
    )
    cb, effect = record_outcome(cb, False, None, None, None, None, NOW, policy)
    assert (cb.status, cb.attempts, cb.version) == (CallbackStatus.SCHEDULED, 2, 9)
    given_up, effect = record_outcome(cb, False, None, None, None, None, NOW, policy)
    assert given_up == replace(
        cb,
        status=CallbackStatus.GIVEN_UP,
        attempts=3,
        level=EscalationLevel.DEPT_HEAD,
        version=10,
    )
    assert (effect.final, effect.retry_due_at, effect.escalated_to) == (
        True,
        None,
        EscalationLevel.DEPT_HEAD,
    )


def test_a_due_or_late_call_not_reached_is_scheduled_again() -> None:
    for status in (CallbackStatus.DUE, CallbackStatus.OVERDUE):
        cb = callback(P.SLA_TASK, status=status, level=EscalationLevel.DEPT_HEAD)
        again, effect = record_outcome(cb, False, None, None, None, None, NOW, POLICY)
        assert again == replace(
            cb,
            status=CallbackStatus.SCHEDULED,
            attempts=1,
            due_at=local(2026, 3, 10, 13),
            version=2,
        )
        assert effect.retry_due_at == local(2026, 3, 10, 13)


def test_one_step_up_from_nobody_is_the_department_head_and_the_manager_is_the_top() -> None:
    from services.notifications.domain import next_level

    assert next_level(None) is EscalationLevel.DEPT_HEAD
    assert next_level(EscalationLevel.DEPT_HEAD) is EscalationLevel.MANAGER
    assert next_level(EscalationLevel.MANAGER) is EscalationLevel.MANAGER


def test_becoming_due_counts_a_version_and_only_a_scheduled_call_becomes_due() -> None:
    cb = callback(version=3)
    due, changed = mark_due(cb, cb.due_at + timedelta(hours=1))
    assert changed and due == replace(cb, status=CallbackStatus.DUE, version=4)
    for status in (CallbackStatus.DUE, CallbackStatus.OVERDUE, CallbackStatus.DONE):
        other = callback(status=status)
        assert mark_due(other, other.due_at) == (other, False)


def test_becoming_late_counts_a_version_from_scheduled_or_due_only() -> None:
    cb = callback(P.SLA_TASK, version=3)
    late, changed = mark_overdue(cb, cb.due_at + timedelta(hours=4))
    assert changed and late == replace(
        cb, status=CallbackStatus.OVERDUE, level=EscalationLevel.DEPT_HEAD, version=4
    )
    due = callback(P.SLA_TASK, status=CallbackStatus.DUE)
    assert mark_overdue(due, due.due_at + timedelta(hours=4))[0].status is CallbackStatus.OVERDUE
    for status in (CallbackStatus.DONE, CallbackStatus.CANCELLED, CallbackStatus.GIVEN_UP):
        closed = callback(status=status)
        assert mark_overdue(closed, closed.due_at + timedelta(days=9)) == (closed, False)


def test_a_late_department_head_task_reaches_the_manager_exactly_a_day_after() -> None:
    cb = callback(
        P.SLA_TASK, status=CallbackStatus.OVERDUE, level=EscalationLevel.DEPT_HEAD, version=5
    )
    manager_at = cb.due_at + timedelta(hours=4) + timedelta(hours=24)
    assert mark_overdue(cb, manager_at - timedelta(seconds=1)) == (cb, False)
    up, changed = mark_overdue(cb, manager_at)
    assert changed and up == replace(cb, level=EscalationLevel.MANAGER, version=6)
    unlevelled = callback(status=CallbackStatus.OVERDUE, level=None)
    assert mark_overdue(unlevelled, manager_at + timedelta(days=3)) == (unlevelled, False)


def test_when_the_timer_looks_again() -> None:
    due_at = local(2026, 3, 10, 10)
    sla = callback(P.SLA_TASK, due_at=due_at)
    assert next_check_at(sla) == due_at
    assert next_check_at(replace(sla, status=CallbackStatus.DUE)) == due_at + timedelta(hours=4)
    head = replace(sla, status=CallbackStatus.OVERDUE, level=EscalationLevel.DEPT_HEAD)
    assert next_check_at(head) == due_at + timedelta(hours=28)
    top = replace(sla, status=CallbackStatus.OVERDUE, level=EscalationLevel.MANAGER)
    assert next_check_at(top) is None
    assert next_check_at(replace(sla, status=CallbackStatus.OVERDUE, level=None)) is None
    for status in (CallbackStatus.DONE, CallbackStatus.CANCELLED, CallbackStatus.GIVEN_UP):
        assert next_check_at(replace(head, status=status)) is None


def test_cancelling_counts_a_version_for_every_open_status() -> None:
    for status in (CallbackStatus.SCHEDULED, CallbackStatus.DUE, CallbackStatus.OVERDUE):
        cb = callback(status=status, version=2)
        assert cancel(cb) == (replace(cb, status=CallbackStatus.CANCELLED, version=3), True)
    given_up = callback(status=CallbackStatus.GIVEN_UP)
    assert cancel(given_up) == (given_up, False)


@pytest.mark.parametrize(
    ("role", "team", "sub", "cb_team", "assignee", "allowed"),
    [
        ("cs", None, None, "finance", None, True),
        ("admin", None, None, None, None, True),
        ("manager", None, None, "logistics", None, True),
        ("reception", None, None, "reception", None, True),
        ("reception", "reception", None, "customer_service", None, False),
        ("reception", None, "rec-1", "finance", "rec-1", False),
        ("supervision", None, None, "supervision", None, True),
        ("supervision", None, None, "reception", None, False),
        ("supervision", None, "sup-1", "finance", "sup-1", False),
        ("branch", "logistics", None, "logistics", None, False),
        ("branch", None, "b-1", "logistics", "b-1", False),
        ("engineering", None, "pm-1", "design", "pm-1", True),
        ("engineering", None, "pm-1", "design", "pm-2", False),
        ("engineering", None, None, "design", None, False),
        ("engineering", None, None, "engineering", None, True),
        ("staff", "finance", None, "finance", None, True),
        ("staff", "finance", None, "logistics", None, False),
        ("staff", None, None, None, None, False),
        ("staff", None, None, None, "x", False),
    ],
)
def test_who_may_record_by_role_team_and_person(
    role: str, team: str | None, sub: str | None, cb_team: str | None, assignee: str | None,
    allowed: bool,
) -> None:  # fmt: skip
    cb = callback(team=cb_team, assignee=assignee)
    assert can_record(cb, role, team, sub) is allowed


def test_an_unassigned_task_is_not_anyones_own() -> None:
    cb = callback(team="design", assignee=None)
    assert can_record(cb, "engineering", None) is False
    assert can_record(cb, "engineering", None, None) is False


def test_the_fields_every_callback_event_carries() -> None:
    from services.notifications.domain import callback_fields

    cb = callback(
        stage="contract",
        customer_id="c-1",
        assignee="cs-1",
        project_manager="pm-1",
        level=EscalationLevel.DEPT_HEAD,
        attempts=2,
    )
    assert callback_fields(cb) == {
        "callback_id": "cb-1",
        "purpose": "stage_callback",
        "stage": "contract",
        "entity": {"kind": "project", "id": "p-1"},
        "customer_id": "c-1",
        "due_at": local(2026, 3, 11),
        "assignee": "cs-1",
        "team": "customer_service",
        "project_manager": "pm-1",
        "level": "dept_head",
        "attempts": 2,
    }
    assert callback_fields(callback())["level"] is None


def test_the_completed_event_carries_the_outcome_and_who_recorded_it() -> None:
    from services.notifications.domain import callback_fields
    from services.notifications.domain.callbacks import entity_of

    cb = callback()
    outcome = Outcome(True, True, 4, {"designer": 5}, "good")
    assert completed_fields(cb, outcome, by="cs-7") == {
        **callback_fields(cb),
        "reached": True,
        "satisfied": True,
        "satisfaction": 4,
        "ratings": {"designer": 5},
        "comment": "good",
        "by": "cs-7",
    }
    plain = completed_fields(cb, Outcome(False))
    assert (plain["satisfied"], plain["by"], plain["ratings"]) == (None, None, {})
    confirmation = callback(P.COMPLAINT_CONFIRMATION)
    assert completed_fields(confirmation, Outcome(True, True))["satisfied"] is True
    assert entity_of(cb) == EntityRef("project", "p-1")

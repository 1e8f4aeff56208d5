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

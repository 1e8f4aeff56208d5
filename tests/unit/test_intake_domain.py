"""Intake's business rules (DOMAIN.md §1.2, API.md § intake) with the seed's figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from services.intake.config import IntakeSettings
from services.intake.domain import (
    CATEGORIES,
    CAUSES,
    NOT_RECORDED,
    Complaint,
    ComplaintRow,
    DepartmentWeek,
    DomainError,
    auto_escalate,
    confirm,
    confirmation_assignee_for,
    counts_by_category,
    escalate,
    escalation_due,
    hand_off,
    mask_phone,
    next_automatic_escalation,
    next_escalation_level,
    open_complaint,
    parse_iso_week,
    previous_week,
    received_by_for,
    record_cause,
    repair_completed,
    report_csv,
    resolve,
    total_by_category,
    total_by_cause,
    weekly_report,
)
from shared.contracts.values import (
    Channel,
    ComplaintCategory,
    ComplaintCause,
    ComplaintStatus,
    Department,
    EscalationLevel,
    ReceivedBy,
    Severity,
)

pytestmark = pytest.mark.quick

CST = timezone(timedelta(hours=8))
OPENED = datetime(2026, 11, 2, 10, 0, tzinfo=CST)
Status = ComplaintStatus


def settings() -> IntakeSettings:
    """The defaults, whatever the environment of the test run says."""
    return IntakeSettings(
        escalation_hours_urgent=4,
        escalation_hours_high=24,
        escalation_hours_normal=72,
        escalation_hours_low=168,
    )


def new_complaint(
    severity: Severity = Severity.NORMAL, channel: Channel = Channel.PHONE
) -> Complaint:
    return open_complaint(
        complaint_id="c1",
        customer_id="cust1",
        channel=channel,
        category=ComplaintCategory.QUALITY,
        severity=severity,
        department=Department.ENGINEERING,
        now=OPENED,
        received_by_sub="cs-wang",
    )


def at(hours: float) -> datetime:
    return OPENED + timedelta(hours=hours)


def resolved_complaint() -> Complaint:
    c, _ = resolve(new_complaint(), "tiles relaid", (), "eng-li", at(5))
    return c


# --- phones ---------------------------------------------------------------------------------


def test_mask_phone() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("01088886666") == "010****6666"
    assert mask_phone("075588886666") == "075*****6666"
    assert mask_phone("8888666") == "***8666"
    assert mask_phone("88886666") == "****6666"
    assert mask_phone("123") == "***"


# --- the complaint's life -------------------------------------------------------------------


def test_open_complaint_and_received_by() -> None:
    c = new_complaint()
    assert (c.status, c.version, c.received_by, c.opened_at) == (Status.OPEN, 1, "cs", OPENED)
    assert received_by_for(Channel.RECEPTION) is ReceivedBy.RECEPTION
    for channel in (Channel.PHONE, Channel.VISIT, Channel.DEPARTMENT):
        assert received_by_for(channel) is ReceivedBy.CS
    assert new_complaint(channel=Channel.RECEPTION).received_by is ReceivedBy.RECEPTION


def test_hand_off_writes_the_handling_sheet() -> None:
    c = new_complaint()
    c2, sheet = hand_off(c, Department.CUSTOMER_SERVICE, "cs-zhao", "eng-head", at(2), "needs cs")
    assert c2.status is Status.IN_PROGRESS
    assert (c2.department, c2.assignee, c2.version) == ("customer_service", "cs-zhao", 2)
    assert sheet.from_department is Department.ENGINEERING
    assert sheet.to_department is Department.CUSTOMER_SERVICE
    assert (sheet.from_assignee, sheet.to_assignee, sheet.by) == (None, "cs-zhao", "eng-head")
    assert (sheet.at, sheet.note) == (at(2), "needs cs")
    assert c.version == 1 and c.status is Status.OPEN  # the old state is untouched
    # Reassigning within the same department is a hand-off too; to the same person is not.
    c3, _ = hand_off(c2, Department.CUSTOMER_SERVICE, "cs-qian", "cs-zhao", at(3))
    assert (c3.assignee, c3.version) == ("cs-qian", 3)
    with pytest.raises(DomainError) as info:
        hand_off(c3, Department.CUSTOMER_SERVICE, "cs-qian", "cs-zhao", at(4))
    assert info.value.code == "handoff_to_self"


def test_hand_off_refused_when_resolved_or_closed() -> None:
    c = resolved_complaint()
    with pytest.raises(DomainError) as info:
        hand_off(c, Department.DESIGN, None, "cs-wang", at(6))
    assert info.value.code == "complaint_resolved"
    assert "confirmation call" in info.value.detail
    closed, _ = confirm(c, True, at(7))
    with pytest.raises(DomainError) as info:
        hand_off(closed, Department.DESIGN, None, "cs-wang", at(8))
    assert info.value.code == "complaint_closed"


def test_escalate_goes_dept_head_then_manager() -> None:
    c = new_complaint()
    c2, e1 = escalate(c, None, "customer called twice", False, at(1), by="cs-wang")
    assert (c2.status, c2.escalation_level, c2.version) == (Status.ESCALATED, "dept_head", 2)
    assert (e1.level, e1.reason, e1.automatic, e1.by, e1.at) == (
        EscalationLevel.DEPT_HEAD,
        "customer called twice",
        False,
        "cs-wang",
        at(1),
    )
    c3, e2 = escalate(c2, None, "still nothing", False, at(2), by="cs-wang")
    assert (c3.escalation_level, e2.level, c3.version) == ("manager", "manager", 3)
    with pytest.raises(DomainError) as info:
        escalate(c3, None, "again", False, at(3))
    assert info.value.code == "already_at_manager"
    with pytest.raises(DomainError) as info:
        escalate(c2, EscalationLevel.DEPT_HEAD, "again", False, at(3))
    assert info.value.code == "already_escalated"
    with pytest.raises(ValueError, match="reason"):
        escalate(c, None, "  ", False, at(1))


def test_a_hand_off_of_an_escalated_complaint_keeps_it_escalated() -> None:
    """Defect (issue 17): a hand-off set an escalated complaint back to `in_progress` while its
    level stayed `dept_head`. 未得到有效解决的立即上报经理处理及反馈至责任部门: the complaint goes
    back to a department with the manager (or department head) still watching it."""
    for level in EscalationLevel:
        c, e = escalate(new_complaint(), level, "VIP", False, at(1), by="cs-wang")
        assert (c.status, c.escalation_level, e.level) == (Status.ESCALATED, level, level)
        c2, sheet = hand_off(c, Department.DESIGN, "des-li", "manager-zhou", at(2))
        assert (c2.status, c2.escalation_level) == (Status.ESCALATED, level)
        assert (c2.department, c2.assignee, sheet.from_department) == (
            Department.DESIGN,
            "des-li",
            Department.ENGINEERING,
        )
    # Not escalated: a hand-off puts it in progress, as before.
    c3, _ = hand_off(new_complaint(), Department.DESIGN, None, "cs-wang", at(2))
    assert (c3.status, c3.escalation_level) == (Status.IN_PROGRESS, None)


def test_duty_confirmation_call_is_assigned_to_a_person_who_may_make_it() -> None:
    """Defect (issue 17): the confirmation call of a complaint a branch registered went to
    `branch:SH01`, a system identity that may not record it. 投诉至接待员处时,由投诉接待员电话落实结果;
    客户服务部电话落实承办情况: the person who received it makes the call only when they work at
    that desk; otherwise the desk's team does."""
    cases = [
        (Channel.PHONE, "cs", "cs-wang", "cs-wang"),
        (Channel.RECEPTION, "reception", "rec-zhang", "rec-zhang"),
        (Channel.PHONE, "branch", "branch:SH01", None),
        (Channel.RECEPTION, "branch", "branch:SH01", None),
        (Channel.DEPARTMENT, "dept_head", "head-eng", None),
        (Channel.VISIT, "manager", "mgr-zhou", None),
        (Channel.PHONE, "reception", "rec-zhang", None),  # customer service confirms a call
        (Channel.RECEPTION, "cs", "cs-wang", None),  # the reception desk confirms its own
        (Channel.PHONE, "admin", "admin", None),
    ]
    for channel, role, sub, expected in cases:
        c = open_complaint(
            complaint_id="c1",
            customer_id="cust1",
            channel=channel,
            category=ComplaintCategory.QUALITY,
            severity=Severity.NORMAL,
            department=Department.ENGINEERING,
            now=OPENED,
            received_by_sub=sub,
            received_by_role=role,
        )
        assert c.confirmation_assignee == expected, (channel, role)
        assert confirmation_assignee_for(c.received_by, role, sub) == expected


def test_escalate_refused_when_resolved_or_closed() -> None:
    c = resolved_complaint()
    with pytest.raises(DomainError) as info:
        escalate(c, None, "why", False, at(6))
    assert info.value.code == "complaint_resolved"
    closed, _ = confirm(c, True, at(7))
    with pytest.raises(DomainError) as info:
        escalate(closed, None, "why", False, at(8))
    assert info.value.code == "complaint_closed"


def test_resolve_records_result_and_alternatives() -> None:
    c = new_complaint()
    c2, r = resolve(
        c, " regrout the bathroom ", ["refund 500 yuan", " ", "new tiles"], "li", at(30)
    )
    assert (c2.status, c2.resolved_at, c2.version) == (Status.RESOLVED, at(30), 2)
    assert r.result == "regrout the bathroom"
    assert r.alternatives_offered == ("refund 500 yuan", "new tiles")
    assert (r.by, r.at) == ("li", at(30))
    with pytest.raises(DomainError) as info:
        resolve(c2, "again", (), "li", at(31))
    assert info.value.code == "already_resolved"
    with pytest.raises(ValueError, match="result"):
        resolve(c, "", (), "li", at(30))
    closed, _ = confirm(c2, True, at(32))
    with pytest.raises(DomainError) as info:
        resolve(closed, "again", (), "li", at(33))
    assert info.value.code == "complaint_closed"


def test_satisfied_confirmation_is_the_only_way_to_close() -> None:
    c = resolved_complaint()
    closed, conf = confirm(c, True, at(8), by="cs-wang")
    assert (closed.status, closed.version, closed.resolved_at) == (Status.CLOSED, 3, at(5))
    assert conf.satisfied and conf.closed and conf.escalation is None
    # Nothing before resolution can be confirmed, so nothing closes without the call.
    for state in (
        new_complaint(),
        hand_off(new_complaint(), Department.DESIGN, None, "x", at(1))[0],
    ):
        with pytest.raises(DomainError) as info:
            confirm(state, True, at(2))
        assert info.value.code == "not_resolved"
    with pytest.raises(DomainError) as info:
        confirm(closed, True, at(9))
    assert info.value.code == "not_resolved"
    assert "closed" in info.value.detail


def test_unsatisfied_confirmation_reopens_escalated_to_the_manager() -> None:
    c = resolved_complaint()
    reopened, conf = confirm(c, False, at(8), by="cs-wang")
    assert reopened.status is Status.ESCALATED
    assert reopened.escalation_level is EscalationLevel.MANAGER
    assert (reopened.department, reopened.resolved_at, reopened.version) == (
        Department.ENGINEERING,
        None,
        3,
    )
    assert not conf.satisfied and not conf.closed
    assert conf.escalation is not None
    assert (conf.escalation.level, conf.escalation.automatic) == ("manager", False)
    assert "not satisfied" in conf.escalation.reason
    # Back to the responsible department, then resolved and confirmed again.
    worked, _ = hand_off(reopened, Department.ENGINEERING, "eng-li", "manager-zhou", at(9))
    again, _ = resolve(worked, "tiles replaced", (), "eng-li", at(20))
    closed, _ = confirm(again, True, at(21))
    assert (closed.status, closed.version) == (Status.CLOSED, 6)


def test_repair_completed_resolves_once() -> None:
    c = new_complaint()
    c2, r = repair_completed(c, at(48))
    assert r is not None and r.result == "repair completed" and r.by == "aftersales"
    assert (c2.status, c2.resolved_at, c2.version) == (Status.RESOLVED, at(48), 2)
    c3, r2 = repair_completed(c2, at(50))
    assert r2 is None and c3 is c2
    closed, _ = confirm(c2, True, at(52))
    c4, r3 = repair_completed(closed, at(53))
    assert r3 is None and c4 is closed and c4.version == 3


# --- automatic escalation -------------------------------------------------------------------


def test_escalation_due_per_severity() -> None:
    s = settings()
    assert escalation_due(Severity.NORMAL, OPENED, s) == datetime(2026, 11, 5, 10, tzinfo=CST)
    assert escalation_due(Severity.URGENT, OPENED, s) == datetime(2026, 11, 2, 14, tzinfo=CST)
    assert escalation_due(Severity.HIGH, OPENED, s) == datetime(2026, 11, 3, 10, tzinfo=CST)
    assert escalation_due(Severity.LOW, OPENED, s) == datetime(2026, 11, 9, 10, tzinfo=CST)
    # The manager after the same interval again.
    manager = EscalationLevel.MANAGER
    assert escalation_due(Severity.NORMAL, OPENED, s, manager) == datetime(
        2026, 11, 8, 10, tzinfo=CST
    )
    assert escalation_due(Severity.URGENT, OPENED, s, manager) == at(8)
    with pytest.raises(ValueError):
        escalation_due(Severity.NORMAL, datetime(2026, 11, 2, 10), s)


def test_settings_defaults_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_INTAKE_ESCALATION_HOURS_URGENT", "2")
    s = IntakeSettings()
    assert s.http_port == 8001
    assert [s.escalation_hours(v) for v in Severity] == [168, 72, 24, 2]
    assert escalation_due(Severity.URGENT, OPENED, s) == at(2)


def test_next_escalation_level() -> None:
    assert next_escalation_level(None) is EscalationLevel.DEPT_HEAD
    assert next_escalation_level(EscalationLevel.DEPT_HEAD) is EscalationLevel.MANAGER
    assert next_escalation_level(EscalationLevel.MANAGER) is None


def test_auto_escalate_urgent_after_4_then_8_hours() -> None:
    s = settings()
    c = new_complaint(Severity.URGENT)
    assert next_automatic_escalation(c, s) == (EscalationLevel.DEPT_HEAD, at(4))
    assert auto_escalate(c, s, at(3.99)) is None
    step = auto_escalate(c, s, at(4))
    assert step is not None
    c2, e = step
    assert (c2.escalation_level, e.automatic, e.by) == ("dept_head", True, None)
    assert e.reason == "not resolved within 4 h of being opened (urgent severity)"
    assert next_automatic_escalation(c2, s) == (EscalationLevel.MANAGER, at(8))
    assert auto_escalate(c2, s, at(7)) is None
    step = auto_escalate(c2, s, at(8))
    assert step is not None
    c3, e2 = step
    assert (c3.escalation_level, e2.level, c3.version) == ("manager", "manager", 3)
    assert "within 8 h" in e2.reason
    assert next_automatic_escalation(c3, s) is None
    assert auto_escalate(c3, s, at(100)) is None


def test_auto_escalate_backdated_goes_straight_to_manager() -> None:
    step = auto_escalate(new_complaint(Severity.NORMAL), settings(), at(150))
    assert step is not None
    assert step[0].escalation_level is EscalationLevel.MANAGER
    assert "within 144 h" in step[1].reason


def test_no_auto_escalation_once_resolved() -> None:
    c = resolved_complaint()
    assert next_automatic_escalation(c, settings()) is None
    assert auto_escalate(c, settings(), at(1000)) is None
    # A manual escalation to the head early still leaves the manager's deadline at 2 × 72 h.
    c2, _ = escalate(new_complaint(), None, "loud", False, at(1), by="cs")
    assert next_automatic_escalation(c2, settings()) == (EscalationLevel.MANAGER, at(144))


# --- weekly report --------------------------------------------------------------------------


def test_parse_iso_week() -> None:
    start, end = parse_iso_week("2026-W47")
    assert start == datetime(2026, 11, 16, tzinfo=CST)
    assert end == datetime(2026, 11, 23, tzinfo=CST)
    assert start.utcoffset() == timedelta(hours=8)
    assert parse_iso_week("2026-W01")[0] == datetime(2025, 12, 29, tzinfo=CST)
    assert parse_iso_week("2026-W53")[0] == datetime(2026, 12, 28, tzinfo=CST)  # 2026 has 53


@pytest.mark.parametrize(
    "label", ["2026-47", "2026W47", "2026-W7", "26-W47", "2026-W00", "2025-W53"]
)
def test_parse_iso_week_refuses_bad_input(label: str) -> None:
    with pytest.raises(ValueError):
        parse_iso_week(label)


def test_previous_week_in_shanghai() -> None:
    # Monday 2026-11-23 00:30 in Shanghai is still Sunday in UTC: the last complete week is W47.
    assert previous_week(datetime(2026, 11, 22, 16, 30, tzinfo=UTC)) == "2026-W47"
    assert previous_week(datetime(2026, 11, 22, 15, 59, tzinfo=UTC)) == "2026-W46"
    assert previous_week(datetime(2026, 1, 5, 9, tzinfo=CST)) == "2026-W01"
    assert previous_week(datetime(2026, 1, 4, 9, tzinfo=CST)) == "2025-W52"
    with pytest.raises(ValueError):
        previous_week(datetime(2026, 11, 23, 9))


def d(day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=CST)


ENG, DES = Department.ENGINEERING, Department.DESIGN
ROWS = [
    # engineering: opened E1 E2 E4 E5; resolved E1 (12 h) E2 (30 h) E3 (216 h); open E4 E5
    ComplaintRow(ENG, Status.CLOSED, d(16, 9), d(16, 21)),
    ComplaintRow(ENG, Status.RESOLVED, d(17, 10), d(18, 16), (d(17, 14),)),
    ComplaintRow(ENG, Status.CLOSED, d(10, 10), d(19, 10), (d(11, 10), d(13, 10))),
    ComplaintRow(ENG, Status.ESCALATED, d(20, 8), None, (d(20, 12), d(21, 8))),
    # Sunday 23:30 in Shanghai, given in UTC; resolved after the week ended.
    ComplaintRow(
        ENG, Status.RESOLVED, datetime(2026, 11, 22, 15, 30, tzinfo=UTC), d(23, 1), (d(23, 0),)
    ),
    # design: opened D2 D3; resolved D2 (5.5 h) D3 (24.75 h); open D1
    ComplaintRow(DES, Status.IN_PROGRESS, d(3, 9), None),
    ComplaintRow(DES, Status.CLOSED, d(18, 9), d(18, 14, 30)),
    ComplaintRow(DES, Status.RESOLVED, d(19, 9), d(20, 9, 45)),
    ComplaintRow(DES, Status.OPEN, d(23, 0), None),  # opened at the week's exclusive end
    # finance: everything happened the week before, so no line
    ComplaintRow(Department.FINANCE, Status.CLOSED, d(12, 9), d(14, 9), (d(13, 9),)),
    # reopened (escalated, no resolution now): not counted as resolved, still open
    ComplaintRow(DES, Status.ESCALATED, d(9, 9), d(17, 9), (d(18, 9),)),
]


def test_weekly_report_figures() -> None:
    start, end = parse_iso_week("2026-W47")
    lines = weekly_report(ROWS, start, end)
    assert lines == [
        DepartmentWeek(
            DES,
            opened=2,
            resolved=2,
            escalated=1,
            open=2,
            median_hours_to_resolve=15.1,
            by_cause={"not_recorded": 2},
        ),
        DepartmentWeek(
            ENG,
            opened=4,
            resolved=3,
            escalated=3,
            open=2,
            median_hours_to_resolve=30.0,
            by_cause={"not_recorded": 4},
        ),
    ]


def test_weekly_report_median_rounding_and_empty() -> None:
    start, end = parse_iso_week("2026-W47")
    rows = [
        ComplaintRow(ENG, Status.CLOSED, d(16, 9), d(16, 9) + timedelta(hours=30.2)),
        ComplaintRow(ENG, Status.CLOSED, d(16, 9), d(16, 9) + timedelta(hours=30.3)),
        ComplaintRow(DES, Status.OPEN, d(16, 9)),
    ]
    lines = weekly_report(rows, start, end)
    assert lines[0].median_hours_to_resolve is None  # design: nothing resolved
    assert lines[1].median_hours_to_resolve == 30.3  # 30.25 rounds half up
    assert weekly_report([], start, end) == []
    with pytest.raises(ValueError):
        weekly_report(rows, end, start)


def test_report_csv() -> None:
    start, end = parse_iso_week("2026-W47")
    csv_text = report_csv(weekly_report(ROWS, start, end))
    causes = (
        "cause_workmanship,cause_materials,cause_design,cause_schedule,cause_staff_attitude,"
        "cause_billing,cause_logistics,cause_aftersales,cause_other,cause_not_recorded"
    )
    categories = (
        "category_quality,category_service,category_delay,category_billing,"
        "category_logistics,category_other"
    )
    assert csv_text == (
        f"department,opened,resolved,escalated,open,median_hours_to_resolve,{causes},"
        f"{categories}\r\n"
        "design,2,2,1,2,15.1,0,0,0,0,0,0,0,0,0,2,0,0,0,0,0,0\r\n"
        "engineering,4,3,3,2,30.0,0,0,0,0,0,0,0,0,0,4,0,0,0,0,0,0\r\n"
    )
    empty_median = DepartmentWeek(DES, 0, 0, 0, 1, None)
    assert report_csv([empty_median]).splitlines()[1] == (
        "design,0,0,0,1,,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0"
    )
    sorted_out = DepartmentWeek(DES, 3, 0, 0, 3, None, by_category={"other": 1, "quality": 2})
    assert report_csv([sorted_out]).splitlines()[1].endswith(",2,0,0,0,0,1")


def test_duty_weekly_report_counts_the_weeks_complaints_by_cause() -> None:
    """调查出现投诉原因 … 于每周例会向经理汇报: the weekly report counts the complaints opened in
    the week by their recorded cause, `not_recorded` for those not investigated yet; per
    department and in total. The week runs Monday 00:00 to the next Monday 00:00 (exclusive),
    Asia/Shanghai."""
    start, end = parse_iso_week("2026-W47")
    cause = ComplaintCause
    rows = [
        ComplaintRow(ENG, Status.OPEN, start, cause=cause.WORKMANSHIP),  # the first instant
        ComplaintRow(ENG, Status.CLOSED, d(18, 9), d(19, 9), cause=cause.WORKMANSHIP),
        ComplaintRow(ENG, Status.OPEN, d(19, 9), cause=cause.MATERIALS),
        ComplaintRow(ENG, Status.OPEN, end - timedelta(microseconds=1)),  # the last instant
        ComplaintRow(ENG, Status.OPEN, end, cause=cause.DESIGN),  # next week's
        ComplaintRow(ENG, Status.OPEN, start - timedelta(microseconds=1), cause=cause.BILLING),
        ComplaintRow(DES, Status.OPEN, d(17, 9), cause=cause.DESIGN),
        ComplaintRow(DES, Status.OPEN, d(17, 10), cause=cause.STAFF_ATTITUDE),
    ]
    lines = weekly_report(rows, start, end)
    by_department = {line.department: line.by_cause for line in lines}
    assert by_department == {
        DES: {"design": 1, "staff_attitude": 1},
        ENG: {"workmanship": 2, "materials": 1, "not_recorded": 1},
    }
    assert list(by_department[ENG]) == ["workmanship", "materials", "not_recorded"]
    assert total_by_cause(lines) == {
        "workmanship": 2,
        "materials": 1,
        "design": 1,
        "staff_attitude": 1,
        "not_recorded": 1,
    }
    assert CAUSES[-1] == NOT_RECORDED and set(CAUSES[:-1]) == {c.value for c in ComplaintCause}
    line = report_csv(lines).splitlines()[2].split(",")
    assert line[0] == "engineering" and line[6 : 6 + len(CAUSES)] == [
        "2",
        "1",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "0",
        "1",
    ]


def test_the_weekly_report_counts_the_weeks_complaints_by_category() -> None:
    """The week's opened complaints by the category they were registered under, per department
    and in total, in the category list's order; a row without a category is not counted by
    category; complaints opened outside the week are not counted."""
    start, end = parse_iso_week("2026-W47")
    cat = ComplaintCategory
    rows = [
        ComplaintRow(ENG, Status.OPEN, start, category=cat.DELAY),
        ComplaintRow(ENG, Status.CLOSED, d(18, 9), d(19, 9), category=cat.QUALITY),
        ComplaintRow(ENG, Status.OPEN, d(19, 9), category=cat.DELAY),
        ComplaintRow(ENG, Status.OPEN, d(19, 10)),  # no category: opened, not counted by it
        ComplaintRow(ENG, Status.OPEN, end, category=cat.BILLING),  # next week's
        ComplaintRow(ENG, Status.OPEN, start - timedelta(microseconds=1), category=cat.OTHER),
        ComplaintRow(DES, Status.OPEN, d(17, 9), category=cat.SERVICE),
        ComplaintRow(DES, Status.OPEN, end - timedelta(microseconds=1), category=cat.QUALITY),
    ]
    lines = weekly_report(rows, start, end)
    by_department = {line.department: line.by_category for line in lines}
    assert by_department == {
        DES: {"quality": 1, "service": 1},
        ENG: {"quality": 1, "delay": 2},
    }
    assert [list(line.by_category) for line in lines] == [
        ["quality", "service"],
        ["quality", "delay"],
    ]
    assert [line.opened for line in lines] == [2, 4]
    total = total_by_category(lines)
    assert total == {"quality": 2, "service": 1, "delay": 2}
    assert list(total) == ["quality", "service", "delay"]
    assert total_by_category([]) == {}
    assert counts_by_category(rows[:4]) == {"quality": 1, "delay": 2}
    assert CATEGORIES == tuple(c.value for c in ComplaintCategory)
    header = report_csv(lines).splitlines()[0].split(",")
    assert header[-len(CATEGORIES) :] == [f"category_{c}" for c in CATEGORIES]
    assert report_csv(lines).splitlines()[2].split(",")[-len(CATEGORIES) :] == [
        "1",
        "0",
        "2",
        "0",
        "0",
        "0",
    ]


def test_duty_cause_is_recorded_until_the_complaint_is_closed() -> None:
    """调查出现投诉原因: a cause from the list and what was found, by whoever handles the
    complaint; a later finding corrects it; once closed and filed (按客户整理备案入档) it is not
    changed."""
    c, found = record_cause(
        new_complaint(), ComplaintCause.MATERIALS, "  瓷砖批次色差 ", "head-eng", at(2)
    )
    assert (found.cause, found.detail, found.by, found.at) == (
        ComplaintCause.MATERIALS,
        "瓷砖批次色差",
        "head-eng",
        at(2),
    )
    assert (c.version, c.status) == (2, Status.OPEN)
    resolved = resolved_complaint()
    again, _ = record_cause(resolved, ComplaintCause.WORKMANSHIP, "", "cs-wang", at(6))
    assert again.status is Status.RESOLVED
    closed, _ = confirm(resolved, True, at(7))
    with pytest.raises(DomainError) as info:
        record_cause(closed, ComplaintCause.OTHER, "", "cs-wang", at(8))
    assert info.value.code == "complaint_closed"


# --- what each refusal says (the API's 409 detail) and every field a step records -----------


def test_a_closed_complaint_refuses_every_step_saying_which() -> None:
    closed, _ = confirm(resolved_complaint(), True, at(7))
    steps = {
        "handed off": lambda: hand_off(closed, Department.DESIGN, None, "cs", at(8)),
        "escalated": lambda: escalate(closed, None, "why", False, at(8)),
        "given a cause": lambda: record_cause(closed, ComplaintCause.OTHER, "", "cs", at(8)),
        "resolved": lambda: resolve(closed, "again", (), "li", at(8)),
    }
    for step, attempt in steps.items():
        with pytest.raises(DomainError) as info:
            attempt()
        assert (info.value.code, info.value.detail) == (
            "complaint_closed",
            "the complaint is closed (the customer confirmed the result), so it cannot be " + step,
        )


def test_a_resolved_complaint_refuses_a_hand_off_or_escalation_saying_which() -> None:
    c = resolved_complaint()
    for step, attempt in {
        "handed off": lambda: hand_off(c, Department.DESIGN, None, "cs", at(6)),
        "escalated": lambda: escalate(c, None, "why", False, at(6)),
    }.items():
        with pytest.raises(DomainError) as info:
            attempt()
        assert (info.value.code, info.value.detail) == (
            "complaint_resolved",
            f"the complaint is resolved and waits for the confirmation call; it can be {step} "
            "again only if the customer is not satisfied",
        )
    with pytest.raises(DomainError) as info:
        resolve(c, "again", (), "li", at(6))
    assert info.value.detail == "the complaint is already resolved and waits for confirmation"


def test_a_hand_off_to_whoever_has_it_says_so() -> None:
    c = new_complaint()
    with pytest.raises(DomainError) as info:
        hand_off(c, Department.ENGINEERING, None, "cs", at(1))
    assert info.value.detail == "the complaint is already with engineering"
    c2, sheet = hand_off(c, Department.DESIGN, "des-li", "cs", at(1))
    with pytest.raises(DomainError) as info:
        hand_off(c2, Department.DESIGN, "des-li", "cs", at(2))
    assert info.value.detail == "the complaint is already with design (des-li)"
    _, sheet = hand_off(c2, Department.DESIGN, "des-wu", "cs", at(2))
    assert (sheet.from_assignee, sheet.to_assignee) == ("des-li", "des-wu")


def test_an_escalation_beyond_what_is_allowed_says_why() -> None:
    c, _ = escalate(new_complaint(), None, "loud", False, at(1), by="cs")
    with pytest.raises(DomainError) as info:
        escalate(c, EscalationLevel.DEPT_HEAD, "again", False, at(2))
    assert info.value.detail == (
        "the complaint is already escalated to dept_head; it can only go higher"
    )
    top, _ = escalate(c, None, "louder", False, at(2), by="cs")
    with pytest.raises(DomainError) as info:
        escalate(top, None, "again", False, at(3))
    assert info.value.detail == "the complaint is already escalated to the manager, the top"
    with pytest.raises(ValueError, match=r"^an escalation needs a reason$"):
        escalate(new_complaint(), None, " ", False, at(1))
    with pytest.raises(ValueError, match=r"^a resolution needs a result$"):
        resolve(new_complaint(), " ", (), "li", at(1))


def test_an_automatic_escalation_is_by_nobody_even_if_a_name_is_passed() -> None:
    _, record = escalate(new_complaint(), None, " timer ", True, at(1), by="cs-wang")
    assert (record.by, record.automatic, record.reason, record.at) == (None, True, "timer", at(1))
    _, auto = auto_escalate(new_complaint(Severity.URGENT), settings(), at(5)) or (None, None)
    assert auto is not None and auto.at == at(5)


def test_the_confirmation_call_records_who_called_and_when() -> None:
    c = resolved_complaint()
    _, yes = confirm(c, True, at(8), by="cs-wang")
    assert (yes.satisfied, yes.at, yes.by, yes.escalation) == (True, at(8), "cs-wang", None)
    _, no = confirm(c, False, at(9), by="cs-zhao")
    assert (no.satisfied, no.at, no.by) == (False, at(9), "cs-zhao")
    assert no.satisfied is False
    assert no.escalation is not None
    assert (no.escalation.by, no.escalation.at, no.escalation.reason) == (
        "cs-zhao",
        at(9),
        "the customer is not satisfied with the result (confirmation call)",
    )


def test_an_opened_complaint_keeps_everything_it_was_opened_with() -> None:
    c = open_complaint(
        complaint_id="c9",
        customer_id="cust9",
        channel=Channel.VISIT,
        category=ComplaintCategory.QUALITY,
        severity=Severity.HIGH,
        department=Department.DESIGN,
        now=OPENED,
        assignee="des-li",
        received_by_sub="cs-wang",
    )
    assert c == Complaint(
        id="c9",
        customer_id="cust9",
        channel=Channel.VISIT,
        category=ComplaintCategory.QUALITY,
        severity=Severity.HIGH,
        department=Department.DESIGN,
        assignee="des-li",
        status=Status.OPEN,
        received_by=ReceivedBy.CS,
        opened_at=OPENED,
        received_by_sub="cs-wang",
        confirmation_assignee="cs-wang",
    )


def test_escalation_deadlines_are_given_in_utc() -> None:
    due = escalation_due(Severity.URGENT, OPENED, settings())
    assert due.tzinfo is UTC and due == at(4)
    with pytest.raises(ValueError, match=r"^opened_at must carry a time zone$"):
        escalation_due(Severity.URGENT, datetime(2026, 11, 2, 10), settings())


def test_a_mask_of_four_or_ten_digits() -> None:
    assert mask_phone("1234") == "****"
    assert mask_phone("12345") == "*2345"
    assert mask_phone("0108888666") == "010***8666"


def test_the_weekly_report_boundaries() -> None:
    start, end = parse_iso_week("2026-W47")
    with pytest.raises(ValueError, match=r"^the week must end after it starts$"):
        weekly_report([], start, start)
    rows = [
        # Settled exactly at the week's end: still open at it.
        ComplaintRow(ENG, Status.CLOSED, d(10, 9), end),
        # Only an escalation in the week, as the rows say (settled before it).
        ComplaintRow(DES, Status.CLOSED, d(9, 9), d(15, 9), (d(18, 9),)),
        # Only resolved in the week.
        ComplaintRow(Department.FINANCE, Status.CLOSED, d(9, 9), d(18, 9)),
    ]
    lines = {line.department: line for line in weekly_report(rows, start, end)}
    assert (lines[ENG].open, lines[ENG].resolved, lines[ENG].opened) == (1, 0, 0)
    assert (lines[DES].escalated, lines[DES].open, lines[DES].resolved) == (1, 0, 0)
    assert (lines[Department.FINANCE].resolved, lines[Department.FINANCE].open) == (1, 0)
    # Only open at the week's end: a line of its own.
    only_open = weekly_report([ComplaintRow(ENG, Status.OPEN, d(9, 9))], start, end)
    assert [(x.department, x.open, x.opened, x.escalated) for x in only_open] == [(ENG, 1, 0, 0)]


def test_a_week_label_that_cannot_be_read_says_so() -> None:
    with pytest.raises(ValueError, match=r"^a week is written YYYY-Www, e.g. 2026-W47, not '26'$"):
        parse_iso_week("26")
    with pytest.raises(ValueError, match=r"^2025-W53 is not a week of 2025$"):
        parse_iso_week("2025-W53")
    with pytest.raises(ValueError, match=r"^now must carry a time zone$"):
        previous_week(datetime(2026, 11, 23, 9))

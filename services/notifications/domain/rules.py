"""The rules as data: which tasks and messages each consumed event asks for (docs/EVENTS.md).

Time bases: "after_event" counts from the envelope's `occurred_at`, "after_fact"/"within_days"
from the business time `at` (may be backdated, so a deadline can already have passed: the
timer then fires at once), "after_now" from the planning clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, Final

from services.notifications.domain.actions import (
    Action,
    CallbackTask,
    Cancel,
    Cond,
    ContactUpdate,
    Entity,
    Message,
    Pick,
    ProjectRoster,
    Recurring,
    Spec,
    after_event,
    after_fact,
    after_now,
    const,
    entity_of,
    field,
    field_in,
    fixed_level,
    has,
    is_true,
    lacks,
    level_of,
    nothing,
    to_audience,
    to_contact,
    to_customer,
    within_days,
)
from services.notifications.domain.event import EventView
from services.notifications.domain.params import (
    care_tips,
    cargo_exception_params,
    complaint_escalated_params,
    complaint_params,
    complaint_sheet_params,
    complaint_sheet_to,
    confirmation_team,
    deadline_team,
    delayed_params,
    design_acceptance_params,
    escalation_audience,
    event_day_call,
    fact_day_call,
    feedback_params,
    feedback_to,
    found_problems,
    inspection_params,
    is_frontdesk_feedback,
    is_reception_complaint,
    loading_params,
    origin_station_audience,
    payment_params,
    project_params,
    receipt_abnormal_params,
    receipt_closed_params,
    receipt_params,
    region_audience,
    repair_appointment_params,
    repair_params,
    report_attachment,
    report_params,
    return_visit_due,
    shipment_params,
    slip_missing_params,
    stage_params,
    station_audience,
    tracking_flagged_params,
    warranty_anchor,
    warranty_stop,
    week_end,
    works_to_arrange_params,
)
from services.notifications.domain.schedule import ScheduleKind
from services.notifications.domain.specs import (
    CancelSpec,
    ContactSpec,
    MessageSpec,
    Plan,
    RecurringSpec,
    RosterSpec,
    TaskSpec,
)
from services.notifications.domain.templates import REPAIR_CARE
from shared.contracts.values import CallbackPurpose as P
from shared.contracts.values import (
    Deadline,
    EntityKind,
    EscalationLevel,
    MessageChannel,
    RepairKind,
    Stage,
    Team,
)

COMPLAINT_HANDLING_DUE: Final = timedelta(hours=24)
COMPLAINT_CONFIRMATION_DUE: Final = timedelta(hours=24)
REPAIR_CONTACT_DUE: Final = timedelta(hours=24)
REPAIR_FOLLOWUP_WITHIN_DAYS: Final = 2
DEADLINE_MISSED_DUE: Final = timedelta(hours=4)
STATION_CALL_DUE: Final = timedelta(hours=2)
STAGE_CALLBACK_WITHIN_DAYS: Final = 1
FRONTDESK_CALL_WITHIN_DAYS: Final = 1
COMPLETION_SURVEY_WITHIN_DAYS: Final = 3
PAYMENT_REMINDER_WITHIN_DAYS: Final = 1
INSPECTION_PROBLEMS_WITHIN_DAYS: Final = 1  # 发现问题,及时处理: by the end of the next local day
RECEIPT_CHASE_WITHIN_DAYS: Final = 1  # by the end of the next local day
# Our reading of "missed": still out this many days after it went overdue (the owner's chase was
# due by the end of the next day; a day more for the post).
RECEIPT_CHASE_MISSED_AFTER_DAYS: Final = 3
NOW: Final = timedelta(0)
# 维修结束 …保养常识…服务卡片…致歉: one completion SMS, its care tips by the problem repaired.
REPAIR_DONE_TEMPLATES: Final = tuple(f"repair_done{suffix}" for suffix, *_ in REPAIR_CARE)
# Cases of a duty the rules table names itself (the others come from the event's fields).
LOADING_ALERT: Final = "loading"
FORCE_MAJEURE_ALERT: Final = "force_majeure"
SLA_FIRST_CONTACT: Final = "first_contact"  # aftersales' service-level steps
SLA_SURVEY: Final = "survey"

# The acceptances with a required stage callback (API.md value lists); `completed` gets the
# completion survey instead.
STAGE_CALLBACK_STAGES: Final = frozenset(
    {
        Stage.DESIGN_AGREEMENT,
        Stage.CONTRACT,
        Stage.PLUMBING_ELECTRICAL_ACCEPTED,
        Stage.CARPENTRY_ACCEPTED,
        Stage.TILING_ACCEPTED,
        Stage.PAINTING_ACCEPTED,
    }
)
# "The front desk calls every active project at least 3 times": at the start of works, after
# mid-term acceptance, and before completion (at the last trade acceptance).
FRONTDESK_CALL_STAGES: Final[dict[Stage, str]] = {
    Stage.WORKS_STARTED: "1",
    Stage.MIDTERM_ACCEPTED: "2",
    Stage.PAINTING_ACCEPTED: "3",
}

COMPLAINT = Entity(EntityKind.COMPLAINT, "complaint_id")
PROJECT = Entity(EntityKind.PROJECT, "project_id")
REPAIR = Entity(EntityKind.REPAIR, "repair_id")
SHIPMENT = Entity(EntityKind.SHIPMENT, "waybill")
RECEIPT = Entity(EntityKind.RECEIPT, "waybill")  # a receipt is known by its waybill
SHIPPER = Entity(EntityKind.SHIPPER, "shipper_id")
SMS, EMAIL = MessageChannel.SMS, MessageChannel.EMAIL


def to_stage(*stages: Stage) -> Cond:
    """The project moved to one of `stages`."""
    return field_in("to_stage", frozenset(s.value for s in stages))


def frontdesk_call(stage: Stage) -> CallbackTask:
    """The n-th of the three front-desk calls per active project."""
    return CallbackTask(
        P.FRONTDESK_CALL,
        PROJECT,
        within_days(FRONTDESK_CALL_WITHIN_DAYS),
        team=const(Team.RECEPTION),
        stage=field("to_stage"),
        key=FRONTDESK_CALL_STAGES[stage],
        when=to_stage(stage),
    )


def care_tips_are(template: str) -> Cond:
    """The repaired problem's care tips are those of `template`."""
    return lambda ev: care_tips(ev) == template


def chase_missed(ev: EventView) -> bool:
    """The owner's chase did not bring the receipt back in time: their superior is told."""
    return has("superior")(ev) and ev.number("days_overdue") >= RECEIPT_CHASE_MISSED_AFTER_DAYS


def shipment_sms(template: str, *roles: str) -> Message:
    """A tracking SMS to the shipment's contacts, each with the link to their page."""
    return Message(SMS, template, to_contact(*roles), SHIPMENT, shipment_params, link=True)


def handling_task(
    team_field: str, assignee_field: str, level: Pick[EscalationLevel | None]
) -> CallbackTask:
    """The complaint-handling task, due 24 h after the event: one per complaint, taken over by
    whoever the complaint moves to (a hand-off, an escalation)."""
    return CallbackTask(
        P.COMPLAINT_HANDLING,
        COMPLAINT,
        after_event(COMPLAINT_HANDLING_DUE),
        team=field(team_field),
        assignee=field(assignee_field),
        level=level,
        replaces=True,
    )


RULES: Final[Mapping[str, tuple[Action, ...]]] = MappingProxyType(
    {
        "customer.registered": (ContactUpdate("customer", "customer_id"),),
        "customer.updated": (ContactUpdate("customer", "customer_id"),),
        "complaint.opened": (
            Message(SMS, "complaint_ack", to_customer, COMPLAINT, complaint_params),
            # 填报《投诉登记表》:报主管经理及相关部门; at the reception desk the 投诉接待处理单 is
            # made 一式两份, one to the department and one to customer service.
            Message(
                EMAIL,
                "complaint_registered",
                complaint_sheet_to,
                COMPLAINT,
                complaint_sheet_params,
                when=lambda ev: not is_reception_complaint(ev),
            ),
            Message(
                EMAIL,
                "complaint_reception_sheet",
                complaint_sheet_to,
                COMPLAINT,
                complaint_sheet_params,
                when=is_reception_complaint,
            ),
            handling_task("department", "assignee", level_of("escalation_level")),
        ),
        "complaint.handed_off": (
            # An escalated complaint stays escalated with its new department.
            handling_task("to_department", "to_assignee", level_of("escalation_level")),
        ),
        "complaint.escalated": (
            handling_task("department", "assignee", level_of("level")),
            Message(
                EMAIL,
                "complaint_escalated",
                to_audience(escalation_audience),
                COMPLAINT,
                complaint_escalated_params,
            ),
        ),
        "complaint.resolved": (
            # Handling ends with the result; the call that confirms it begins.
            Cancel((P.COMPLAINT_HANDLING,), COMPLAINT),
            CallbackTask(
                P.COMPLAINT_CONFIRMATION,
                COMPLAINT,
                after_event(COMPLAINT_CONFIRMATION_DUE),
                team=confirmation_team,
                assignee=field("confirmation_assignee"),
                replaces=True,
            ),
        ),
        # Reopened by an unsatisfied call: the complaint.escalated that always follows it gives
        # the department its handling task back, at the manager's level.
        "complaint.reopened": (Cancel((P.COMPLAINT_CONFIRMATION,), COMPLAINT),),
        "complaint.closed": (Cancel((P.COMPLAINT_HANDLING, P.COMPLAINT_CONFIRMATION), COMPLAINT),),
        "project.opened": (ProjectRoster(),),
        "project.stage.changed": (
            ProjectRoster(when=has("project_manager")),
            Message(SMS, "project_stage", to_customer, PROJECT, stage_params, link=True),
            CallbackTask(
                P.STAGE_CALLBACK,
                PROJECT,
                within_days(STAGE_CALLBACK_WITHIN_DAYS),
                team=const(Team.CUSTOMER_SERVICE),
                stage=field("to_stage"),
                when=to_stage(*STAGE_CALLBACK_STAGES),
            ),
            frontdesk_call(Stage.WORKS_STARTED),
            frontdesk_call(Stage.MIDTERM_ACCEPTED),
            frontdesk_call(Stage.PAINTING_ACCEPTED),
            Recurring(
                P.WEEKLY_WORKS,
                ScheduleKind.WEEKLY,
                PROJECT,
                anchor=fact_day_call,
                stops=nothing,
                stops_when="project.stage.changed to completed",
                team=const(Team.ENGINEERING),
                assignee=field("project_manager"),
                assignee_from_roster="project_manager",
                when=to_stage(Stage.WORKS_STARTED),
            ),
            # 开工后每周定期回访 (满意度跟踪): customer service's own weekly call, beside the
            # project manager's weekly visit (项目经理每周定期走访/电话回访).
            Recurring(
                P.WEEKLY_SATISFACTION,
                ScheduleKind.WEEKLY,
                PROJECT,
                anchor=fact_day_call,
                stops=nothing,
                stops_when="project.stage.changed to completed",
                team=const(Team.CUSTOMER_SERVICE),
                when=to_stage(Stage.WORKS_STARTED),
            ),
            # 签施工合同…通知工程部安排开工事宜: signing tells engineering to arrange the start.
            Message(
                EMAIL,
                "works_to_arrange",
                to_audience(Team.ENGINEERING.value),
                PROJECT,
                works_to_arrange_params,
                when=to_stage(Stage.CONTRACT),
            ),
            Cancel(
                (P.WEEKLY_WORKS, P.WEEKLY_SATISFACTION, P.WEEKLY_SPOT_CHECK),
                PROJECT,
                when=to_stage(Stage.COMPLETED),
            ),
            # Completion is accepted by the four parties: no inspection's problem is left open.
            Cancel((P.INSPECTION_PROBLEMS,), PROJECT, when=to_stage(Stage.COMPLETED)),
            # The start of works is the fact the works_start deadline waited for.
            Cancel(
                (P.DEADLINE_MISSED,),
                PROJECT,
                case=const(Deadline.WORKS_START),
                when=to_stage(Stage.WORKS_STARTED),
            ),
            CallbackTask(
                P.COMPLETION_SURVEY,
                PROJECT,
                within_days(COMPLETION_SURVEY_WITHIN_DAYS),
                team=const(Team.CUSTOMER_SERVICE),
                stage=field("to_stage"),
                when=to_stage(Stage.COMPLETED),
            ),
            CallbackTask(
                P.RETURN_VISIT,
                PROJECT,
                return_visit_due,
                team=const(Team.CUSTOMER_SERVICE),
                when=to_stage(Stage.COMPLETED),
            ),
            Recurring(
                P.WARRANTY_QUARTERLY,
                ScheduleKind.QUARTERLY,
                PROJECT,
                anchor=warranty_anchor,
                stops=warranty_stop,
                stops_when="after warranty_ends_on, the card's last day of cover",
                team=const(Team.RECEPTION),  # 保修期内前台每隔一季度…电话回访: the front desk
                when=to_stage(Stage.COMPLETED),
            ),
        ),
        # 设计师4天内做完效果图,通知客户看方案: the delivery tells the customer to see it.
        "project.renderings.delivered": (
            Message(SMS, "renderings_ready", to_customer, PROJECT, project_params),
        ),
        # 七、质量检查: 发现问题,及时处理 — an inspection's problems are the project manager's
        # task by the end of the next day (a newer list takes it over) and engineering is told;
        # a clean inspection or the completion ends it.
        "project.inspection.recorded": (
            CallbackTask(
                P.INSPECTION_PROBLEMS,
                PROJECT,
                within_days(INSPECTION_PROBLEMS_WITHIN_DAYS),
                team=const(Team.ENGINEERING),
                assignee=field("project_manager"),
                assignee_from_roster="project_manager",
                replaces=True,
                when=found_problems,
            ),
            Message(
                EMAIL,
                "inspection_problems",
                to_audience(Team.ENGINEERING.value),
                PROJECT,
                inspection_params,
                when=found_problems,
            ),
            Cancel((P.INSPECTION_PROBLEMS,), PROJECT, when=lambda ev: not found_problems(ev)),
        ),
        # 设计师也可提前约请客户到现场进行设计验收: the customer is told when.
        "project.design_acceptance.booked": (
            Message(
                SMS, "design_acceptance_booked", to_customer, PROJECT, design_acceptance_params
            ),
        ),
        # 工程部经理每周抽查走访一次客户: the week's pick is the engineering manager's visit (the
        # department head's level), by the end of that week.
        "project.spot_check.due": (
            CallbackTask(
                P.WEEKLY_SPOT_CHECK,
                PROJECT,
                week_end,
                team=const(Team.ENGINEERING),
                level=fixed_level(EscalationLevel.DEPT_HEAD),
                case=field("week"),
            ),
        ),
        # The renovation SMS carry the customer's link to their project's page.
        "project.payment.due": (
            Message(SMS, "payment_due", to_customer, PROJECT, payment_params, link=True),
        ),
        "project.payment.overdue": (
            CallbackTask(
                P.PAYMENT_REMINDER,
                PROJECT,
                within_days(PAYMENT_REMINDER_WITHIN_DAYS),
                team=const(Team.FINANCE),
                case=field("installment"),
            ),
            Message(SMS, "payment_overdue", to_customer, PROJECT, payment_params, link=True),
        ),
        "project.payment.received": (
            Cancel(
                (P.PAYMENT_REMINDER,),
                PROJECT,
                case=field("installment"),
                when=lambda ev: ev.number("paid_fen") >= ev.number("amount_fen"),
            ),
        ),
        "project.deadline.missed": (
            CallbackTask(
                P.DEADLINE_MISSED,
                PROJECT,
                after_now(DEADLINE_MISSED_DUE),
                team=deadline_team,
                assignee=field("responsible"),
                case=field("deadline"),
            ),
        ),
        "repair.opened": (
            CallbackTask(
                P.REPAIR_CONTACT,
                REPAIR,
                after_fact(REPAIR_CONTACT_DUE),
                team=const(Team.AFTERSALES),
                assignee=field("staff"),
            ),
        ),
        "repair.scheduled": (
            Message(SMS, "repair_appointment", to_customer, REPAIR, repair_appointment_params),
            # A visit booked with the customer: the customer has been contacted.
            Cancel((P.REPAIR_CONTACT,), REPAIR),
            Cancel((P.SLA_TASK,), REPAIR, case=const(SLA_FIRST_CONTACT)),
            Cancel(
                (P.SLA_TASK,),
                REPAIR,
                case=const(SLA_SURVEY),
                when=field_in("kind", frozenset({RepairKind.REPAIR.value})),
            ),
        ),
        "repair.completed": (
            Cancel((P.REPAIR_CONTACT, P.SLA_TASK), REPAIR),
            *(
                Message(
                    SMS,
                    template,
                    to_customer,
                    REPAIR,
                    repair_params,
                    when=care_tips_are(template),
                )
                for template in REPAIR_DONE_TEMPLATES
            ),
            CallbackTask(
                P.REPAIR_FOLLOWUP,
                REPAIR,
                within_days(REPAIR_FOLLOWUP_WITHIN_DAYS),
                team=const(Team.SUPERVISION),
            ),
        ),
        "repair.sla.breached": (
            CallbackTask(
                P.SLA_TASK,
                REPAIR,
                after_now(NOW),
                team=const(Team.AFTERSALES),
                assignee=field("staff"),
                case=field("step"),
            ),
        ),
        "repair.closed": (Cancel((P.REPAIR_CONTACT, P.SLA_TASK), REPAIR),),
        "shipment.dispatched": (
            shipment_sms("shipment_dispatched", "shipper", "consignee"),
            Cancel((P.ALERT,), SHIPMENT, case=const(LOADING_ALERT)),  # it was loaded after all
        ),
        "shipment.arrived": (
            shipment_sms("shipment_arrived", "shipper"),
            shipment_sms("shipment_ready", "consignee"),  # what to bring is on the page
            # Arrived (a split shipment: at its signature): no station left to chase.
            Cancel((P.STATION_CALL,), SHIPMENT, when=lacks("batch")),
        ),
        "shipment.signed": (
            shipment_sms("shipment_signed", "shipper"),
            Cancel((P.STATION_CALL,), SHIPMENT),
        ),
        "shipment.delayed": (
            Message(
                SMS,
                "shipment_delayed",
                to_contact("shipper", "consignee"),
                SHIPMENT,
                delayed_params,
                when=has("new_eta"),
                link=True,
            ),
            Message(
                SMS,
                "shipment_delayed_tbc",
                to_contact("shipper", "consignee"),
                SHIPMENT,
                delayed_params,
                when=lacks("new_eta"),
                link=True,
            ),
            CallbackTask(
                P.STATION_CALL, SHIPMENT, after_now(STATION_CALL_DUE), team=const(Team.LOGISTICS)
            ),
            # 不可抗拒因素…及时将相关信息反馈给部门主管进行处理: the supervisor's alert at once.
            CallbackTask(
                P.ALERT,
                SHIPMENT,
                after_now(NOW),
                team=const(Team.LOGISTICS),
                level=fixed_level(EscalationLevel.DEPT_HEAD),
                case=const(FORCE_MAJEURE_ALERT),
                when=is_true("force_majeure"),
            ),
        ),
        # 如出现异常,立即向部门领导、下游站点反馈: the department head's alert at once; the
        # downstream station is e-mailed what the call found, and the desk's call to it follows.
        "shipment.tracking.flagged": (
            Message(
                EMAIL,
                "tracking_flagged_station",
                to_audience(station_audience),
                SHIPMENT,
                tracking_flagged_params,
            ),
            CallbackTask(
                P.ALERT,
                SHIPMENT,
                after_now(NOW),
                team=const(Team.LOGISTICS),
                level=fixed_level(EscalationLevel.DEPT_HEAD),
                case=lambda ev: f"tracking:{ev.text('at')}",
            ),
            CallbackTask(
                P.STATION_CALL, SHIPMENT, after_now(STATION_CALL_DUE), team=const(Team.LOGISTICS)
            ),
        ),
        # 备注需签发货方厂家单…没有附带的,要与发货网点联系确认: the origin is told at once and
        # the logistics desk has the confirmation to follow.
        "shipment.shipper_slip.missing": (
            Message(
                EMAIL,
                "shipper_slip_missing",
                to_audience(origin_station_audience),
                SHIPMENT,
                slip_missing_params,
            ),
            CallbackTask(
                P.ALERT,
                SHIPMENT,
                after_now(NOW),
                team=const(Team.LOGISTICS),
                case=lambda ev: f"shipper_slip:{ev.text('at')}",
            ),
        ),
        "shipment.loading.unconfirmed": (
            CallbackTask(
                P.ALERT,
                SHIPMENT,
                after_now(NOW),
                team=const(Team.LOGISTICS),
                case=const(LOADING_ALERT),
            ),
            Message(
                EMAIL, "loading_unconfirmed", to_audience("logistics"), SHIPMENT, loading_params
            ),
        ),
        "shipment.exception.registered": (
            Message(
                EMAIL,
                "cargo_exception",
                to_audience("cargo_supervisor"),
                SHIPMENT,
                cargo_exception_params,
            ),
            CallbackTask(
                P.ALERT,
                SHIPMENT,
                after_now(NOW),
                team=const(Team.LOGISTICS),
                case=lambda ev: f"exception:{ev.text('exception_id')}",
            ),
        ),
        "receipt.overdue": (
            # The region's receipt owner chases (区域回单管理责任人); a chase the owner missed
            # goes to their superior (予以追究上级管理人员相关责任).
            CallbackTask(
                P.RECEIPT_CHASE,
                RECEIPT,
                within_days(RECEIPT_CHASE_WITHIN_DAYS),
                team=const(Team.LOGISTICS),
                assignee=field("owner"),
            ),
            CallbackTask(
                P.RECEIPT_CHASE,
                RECEIPT,
                within_days(RECEIPT_CHASE_WITHIN_DAYS),
                team=const(Team.LOGISTICS),
                assignee=field("superior"),
                key="superior",
                when=chase_missed,
            ),
            CallbackTask(
                P.RECEIPT_CHASE,
                RECEIPT,
                within_days(RECEIPT_CHASE_WITHIN_DAYS),
                team=const(Team.LOGISTICS),
                level=fixed_level(EscalationLevel.MANAGER),
                key="manager",
                when=is_true("hard_breach"),
            ),
            Message(
                EMAIL,
                "receipt_hard_breach",
                to_audience(region_audience),
                RECEIPT,
                receipt_params,
                when=is_true("hard_breach"),
            ),
        ),
        "receipt.returned": (Cancel((P.RECEIPT_CHASE,), RECEIPT),),
        # 现付类回单,要及时通知客户取消: the shipper is told; nothing is chased any more.
        "receipt.cancelled": (
            Message(
                SMS, "receipt_cancelled", to_contact("shipper"), RECEIPT, receipt_closed_params
            ),
            Cancel((P.RECEIPT_CHASE,), RECEIPT),
        ),
        # 客户上门取回单…系统回单核销: the shipper has the collection confirmed; the chase ends.
        "receipt.collected": (
            Message(
                SMS, "receipt_collected", to_contact("shipper"), RECEIPT, receipt_closed_params
            ),
            Cancel((P.RECEIPT_CHASE,), RECEIPT),
        ),
        # 发现回单签收异常的,须第一时间报主管(经理)及时协商处理: the supervisor's task at once.
        "receipt.abnormal": (
            CallbackTask(
                P.ALERT,
                RECEIPT,
                after_now(NOW),
                team=const(Team.LOGISTICS),
                level=fixed_level(EscalationLevel.MANAGER),
                case=lambda ev: f"abnormal:{ev.text('abnormality_id')}",
            ),
            Message(
                EMAIL,
                "receipt_abnormal",
                to_audience(region_audience),
                RECEIPT,
                receipt_abnormal_params,
            ),
        ),
        "shipper.registered": (
            ContactUpdate("shipper", "shipper_id"),
            Recurring(
                P.KEY_CUSTOMER_MONTHLY,
                ScheduleKind.MONTHLY,
                SHIPPER,
                anchor=event_day_call,
                stops=nothing,
                stops_when="the shipper is no longer a key customer",
                team=const(Team.LOGISTICS),
                when=is_true("key_customer"),
            ),
            # shipper.registered also carries updates: no longer a key customer ends the calls.
            Cancel(
                (P.KEY_CUSTOMER_MONTHLY,),
                SHIPPER,
                when=lambda ev: not ev.flag("key_customer"),
            ),
        ),
        # 八、电话回访: 对于客户反馈,认真记录,并于当日转至工程部和客户服务部 — a front-desk
        # call's feedback goes to both the moment it is recorded.
        "callback.completed": (
            Message(
                EMAIL,
                "frontdesk_feedback",
                feedback_to,
                entity_of,
                feedback_params,
                when=is_frontdesk_feedback,
            ),
        ),
        "report.published": (
            Message(
                EMAIL,
                "report",
                to_audience(lambda ev: ev.text("audience")),
                None,
                report_params,
                attachment=report_attachment,
            ),
        ),
    }
)

SUBJECTS: Final = frozenset(RULES)


def plan(subject: str, payload: Mapping[str, Any], now: datetime) -> Plan:
    """Everything an event asks for; an unknown subject asks for nothing."""
    ev = EventView(subject, payload, now)
    result = Plan()
    for action in RULES.get(subject, ()):
        if action.when(ev):
            for spec in action.expand(ev):
                _add(result, spec)
    return result


def _add(result: Plan, spec: Spec) -> None:
    """File a spec under its kind."""
    match spec:
        case TaskSpec():
            result.tasks.append(spec)
        case MessageSpec():
            result.messages.append(spec)
        case RecurringSpec():
            result.recurring.append(spec)
        case CancelSpec():
            result.cancel.append(spec)
        case RosterSpec():
            result.rosters.append(spec)
        case ContactSpec():
            result.contacts.append(spec)

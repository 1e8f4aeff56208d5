"""Value lists of API.md: extend, never rename."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    BRANCH = "branch"
    CS = "cs"
    RECEPTION = "reception"
    DEPT_HEAD = "dept_head"
    MANAGER = "manager"
    FINANCE = "finance"
    ENGINEERING = "engineering"
    AFTERSALES = "aftersales"
    SUPERVISION = "supervision"
    LOGISTICS = "logistics"
    ADMIN = "admin"
    # Not a person: the console's token for one customer link, reading one waybill (its
    # `waybill` and `audience` claims) through the one endpoint that names this role.
    TRACKING = "tracking"
    # Not a person either: the console's token for a renovation customer's link, reading one
    # project (its `project` claim) through the customer views of projects and aftersales.
    PROJECT_VIEW = "project_view"


# The roles of customers' links' tokens: no staff account, no sign-in, one record each.
LINK_ROLES = frozenset({Role.TRACKING, Role.PROJECT_VIEW})


class ComplaintCategory(StrEnum):
    QUALITY = "quality"
    SERVICE = "service"
    DELAY = "delay"
    BILLING = "billing"
    LOGISTICS = "logistics"
    OTHER = "other"


class ComplaintCause(StrEnum):
    """Why a complaint arose, as those handling it found (调查出现投诉原因); our reading of the
    manuals' world: the works, their materials and design, the schedule, the staff, the money,
    the transport and the after-sales repairs."""

    WORKMANSHIP = "workmanship"  # 施工质量、工艺 (偷工减料)
    MATERIALS = "materials"  # 材料质量、以次充好、与合同不符
    DESIGN = "design"  # 设计方案、图纸
    SCHEDULE = "schedule"  # 工期、延误、未按约上门
    STAFF_ATTITUDE = "staff_attitude"  # 服务态度
    BILLING = "billing"  # 报价、收费、增项
    LOGISTICS = "logistics"  # 货物延误、破损、回单
    AFTERSALES = "aftersales"  # 售后维修
    OTHER = "other"


class Severity(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Channel(StrEnum):
    PHONE = "phone"
    VISIT = "visit"
    RECEPTION = "reception"
    DEPARTMENT = "department"


class ComplaintStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    ESCALATED = "escalated"
    RESOLVED = "resolved"
    CLOSED = "closed"


class SubjectKind(StrEnum):
    PROJECT = "project"
    SHIPMENT = "shipment"
    REPAIR = "repair"


class ProblemKind(StrEnum):
    LEAK = "leak"
    CRACK = "crack"
    ELECTRICAL = "electrical"
    PLUMBING = "plumbing"
    PAINT = "paint"
    CARPENTRY = "carpentry"
    TILE = "tile"
    FIXTURE = "fixture"
    CUSTOMER_DAMAGE = "customer_damage"
    NORMAL_WEAR = "normal_wear"
    OTHER = "other"


class Department(StrEnum):
    DESIGN = "design"
    ENGINEERING = "engineering"
    AFTERSALES = "aftersales"
    LOGISTICS = "logistics"
    FINANCE = "finance"
    CUSTOMER_SERVICE = "customer_service"


class Team(StrEnum):
    DESIGN = "design"
    ENGINEERING = "engineering"
    AFTERSALES = "aftersales"
    LOGISTICS = "logistics"
    FINANCE = "finance"
    CUSTOMER_SERVICE = "customer_service"
    RECEPTION = "reception"
    SUPERVISION = "supervision"


class ReceivedBy(StrEnum):
    CS = "cs"
    RECEPTION = "reception"


class EscalationLevel(StrEnum):
    DEPT_HEAD = "dept_head"
    MANAGER = "manager"


class Stage(StrEnum):
    CONSULTATION = "consultation"
    MEASUREMENT = "measurement"
    QUOTATION = "quotation"
    DESIGN_AGREEMENT = "design_agreement"
    DESIGN = "design"
    CONTRACT = "contract"
    WORKS_STARTED = "works_started"
    MATERIALS_ACCEPTED = "materials_accepted"
    PLUMBING_ELECTRICAL_ACCEPTED = "plumbing_electrical_accepted"
    MIDTERM_ACCEPTED = "midterm_accepted"
    CARPENTRY_ACCEPTED = "carpentry_accepted"
    TILING_ACCEPTED = "tiling_accepted"
    PAINTING_ACCEPTED = "painting_accepted"
    COMPLETED = "completed"
    WARRANTY = "warranty"


class StageCallback(StrEnum):
    """The required stage callbacks; `completion_survey` is taken at `completed`."""

    DESIGN_AGREEMENT = "design_agreement"
    CONTRACT = "contract"
    PLUMBING_ELECTRICAL_ACCEPTED = "plumbing_electrical_accepted"
    CARPENTRY_ACCEPTED = "carpentry_accepted"
    TILING_ACCEPTED = "tiling_accepted"
    PAINTING_ACCEPTED = "painting_accepted"
    COMPLETION_SURVEY = "completion_survey"


class SignoffParty(StrEnum):
    SUPERVISOR = "supervisor"
    DESIGNER = "designer"
    FOREMAN = "foreman"
    CUSTOMER = "customer"


class Installment(StrEnum):
    DEPOSIT = "deposit"
    FIRST = "first"
    MIDTERM = "midterm"
    FINAL = "final"


class DocumentKind(StrEnum):
    """The documents a project produces and hands over (docs/DOMAIN.md §2.1)."""

    QUOTATION = "quotation"  # 书面报价 (工程估算)
    CONSTRUCTION_CONTRACT = "construction_contract"  # 《施工合同》
    SUPPLEMENTARY_AGREEMENT = "supplementary_agreement"  # 《补充协议》
    BUDGET = "budget"  # 预算
    MATERIALS_PURCHASE_AGREEMENT = "materials_purchase_agreement"  # 《主材代购委托协议》
    COMPLETION_NOTICE = "completion_notice"  # 《工程竣工验收通知单》


class DocumentParty(StrEnum):
    """Who a project document binds or is issued by: the company or the customer."""

    COMPANY = "company"
    CUSTOMER = "customer"


class Deadline(StrEnum):
    RENDERINGS = "renderings"
    CONTRACT_TO_FINANCE = "contract_to_finance"
    WORKS_START = "works_start"


class RatingRole(StrEnum):
    DESIGNER = "designer"
    INSPECTOR = "inspector"
    FOREMAN = "foreman"
    ENGINEERING_MANAGER = "engineering_manager"


class RepairKind(StrEnum):
    SURVEY = "survey"
    REPAIR = "repair"


class PhotoPhase(StrEnum):
    """When a repair photo was taken (相片存档: 现场勘查, 维修过程, 维修结束)."""

    SURVEY = "survey"
    DURING = "during"
    AFTER = "after"


class ScanKind(StrEnum):
    DEPARTED = "departed"
    ARRIVED_HUB = "arrived_hub"
    ARRIVED_DESTINATION = "arrived_destination"
    SIGNED = "signed"


class ExceptionKind(StrEnum):
    DAMAGE = "damage"
    SHORTAGE = "shortage"
    MISMATCH = "mismatch"


class ConsigneeKind(StrEnum):
    PERSON = "person"
    COMPANY = "company"


class ReceiptStep(StrEnum):
    SIGNED = "signed"
    SENT = "sent"
    RECEIVED = "received"
    HANDED_OVER = "handed_over"
    SETTLED = "settled"


class CallbackPurpose(StrEnum):
    COMPLAINT_HANDLING = "complaint_handling"
    COMPLAINT_CONFIRMATION = "complaint_confirmation"
    STAGE_CALLBACK = "stage_callback"
    FRONTDESK_CALL = "frontdesk_call"
    WEEKLY_WORKS = "weekly_works"
    COMPLETION_SURVEY = "completion_survey"
    RETURN_VISIT = "return_visit"
    WARRANTY_QUARTERLY = "warranty_quarterly"
    PAYMENT_REMINDER = "payment_reminder"
    DEADLINE_MISSED = "deadline_missed"
    REPAIR_CONTACT = "repair_contact"
    REPAIR_FOLLOWUP = "repair_followup"
    STATION_CALL = "station_call"
    RECEIPT_CHASE = "receipt_chase"
    KEY_CUSTOMER_MONTHLY = "key_customer_monthly"
    SLA_TASK = "sla_task"
    ALERT = "alert"
    INSPECTION_PROBLEMS = "inspection_problems"
    WEEKLY_SATISFACTION = "weekly_satisfaction"
    WEEKLY_SPOT_CHECK = "weekly_spot_check"


class EntityKind(StrEnum):
    COMPLAINT = "complaint"
    PROJECT = "project"
    REPAIR = "repair"
    SHIPMENT = "shipment"
    RECEIPT = "receipt"
    CUSTOMER = "customer"
    SHIPPER = "shipper"


class MessageChannel(StrEnum):
    SMS = "sms"
    EMAIL = "email"
    WEBHOOK = "webhook"


class MessageStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    FAILED = "failed"


class ReportKind(StrEnum):
    COMPLAINTS_WEEKLY = "complaints_weekly"
    EXCEPTIONS_WEEKLY = "exceptions_weekly"
    RECEIPTS_MONTHLY = "receipts_monthly"
    RATING_MONTHLY = "rating_monthly"
    CARE_COMPLIANCE_MONTHLY = "care_compliance_monthly"
    SATISFACTION_MONTHLY = "satisfaction_monthly"

"""Call scripts: what the agent says and records for each callback purpose (zh, en)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final

from shared.contracts.values import CallbackPurpose as P


@dataclass(frozen=True)
class Script:
    """One paragraph per language for the agent's worklist."""

    zh: str
    en: str


SCRIPTS: Final[Mapping[str, Script]] = MappingProxyType(
    {
        P.COMPLAINT_HANDLING: Script(
            "投诉处理：联系客户了解投诉详情，说明处理方案和时限；无法当场解决的，说明原因并提供可选方案，记录结果。",
            "Complaint handling: call the customer, understand the complaint, explain the fix "
            "and its timing; if it cannot be solved, say why and offer alternatives. Record it.",
        ),
        P.COMPLAINT_CONFIRMATION: Script(
            "投诉结果确认：向客户确认处理结果是否落实、是否满意（必须记录满意与否），收集对投诉处理的意见。",
            "Complaint confirmation: check with the customer that the result was carried out "
            "and whether they are satisfied (always record it); collect feedback.",
        ),
        P.STAGE_CALLBACK: Script(
            "阶段回访：就本阶段（见阶段字段）询问客户对设计、施工和服务的满意度（1–5分），记录意见并当日转工程部和客服部。",
            "Stage callback: ask the customer's satisfaction (1–5) with design, works and "
            "service at this stage; record comments and forward them the same day.",
        ),
        P.FRONTDESK_CALL: Script(
            "前台回访：询问工程进度、现场情况及客户意见，反馈当日转工程部和客服部。",
            "Front-desk call: ask about progress, the site and any concerns; forward the "
            "feedback to engineering and customer service the same day.",
        ),
        P.WEEKLY_WORKS: Script(
            "每周回访（项目经理）：走访或致电客户，通报本周进度和下周计划，记录客户意见。",
            "Weekly call (project manager): visit or call the customer, report this week's "
            "progress and next week's plan, record the customer's comments.",
        ),
        P.WEEKLY_SATISFACTION: Script(
            "开工后每周回访（客户服务部）：询问客户本周对设计、施工和服务的满意度（1–5分），"
            "记录意见；有问题当日转工程部。",
            "Weekly satisfaction call (customer service): ask the customer's satisfaction "
            "(1–5) with the design, the works and the service this week and record comments; "
            "pass any problem to engineering the same day.",
        ),
        P.WEEKLY_SPOT_CHECK: Script(
            "工程部经理每周抽查：本周走访该项目客户，核查项目经理每周走访与施工质量，询问满意度（1–5分）并记录意见。",
            "Engineering manager's weekly spot check: visit this project's customer this week, "
            "check the project manager's weekly visits and the works, ask their satisfaction "
            "(1–5) and record comments.",
        ),
        P.COMPLETION_SURVEY: Script(
            "竣工满意度调查：请客户分别为设计师、巡检、工长、工程经理打分（1–5），并记录总体满意度和意见。",
            "Completion survey: ask the customer to rate the designer, inspector, foreman and "
            "engineering manager (1–5); record overall satisfaction and comments.",
        ),
        P.RETURN_VISIT: Script(
            "竣工回访：竣工后1–3个月内回访，了解使用情况和有无质量问题，提醒保修范围及报修方式。",
            "Return visit (1–3 months after completion): ask how the home is holding up and "
            "about any defects; remind the customer of the warranty and how to report repairs.",
        ),
        P.WARRANTY_QUARTERLY: Script(
            "保修期季度回访：询问有无需要维修的问题，需要时登记报修，告知保修截止日期。",
            "Quarterly warranty call: ask whether anything needs repair, register a repair "
            "request if so, and mention when the warranty ends.",
        ),
        P.PAYMENT_REMINDER: Script(
            "催款提醒（财务）：礼貌告知客户应付款项、金额和到期日，确认付款时间，记录承诺。",
            "Payment reminder (finance): politely state the instalment, amount and due date, "
            "agree a payment date and record the promise.",
        ),
        P.DEADLINE_MISSED: Script(
            "项目期限逾期：与责任人确认延误原因和补救时间，必要时通知客户并记录。",
            "Missed project deadline: find out from the person responsible why it slipped and "
            "when it will be done; tell the customer if needed and record it.",
        ),
        P.REPAIR_CONTACT: Script(
            "报修联系：联系客户了解问题情况，预约上门勘察时间，记录约定时间。",
            "Repair contact: call the customer to understand the problem and book a site "
            "survey; record the agreed time.",
        ),
        P.REPAIR_FOLLOWUP: Script(
            "维修回访（监督中心）：核实维修已完成、现场已清理，询问客户对维修的满意度（1–5）。",
            "Repair follow-up (supervision centre): check the repair was done and the site "
            "cleaned, ask the customer's satisfaction with the repair (1–5).",
        ),
        P.STATION_CALL: Script(
            "联系下游站点：确认货物位置和新的到达时间，告知客户，当天持续跟踪直至签收。",
            "Station call: ask the downstream station where the cargo is and its new arrival "
            "time, tell the customer, and keep tracking that day until it is signed for.",
        ),
        P.RECEIPT_CHASE: Script(
            "回单催收：联系目的站确认回单签收与寄回情况，催促尽快寄回并记录预计到达日期。",
            "Receipt chase: ask the destination whether the receipt was signed and sent back, "
            "press for its return and record when it is expected.",
        ),
        P.KEY_CUSTOMER_MONTHLY: Script(
            "重点客户月度回访：了解近期发货需求和服务意见，核对客户档案和长期运价。",
            "Monthly key-customer call: ask about upcoming shipments and service feedback; "
            "check the customer file and long-term rates are current.",
        ),
        P.SLA_TASK: Script(
            "售后时限超期：立即联系客户说明情况并安排处理，记录新的约定时间。",
            "After-sales service level missed: call the customer now, explain, arrange the "
            "next step and record the new agreed time.",
        ),
        P.ALERT: Script(
            "物流告警：立即核实（加急货物装车、货物异常、异常回单、不可抗拒因素延误、追踪发现的异常"
            "或缺失的发货方厂家单），处理后记录结果。",
            "Logistics alert: check at once (urgent loading, a cargo exception, an abnormal "
            "receipt, a force-majeure delay, a problem a tracking call found or a missing "
            "shipper's slip), act, and record the result.",
        ),
        P.INSPECTION_PROBLEMS: Script(
            "质量检查发现问题（项目经理）：按检查记录的问题（见工程部邮件）立即安排整改，完成后记录处理结果；"
            "下次检查无问题时自动结束。",
            "Problems found by an inspection (project manager): have the problems the "
            "inspection recorded (see engineering's e-mail) fixed at once and record what was "
            "done; a later inspection with no problems ends the task.",
        ),
    }
)


def script_text(key: str, language: str) -> str:
    """A purpose's script in zh or en (another language falls back to zh)."""
    script = SCRIPTS[key]
    return script.en if language == "en" else script.zh

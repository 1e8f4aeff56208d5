"""Message templates shaped like Chinese SMS gateways: a sign name plus registered template
ids with named parameters, never free text. The same table renders the message log and
e-mails (subject + body) in zh or en.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Final, Protocol

from shared.contracts.values import MessageChannel

LANGUAGES: Final = ("zh", "en")
DEFAULT_LANGUAGE: Final = "zh"
# The param of the customer's signed page link (notifications' workflow signs it in).
LINK: Final = "link"


@dataclass(frozen=True)
class Template:
    """One registered template; `template_id` is the gateway's code (SMS only)."""

    key: str
    channel: MessageChannel
    zh: str
    en: str
    template_id: str | None = None
    subject_zh: str | None = None
    subject_en: str | None = None
    # The sentence with the customer's page link, added after the body when the message has a
    # link: a message queued before its template carried one is still sent, without it.
    link_zh: str | None = None
    link_en: str | None = None

    @property
    def params(self) -> tuple[str, ...]:
        """The placeholders of the body, the link's sentence and the subject, in order of first
        use."""
        names: list[str] = []
        texts = (self.zh, self.en, self.link_zh or "", self.link_en or "")
        for text in (*texts, self.subject_zh or "", self.subject_en or ""):
            for _, name, _, _ in string.Formatter().parse(text):
                if name and name not in names:
                    names.append(name)
        return tuple(names)


def _sms(key: str, template_id: str, zh: str, en: str) -> Template:
    return Template(key, MessageChannel.SMS, zh, en, template_id=template_id)


def _linked(key: str, template_id: str, zh: str, en: str, link_zh: str, link_en: str) -> Template:
    """An SMS that ends with the recipient's link to their page (shipment or project)."""
    return Template(
        key, MessageChannel.SMS, zh, en, template_id=template_id, link_zh=link_zh, link_en=link_en
    )


# The link's sentence of the shipment SMS and of the renovation SMS.
TRACK: Final = ("查看：{link}", " Track: {link}")
DETAILS: Final = ("查看：{link}", " Details: {link}")


def _email(key: str, subject_zh: str, subject_en: str, zh: str, en: str) -> Template:
    return Template(key, MessageChannel.EMAIL, zh, en, None, subject_zh, subject_en)


# 维修结束: 告知客户后期注意事项及保养常识,赠送小礼品及服务卡片,向客户真诚致歉 — the completion
# SMS: the apology, the care tips for the kind of problem, the service card's number.
REPAIR_CARE: Final = (
    (
        "",
        "SMS_011",
        "保养提示：请保持室内通风，发现异常请及时报修。",
        "Care tip: keep the rooms aired and report anything unusual early. ",
    ),
    (
        "_water",
        "SMS_012",
        "保养提示：修复处24小时内请勿用水冲淋，定期检查管道接口及地漏，避免重物撞击防水层。",
        "Care tip: keep water off the repaired spot for 24 hours, check pipe joints and "
        "drains now and then, and do not strike the waterproofing. ",
    ),
    (
        "_surface",
        "SMS_013",
        "保养提示：修补处7天内请勿擦洗或磕碰，避免阳光直射和潮湿，清洁时用软布轻拭。",
        "Care tip: do not scrub or knock the repaired surface for 7 days, keep it out of "
        "direct sun and damp, and clean it with a soft cloth. ",
    ),
    (
        "_electrical",
        "SMS_014",
        "保养提示：请勿超负荷用电，插座周围保持干燥，跳闸或异味时请先断电再报修。",
        "Care tip: do not overload the circuits, keep sockets dry, and switch off the power "
        "before reporting a trip or a burning smell. ",
    ),
)

TEMPLATES: Final[Mapping[str, Template]] = MappingProxyType(
    {
        t.key: t
        for t in (
            _sms(
                "complaint_ack",
                "SMS_001",
                "您的投诉（编号{complaint_no}）已受理，我们将在24小时内联系您处理。",
                "Your complaint {complaint_no} is registered; we will contact you within 24 hours.",
            ),
            _linked(
                "payment_due",
                "SMS_002",
                "您的装修项目{project_no}有一笔款项{amount}元，请于{due_on}前支付。",
                "Project {project_no}: a payment of CNY {amount} is due by {due_on}.",
                *DETAILS,
            ),
            _linked(
                "payment_overdue",
                "SMS_003",
                "您的装修项目{project_no}应付款{amount}元已于{due_on}到期，请尽快支付；如已支付请忽略。",
                "Project {project_no}: CNY {amount} was due on {due_on}. Please pay soon; "
                "ignore this if already paid.",
                *DETAILS,
            ),
            _linked(
                "project_stage",
                "SMS_018",
                "您的装修项目{project_no}已进入“{stage}”阶段。",
                "Project {project_no} has entered the stage “{stage}”.",
                "进度和下一步：{link}",
                " Progress and next steps: {link}",
            ),
            _sms(
                "repair_appointment",
                "SMS_004",
                "您的维修单{repair_no}已预约{date}上门，请保持电话畅通。",
                "Repair {repair_no}: our staff will visit on {date}. Please keep your phone on.",
            ),
            _linked(
                "shipment_dispatched",
                "SMS_005",
                "您的货物（运单号{waybill}）已于{at}从{origin}发出，发往{destination}。",
                "Shipment {waybill} left {origin} for {destination} at {at}.",
                *TRACK,
            ),
            _linked(
                "shipment_arrived",
                "SMS_006",
                "您的货物（运单号{waybill}）已于{at}到达{destination}。",
                "Shipment {waybill} arrived at {destination} at {at}.",
                *TRACK,
            ),
            _linked(
                "shipment_signed",
                "SMS_007",
                "您的货物（运单号{waybill}）已于{at}签收。",
                "Shipment {waybill} was signed for at {at}.",
                *TRACK,
            ),
            _linked(
                "shipment_delayed",
                "SMS_008",
                "您的货物（运单号{waybill}）未能按时到达，预计到达时间调整为{eta}，敬请谅解。",
                "Shipment {waybill} is delayed; the new expected arrival is {eta}. We apologise.",
                *TRACK,
            ),
            _linked(
                "shipment_delayed_tbc",
                "SMS_009",
                "您的货物（运单号{waybill}）未能按时到达，新的到达时间正在确认中，确认后将通知您。",
                "Shipment {waybill} is delayed; the new arrival time is being confirmed and "
                "we will tell you as soon as it is.",
                *TRACK,
            ),
            _sms(
                "receipt_cancelled",
                "SMS_016",
                "您的货物（运单号{waybill}）运费为现付，回单无需返回，已于{at}取消。如有疑问请联系客服。",
                "Shipment {waybill}: the freight was paid at dispatch, so its receipt need not "
                "come back and was cancelled at {at}. Contact customer service with any question.",
            ),
            _sms(
                "receipt_collected",
                "SMS_017",
                "您的货物（运单号{waybill}）的回单已于{at}由{collected_by}上门取回，系统已核销。",
                "The receipt of shipment {waybill} was collected by {collected_by} at {at} and "
                "written off.",
            ),
            _linked(
                "shipment_ready",
                "SMS_010",
                "您的货物（运单号{waybill}）已于{at}到达{destination}，可以提货。",
                "Shipment {waybill} arrived at {destination} at {at} and is ready for collection.",
                "提货须知：{link}",
                " What to bring: {link}",
            ),
            _email(
                "complaint_registered",
                "投诉登记表：{complaint_no}（{department}）",
                "Complaint registered: {complaint_no} ({department})",
                "投诉登记表\n编号：{complaint_no}\n受理时间：{opened_at}\n受理方式：{channel}\n"
                "类别：{category}\n紧急程度：{severity}\n责任部门：{department}\n受理人：{received_by}\n"
                "投诉内容：{description}\n\n请责任部门负责人及时处理，主管经理及客户服务部知悉并督办。",
                "Complaint registration form\nNo.: {complaint_no}\nReceived: {opened_at}\n"
                "Channel: {channel}\nCategory: {category}\nSeverity: {severity}\n"
                "Responsible department: {department}\nReceived by: {received_by}\n"
                "Complaint: {description}\n\nThe department head handles it; the manager in charge "
                "and customer service follow it.",
            ),
            _email(
                "complaint_reception_sheet",
                "投诉接待处理单：{complaint_no}（{department}）",
                "Reception complaint sheet: {complaint_no} ({department})",
                "投诉接待处理单（一式两份：责任部门、客户服务部各执一份）\n编号：{complaint_no}\n"
                "受理时间：{opened_at}\n类别：{category}\n紧急程度：{severity}\n责任部门：{department}\n"
                "接待员：{received_by}\n投诉内容：{description}\n\n责任部门处理后将结果报回接待员，"
                "由接待员电话落实结果。",
                "Reception complaint sheet (in duplicate: one copy for the responsible department, "
                "one for customer service)\nNo.: {complaint_no}\nReceived: {opened_at}\n"
                "Category: {category}\nSeverity: {severity}\nResponsible department: {department}\n"
                "Receptionist: {received_by}\nComplaint: {description}\n\nThe department reports "
                "its result back to the receptionist, who confirms it with the customer by phone.",
            ),
            _sms(
                "renderings_ready",
                "SMS_010",
                "您的装修项目{project_no}的设计方案（效果图）已完成，请与设计师预约时间看方案。",
                "Project {project_no}: your design scheme (renderings) is ready. Please book a "
                "time with your designer to see it.",
            ),
            *(
                _sms(
                    f"repair_done{suffix}",
                    code,
                    "您的维修单{repair_no}已完成，因维修给您带来的不便，我们深表歉意。"
                    + tip_zh
                    + "今后如需维修，请凭服务卡片（维修单号{repair_no}）联系我们。",
                    "Repair {repair_no} is done; we are sorry for the inconvenience it caused. "
                    + tip_en
                    + "For any further repair, contact us with your service card (repair "
                    "{repair_no}).",
                )
                for suffix, code, tip_zh, tip_en in REPAIR_CARE
            ),
            _sms(
                "design_acceptance_booked",
                "SMS_015",
                "您的装修项目{project_no}的设计师约您于{time}到施工现场进行设计验收，如需改期请联系设计师。",
                "Project {project_no}: your designer invites you to a design acceptance on site "
                "at {time}. Contact your designer to change the time.",
            ),
            _email(
                "works_to_arrange",
                "请安排开工：项目{project_no}（合同{signed_on}签订）",
                "Arrange the start of works: project {project_no} (signed {signed_on})",
                "项目{project_no}的施工合同已于{signed_on}签订，请工程部安排开工事宜（施工队、材料进场、"
                "现场交底），最迟于{start_by}开工。项目经理：{project_manager}",
                "The construction contract of project {project_no} was signed on {signed_on}. "
                "Engineering: arrange the start of works (crew, materials, on-site handover); "
                "the works start by {start_by} at the latest. Project manager: {project_manager}",
            ),
            _email(
                "inspection_problems",
                "质量检查发现问题：项目{project_no}（{at}）",
                "Inspection found problems: project {project_no} ({at})",
                "项目{project_no}于{at}质量检查（检查人：{inspector}；质量{quality}、进度{progress}、"
                "现场{tidiness}，满分5分）发现以下问题，请工程部及时处理：\n{problems}\n"
                "项目经理：{project_manager}",
                "The inspection of project {project_no} at {at} (by {inspector}; quality "
                "{quality}, progress {progress}, site {tidiness} out of 5) found these problems; "
                "engineering handles them at once:\n{problems}\nProject manager: "
                "{project_manager}",
            ),
            _email(
                "frontdesk_feedback",
                "客户回访反馈：项目{project_no}（{at}）",
                "Customer feedback from a front-desk call: project {project_no} ({at})",
                "前台电话回访记录的客户反馈，当日转至工程部和客户服务部。\n项目：{project_no}\n"
                "回访：{call}\n满意度：{satisfaction}\n客户反馈：{comment}\n记录人：{by}\n"
                "项目经理：{project_manager}\n时间：{at}",
                "Customer feedback recorded on a front-desk call, forwarded the same day to "
                "engineering and customer service.\nProject: {project_no}\nCall: {call}\n"
                "Satisfaction: {satisfaction}\nFeedback: {comment}\nRecorded by: {by}\n"
                "Project manager: {project_manager}\nAt: {at}",
            ),
            _email(
                "complaint_escalated",
                "投诉升级：{complaint_no}",
                "Complaint escalated: {complaint_no}",
                "投诉{complaint_no}（责任部门：{department}）已升级至{level}。原因：{reason}",
                "Complaint {complaint_no} (department {department}) was escalated to {level}. "
                "Reason: {reason}",
            ),
            _email(
                "loading_unconfirmed",
                "加急货物未确认装车：{waybill}",
                "Urgent cargo not confirmed loaded: {waybill}",
                "加急运单{waybill}在{station}于{day}未确认当日装车，请立即核实。",
                "Urgent waybill {waybill} was not confirmed loaded at {station} on {day}. "
                "Check it now.",
            ),
            _email(
                "cargo_exception",
                "货物异常：{waybill}",
                "Cargo exception: {waybill}",
                "运单{waybill}在{station}登记异常（{kind}），异常编号{exception_id}，照片{photos}张。",
                "Waybill {waybill}: a {kind} exception ({exception_id}) was registered at "
                "{station} with {photos} photo(s).",
            ),
            _email(
                "tracking_flagged_station",
                "追踪异常反馈：{waybill}",
                "Tracking problem: {waybill}",
                "客服于{at}追踪运单{waybill}（{kind}）时发现异常，收货状态：{goods_state}。"
                "情况：{note}\n请贵站立即核实处理，并将结果反馈客服部。",
                "A tracking call ({kind}) on waybill {waybill} at {at} found a problem; goods "
                "received: {goods_state}. What was found: {note}\nPlease check and act at once "
                "and report back to customer service.",
            ),
            _email(
                "shipper_slip_missing",
                "厂家单缺失：{waybill}",
                "Shipper's slip missing: {waybill}",
                "运单{waybill}备注需签发货方厂家单，但{station}于{at}收货时托运凭证后未附带。请发货网点"
                "立即确认并补寄或说明。备注：{note}",
                "Waybill {waybill}: its remarks ask for the shipper's own slip, but {station} "
                "found none with the waybill at {at}. Origin: confirm at once and send it or "
                "explain. Note: {note}",
            ),
            _email(
                "receipt_hard_breach",
                "回单严重超期：{waybill}",
                "Receipt badly overdue: {waybill}",
                "区域{region}运单{waybill}的回单应于{due_on}返回，已超期{days_overdue}天，"
                "超过最迟期限，请区域经理说明原因。",
                "The receipt of waybill {waybill} (region {region}) was due back on {due_on} and "
                "is {days_overdue} days overdue, past the latest limit. The region's manager "
                "must explain.",
            ),
            _email(
                "receipt_abnormal",
                "异常回单：{waybill}",
                "Abnormal receipt: {waybill}",
                "区域{region}运单{waybill}的回单不合格（{defects}），由{found_by_party}在{step}时发现，"
                "请主管立即协商处理，落实责任，并让到站{destination}返回重签。",
                "The receipt of waybill {waybill} (region {region}) does not meet the shipper's "
                "requirements ({defects}); the {found_by_party} found it at {step}. Supervisor: "
                "handle it now, settle who answers for it, and have {destination} get it signed "
                "again.",
            ),
            _email(
                "report",
                "报表：{kind}（{period}）",
                "Report: {kind} ({period})",
                "{summary}\n\n明细见附件CSV。",
                "{summary}\n\nDetails in the attached CSV.",
            ),
        )
    }
)


class SmsSettings(Protocol):
    """What sms_request needs from the settings (NotificationsSettings satisfies it)."""

    @property
    def sms_sign_name(self) -> str: ...

    @property
    def sms_template_ids(self) -> Mapping[str, str]: ...


def template(key: str) -> Template:
    """A template by key; KeyError names an unknown one."""
    try:
        return TEMPLATES[key]
    except KeyError:
        raise KeyError(f"unknown template {key!r}") from None


def _values(tpl: Template, params: Mapping[str, object]) -> dict[str, str]:
    """The template's params as text; ValueError names the first missing one (the link may be
    missing: the message is then sent without its sentence)."""
    for name in tpl.params:
        if params.get(name) is None and not (name == LINK and tpl.link_zh):
            raise ValueError(f"template {tpl.key!r} needs param {name!r}")
    return {name: str(params[name]) for name in tpl.params if params.get(name) is not None}


def _language(language: str) -> str:
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def render(template_key: str, language: str, params: Mapping[str, object]) -> str:
    """The body in zh or en (another language falls back to zh)."""
    tpl = template(template_key)
    zh = _language(language) == "zh"
    text = tpl.zh if zh else tpl.en
    if params.get(LINK) is not None:
        text += (tpl.link_zh if zh else tpl.link_en) or ""
    return text.format_map(_values(tpl, params))


def render_subject(template_key: str, language: str, params: Mapping[str, object]) -> str:
    """An e-mail's subject line (the body's first line for a template without one)."""
    tpl = template(template_key)
    subject = tpl.subject_zh if _language(language) == "zh" else tpl.subject_en
    if subject is None:
        return render(template_key, language, params).splitlines()[0]
    return subject.format_map(_values(tpl, params))


def sms_request(
    template_key: str,
    params: Mapping[str, object],
    settings: SmsSettings,
    phone_numbers: str,
) -> dict[str, str]:
    """The gateway's request body: sign name, template code, params as a JSON string, phones."""
    tpl = template(template_key)
    if tpl.channel is not MessageChannel.SMS:
        raise ValueError(f"template {template_key!r} is not an SMS template")
    code = settings.sms_template_ids.get(template_key) or tpl.template_id
    return {
        "sign_name": settings.sms_sign_name,
        "template_code": str(code),
        "template_param": json.dumps(_values(tpl, params), ensure_ascii=False, sort_keys=True),
        "phone_numbers": phone_numbers,
    }

"""SMS/e-mail templates, call scripts and the service's settings."""

from __future__ import annotations

import json
import string
from datetime import time

import pytest
from pydantic import ValidationError

from services.notifications.config import NotificationsSettings
from services.notifications.domain import SCRIPTS, TEMPLATES, render, render_subject, sms_request
from services.notifications.domain.scripts import script_text
from shared.contracts.values import CallbackPurpose, MessageChannel

pytestmark = pytest.mark.quick

REQUIRED = {
    "complaint_ack",
    "payment_due",
    "payment_overdue",
    "repair_appointment",
    "shipment_dispatched",
    "shipment_arrived",
    "shipment_signed",
    "shipment_delayed",
    "shipment_ready",
    "report",
}


def test_the_required_templates_exist_with_the_same_params_in_both_languages() -> None:
    assert REQUIRED <= set(TEMPLATES)
    for tpl in TEMPLATES.values():
        names = {n for text in (tpl.zh, tpl.en) for n in _placeholders(text)}
        assert _placeholders(tpl.zh) == _placeholders(tpl.en) == names, tpl.key
        if tpl.channel is MessageChannel.SMS:
            assert tpl.template_id and tpl.template_id.startswith("SMS_"), tpl.key
        else:
            assert tpl.subject_zh and tpl.subject_en, tpl.key


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_render_in_chinese_and_english() -> None:
    zh = render("complaint_ack", "zh", {"complaint_no": "CP-0042"})
    assert zh == "您的投诉（编号CP-0042）已受理，我们将在24小时内联系您处理。"
    en = render("complaint_ack", "en", {"complaint_no": "CP-0042"})
    assert "CP-0042" in en and "24 hours" in en
    assert render("complaint_ack", "fr", {"complaint_no": "CP-0042"}) == zh  # zh fallback


def test_a_missing_param_raises_naming_it() -> None:
    with pytest.raises(ValueError, match="'eta'"):
        render("shipment_delayed", "zh", {"waybill": "WB100"})
    with pytest.raises(ValueError, match="'amount'"):
        sms_request(
            "payment_due",
            {"project_no": "p-1", "due_on": "2026-03-13"},
            NotificationsSettings(),
            "13800000000",
        )


def test_sms_request_is_the_gateway_body_with_registered_code_and_json_params() -> None:
    settings = NotificationsSettings(
        sms_sign_name="客服中心", sms_template_ids={"payment_due": "SMS_90210"}
    )
    params = {"project_no": "p-1", "amount": "30,000.00", "due_on": "2026-03-13", "extra": "x"}
    body = sms_request("payment_due", params, settings, "13800000000")
    assert body["sign_name"] == "客服中心"
    assert body["template_code"] == "SMS_90210"  # configured code wins
    assert body["phone_numbers"] == "13800000000"
    assert json.loads(body["template_param"]) == {
        "project_no": "p-1",
        "amount": "30,000.00",
        "due_on": "2026-03-13",
    }  # only the registered params, never free text
    default = sms_request("complaint_ack", {"complaint_no": "CP-1"}, settings, "13800000000")
    assert default["template_code"] == "SMS_001"
    assert json.loads(default["template_param"]) == {"complaint_no": "CP-1"}


def test_email_templates_render_subject_and_body_and_are_not_sms() -> None:
    params = {"kind": "complaints_weekly", "period": "2026-W10", "summary": "opened: 3"}
    assert render_subject("report", "zh", params) == "报表：complaints_weekly（2026-W10）"
    assert render_subject("report", "en", params) == "Report: complaints_weekly (2026-W10)"
    assert render("report", "en", params).startswith("opened: 3")
    assert render_subject("complaint_ack", "en", {"complaint_no": "1"}).startswith("Your")
    with pytest.raises(ValueError, match="not an SMS"):
        sms_request("report", params, NotificationsSettings(), "13800000000")
    with pytest.raises(KeyError, match="unknown template"):
        render("nope", "zh", {})


def test_every_callback_purpose_has_a_script_in_both_languages() -> None:
    assert {p.value for p in CallbackPurpose} == set(SCRIPTS)
    for purpose in CallbackPurpose:
        assert script_text(purpose, "zh") and script_text(purpose, "en")
    assert "satisfied" in script_text(CallbackPurpose.COMPLAINT_CONFIRMATION, "en")


def test_settings_defaults() -> None:
    s = NotificationsSettings()
    assert s.http_port == 8005
    assert (s.quiet_hours_start, s.quiet_hours_end) == (time(21), time(8))
    assert s.callback_retry_delays == ["2h", "next_day@10:00", "1d"]
    assert s.callback_max_attempts == 3
    assert s.sms_template_ids["complaint_ack"] == "SMS_001"
    assert s.report_recipients["manager"] == ["manager@example.com"]


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KEFU_NOTIFICATIONS_HTTP_PORT", "9105")
    monkeypatch.setenv("KEFU_NOTIFICATIONS_QUIET_HOURS_START", "22:00")
    monkeypatch.setenv("KEFU_NOTIFICATIONS_REPORT_RECIPIENTS", '{"region:east": ["e@x.cn"]}')
    monkeypatch.setenv("KEFU_NOTIFICATIONS_WEBHOOK_SECRET", "s3cret")
    s = NotificationsSettings()
    assert s.http_port == 9105 and s.quiet_hours_start == time(22)
    assert s.report_recipients == {"region:east": ["e@x.cn"]}
    assert s.webhook_secret is not None and s.webhook_secret.get_secret_value() == "s3cret"


def test_a_bad_retry_step_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError):
        NotificationsSettings(callback_retry_delays=["2h", "whenever"])
    with pytest.raises(ValidationError):
        NotificationsSettings(callback_retry_delays=[])


def test_the_sms_and_email_template_builders_fill_in_channel_and_codes() -> None:
    from services.notifications.domain.templates import Template, _email, _linked, _sms

    assert _sms("k", "SMS_099", "中文{a}", "English {a}") == Template(
        "k", MessageChannel.SMS, "中文{a}", "English {a}", template_id="SMS_099"
    )
    mail = _email("m", "主题{a}", "Subject {a}", "正文{b}", "Body {b}")
    assert mail == Template(
        "m",
        MessageChannel.EMAIL,
        "正文{b}",
        "Body {b}",
        template_id=None,
        subject_zh="主题{a}",
        subject_en="Subject {a}",
    )
    assert mail.params == ("b", "a")
    linked = _linked("l", "SMS_098", "中文{a}", "English {a}", "查看：{link}", " See: {link}")
    assert linked == Template(
        "l",
        MessageChannel.SMS,
        "中文{a}",
        "English {a}",
        template_id="SMS_098",
        link_zh="查看：{link}",
        link_en=" See: {link}",
    )
    assert linked.params == ("a", "link")
    assert TEMPLATES["complaint_ack"].channel is MessageChannel.SMS
    assert TEMPLATES["report"].channel is MessageChannel.EMAIL


def test_the_gateways_params_are_chinese_text_in_sorted_key_order() -> None:
    params = {"project_no": "项目-1", "due_on": "2026-03-13", "amount": "30,000.00"}
    body = sms_request("payment_due", params, NotificationsSettings(), "13800000000")
    assert body == {
        "sign_name": "Kefu",
        "template_code": "SMS_002",
        "template_param": '{"amount": "30,000.00", "due_on": "2026-03-13", "project_no": "项目-1"}',
        "phone_numbers": "13800000000",
    }


def test_every_shipment_and_renovation_sms_ends_with_the_customers_link() -> None:
    linked = [t for t in TEMPLATES.values() if t.link_zh]
    assert {t.key for t in linked} == {
        "shipment_dispatched",
        "shipment_arrived",
        "shipment_signed",
        "shipment_delayed",
        "shipment_delayed_tbc",
        "shipment_ready",
        "payment_due",
        "payment_overdue",
        "project_stage",
    }
    for tpl in linked:
        assert tpl.channel is MessageChannel.SMS, tpl.key
        assert tpl.link_zh and tpl.link_zh.endswith("{link}"), tpl.key
        assert tpl.link_en and tpl.link_en.endswith("{link}"), tpl.key
        assert _placeholders(tpl.link_zh) == _placeholders(tpl.link_en) == {"link"}, tpl.key
        assert "link" in tpl.params and "{link}" not in tpl.zh + tpl.en, tpl.key


def test_the_link_is_the_last_sentence_and_a_message_without_one_is_sent_without_it() -> None:
    """A message queued before its template carried the link renders (and reaches the gateway)
    without the sentence instead of failing."""
    params = {"project_no": "P-1", "stage": "中期验收", "link": "https://k.example/t/abc"}
    zh = render("project_stage", "zh", params)
    assert zh == "您的装修项目P-1已进入“中期验收”阶段。进度和下一步：https://k.example/t/abc"
    en = render("project_stage", "en", params)
    assert en == (
        "Project P-1 has entered the stage “中期验收”. Progress and next steps: "
        "https://k.example/t/abc"
    )
    old = {"waybill": "WB1", "at": "2026-11-26 10:00"}
    assert render("shipment_signed", "zh", old) == "您的货物（运单号WB1）已于2026-11-26 10:00签收。"
    assert (
        render("shipment_signed", "en", old) == "Shipment WB1 was signed for at 2026-11-26 10:00."
    )
    assert render("shipment_signed", "zh", {**old, "link": None}).endswith("签收。")
    with_link = render("shipment_signed", "zh", {**old, "link": "https://k.example/t/x"})
    assert with_link.endswith("签收。查看：https://k.example/t/x")
    due = {"project_no": "P-1", "amount": "30,000.00", "due_on": "2026-03-13"}
    assert render("payment_due", "zh", due).endswith("前支付。")
    assert render("payment_due", "en", {**due, "link": "L"}).endswith("2026-03-13. Details: L")
    request = sms_request("shipment_signed", old, NotificationsSettings(), "13800000000")
    assert json.loads(request["template_param"]) == old  # no link param, nothing empty
    linked = sms_request(
        "shipment_signed", {**old, "link": "L"}, NotificationsSettings(), "13800000000"
    )
    assert json.loads(linked["template_param"]) == {**old, "link": "L"}
    # any other missing param still refuses, naming it
    with pytest.raises(ValueError, match="needs param 'at'"):
        render("shipment_signed", "zh", {"waybill": "WB1", "link": "L"})
    with pytest.raises(ValueError, match="needs param 'stage'"):
        render("project_stage", "zh", {"project_no": "P-1"})

"""The settlement over HTTP on real NATS + Postgres: receipts finance gives and prints, the
feedback form filled with the final payment's receipt, the warranty card signed, issued with
the form, archived and printed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx
import pytest
from nats.js import JetStreamContext

from services.projects.app import create_app
from shared.calendar import BUSINESS_TZ as SHANGHAI
from shared.contracts.values import Stage
from shared.settings import Settings
from tests.support.harness import eventually, running
from tests.support.projects import (
    ADMIN,
    Clock,
    auth,
    documents_for,
    drive,
    open_project,
    post,
    published,
    sign_all,
    upload,
)

pytestmark = pytest.mark.quick


async def completed(client: httpx.AsyncClient) -> str:
    """A project completed on 2026-06-30 with its mid-term paid: the final payment is next."""
    pid = await open_project(client, at=datetime(2026, 3, 1, 9, tzinfo=SHANGHAI))
    clock = Clock(datetime(2026, 3, 1, 10, tzinfo=SHANGHAI))
    await drive(client, pid, Stage.PAINTING_ACCEPTED, clock)
    await sign_all(client, pid, Stage.COMPLETED, clock)
    await documents_for(client, pid, Stage.COMPLETED, clock)
    base = f"/v1/projects/{pid}"
    await post(
        client, f"{base}/transitions", {"to": "completed", "at": "2026-06-30T15:00:00+08:00"}
    )
    await post(
        client,
        f"{base}/payments",
        {"installment": "midterm", "amount_fen": 6_000_000, "paid_at": "2026-07-01T10:00:00+08:00"},
    )
    return pid


async def test_duty_every_payment_gets_a_receipt_to_print(
    settings: Settings, js: JetStreamContext
) -> None:
    """四: 财务收款开票据 — finance records the payment and prints its receipt."""
    fin = auth(settings, "finance", "fin-liu")
    async with running(create_app(settings)) as client:
        pid = await completed(client)
        r = await client.post(
            f"/v1/projects/{pid}/payments",
            json={
                "installment": "final",
                "amount_fen": 950_000,
                "paid_at": "2026-07-02T11:00:00+08:00",
            },
            headers=fin,
        )
        assert r.status_code == 200, r.text
        paid = r.json()
        final = paid["payments"][-1]
        page = await client.get(f"/v1/projects/{pid}/receipts/{final['receipt_no']}", headers=fin)
        by_cs = await client.get(
            f"/v1/projects/{pid}/receipts/{final['receipt_no']}", headers=auth(settings, "cs")
        )
        unknown = await client.get(f"/v1/projects/{pid}/receipts/RC-NOPE-01", headers=fin)
        received = await eventually(
            lambda: published(js, "project.payment.received", project_id=pid, installment="final")
        )
    numbers = [p["receipt_no"] for p in paid["payments"]]
    compact = pid.replace("-", "")[:12].upper()
    assert numbers == [f"RC-{compact}-{n:02d}" for n in range(1, len(numbers) + 1)]
    assert final["received_by"] == "fin-liu" and final["installment"] == "final"
    assert received[0]["receipt_no"] == final["receipt_no"]
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    for shown in (
        "收款收据",
        final["receipt_no"],
        "¥ 9,500.00",
        "人民币玖仟伍佰元整",
        "尾款",
        "2026-07-02 11:00",
        "fin-liu",
        "孙丽",  # the customer as the project's documents name them
    ):
        assert shown in html, shown
    assert by_cs.status_code == 403
    assert unknown.status_code == 404


async def test_duty_warranty_card_signed_issued_with_the_feedback_form_and_archived(
    settings: Settings, js: JetStreamContext
) -> None:
    """保修单发放流程: 客户竣工结算—填写保修单—客户确认签字—发放保修单—保修单存档; 十一: 客户凭付款
    收据在财务接待员处填写客户意见反馈表并开具保修单."""
    fin, cs = auth(settings, "finance", "fin-liu"), auth(settings, "cs", "cs-li")
    async with running(create_app(settings)) as client:
        pid = await completed(client)
        base = f"/v1/projects/{pid}"
        settled = await post(
            client,
            f"{base}/payments",
            {"installment": "final", "amount_fen": 950_000, "paid_at": "2026-07-02T11:00:00+08:00"},
        )
        deposit_receipt = settled["payments"][0]["receipt_no"]
        final_receipt = settled["payments"][-1]["receipt_no"]
        filled = await client.get(f"{base}/warranty-card", headers=cs)

        async def call(path: str, body: dict[str, Any], who: dict[str, str]) -> httpx.Response:
            return await client.post(f"{base}/{path}", json=body, headers=who)

        unsigned_issue = await call("warranty-card/issue", {}, cs)
        signed = await call(
            "warranty-card/signature",
            {"name": "孙丽", "signed_at": "2026-07-02T11:30:00+08:00"},
            cs,
        )
        without_form = await call("warranty-card/issue", {}, fin)
        form = {
            "satisfaction": 5,
            "comments": "工期准时, 现场整洁",
            "filled_at": "2026-07-02T11:20:00+08:00",
        }
        wrong_receipt = await call("feedback-form", {**form, "receipt_no": deposit_receipt}, fin)
        by_cs = await call("feedback-form", {**form, "receipt_no": final_receipt}, cs)
        recorded = await call("feedback-form", {**form, "receipt_no": final_receipt}, fin)
        again = await call("feedback-form", {**form, "receipt_no": final_receipt}, fin)
        early = await call("warranty-card/issue", {"at": "2026-07-02T11:25:00+08:00"}, fin)
        issued = await call("warranty-card/issue", {"at": "2026-07-02T11:40:00+08:00"}, fin)
        scan = await upload(client, pid)
        foreign = await call("warranty-card/archive", {"file_id": "nope"}, cs)
        archived = await call("warranty-card/archive", {"file_id": scan["file_id"]}, cs)
        printed = await client.get(f"{base}/warranty-card", headers=cs)
        aftersales = await client.get(
            f"{base}/warranty-card", headers=auth(settings, "aftersales", "as-wang")
        )
        fresh = await open_project(client)
        none_yet = await client.get(f"/v1/projects/{fresh}/warranty-card", headers=ADMIN)

    assert filled.status_code == 200 and filled.headers["content-type"].startswith("text/html")
    assert "保修单" in filled.text and "有效期至 <strong>2028-06-30</strong>" in filled.text
    assert "已填写，待客户签字" in filled.text and "孙丽" in filled.text
    assert unsigned_issue.status_code == 409
    assert unsigned_issue.json()["code"] == "card_out_of_order"
    assert signed.status_code == 200, signed.text
    card = signed.json()["warranty"]
    assert (card["status"], card["signed_by"]) == ("signed", "孙丽")
    assert card["signed_at"] == "2026-07-02T11:30:00+08:00"
    assert without_form.status_code == 409 and without_form.json()["code"] == "feedback_missing"
    assert wrong_receipt.status_code == 422
    assert wrong_receipt.json()["errors"][0]["field"] == "receipt_no"
    assert by_cs.status_code == 403
    assert recorded.status_code == 200, recorded.text
    assert recorded.json()["feedback"] == {
        "receipt_no": final_receipt,
        "satisfaction": 5,
        "comments": "工期准时, 现场整洁",
        "filled_at": "2026-07-02T11:20:00+08:00",
        "recorded_by": "fin-liu",
    }
    assert again.status_code == 409 and again.json()["code"] == "feedback_recorded"
    assert early.status_code == 422 and early.json()["errors"][0]["field"] == "at"
    assert issued.status_code == 200, issued.text
    card = issued.json()["warranty"]
    assert (card["status"], card["issued_by"], card["receipt_no"]) == (
        "issued",
        "fin-liu",
        final_receipt,
    )
    assert foreign.status_code == 422 and foreign.json()["errors"][0]["field"] == "file_id"
    assert archived.status_code == 200, archived.text
    card = archived.json()["warranty"]
    assert (card["status"], card["archived_by"]) == ("archived", "cs-li")
    assert card["archive_file"]["file_id"] == scan["file_id"]
    assert (card["starts_on"], card["ends_on"]) == ("2026-06-30", "2028-06-30")
    page = printed.text
    for shown in ("客户确认签字：孙丽", "2026-07-02 11:30", "发放人：fin-liu", final_receipt):
        assert shown in page, shown
    assert aftersales.status_code == 403
    assert none_yet.status_code == 404

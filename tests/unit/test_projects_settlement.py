"""The settlement of a finished project: receipts for every payment, the feedback form filled
with the final payment's receipt, and the warranty card's steps (签字—发放—存档)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import (
    Approval,
    CardStatus,
    Project,
    StoredFile,
    amount_in_words,
    apply_transition,
    approve,
    archive_card,
    auto_warranty,
    issue_card,
    next_stage,
    open_project,
    receipt_number,
    record_feedback,
    record_payment,
    record_signoff,
    required_parties,
    settlement_receipts,
    sign_card,
    sign_contract,
    start_warranty,
    warranty_card,
)
from services.projects.queries.records import project_from_json, project_to_json
from shared.contracts.values import Installment, Stage
from shared.errors import DomainError, Invalid
from tests.support.projects import with_documents

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=SH)
PID = "3f2a9c1b-7d4e-4a0b-9c3d-5e6f7a8b9c0d"


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def walk_to(target: Stage, amount_fen: int = 20_000_000) -> Project:
    """A project moved one stage a day up to `target`, every rule met, paying as it goes (but
    neither the mid-term nor the final instalment)."""
    p = open_project(PID, "c-1", T0)
    n = 0
    while p.stage != target:
        nxt = next_stage(p.stage)
        assert nxt is not None
        n += 1
        at = day(n)
        if nxt == Stage.DESIGN_AGREEMENT:
            p = record_payment(p, Installment.DEPOSIT, 50_000, at, by="fin-1")
        if nxt == Stage.CONTRACT:
            p = sign_contract(approve(p, Approval.SCHEME_AND_QUOTE, at), amount_fen, at)
        if nxt == Stage.WORKS_STARTED:
            first = amount_fen * 65 // 100
            p = record_payment(p, Installment.FIRST, first, at, by="fin-1")
            p = approve(p, Approval.CONSTRUCTION_DRAWINGS, at)
        for party in sorted(required_parties(nxt)):
            p = record_signoff(p, nxt, party, f"{party.value} Wang", at)
        p = apply_transition(with_documents(p, nxt, at), nxt, at)
    return p


def settled() -> Project:
    """Completed on day 14, mid-term and final paid on day 15 (two final payments): warranty."""
    p = walk_to(Stage.COMPLETED)
    p = record_payment(p, Installment.MIDTERM, 6_000_000, day(15), by="fin-1")
    p = record_payment(p, Installment.FINAL, 500_000, day(15), by="fin-2")
    p = record_payment(p, Installment.FINAL, 450_000, day(15) + timedelta(hours=1), by="fin-2")
    return start_warranty(p, day(15) + timedelta(hours=1))


def test_duty_every_payment_gets_a_receipt_number() -> None:
    """《家装设计师工作流程》四: 交500至1000元定金,财务收款开票据 — every payment finance records
    gets its receipt number, in order and without gaps per project, and who received it."""
    p = settled()
    assert [(x.installment, x.receipt_no, x.received_by) for x in p.payments] == [
        (Installment.DEPOSIT, "RC-3F2A9C1B7D4E-01", "fin-1"),
        (Installment.FIRST, "RC-3F2A9C1B7D4E-02", "fin-1"),
        (Installment.MIDTERM, "RC-3F2A9C1B7D4E-03", "fin-1"),
        (Installment.FINAL, "RC-3F2A9C1B7D4E-04", "fin-2"),
        (Installment.FINAL, "RC-3F2A9C1B7D4E-05", "fin-2"),
    ]
    assert receipt_number(PID, 12) == "RC-3F2A9C1B7D4E-12"
    # Stored and read back the same; payments stored before receipts were numbered get the
    # number they would have had.
    doc = project_to_json(p)
    assert project_from_json(doc) == p
    for x in doc["payments"]:
        del x["receipt_no"]
    assert [x.receipt_no for x in project_from_json(doc).payments] == [
        x.receipt_no for x in p.payments
    ]


@pytest.mark.parametrize(
    ("fen", "words"),
    [
        (0, "人民币零元整"),
        (5, "人民币伍分"),
        (50, "人民币伍角"),
        (100, "人民币壹元整"),
        (1_000, "人民币壹拾元整"),
        (10_005, "人民币壹佰元零伍分"),
        (10_050, "人民币壹佰元伍角"),
        (101_000, "人民币壹仟零壹拾元整"),
        (950_000, "人民币玖仟伍佰元整"),
        (10_000_000, "人民币壹拾万元整"),
        (13_000_000, "人民币壹拾叁万元整"),
        (100_001_000, "人民币壹佰万零壹拾元整"),
        (1_000_000_000, "人民币壹仟万元整"),
        (10_000_100_000, "人民币壹亿零壹仟元整"),
        (11_000_000_000, "人民币壹亿壹仟万元整"),
        (20_000_000_099, "人民币贰亿元玖角玖分"),
    ],
)
def test_duty_receipt_writes_the_amount_in_capitals(fen: int, words: str) -> None:
    """The receipt states the amount in figures and in capitals (人民币大写): 整 after 元, none
    after 角 or 分, one 零 for the zeros between digits, 万 and 亿 for the groups."""
    assert amount_in_words(fen) == words


def test_duty_feedback_form_is_tied_to_the_final_payments_receipt() -> None:
    """十一、竣工验收: 客户凭付款收据在财务接待员处填写客户意见反馈表并开具保修单 — the form is
    recorded against a receipt of the final instalment, once the account is settled."""
    at = day(16)
    completed = walk_to(Stage.COMPLETED)
    with pytest.raises(DomainError) as early:
        record_feedback(
            completed,
            receipt_no="RC-3F2A9C1B7D4E-01",
            satisfaction=5,
            comments="",
            filled_at=at,
            by="f",
        )
    assert early.value.code == "not_settled"
    p = settled()
    assert settlement_receipts(p) == ("RC-3F2A9C1B7D4E-04", "RC-3F2A9C1B7D4E-05")
    with pytest.raises(Invalid) as deposit:
        record_feedback(
            p, receipt_no="RC-3F2A9C1B7D4E-01", satisfaction=5, comments="", filled_at=at, by="f"
        )
    assert deposit.value.field == "receipt_no" and "is the deposit receipt" in deposit.value.detail
    with pytest.raises(Invalid, match="no receipt RC-X was given"):
        record_feedback(p, receipt_no="RC-X", satisfaction=5, comments="", filled_at=at, by="f")
    with pytest.raises(Invalid) as zero:
        record_feedback(
            p, receipt_no="RC-3F2A9C1B7D4E-05", satisfaction=0, comments="", filled_at=at, by="f"
        )
    assert zero.value.field == "satisfaction"
    paid = p.payments[-1].paid_at
    with pytest.raises(Invalid) as before:
        record_feedback(
            p,
            receipt_no="RC-3F2A9C1B7D4E-05",
            satisfaction=4,
            comments="",
            filled_at=paid - timedelta(seconds=1),
            by="f",
        )
    assert before.value.field == "filled_at"
    filled = record_feedback(
        p,
        receipt_no="RC-3F2A9C1B7D4E-05",
        satisfaction=4,
        comments="  工长很负责  ",
        filled_at=paid,
        by="fin-2",
    )
    assert filled.feedback is not None
    assert (filled.feedback.receipt_no, filled.feedback.comments) == (
        "RC-3F2A9C1B7D4E-05",
        "工长很负责",
    )
    with pytest.raises(DomainError) as twice:
        record_feedback(
            filled,
            receipt_no="RC-3F2A9C1B7D4E-04",
            satisfaction=5,
            comments="",
            filled_at=at,
            by="f",
        )
    assert twice.value.code == "feedback_recorded"


def test_a_final_share_the_deposit_covered_settles_with_the_last_receipt() -> None:
    # 10,000.00 yuan: 5 % = 500.00 yuan, all of it the deposit: nothing is due at completion.
    p = walk_to(Stage.PAINTING_ACCEPTED, amount_fen=1_000_000)
    p = record_payment(p, Installment.MIDTERM, 300_000, day(13), by="fin-1")
    p = apply_transition(
        with_documents(
            _signed_for_completion(p, day(14)),
            Stage.COMPLETED,
            day(14),
        ),
        Stage.COMPLETED,
        day(14),
    )
    w = start_warranty(p, day(14))
    assert settlement_receipts(w) == ("RC-3F2A9C1B7D4E-03",)


def _signed_for_completion(p: Project, at: datetime) -> Project:
    for party in sorted(required_parties(Stage.COMPLETED)):
        p = record_signoff(p, Stage.COMPLETED, party, f"{party.value} Wang", at)
    return p


def test_duty_warranty_card_is_signed_issued_with_the_form_and_archived() -> None:
    """保修单发放流程: 客户竣工结算—根据客户情况填写保修单—客户确认签字—发放保修单—保修单存档 —
    the card is filled at the settlement, then each step in turn, none skipped."""
    p = settled()
    card = p.warranty
    assert card is not None and card.status is CardStatus.FILLED
    filled_at = p.reached_at(Stage.WARRANTY)
    assert filled_at is not None
    with pytest.raises(DomainError) as unsigned:
        issue_card(p, day(16), "fin-2")
    assert unsigned.value.code == "card_out_of_order"
    assert "next: the customer signs it" in unsigned.value.detail
    with pytest.raises(Invalid) as before_filled:
        sign_card(p, "孙丽", filled_at - timedelta(seconds=1))
    assert before_filled.value.field == "signed_at"
    with pytest.raises(Invalid):
        sign_card(p, "  ", filled_at)
    signed = sign_card(p, " 孙丽 ", filled_at)
    assert signed.warranty is not None
    assert (signed.warranty.status, signed.warranty.signed_by) == (CardStatus.SIGNED, "孙丽")
    with pytest.raises(DomainError) as twice:
        sign_card(signed, "孙丽", day(16))
    assert twice.value.code == "card_out_of_order"
    with pytest.raises(DomainError) as no_form:
        issue_card(signed, day(16), "fin-2")
    assert no_form.value.code == "feedback_missing"
    form_at = day(16)
    with_form = record_feedback(
        signed,
        receipt_no="RC-3F2A9C1B7D4E-04",
        satisfaction=5,
        comments="",
        filled_at=form_at,
        by="fin-2",
    )
    with pytest.raises(Invalid) as early:
        issue_card(with_form, form_at - timedelta(seconds=1), "fin-2")
    assert early.value.field == "at"
    issued = issue_card(with_form, form_at, "fin-2")
    assert issued.warranty is not None
    assert (issued.warranty.status, issued.warranty.issued_by, issued.warranty.receipt_no) == (
        CardStatus.ISSUED,
        "fin-2",
        "RC-3F2A9C1B7D4E-04",
    )
    scan = StoredFile("f-1", "a" * 64, "application/pdf", 10)
    with pytest.raises(Invalid):
        archive_card(issued, form_at - timedelta(seconds=1), "cs-li", scan)
    archived = archive_card(issued, form_at, "cs-li", scan)
    assert archived.warranty is not None
    assert archived.warranty.status is CardStatus.ARCHIVED
    assert (archived.warranty.archived_by, archived.warranty.archive_file) == ("cs-li", scan)
    with pytest.raises(DomainError) as done:
        archive_card(archived, day(17), "cs-li")
    assert done.value.code == "card_out_of_order" and "it is archived" in done.value.detail
    # The dates on the card never change through its steps; the whole card survives storage.
    assert replace(archived.warranty, status=CardStatus.FILLED).ends_on == card.ends_on
    assert project_from_json(project_to_json(archived)) == archived
    with pytest.raises(DomainError) as no_card:
        sign_card(walk_to(Stage.COMPLETED), "孙丽", day(16))
    assert no_card.value.code == "no_card"


def _refused(call: Callable[[], object]) -> DomainError:
    with pytest.raises(DomainError) as info:
        call()
    return info.value


def test_each_step_of_the_card_keeps_who_and_when_and_counts_as_a_change() -> None:
    p = settled()
    filled_at = p.reached_at(Stage.WARRANTY)
    assert filled_at is not None
    signed = sign_card(p, " 孙丽 ", filled_at)
    assert signed.warranty == replace(
        p.warranty, status=CardStatus.SIGNED, signed_by="孙丽", signed_at=filled_at
    )
    assert signed.version == p.version + 1
    with_form = record_feedback(
        signed,
        receipt_no="RC-3F2A9C1B7D4E-04",
        satisfaction=4,
        comments="",
        filled_at=day(16),
        by="fin-2",
    )
    issued = issue_card(with_form, day(17), "fin-2")
    assert issued.warranty == replace(
        signed.warranty,
        status=CardStatus.ISSUED,
        issued_by="fin-2",
        issued_at=day(17),
        receipt_no="RC-3F2A9C1B7D4E-04",
    )
    assert issued.version == with_form.version + 1
    archived = archive_card(issued, day(18), "cs-li")
    assert archived.warranty == replace(
        issued.warranty, status=CardStatus.ARCHIVED, archived_by="cs-li", archived_at=day(18)
    )
    assert archived.version == issued.version + 1


def test_each_refused_card_step_says_what_it_cannot_do_and_what_comes_next() -> None:
    p = settled()
    filled_at = p.reached_at(Stage.WARRANTY)
    assert filled_at is not None
    err = _refused(lambda: issue_card(p, day(16), "fin-2"))
    assert err.detail == (
        "cannot issue the card: the card is filled; next: the customer signs it (客户确认签字)"
    )
    err = _refused(lambda: archive_card(p, day(16), "cs-li"))
    assert err.detail == (
        "cannot archive the card: the card is filled; next: the customer signs it (客户确认签字)"
    )
    signed = sign_card(p, "孙丽", filled_at + timedelta(hours=2))
    err = _refused(lambda: sign_card(signed, "孙丽", day(16)))
    assert err.detail == (
        "cannot record the customer's signature: the card is signed; "
        "next: issue it with the feedback form (发放保修单)"
    )
    err = _refused(lambda: sign_card(p, " ", filled_at))
    assert (err.field, err.detail) == ("name", "the name the customer signed is required")
    err = _refused(lambda: sign_card(p, "孙丽", filled_at - timedelta(seconds=1)))
    assert (err.field, err.detail) == (
        "signed_at",
        f"before the card was filled ({filled_at.isoformat()})",
    )
    err = _refused(lambda: issue_card(signed, day(16), "fin-2"))
    assert (err.code, err.detail) == (
        "feedback_missing",
        "the card is issued with the customer's feedback form, filled with the final"
        " payment's receipt: record the form first",
    )
    # The form filled before the signature: the signature bounds the issue.
    with_form = record_feedback(
        signed,
        receipt_no="RC-3F2A9C1B7D4E-04",
        satisfaction=4,
        comments="",
        filled_at=filled_at,
        by="f",
    )
    signed_at = filled_at + timedelta(hours=2)
    err = _refused(lambda: issue_card(with_form, signed_at - timedelta(seconds=1), "fin-2"))
    assert (err.field, err.detail) == (
        "at",
        f"before the customer signed the card ({signed_at.isoformat()})",
    )
    late_form = record_feedback(
        signed,
        receipt_no="RC-3F2A9C1B7D4E-04",
        satisfaction=4,
        comments="",
        filled_at=day(16),
        by="f",
    )
    err = _refused(lambda: issue_card(late_form, day(16) - timedelta(seconds=1), "fin-2"))
    assert (err.field, err.detail) == (
        "at",
        f"before the feedback form was filled ({day(16).isoformat()})",
    )
    err = _refused(lambda: issue_card(late_form, datetime(2026, 4, 1), "fin-2"))
    assert (err.field, err.detail) == ("at", "a time must carry its UTC offset")
    issued = issue_card(late_form, day(17), "fin-2")
    err = _refused(lambda: archive_card(issued, day(17) - timedelta(seconds=1), "cs-li"))
    assert (err.field, err.detail) == ("at", f"before the card was issued ({day(17).isoformat()})")
    err = _refused(lambda: sign_card(walk_to(Stage.COMPLETED), "孙丽", day(16)))
    assert err.detail == (
        "the warranty card is filled at the settlement (竣工结算: completed and the final"
        " payment received); the project is at `completed`"
    )


def test_the_warranty_starts_only_with_the_final_paid_by_that_time() -> None:
    p = walk_to(Stage.COMPLETED)
    p = record_payment(p, Installment.MIDTERM, 6_000_000, day(15))
    p = record_payment(p, Installment.FINAL, 950_000, day(16))
    assert auto_warranty(p, day(16))
    assert not auto_warranty(p, day(16) - timedelta(seconds=1)), "paid later than asked about"
    err = _refused(lambda: start_warranty(p, day(15)))
    assert (err.code, err.detail) == (
        "warranty_not_due",
        "warranty starts once the project is completed and its final instalment is paid",
    )
    err = _refused(lambda: auto_warranty(p, datetime(2026, 4, 1)))
    assert (err.field, err.detail) == ("paid_at", "a time must carry its UTC offset")
    # A completed project with no contract has no final instalment to pay.
    assert not auto_warranty(replace(p, contract=None, payments=()), day(16))
    longer = start_warranty(p, day(16), years=3)
    assert longer.warranty is not None and longer.completed_on is not None
    assert longer.warranty.ends_on == longer.completed_on.replace(year=longer.completed_on.year + 3)
    assert warranty_card(PID, date(2026, 3, 14), 5).ends_on == date(2031, 3, 14)
    assert warranty_card(PID, date(2026, 3, 14)).ends_on == date(2028, 3, 14)


def test_the_feedback_form_keeps_what_was_filled_and_each_refusal_says_why() -> None:
    p = settled()
    form_at = day(16)

    def fill(project: Project, receipt_no: str, at: datetime, satisfaction: int = 4) -> Project:
        return record_feedback(
            project,
            receipt_no=receipt_no,
            satisfaction=satisfaction,
            comments=" tidy work ",
            filled_at=at,
            by="fin-2",
        )

    filled = fill(p, "RC-3F2A9C1B7D4E-05", form_at)
    assert filled.feedback is not None
    assert (
        filled.feedback.receipt_no,
        filled.feedback.satisfaction,
        filled.feedback.comments,
        filled.feedback.filled_at,
        filled.feedback.recorded_by,
    ) == ("RC-3F2A9C1B7D4E-05", 4, "tidy work", form_at, "fin-2")
    assert filled.version == p.version + 1
    cases = [
        (
            lambda: fill(p, "RC-3F2A9C1B7D4E-05", form_at, 0),
            "satisfaction",
            "the satisfaction is 1 to 5",
        ),
        (
            lambda: fill(p, "RC-X", form_at),
            "receipt_no",
            "no receipt RC-X was given on this project",
        ),
        (
            lambda: fill(p, "RC-3F2A9C1B7D4E-03", form_at),
            "receipt_no",
            "the feedback form is filled with the final payment's receipt "
            "(RC-3F2A9C1B7D4E-04, RC-3F2A9C1B7D4E-05); RC-3F2A9C1B7D4E-03 is the midterm receipt",
        ),
        (
            lambda: fill(p, "RC-3F2A9C1B7D4E-04", day(15) - timedelta(seconds=1)),
            "filled_at",
            "before receipt RC-3F2A9C1B7D4E-04 was given",
        ),
        (
            lambda: fill(p, "RC-3F2A9C1B7D4E-04", datetime(2026, 4, 1)),
            "filled_at",
            "a time must carry its UTC offset",
        ),
    ]
    for attempt, field, detail in cases:
        with pytest.raises(Invalid) as info:
            attempt()
        assert (info.value.field, info.value.detail) == (field, detail)
    with pytest.raises(DomainError) as info:
        fill(filled, "RC-3F2A9C1B7D4E-05", form_at)
    assert info.value.detail == (
        f"the feedback form was filled on {form_at.isoformat()} with receipt RC-3F2A9C1B7D4E-05"
    )
    with pytest.raises(DomainError) as info:
        fill(walk_to(Stage.COMPLETED), "RC-3F2A9C1B7D4E-01", form_at)
    assert (info.value.code, info.value.detail) == (
        "not_settled",
        "the feedback form is filled once the works are completed and the final payment is"
        " received (竣工结算); the project is at `completed`",
    )
    with pytest.raises(Invalid) as info:
        amount_in_words(-1)
    assert (info.value.field, info.value.detail) == (
        "amount_fen",
        "an amount in words is not negative",
    )

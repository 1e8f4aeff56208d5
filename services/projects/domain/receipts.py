"""Receipts and the feedback form (《家装设计师工作流程》四: 财务收款开票据; 十一: 客户凭付款收据在
财务接待员处填写客户意见反馈表并开具保修单).

Every payment finance records gets a receipt number; the receipt prints the amount in figures
and in capitals (人民币大写). With the final payment's receipt the customer fills the feedback
form, and the warranty card is issued against that receipt.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from shared.contracts.values import Installment, Stage
from shared.errors import DomainError, Invalid

from .errors import require_aware
from .model import FeedbackForm, Payment, Project
from .payments import project_installments

SATISFACTION = range(1, 6)
_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_UNITS = ("", "拾", "佰", "仟")
_GROUPS = ("", "万", "亿", "万亿")


def _integer_words(n: int) -> str:
    if n == 0:
        return _DIGITS[0]
    text, zero = str(n), False
    out: list[str] = []
    for i, ch in enumerate(text):
        digit, pos = int(ch), len(text) - 1 - i
        if digit == 0:
            zero = True
        else:
            if zero and out:
                out.append(_DIGITS[0])
            zero = False
            out.append(_DIGITS[digit] + _UNITS[pos % 4])
        if pos % 4 == 0 and pos > 0 and int(text[max(0, i - 3) : i + 1]) != 0:
            out.append(_GROUPS[pos // 4])
    return "".join(out)


def amount_in_words(fen: int) -> str:
    """An amount as a receipt writes it in capitals (人民币大写), following the rules for
    filling in bills: 整 after 元, none after 角 or 分, 零 for the zeros between digits.

    950,000 fen → 人民币玖仟伍佰元整; 10,005 → 人民币壹佰元零伍分;
    1,300,000,000 → 人民币壹仟叁佰万元整.
    """
    if fen < 0:
        raise Invalid("amount_fen", "an amount in words is not negative")
    yuan, jiao, cents = fen // 100, fen // 10 % 10, fen % 10
    words = f"{_integer_words(yuan)}元" if yuan or (not jiao and not cents) else ""
    if not jiao and not cents:
        return f"人民币{words}整"
    if jiao:
        words += f"{_DIGITS[jiao]}角"
    elif yuan:
        words += _DIGITS[0]
    if cents:
        words += f"{_DIGITS[cents]}分"
    return f"人民币{words}"


def receipt(project: Project, receipt_no: str) -> Payment:
    """The payment a receipt number stands for (422 naming `receipt_no` when unknown)."""
    for payment in project.payments:
        if payment.receipt_no == receipt_no:
            return payment
    raise Invalid("receipt_no", f"no receipt {receipt_no} was given on this project")


def settlement_receipts(project: Project) -> tuple[str, ...]:
    """The receipts the customer may bring to settle: those of the final instalment; when the
    deposit covered the whole final share (nothing was due), the last receipt given."""
    finals = tuple(p.receipt_no for p in project.payments if p.installment == Installment.FINAL)
    if finals:
        return finals
    final_due = sum(
        r.amount_fen for r in project_installments(project) if r.installment == Installment.FINAL
    )
    if final_due == 0 and project.payments:
        return (max(project.payments, key=lambda p: p.paid_at).receipt_no,)
    return ()


def record_feedback(
    project: Project,
    *,
    receipt_no: str,
    satisfaction: int,
    comments: str,
    filled_at: datetime,
    by: str,
) -> Project:
    """Keep the feedback form the customer filled with the final payment's receipt.

    Only once the account is settled (the project is in `warranty`), once per project, against
    a receipt of the final instalment, and not before that receipt was given.
    """
    require_aware(filled_at, "filled_at")
    if satisfaction not in SATISFACTION:
        raise Invalid("satisfaction", "the satisfaction is 1 to 5")
    if project.stage != Stage.WARRANTY:
        raise DomainError(
            "not_settled",
            "the feedback form is filled once the works are completed and the final payment is"
            f" received (竣工结算); the project is at `{project.stage}`",
        )
    if project.feedback is not None:
        raise DomainError(
            "feedback_recorded",
            f"the feedback form was filled on {project.feedback.filled_at.isoformat()} with"
            f" receipt {project.feedback.receipt_no}",
        )
    paid = receipt(project, receipt_no)
    allowed = settlement_receipts(project)
    if receipt_no not in allowed:
        raise Invalid(
            "receipt_no",
            f"the feedback form is filled with the final payment's receipt ({', '.join(allowed)});"
            f" {receipt_no} is the {paid.installment} receipt",
        )
    if filled_at < paid.paid_at:
        raise Invalid("filled_at", f"before receipt {receipt_no} was given")
    form = FeedbackForm(receipt_no, satisfaction, comments.strip(), filled_at, by)
    return replace(project, version=project.version + 1, feedback=form)

"""The pages a customer is handed on paper: the receipt for a payment (收款收据) and the
warranty card (保修单), as HTML to print from the browser."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.projects.domain import (
    CardStatus,
    Payment,
    amount_in_words,
    customer_name,
    latest_document,
)
from services.projects.workflow import ProjectFile
from shared.calendar import BUSINESS_TZ
from shared.contracts.values import DocumentKind, Installment
from shared.money import yuan

ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True),
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)
INSTALLMENT_NAMES = {
    Installment.DEPOSIT: "委托设计定金",
    Installment.FIRST: "首期工程款",
    Installment.MIDTERM: "中期工程款（含增项）",
    Installment.FINAL: "尾款（已扣除设计定金）",
}
STATUS_NAMES = {
    CardStatus.FILLED: "已填写，待客户签字",
    CardStatus.SIGNED: "客户已签字，待发放",
    CardStatus.ISSUED: "已发放",
    CardStatus.ARCHIVED: "已存档",
}


def _local(at: datetime | None) -> str | None:
    return at.astimezone(BUSINESS_TZ).strftime("%Y-%m-%d %H:%M") if at else None


def receipt_page(f: ProjectFile, payment: Payment, company: str) -> str:
    """The receipt for one payment, the amount in figures and in capitals."""
    row = next((r for r in f.installments if r.installment == payment.installment), None)
    return ENV.get_template("receipt.html").render(
        company=company,
        receipt_no=payment.receipt_no,
        customer=customer_name(f.project),
        address=f.address,
        project_id=f.project.id,
        installment=INSTALLMENT_NAMES[payment.installment],
        amount=yuan(payment.amount_fen),
        amount_words=amount_in_words(payment.amount_fen),
        paid_on=_local(payment.paid_at),
        due_fen=row.amount_fen if row else None,
        due=yuan(row.amount_fen) if row else None,
        paid_so_far=yuan(row.paid_fen) if row else None,
        received_by=payment.received_by,
    )


def card_page(f: ProjectFile, company: str, years: int) -> str:
    """The warranty card as the customer signs and keeps it."""
    card = f.project.warranty
    assert card is not None
    contract = latest_document(f.project, DocumentKind.CONSTRUCTION_CONTRACT)
    shown = {
        "card_no": card.card_no,
        "starts_on": card.starts_on.isoformat(),
        "ends_on": card.ends_on.isoformat(),
        "receipt_no": card.receipt_no,
        "signed_by": card.signed_by,
        "signed_at": _local(card.signed_at),
        "issued_by": card.issued_by,
        "issued_at": _local(card.issued_at),
    }
    return ENV.get_template("warranty_card.html").render(
        company=company,
        card=shown,
        customer=customer_name(f.project),
        address=f.address,
        contract_no=contract.number if contract else None,
        years=years,
        status=STATUS_NAMES[card.status],
    )

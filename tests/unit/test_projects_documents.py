"""The documents a project produces and hands over, and the stages that refuse to go on without
them (《家装公司工作流程》四、五、九; 《家装设计师工作流程》四)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.projects.domain import (
    Approval,
    Project,
    apply_transition,
    approve,
    check_transition,
    missing_documents,
    next_stage,
    open_project,
    record_document,
    record_payment,
    record_signoff,
    required_documents,
    required_parties,
    sign_contract,
)
from services.projects.domain.documents import customer_name, documents_rule
from services.projects.domain.model import ProjectDocument
from shared.contracts.values import DocumentKind, DocumentParty, Installment, Stage
from shared.errors import DomainError, Invalid
from tests.support.projects import paper, with_documents

pytestmark = pytest.mark.quick

SH = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 1, 10, 0, tzinfo=SH)
CONTRACT_FEN = 20_000_000


def day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def prepare(p: Project, stage: Stage, at: datetime, *, materials: bool = False) -> Project:
    """Every fact but the documents that entering `stage` needs."""
    if stage == Stage.DESIGN_AGREEMENT:
        p = record_payment(p, Installment.DEPOSIT, 50_000, at)
    if stage == Stage.CONTRACT:
        p = approve(p, Approval.SCHEME_AND_QUOTE, at)
        p = sign_contract(p, CONTRACT_FEN, at, main_materials_by_company=materials)
    if stage == Stage.WORKS_STARTED:
        p = record_payment(p, Installment.FIRST, 13_000_000, at)
        p = approve(p, Approval.CONSTRUCTION_DRAWINGS, at)
    for party in sorted(required_parties(stage)):
        p = record_signoff(p, stage, party, f"{party.value} Wang", at)
    return p


def walk_to(target: Stage, *, materials: bool = False) -> Project:
    """A project moved one stage a day up to `target`, with every document on the way."""
    p = open_project("p-docs", "c-1", T0)
    n = 0
    while p.stage != target:
        nxt = next_stage(p.stage)
        assert nxt is not None
        n += 1
        p = with_documents(prepare(p, nxt, day(n), materials=materials), nxt, day(n))
        p = apply_transition(p, nxt, day(n))
    return p


def refused(p: Project, to: Stage, at: datetime) -> DomainError:
    with pytest.raises(DomainError) as err:
        check_transition(p, to, at)
    return err.value


def test_duty_written_quotation_before_leaving_the_quotation_stage() -> None:
    """四、报价: 本着诚实信用,互惠互利的原则,以书面的形式向客户报价 — the quotation stage is left
    only with the written quote (its amount, its file) dated by the transition."""
    at = day(5)
    p = prepare(walk_to(Stage.QUOTATION), Stage.DESIGN_AGREEMENT, at)
    err = refused(p, Stage.DESIGN_AGREEMENT, at)
    assert err.code == "documents_missing"
    assert err.detail == (
        "`design_agreement` needs the written quotation (书面报价);"
        " missing: the written quotation (书面报价)"
    )
    with pytest.raises(Invalid) as no_amount:
        record_document(p, paper(DocumentKind.QUOTATION, at, amount_fen=None))
    assert no_amount.value.field == "amount_fen"
    on_time = record_document(p, paper(DocumentKind.QUOTATION, at, amount_fen=19_800_000))
    check_transition(on_time, Stage.DESIGN_AGREEMENT, at)  # dated the transition's instant
    late = record_document(p, paper(DocumentKind.QUOTATION, at + timedelta(seconds=1)))
    assert refused(late, Stage.DESIGN_AGREEMENT, at).code == "documents_missing"
    [quote] = on_time.documents
    assert (quote.kind, quote.amount_fen, quote.signatures) == (
        DocumentKind.QUOTATION,
        19_800_000,
        (),
    )


def test_duty_contract_stage_needs_the_signed_contract_and_budget() -> None:
    """五、签约: 签订《施工合同》和《补充协议》; 四: 合同、预算公司、客户各一份 — the contract stage
    needs the construction contract and the budget, each signed by the company and the
    customer, by the time of signing."""
    at = day(9)
    p = prepare(walk_to(Stage.DESIGN), Stage.CONTRACT, at)
    err = refused(p, Stage.CONTRACT, at)
    assert err.code == "documents_missing"
    assert err.detail.endswith(
        "missing: the signed construction contract (《施工合同》) and the signed budget (预算)"
    )
    customer_only = frozenset({DocumentParty.CUSTOMER})
    with pytest.raises(Invalid) as unsigned:
        record_document(p, paper(DocumentKind.CONSTRUCTION_CONTRACT, at, signed_by=customer_only))
    assert unsigned.value.field == "signatures"
    assert unsigned.value.detail.endswith("is signed by both; missing: company")
    p = record_document(p, paper(DocumentKind.CONSTRUCTION_CONTRACT, at))
    err = refused(p, Stage.CONTRACT, at)
    assert err.detail.endswith("missing: the signed budget (预算)")
    signed_late = paper(DocumentKind.BUDGET, at)
    last = replace(signed_late.signatures[-1], signed_at=at + timedelta(minutes=1))
    signed_late = replace(signed_late, signatures=(*signed_late.signatures[:-1], last))
    assert refused(record_document(p, signed_late), Stage.CONTRACT, at).code == "documents_missing"
    p = record_document(p, paper(DocumentKind.BUDGET, at))
    check_transition(p, Stage.CONTRACT, at)
    # The supplementary agreement is kept when there is one; the stage does not wait for it.
    assert DocumentKind.SUPPLEMENTARY_AGREEMENT not in required_documents(p, Stage.CONTRACT)
    record_document(p, paper(DocumentKind.SUPPLEMENTARY_AGREEMENT, at))


def test_duty_materials_purchase_agreement_when_the_company_buys_the_main_materials() -> None:
    """五、签约: 如果客户要求公司代购主材,须与公司签订《主材代购委托协议》 — the materials arrive at
    the start of works, so the start waits for the signed agreement, and only then."""
    at = day(12)
    buys = prepare(walk_to(Stage.CONTRACT, materials=True), Stage.WORKS_STARTED, at)
    assert missing_documents(buys, Stage.WORKS_STARTED, at) == [
        DocumentKind.MATERIALS_PURCHASE_AGREEMENT
    ]
    err = refused(buys, Stage.WORKS_STARTED, at)
    assert err.code == "documents_missing" and "《主材代购委托协议》" in err.detail
    signed = record_document(buys, paper(DocumentKind.MATERIALS_PURCHASE_AGREEMENT, at))
    check_transition(signed, Stage.WORKS_STARTED, at)
    own = prepare(walk_to(Stage.CONTRACT), Stage.WORKS_STARTED, at)
    assert required_documents(own, Stage.WORKS_STARTED) == ()
    check_transition(own, Stage.WORKS_STARTED, at)


def test_duty_completion_needs_the_completion_acceptance_notice() -> None:
    """九、终期验收: 清理整洁,准备验收,发放《工程竣工验收通知单》 — the notice is issued before the
    final acceptance: completion waits for it (no signature needed: the company issues it)."""
    at = day(30)
    p = prepare(walk_to(Stage.PAINTING_ACCEPTED), Stage.COMPLETED, at)
    err = refused(p, Stage.COMPLETED, at)
    assert err.code == "documents_missing" and "《工程竣工验收通知单》" in err.detail
    notice = paper(DocumentKind.COMPLETION_NOTICE, at, signed_by=frozenset())
    done = apply_transition(record_document(p, notice), Stage.COMPLETED, at)
    assert done.stage == Stage.COMPLETED


def test_a_document_names_its_parties_once_and_only_they_sign() -> None:
    p = open_project("p-1", "c-1", T0)
    contract = paper(DocumentKind.CONSTRUCTION_CONTRACT, T0)
    with pytest.raises(Invalid) as twice:
        record_document(p, replace(contract, parties=(*contract.parties, contract.parties[0])))
    assert twice.value.field == "parties"
    with pytest.raises(Invalid) as one_party:
        record_document(p, replace(contract, parties=contract.parties[1:]))
    assert one_party.value.field == "parties" and "names both parties: company" in str(
        one_party.value.detail
    )
    notice = paper(DocumentKind.COMPLETION_NOTICE, T0, signed_by=frozenset())
    stranger = replace(notice, parties=notice.parties[:1], signatures=contract.signatures[1:])
    with pytest.raises(Invalid, match="customer signs but is not a party named"):
        record_document(p, stranger)
    with pytest.raises(Invalid) as twice_signed:
        record_document(p, replace(contract, signatures=contract.signatures * 2))
    assert twice_signed.value.field == "signatures"


def test_the_same_kind_and_number_is_recorded_once() -> None:
    p = record_document(
        open_project("p-1", "c-1", T0), paper(DocumentKind.QUOTATION, T0, number="Q-1")
    )
    with pytest.raises(DomainError) as again:
        record_document(p, paper(DocumentKind.QUOTATION, T0, number="Q-1"))
    assert again.value.code == "document_exists" and again.value.status == 409
    # A revised quotation gets its own number; a budget may share the quotation's number.
    p = record_document(p, paper(DocumentKind.QUOTATION, T0, number="Q-2"))
    p = record_document(p, paper(DocumentKind.BUDGET, T0, number="Q-1"))
    assert [d.number for d in p.documents] == ["Q-1", "Q-2", "Q-1"] and p.version == 4


# --- each refusal's field and words, the amount's edge, the names read off the papers ---------


def _refused_document(document: ProjectDocument) -> Invalid:
    with pytest.raises(Invalid) as info:
        record_document(open_project("p-1", "c-1", T0), document)
    return info.value


def test_a_document_refused_for_its_form_names_the_field_and_says_why() -> None:
    contract = paper(DocumentKind.CONSTRUCTION_CONTRACT, T0)
    company, customer = contract.parties
    naive = datetime(2026, 3, 1, 10)
    cases = [
        (replace(contract, at=naive), "at", "a time must carry its UTC offset"),
        (replace(contract, number="  "), "number", "the document's number is required"),
        (
            replace(contract, parties=(company, company, customer)),
            "parties",
            "each party is named once",
        ),
        (
            replace(contract, signatures=(replace(contract.signatures[0], signed_at=naive),)),
            "signatures",
            "a time must carry its UTC offset",
        ),
        (
            replace(contract, parties=(company,), signatures=contract.signatures[:1]),
            "parties",
            "the signed construction contract (《施工合同》) names both parties: customer",
        ),
        (
            replace(
                paper(DocumentKind.QUOTATION, T0, signed_by=frozenset({DocumentParty.CUSTOMER})),
                parties=(company,),
            ),
            "signatures",
            "customer signs but is not a party named",
        ),
        (
            replace(contract, signatures=(*contract.signatures, contract.signatures[0])),
            "signatures",
            "each party signs once",
        ),
        (
            replace(contract, signatures=()),
            "signatures",
            "the signed construction contract (《施工合同》) is signed by both; "
            "missing: company, customer",
        ),
        (
            paper(DocumentKind.BUDGET, T0, amount_fen=0),
            "amount_fen",
            "the amount is positive",
        ),
        (
            replace(paper(DocumentKind.BUDGET, T0), amount_fen=None),
            "amount_fen",
            "the signed budget (预算) states an amount",
        ),
    ]
    for document, field, detail in cases:
        err = _refused_document(document)
        assert (err.field, err.detail) == (field, detail), detail
    one_fen = record_document(
        open_project("p-1", "c-1", T0), paper(DocumentKind.BUDGET, T0, amount_fen=1)
    )
    assert one_fen.documents[-1].amount_fen == 1


def test_the_same_document_twice_is_refused_by_name_and_number() -> None:
    p = record_document(
        open_project("p-1", "c-1", T0), paper(DocumentKind.QUOTATION, T0, number="Q-7")
    )
    with pytest.raises(DomainError) as info:
        record_document(p, paper(DocumentKind.QUOTATION, T0, number="Q-7"))
    assert (info.value.code, info.value.detail) == (
        "document_exists",
        "the written quotation (书面报价) number Q-7 is already recorded",
    )
    # Another kind may carry the same number.
    assert len(record_document(p, paper(DocumentKind.BUDGET, T0, number="Q-7")).documents) == 2


def test_the_refusal_lists_two_or_three_documents_with_and() -> None:
    p = walk_to(Stage.DESIGN)
    p = prepare(p, Stage.CONTRACT, day(9))
    with pytest.raises(DomainError) as info:
        check_transition(p, Stage.CONTRACT, day(9))
    assert info.value.detail == (
        "`contract` needs the signed construction contract (《施工合同》) and the signed budget "
        "(预算); missing: the signed construction contract (《施工合同》) and the signed budget (预算)"
    )
    three = [DocumentKind.QUOTATION, DocumentKind.BUDGET, DocumentKind.COMPLETION_NOTICE]
    assert documents_rule(three, Stage.COMPLETED, p) == (
        "`completed` needs the completion acceptance notice (《工程竣工验收通知单》); missing: "
        "the written quotation (书面报价), the signed budget (预算) "
        "and the completion acceptance notice (《工程竣工验收通知单》)"
    )


def test_the_customers_name_is_the_one_the_latest_document_writes() -> None:
    p = open_project("p-1", "c-1", T0)
    assert customer_name(p) is None
    first = paper(DocumentKind.QUOTATION, T0)
    p = record_document(p, first)
    assert customer_name(p) == "孙丽"
    renamed = replace(
        paper(DocumentKind.BUDGET, day(1)),
        parties=(first.parties[0], replace(first.parties[1], name="孙丽华")),
    )
    p = record_document(p, renamed)
    assert customer_name(p) == "孙丽华"
    company_only = replace(
        paper(DocumentKind.COMPLETION_NOTICE, day(2)), parties=(first.parties[0],)
    )
    assert customer_name(record_document(p, company_only)) == "孙丽华"

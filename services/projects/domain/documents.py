"""The documents a project produces and hands over, and the stages that need them.

《家装公司工作流程》四、报价: 以书面的形式向客户报价; 五、签约: 签订《施工合同》和《补充协议》…
如果客户要求公司代购主材,须与公司签订《主材代购委托协议》; 九、终期验收: 发放《工程竣工验收通知单》;
《家装设计师工作流程》四: 合同、预算公司、客户各一份. Each is recorded with its kind, number, the
parties it names, who signed it and when, and the file kept of it in the object store.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import datetime
from types import MappingProxyType

from shared.contracts.values import DocumentKind, DocumentParty, Stage
from shared.errors import DomainError, Invalid

from .errors import require_aware
from .model import Project, ProjectDocument

BOTH = frozenset({DocumentParty.COMPANY, DocumentParty.CUSTOMER})

# What each kind is called on paper, for the refusals people read.
DOCUMENT_NAMES: Mapping[DocumentKind, str] = MappingProxyType(
    {
        DocumentKind.QUOTATION: "the written quotation (书面报价)",
        DocumentKind.CONSTRUCTION_CONTRACT: "the signed construction contract (《施工合同》)",
        DocumentKind.SUPPLEMENTARY_AGREEMENT: "the supplementary agreement (《补充协议》)",
        DocumentKind.BUDGET: "the signed budget (预算)",
        DocumentKind.MATERIALS_PURCHASE_AGREEMENT: (
            "the main-materials purchase agreement (《主材代购委托协议》)"
        ),
        DocumentKind.COMPLETION_NOTICE: "the completion acceptance notice (《工程竣工验收通知单》)",
    }
)
# Who must have signed a kind before it counts. Our reading: the contract, its supplementary
# agreement and the purchase agreement bind both parties; the budget is signed by both too, each
# keeping a copy (合同、预算公司、客户各一份); the quotation and the completion notice are issued by
# the company and need no signature.
SIGNED_BY: Mapping[DocumentKind, frozenset[DocumentParty]] = MappingProxyType(
    {
        DocumentKind.CONSTRUCTION_CONTRACT: BOTH,
        DocumentKind.SUPPLEMENTARY_AGREEMENT: BOTH,
        DocumentKind.BUDGET: BOTH,
        DocumentKind.MATERIALS_PURCHASE_AGREEMENT: BOTH,
    }
)
# The kinds that state an amount (the quoted price, the budget's total).
WITH_AMOUNT: frozenset[DocumentKind] = frozenset({DocumentKind.QUOTATION, DocumentKind.BUDGET})
# The documents a stage needs before the project may enter it (dated by the transition).
REQUIRED_DOCUMENTS: Mapping[Stage, tuple[DocumentKind, ...]] = MappingProxyType(
    {
        # Leaving `quotation`: the estimate was given in writing.
        Stage.DESIGN_AGREEMENT: (DocumentKind.QUOTATION,),
        Stage.CONTRACT: (DocumentKind.CONSTRUCTION_CONTRACT, DocumentKind.BUDGET),
        # Only when the customer asked the company to buy the main materials (the contract says).
        Stage.WORKS_STARTED: (DocumentKind.MATERIALS_PURCHASE_AGREEMENT,),
        Stage.COMPLETED: (DocumentKind.COMPLETION_NOTICE,),
    }
)


def _parties_named(document: ProjectDocument) -> set[DocumentParty]:
    return {p.role for p in document.parties}


def check_document(document: ProjectDocument) -> None:
    """Refuse a document its kind does not allow: unnamed parties, missing signatures, amount."""
    require_aware(document.at, "at")
    if not document.number.strip():
        raise Invalid("number", "the document's number is required")
    named = _parties_named(document)
    if len(named) != len(document.parties):
        raise Invalid("parties", "each party is named once")
    needed = SIGNED_BY.get(document.kind, frozenset())
    if not needed <= named:
        missing = ", ".join(sorted(needed - named))
        raise Invalid("parties", f"{DOCUMENT_NAMES[document.kind]} names both parties: {missing}")
    for signature in document.signatures:
        require_aware(signature.signed_at, "signatures")
        if signature.party not in named:
            raise Invalid("signatures", f"{signature.party} signs but is not a party named")
    signed = {s.party for s in document.signatures}
    if len(signed) != len(document.signatures):
        raise Invalid("signatures", "each party signs once")
    if not needed <= signed:
        missing = ", ".join(sorted(needed - signed))
        raise Invalid(
            "signatures", f"{DOCUMENT_NAMES[document.kind]} is signed by both; missing: {missing}"
        )
    if document.kind in WITH_AMOUNT and document.amount_fen is None:
        raise Invalid("amount_fen", f"{DOCUMENT_NAMES[document.kind]} states an amount")
    if document.amount_fen is not None and document.amount_fen <= 0:
        raise Invalid("amount_fen", "the amount is positive")


def record_document(project: Project, document: ProjectDocument) -> Project:
    """Keep a document on the project; the same kind and number twice is refused (409)."""
    check_document(document)
    for kept in project.documents:
        if kept.kind == document.kind and kept.number == document.number:
            raise DomainError(
                "document_exists",
                f"{DOCUMENT_NAMES[document.kind]} number {document.number} is already recorded",
            )
    return replace(project, version=project.version + 1, documents=(*project.documents, document))


def required_documents(project: Project, stage: Stage) -> tuple[DocumentKind, ...]:
    """The kinds the project needs before entering `stage` (the purchase agreement only when
    the contract has the company buy the main materials)."""
    kinds = REQUIRED_DOCUMENTS.get(stage, ())
    if stage == Stage.WORKS_STARTED:
        contract = project.contract
        if contract is None or not contract.main_materials_by_company:
            return ()
    return kinds


def latest_document(
    project: Project, kind: DocumentKind, by: datetime | None = None
) -> ProjectDocument | None:
    """The last recorded document of a kind (complete by `by`, when given)."""
    found = [d for d in project.documents if d.kind == kind and (by is None or d.complete_at <= by)]
    return found[-1] if found else None


def missing_documents(project: Project, stage: Stage, at: datetime) -> list[DocumentKind]:
    """The documents `stage` needs that were not complete by business time `at`."""
    return [
        k for k in required_documents(project, stage) if latest_document(project, k, at) is None
    ]


def documents_rule(kinds: list[DocumentKind], stage: Stage, project: Project) -> str:
    """The refusal's words: what the stage needs and what is missing."""
    needed = _and(DOCUMENT_NAMES[k] for k in required_documents(project, stage))
    return f"`{stage}` needs {needed}; missing: {_and(DOCUMENT_NAMES[k] for k in kinds)}"


def _and(names: Iterable[str]) -> str:
    listed = list(names)
    return listed[0] if len(listed) == 1 else ", ".join(listed[:-1]) + " and " + listed[-1]


def customer_name(project: Project) -> str | None:
    """The customer's name as the project's documents write it (the latest naming them), for
    the receipts and the card; None when no document names the customer yet."""
    for document in reversed(project.documents):
        for party in document.parties:
            if party.role == DocumentParty.CUSTOMER:
                return party.name
    return None

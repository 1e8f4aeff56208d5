"""The state of a renovation project, as immutable data the rules read and return."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from shared.contracts.values import DocumentKind, DocumentParty, Installment, SignoffParty, Stage

from .money import PaymentPlan, default_plan


class Approval(StrEnum):
    """What the customer approves or signs before the works (API.md `what`, extended)."""

    SCHEME_AND_QUOTE = "scheme_and_quote"  # in `design`, before the contract
    CONSTRUCTION_DRAWINGS = "construction_drawings"  # before the works start


@dataclass(frozen=True)
class StageEntry:
    """The project reached `stage` at business time `at`."""

    stage: Stage
    at: datetime


@dataclass(frozen=True)
class StageChange:
    """One line of the stage log: who moved the project from one stage to the next, and why."""

    version: int
    from_stage: Stage
    to_stage: Stage
    at: datetime
    by: str
    note: str | None = None


@dataclass(frozen=True)
class Signoff:
    """A party's signature on a stage's handover or acceptance."""

    stage: Stage
    party: SignoffParty
    name: str
    signed_at: datetime


@dataclass(frozen=True)
class Payment:
    """Money finance received towards one instalment (or the design deposit), with the number
    of the receipt finance gave for it (财务收款开票据) and who received it."""

    installment: Installment
    amount_fen: int
    paid_at: datetime
    receipt_no: str = ""
    received_by: str | None = None


@dataclass(frozen=True)
class Addition:
    """An added work item (增项), settled with the mid-term payment."""

    description: str
    amount_fen: int
    at: datetime


@dataclass(frozen=True)
class Contract:
    """The construction contract; it takes effect when its first instalment is fully paid.

    `main_materials_by_company`: the customer asked the company to buy the main materials
    (如果客户要求公司代购主材), so a 《主材代购委托协议》 must be signed before the works start.
    """

    amount_fen: int
    signed_at: datetime
    plan: PaymentPlan = field(default_factory=default_plan)
    effective_at: datetime | None = None
    main_materials_by_company: bool = False

    def effective_by(self, at: datetime) -> bool:
        """Whether the contract had taken effect at business time `at`."""
        return self.effective_at is not None and self.effective_at <= at


@dataclass(frozen=True)
class StoredFile:
    """A file in the service's object store bucket: the scan or PDF of a paper document."""

    file_id: str
    sha256: str
    content_type: str
    size_bytes: int


@dataclass(frozen=True)
class NamedParty:
    """A party a document names (the company, the customer) with the name written on it."""

    role: DocumentParty
    name: str


@dataclass(frozen=True)
class DocumentSignature:
    """Who signed a document for a party, and when."""

    party: DocumentParty
    name: str
    signed_at: datetime


@dataclass(frozen=True)
class ProjectDocument:
    """A document the workflow produces and hands over: its kind and number, the parties it
    names, who signed it and when, the amount it states and the file kept of it."""

    id: str
    kind: DocumentKind
    number: str
    at: datetime
    parties: tuple[NamedParty, ...]
    file: StoredFile
    recorded_by: str
    signatures: tuple[DocumentSignature, ...] = ()
    amount_fen: int | None = None

    @property
    def complete_at(self) -> datetime:
        """When the document counts: its date, or its last signature if later."""
        return max((self.at, *(s.signed_at for s in self.signatures)))


class CardStatus(StrEnum):
    """The card's steps (保修单发放流程: 填写保修单—客户确认签字—发放保修单—保修单存档)."""

    FILLED = "filled"
    SIGNED = "signed"
    ISSUED = "issued"
    ARCHIVED = "archived"


@dataclass(frozen=True)
class WarrantyCard:
    """The warranty card (保修单): 2 years from completion, `ends_on` its last day of cover;
    filled at the settlement, signed by the customer, issued, then archived."""

    card_no: str
    starts_on: date
    ends_on: date
    status: CardStatus = CardStatus.FILLED
    signed_by: str | None = None  # the customer's name as signed
    signed_at: datetime | None = None
    issued_by: str | None = None  # token `sub`
    issued_at: datetime | None = None
    receipt_no: str | None = None  # the final payment's receipt it was issued against
    archived_by: str | None = None
    archived_at: datetime | None = None
    archive_file: StoredFile | None = None  # the signed card's scan, when kept


@dataclass(frozen=True)
class FeedbackForm:
    """The customer opinion feedback form (客户意见反馈表), filled with the final payment's
    receipt at finance's reception."""

    receipt_no: str
    satisfaction: int
    comments: str
    filled_at: datetime
    recorded_by: str


@dataclass(frozen=True)
class DesignAcceptance:
    """The designer's appointment with the customer on site, and what the customer said."""

    on: datetime  # the appointment
    booked_by: str
    booked_at: datetime
    accepted: bool | None = None
    notes: str = ""
    customer_name: str | None = None  # as the customer signed the result
    recorded_by: str | None = None
    recorded_at: datetime | None = None


@dataclass(frozen=True)
class Project:
    """A renovation project: its stage, people, approvals, contract, money and sign-offs."""

    id: str
    customer_id: str
    stage: Stage = Stage.CONSULTATION
    version: int = 0
    designer: str | None = None
    project_manager: str | None = None
    supervisor: str | None = None
    foreman: str | None = None
    history: tuple[StageEntry, ...] = ()
    scheme_approved_at: datetime | None = None
    drawings_signed_at: datetime | None = None
    contract: Contract | None = None
    payments: tuple[Payment, ...] = ()
    additions: tuple[Addition, ...] = ()
    signoffs: tuple[Signoff, ...] = ()
    completed_on: date | None = None
    warranty: WarrantyCard | None = None
    documents: tuple[ProjectDocument, ...] = ()
    feedback: FeedbackForm | None = None
    design_acceptance: DesignAcceptance | None = None

    def reached_at(self, stage: Stage) -> datetime | None:
        """When the project reached `stage`, or None if it has not."""
        for entry in self.history:
            if entry.stage == stage:
                return entry.at
        return None

    def paid_fen(self, installment: Installment, by: datetime | None = None) -> int:
        """Fen received towards one instalment, optionally only payments made by `by`."""
        return sum(
            p.amount_fen
            for p in self.payments
            if p.installment == installment and (by is None or p.paid_at <= by)
        )

    @property
    def deposit_paid_fen(self) -> int:
        """The design deposit actually received (deducted from the final instalment)."""
        return self.paid_fen(Installment.DEPOSIT)

    @property
    def additions_fen(self) -> int:
        """The sum of added work items, due with the mid-term payment."""
        return sum(a.amount_fen for a in self.additions)

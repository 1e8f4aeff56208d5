"""Material acceptance (材料验收): what was delivered checked item by item against the materials
the contract names — quantity, brand, model and quality (DOMAIN.md §2.1 stage 8)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from shared.errors import DomainError, Invalid

from .errors import require_aware
from .model import Project
from .stages import is_active

# 按合同规定的材料要求核对数量,品牌,型号,质量: the four things checked, in the manual's order.
CHECKED: tuple[str, ...] = ("quantity", "brand", "model", "quality")
NOT_CONTRACTED = "not_contracted"  # delivered, but the contract names no such material


@dataclass(frozen=True)
class ContractedItem:
    """A material the contract names (the project's recorded materials)."""

    category: str
    brand: str | None = None
    model: str | None = None
    quantity: Decimal | None = None


@dataclass(frozen=True)
class DeliveredItem:
    """What arrived on site for one material, as checked with the customer."""

    category: str
    brand: str | None = None
    model: str | None = None
    quantity: Decimal | None = None
    quality_ok: bool = True
    note: str = ""


@dataclass(frozen=True)
class CheckedItem:
    """One delivered item against the contracted one it was matched to, with each mismatch."""

    delivered: DeliveredItem
    expected: ContractedItem | None
    mismatches: tuple[str, ...]


@dataclass(frozen=True)
class MaterialCheck:
    """The material acceptance sheet (材料验收单): every item's result and what never came."""

    at: datetime
    checked_by: str
    items: tuple[CheckedItem, ...]
    missing: tuple[ContractedItem, ...]

    @property
    def passed(self) -> bool:
        """Everything contracted arrived and matched."""
        return not self.missing and not any(i.mismatches for i in self.items)


def _same(a: str | None, b: str | None) -> bool:
    """Both named, and alike but for case and surrounding spaces (every caller names `a`)."""
    return a is not None and b is not None and a.strip().casefold() == b.strip().casefold()


def _match(item: DeliveredItem, left: list[ContractedItem]) -> ContractedItem | None:
    """The contracted item a delivery is checked against: same category, the same model first."""
    same = [c for c in left if _same(c.category, item.category)]
    for c in same:
        if item.model and _same(c.model, item.model):
            return c
    return same[0] if same else None


def _mismatches(item: DeliveredItem, expected: ContractedItem | None) -> tuple[str, ...]:
    if expected is None:
        return (NOT_CONTRACTED,) + (("quality",) if not item.quality_ok else ())
    found = []
    if expected.quantity is not None and item.quantity != expected.quantity:
        found.append("quantity")
    if expected.brand and not _same(expected.brand, item.brand):
        found.append("brand")
    if expected.model and not _same(expected.model, item.model):
        found.append("model")
    if not item.quality_ok:
        found.append("quality")
    return tuple(found)


def check_materials(
    project: Project,
    contracted: Sequence[ContractedItem],
    delivered: Sequence[DeliveredItem],
    by: str,
    at: datetime,
) -> MaterialCheck:
    """Check the delivery against the contract's materials, item by item: a quantity other than
    the contract's, another brand or model (case and spaces aside) or a failed quality check is
    a mismatch; a delivery the contract does not name is `not_contracted`; a contracted item
    nothing was delivered for is missing."""
    require_aware(at, "at")
    if not is_active(project.stage):
        raise DomainError(
            "not_under_construction",
            f"materials are accepted on a site under construction; this one is at "
            f"`{project.stage}`",
        )
    if not contracted:
        raise DomainError(
            "no_materials", "record the materials the contract names first (POST …/materials)"
        )
    if not delivered:
        raise Invalid("items", "check at least one delivered item")
    left = list(contracted)
    items = []
    for item in delivered:
        expected = _match(item, left)
        if expected is not None:
            left.remove(expected)
        items.append(CheckedItem(item, expected, _mismatches(item, expected)))
    return MaterialCheck(at, by, tuple(items), tuple(left))

"""Each region's receipt owner (区域回单管理责任人) and the superior who answers when no owner
can be held to it (如不能落实责任…追究上级管理人员)."""

from __future__ import annotations

from dataclasses import dataclass

from .errors import INVALID_VALUE, DomainError


@dataclass(frozen=True, slots=True)
class ReceiptOwner:
    """Who chases a region's receipts (staff `sub`s), and their superior."""

    region: str
    owner: str
    owner_name: str
    superior: str
    superior_name: str


def name_receipt_owner(
    region: str, owner: str, owner_name: str, superior: str, superior_name: str
) -> ReceiptOwner:
    """A region names its receipt owner and the owner's superior: two different people."""
    if owner == superior:
        raise DomainError(
            INVALID_VALUE, "the receipt owner's superior must be someone else", "superior"
        )
    return ReceiptOwner(region, owner, owner_name, superior, superior_name)

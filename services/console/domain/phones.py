"""Phone numbers on screen: masked for everyone, dialled only by the roles that call."""

from __future__ import annotations

from shared.contracts.values import Role

# The roles whose work is calling customers and contacts (callbacks, repairs, stations).
CALLERS = frozenset(
    {
        Role.CS,
        Role.RECEPTION,
        Role.SUPERVISION,
        Role.DEPT_HEAD,
        Role.MANAGER,
        Role.AFTERSALES,
        Role.LOGISTICS,
        Role.ENGINEERING,
        Role.ADMIN,
    }
)


def mask(phone: str | None) -> str:
    """A number with its middle hidden: 139****5678 (short numbers keep less of themselves)."""
    if not phone:
        return ""
    digits = phone.strip()
    n = len(digits)
    tail = 4 if n >= 6 else n // 2
    head = 3 if n >= 11 else 0
    return digits[:head] + "*" * (n - head - tail) + digits[n - tail :]


def may_call(role: Role) -> bool:
    """Whether the role may see the full number and dial it."""
    return role in CALLERS


def dial_link(phone: str | None, role: Role) -> str | None:
    """The tel: link for a role allowed to call, else none."""
    if not phone or "*" in phone or not may_call(role):
        return None  # a masked number cannot be dialled
    return "tel:" + "".join(c for c in phone if c.isdigit() or c == "+")

"""The branch desk's rules: whose shipments a desk lists, who may scan, release and take a
receipt step on a shipment page, and the release's requirements and refusals as messages."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from shared.contracts.values import Role

from .accounts import Staff

# The roles the logistics API lets work a desk (list, scan, release); admin always may.
DESK_ROLES = frozenset({Role.BRANCH, Role.LOGISTICS, Role.ADMIN})
# What a desk scans by hand; `signed` is not offered: the release is the signing.
SCAN_KINDS = ("departed", "arrived_hub", "arrived_destination")
# The receipt's next step by where it stands, and whose step it is (回单规范要求 3)–6)).
NEXT_STEP = {
    "required": "signed",
    "redo": "signed",
    "signed": "sent",
    "sent": "received",
    "received": "handed_over",
    "handed_over": "settled",
}
PARTY = {
    "signed": "destination",
    "sent": "destination",
    "received": "origin",
    "handed_over": "origin",
    "settled": "finance",
}
# Statuses of a shipment still on its way to the destination (the desk's "arriving").
ARRIVING = ("created", "in_transit", "partially_arrived")


@dataclass(frozen=True)
class Route:
    """Where a shipment goes: origin, transfer branches, destination."""

    origin: str
    destination: str
    transfers: tuple[str, ...] = ()

    @classmethod
    def of(cls, shipment: Mapping[str, Any]) -> Route:
        """The route of a shipment as the logistics API answers it."""
        return cls(
            str(shipment["origin_branch"]),
            str(shipment["destination_branch"]),
            tuple(str(b) for b in shipment.get("transfer_branches") or ()),
        )

    def stations(self) -> list[str]:
        """Every station in route order."""
        return [self.origin, *self.transfers, self.destination]


def may_work_desk(staff: Staff) -> bool:
    """Whether this person's role works a branch desk."""
    return staff.role in DESK_ROLES


def lands_on_desk(staff: Staff) -> bool:
    """Whether this person's home is the desk: branch staff have no callbacks (notifications
    serves them none), their day is the desk."""
    return staff.role is Role.BRANCH


def desk_branch(staff: Staff, asked: str | None) -> str | None:
    """The branch a desk lists: a branch person's own, whatever is asked; others the branch
    they ask for (None: every branch their token sees)."""
    if staff.role is Role.BRANCH:
        return staff.branch
    return asked or None


def scan_stations(staff: Staff, route: Route) -> list[str]:
    """The stations this person may scan at: a branch its own (when on the route), the
    logistics desk any station of the route, other roles none."""
    if staff.role is Role.BRANCH:
        return [staff.branch] if staff.branch in route.stations() else []
    if staff.role in (Role.LOGISTICS, Role.ADMIN):
        return route.stations()
    return []


def may_release(staff: Staff, route: Route, status: str) -> bool:
    """Whether this person hands over goods here: the destination branch or the logistics desk,
    while the shipment is not signed for."""
    if status == "signed":
        return False
    if staff.role is Role.BRANCH:
        return staff.branch == route.destination
    return staff.role in (Role.LOGISTICS, Role.ADMIN)


def receipt_step(staff: Staff, route: Route, receipt_status: str, arrived: bool) -> str | None:
    """The receipt's next step when it is this person's to take, else None: the destination
    signs and sends, the origin receives and hands over, finance settles; the logistics desk
    may take a branch's step, never finance's."""
    step = NEXT_STEP.get(receipt_status)
    if step is None or not arrived:
        return None
    party = PARTY[step]
    if party == "finance":
        return step if staff.role in (Role.FINANCE, Role.ADMIN) else None
    if staff.role in (Role.LOGISTICS, Role.ADMIN):
        return step
    if staff.role is Role.BRANCH:
        mine = route.destination if party == "destination" else route.origin
        return step if staff.branch == mine else None
    return None


@dataclass(frozen=True)
class Line:
    """A message key and its values: a requirement or a refusal in words."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


def requirement_lines(needs: Mapping[str, Any]) -> list[Line]:
    """What the release requires, coded by the logistics API, as messages (an unknown code
    falls back to the service's own words)."""
    consignee = needs.get("consignee") or {}
    name = consignee.get("name", "")
    proven = [n for n in needs.get("accepted_names") or () if n != name]
    return [
        Line(
            f"release.needs.{r.get('code')}",
            {"name": name, "names": "、".join(proven), "text": r.get("text", "")},
        )
        for r in needs.get("requirements") or ()
    ]


def refusal_lines(
    codes: Sequence[str], reasons: Sequence[str], *, presented: str, consignee: str, delegate: str
) -> list[Line]:
    """A refused release's reasons, one per code, worded with the names at the counter."""
    values = {"name": presented, "consignee": consignee, "delegate": delegate}
    lines = []
    for i, code in enumerate(codes):
        text = reasons[i] if i < len(reasons) else code
        lines.append(Line(f"release.refused.{code}", {**values, "text": text}))
    return lines

"""The navigation: one line per page, with the roles that see it. A new page adds its line
here and its routes in a module of its own."""

from __future__ import annotations

from dataclasses import dataclass

from services.console.domain import Staff
from services.console.domain.complaints import REGISTRARS
from services.console.domain.projects import PROJECT_READERS, REPAIR_READERS
from services.console.domain.reports import REPORT_ROLES
from shared.contracts.values import Role


@dataclass(frozen=True)
class Link:
    """A page in the navigation: its message key, its path and who sees it (None: everyone)."""

    key: str
    path: str
    roles: frozenset[Role] | None = None

    def shown_to(self, staff: Staff) -> bool:
        return self.roles is None or staff.role in self.roles or staff.role is Role.ADMIN


NAV = (
    Link("nav.worklist", "/", frozenset(r for r in Role if r is not Role.BRANCH)),
    Link("desk.nav", "/desk", frozenset({Role.BRANCH, Role.LOGISTICS})),
    Link("project.nav", "/projects", PROJECT_READERS),
    Link("repair.nav", "/repairs", REPAIR_READERS),
    Link("report.nav", "/reports", REPORT_ROLES),
    Link("nav.audit", "/audit/sign-ins", frozenset({Role.ADMIN})),
    Link("lookup.nav", "/lookup"),
    Link("complaint.nav_new", "/complaints/new", REGISTRARS),
)


def links(staff: Staff) -> list[Link]:
    """The pages this person's role may open."""
    return [link for link in NAV if link.shown_to(staff)]


def current(path: str) -> str:
    """The navigation entry a path belongs to (the longest matching prefix)."""
    matches = [link.path for link in NAV if path == link.path or path.startswith(link.path + "/")]
    return max(matches, key=len, default="")

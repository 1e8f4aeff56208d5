"""Who may call what (API.md "Who may do what"; admin always may), and the region a staff
token is narrowed to."""

from __future__ import annotations

from shared.contracts.values import Role
from shared.web.auth import Principal

READERS = ("branch", "cs", "logistics", "finance", "manager", "dept_head")
STAFF_READERS = ("cs", "logistics", "finance", "manager", "dept_head")
WRITERS = ("branch", "logistics")


def region_scope(who: Principal, region: str | None) -> str | None:
    """A staff token with a region only ever sees that region."""
    if who.region and who.role is not Role.ADMIN:
        return who.region
    return region

"""Staff accounts: who may sign in, and the claims their tokens carry."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.contracts.values import LINK_ROLES, Role, Team
from shared.errors import Invalid

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
MIN_PASSWORD = 10
MAX_PASSWORD = 256  # argon2 takes any length; a megabyte "password" would only burn CPU


@dataclass(frozen=True)
class Staff:
    """A signed-in staff member: the claims every call on their behalf carries."""

    username: str
    role: Role
    branch: str | None = None
    region: str | None = None
    department: str | None = None
    team: str | None = None

    def claims(self) -> dict[str, str | None]:
        """The token claims besides the role (the same names as shared.web.auth tokens)."""
        return {
            "sub": self.username,
            "branch": self.branch,
            "region": self.region,
            "department": self.department,
            "team": self.team,
        }


def new_staff(
    username: str,
    role: str,
    *,
    branch: str | None = None,
    region: str | None = None,
    department: str | None = None,
    team: str | None = None,
) -> Staff:
    """A checked account: a plain lowercase name, a known role, a branch for branch staff."""
    if not USERNAME.match(username):
        raise Invalid("username", "lowercase letters, digits, '.', '_' or '-', at most 64")
    people = [r.value for r in Role if r not in LINK_ROLES]  # a link's token is no person
    if role not in people:
        raise Invalid("role", f"one of {', '.join(people)}")
    known = Role(role)
    if known is Role.BRANCH and not branch:
        raise Invalid("branch", "a branch account names its branch")
    if team is not None and team not in {t.value for t in Team}:
        raise Invalid("team", f"one of {', '.join(t.value for t in Team)}")
    return Staff(username, known, branch, region, department, team)


def check_password(password: str) -> str:
    """A password long enough to resist guessing, and not absurdly long."""
    if len(password) < MIN_PASSWORD:
        raise Invalid("password", f"at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise Invalid("password", f"at most {MAX_PASSWORD} characters")
    return password

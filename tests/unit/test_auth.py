"""Bearer tokens: signed with a key id, rotated with an overlap, admin token refused in production."""

from __future__ import annotations

import pytest

from shared.contracts.values import Role
from shared.settings import Settings
from shared.web.auth import issue_token, verify
from shared.web.errors import Problem

pytestmark = pytest.mark.quick


def test_token_round_trip_carries_role_branch_and_region() -> None:
    s = Settings(auth_secret="s1", auth_kid="k1")
    p = verify(s, issue_token(s, role="branch", branch="SH01", region="east"))
    assert (p.role, p.branch, p.region, p.sub) == (Role.BRANCH, "SH01", "east", "branch:SH01")
    assert p.may_see_branch("SH01") and not p.may_see_branch("BJ02")


def test_rotation_accepts_the_previous_key_during_the_overlap_only() -> None:
    old = Settings(auth_secret="old-secret", auth_kid="k1")
    token = issue_token(old, role="cs", sub="agent-7")
    rotated = Settings(
        auth_secret="new-secret", auth_kid="k2", auth_previous_keys={"k1": "old-secret"}
    )
    assert verify(rotated, token).sub == "agent-7"
    assert verify(rotated, issue_token(rotated, role="cs")).role is Role.CS
    after_overlap = Settings(auth_secret="new-secret", auth_kid="k2")
    with pytest.raises(Problem) as err:
        verify(after_overlap, token)
    assert err.value.status == 401


def test_tampered_or_foreign_tokens_are_refused() -> None:
    s = Settings(auth_secret="s1")
    forged = issue_token(Settings(auth_secret="other", auth_kid=s.auth_kid), role="admin")
    with pytest.raises(Problem):
        verify(s, forged)
    with pytest.raises(ValueError):
        issue_token(s, role="branch")  # a branch token needs its branch


def test_admin_token_is_refused_in_production() -> None:
    with pytest.raises(ValueError, match="refused"):
        Settings(env="production", admin_token="x", auth_secret="real")
    assert verify(Settings(env="test", admin_token="local"), "local").role is Role.ADMIN

"""Customers' links (issue 19): signed over the waybill and the audience, they expire, any
change to them is refused, and the refusal never says why; the secret fails closed in
production; the scoped token a link's page reads with (the page's own rules:
test_console_tracking.py)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest

from services.logistics.api.views import mask_name
from shared.contracts.values import LINK_ROLES, Role
from shared.links import (
    DEV_LINK_SECRET,
    MAX_SUBJECT_BYTES,
    PROJECT_AUDIENCES,
    SHIPMENT_AUDIENCES,
    Audience,
    genuine,
    key_of,
    open_link,
    problem,
    sign,
)
from shared.settings import InsecureSettings, Settings
from shared.web.auth import issue_token, verify
from shared.web.errors import Problem

pytestmark = pytest.mark.quick

KEY = key_of("a-test-link-secret-of-at-least-32-bytes!")
T0 = datetime(2026, 12, 6, 9, 30, tzinfo=UTC)
DAYS = timedelta(days=30)


def token(waybill: str = "WB100200300", audience: Audience = Audience.CONSIGNEE) -> str:
    return sign(KEY, waybill, audience, T0, DAYS)


def test_a_link_opens_to_its_waybill_and_audience_until_it_expires() -> None:
    link = open_link(KEY, token(), T0 + timedelta(days=1))
    assert link is not None
    assert (link.subject, link.audience) == ("WB100200300", Audience.CONSIGNEE)
    assert (link.issued_at, link.expires_at) == (T0, T0 + DAYS)
    shipper = open_link(KEY, token(audience=Audience.SHIPPER), T0)
    assert shipper is not None and shipper.audience is Audience.SHIPPER
    assert open_link(KEY, token(), T0 + DAYS - timedelta(seconds=1)) is not None
    assert open_link(KEY, token(), T0 + DAYS) is None  # expired: the same None as a forgery
    assert open_link(KEY, token(), T0 + DAYS + timedelta(days=400)) is None
    # the signature alone is checked without a clock (the page asks the database's only then)
    assert genuine(KEY, token()) == link and genuine(KEY, token()[:-2]) is None


def test_the_link_is_short_enough_for_an_sms() -> None:
    assert len(token()) <= 48
    assert token().isascii() and "=" not in token() and "/" not in token() and "+" not in token()


def test_every_changed_character_is_refused() -> None:
    good = token()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for i, ch in enumerate(good):
        other = alphabet[(alphabet.index(ch) + 1) % len(alphabet)]
        assert open_link(KEY, good[:i] + other + good[i + 1 :], T0) is None, i
    for bad in (good[:-1], good[1:], good + "A", good + good, "", "!!!", "令牌", "a" * 5000):
        assert open_link(KEY, bad, T0) is None, bad


def test_another_waybill_audience_or_expiry_cannot_be_spliced_in() -> None:
    raw = bytearray(base64.urlsafe_b64decode(token() + "=="))
    raw[1:2] = b"s"  # the audience byte: consignee → shipper, the MAC kept
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert open_link(KEY, forged, T0) is None
    raw = bytearray(base64.urlsafe_b64decode(token() + "=="))
    raw[6:10] = (2**32 - 1).to_bytes(4, "big")  # the expiry pushed to 2106
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert open_link(KEY, forged, T0 + DAYS * 2) is None
    # a link signed under another secret (another deployment, the development one) opens nothing
    theirs = sign(key_of(DEV_LINK_SECRET), "WB100200300", Audience.CONSIGNEE, T0, DAYS)
    assert open_link(KEY, theirs, T0) is None


def test_a_link_names_a_real_record_for_a_positive_time() -> None:
    with pytest.raises(ValueError):
        sign(KEY, "", Audience.SHIPPER, T0, DAYS)
    with pytest.raises(ValueError):
        sign(KEY, "W" * (MAX_SUBJECT_BYTES + 1), Audience.SHIPPER, T0, DAYS)
    with pytest.raises(ValueError):
        sign(KEY, "WB1", Audience.SHIPPER, T0, timedelta(0))
    longest = sign(KEY, "W" * MAX_SUBJECT_BYTES, Audience.SHIPPER, T0, DAYS)
    assert open_link(KEY, longest, T0) is not None


@pytest.mark.parametrize("env", ["production", "Production", "prod", "", "staging"])
def test_production_refuses_the_published_or_a_short_secret(env: str) -> None:
    settings = Settings(env=env, auth_secret="a-real-production-secret-of-at-least-32-bytes")
    for weak in (DEV_LINK_SECRET, "short", ""):
        assert problem(weak, development=False)
        with pytest.raises(InsecureSettings, match="KEFU_LINK_SECRET"):
            settings.refuse_weak_link_secret(weak)
    settings.refuse_weak_link_secret("x" * 32)  # its own, long enough: starts


def test_development_and_test_keep_the_published_secret() -> None:
    for env in ("development", "test"):
        Settings(env=env).refuse_weak_link_secret(DEV_LINK_SECRET)


def test_the_console_and_notifications_refuse_to_start_with_a_weak_link_secret() -> None:
    from services.console.app import create_app as console_app
    from services.console.config import ConsoleSettings
    from services.notifications.app import create_app as notifications_app
    from services.notifications.config import NotificationsSettings

    prod = Settings(env="production", auth_secret="a-real-production-secret-of-at-least-32-bytes")
    with pytest.raises(InsecureSettings, match="KEFU_LINK_SECRET"):
        console_app(prod, ConsoleSettings())
    with pytest.raises(InsecureSettings, match="KEFU_LINK_SECRET"):
        notifications_app(prod, config=NotificationsSettings())


def test_a_tracking_token_names_its_waybill_and_audience() -> None:
    s = Settings(env="test")
    who = verify(
        s, issue_token(s, role="tracking", waybill="WB1", audience="shipper", ttl_seconds=60)
    )
    assert (who.role, who.waybill, who.audience) == (Role.TRACKING, "WB1", "shipper")
    for claims in (
        {},
        {"waybill": "WB1"},
        {"audience": "shipper"},
        {"waybill": "WB1", "audience": "x"},
    ):
        with pytest.raises(ValueError, match="tracking token"):
            issue_token(s, role="tracking", **claims)
    import jwt

    bare = jwt.encode(
        {"sub": "x", "role": "tracking", "exp": 2**33, "waybill": "WB1"},
        s.auth_secret,
        algorithm="HS256",
        headers={"kid": s.auth_kid},
    )
    with pytest.raises(Problem):
        verify(s, bare)  # no audience: refused, as a branch token without its branch is


PROJECT = "3f9c2d1e-8a7b-4c6d-9e0f-1a2b3c4d5e6f"


def test_a_project_link_names_the_project_for_its_customer() -> None:
    link = open_link(KEY, sign(KEY, PROJECT, Audience.CUSTOMER, T0, DAYS), T0)
    assert link is not None and (link.subject, link.audience) == (PROJECT, Audience.CUSTOMER)
    assert link.audience.names_project
    assert not Audience.CONSIGNEE.names_project and not Audience.SHIPPER.names_project
    assert SHIPMENT_AUDIENCES == (Audience.CONSIGNEE, Audience.SHIPPER)
    assert PROJECT_AUDIENCES == (Audience.CUSTOMER,)
    # a project's id (a UUID) still makes a link an SMS carries on one line
    assert len(sign(KEY, PROJECT, Audience.CUSTOMER, T0, DAYS)) <= 80
    # a shipment's link cannot be turned into the customer's page of a project of that name
    raw = bytearray(base64.urlsafe_b64decode(token(PROJECT) + "=="))
    raw[1:2] = b"p"
    forged = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert open_link(KEY, forged, T0) is None


def test_a_project_view_token_names_its_project_for_the_customer() -> None:
    s = Settings(env="test")
    who = verify(
        s,
        issue_token(s, role="project_view", project="P1", audience="customer", ttl_seconds=60),
    )
    assert (who.role, who.project, who.audience, who.waybill) == (
        Role.PROJECT_VIEW,
        "P1",
        "customer",
        None,
    )
    for claims in (
        {},
        {"project": "P1"},
        {"audience": "customer"},
        {"project": "P1", "audience": "shipper"},
    ):
        with pytest.raises(ValueError, match="project_view token"):
            issue_token(s, role="project_view", **claims)
    import jwt

    for claims in (
        {"project": "P1"},
        {"project": "P1", "audience": "consignee"},
        {"audience": "customer"},
    ):
        bare = jwt.encode(
            {"sub": "x", "role": "project_view", "exp": 2**33, **claims},
            s.auth_secret,
            algorithm="HS256",
            headers={"kid": s.auth_kid},
        )
        with pytest.raises(Problem, match="project_view token must name"):
            verify(s, bare)


def test_names_are_masked() -> None:
    assert mask_name("王芳") == "王*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("上海美居装饰有限公司") == "上海******公司"
    assert mask_name("李") == "*"
    assert mask_name("  ") == "*"


def test_no_console_account_and_no_staff_list_has_the_tracking_role() -> None:
    from services.console.domain import new_staff
    from services.notifications.api.models import STAFF
    from shared.errors import Invalid

    with pytest.raises(Invalid, match="one of branch") as refused:
        new_staff("li.na", "tracking")
    assert refused.value.field == "role" and "tracking" not in str(refused.value)
    assert Role.TRACKING not in STAFF
    with pytest.raises(Invalid, match="one of branch") as refused:
        new_staff("li.na", "project_view")
    assert "project_view" not in str(refused.value)
    assert Role.PROJECT_VIEW not in STAFF and LINK_ROLES == {Role.TRACKING, Role.PROJECT_VIEW}

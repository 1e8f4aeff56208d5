"""The signed short links a customer opens from an SMS: an HMAC over the record (a waybill or a
renovation project's id), the audience and the link's lifetime, under a secret production must
set (KEFU_LINK_SECRET). Notifications signs them into the message; the console opens them.
Pure: no clock, no I/O."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from shared.privacy import key_problem

# Published with Kefu: development and tests only (key_problem refuses it elsewhere).
DEV_LINK_SECRET = "kefu-dev-only-link-signing-secret"
SETTING = "KEFU_LINK_SECRET"
VERSION = 1
MAC_BYTES = 12  # 96 bits: a forgery is one guess in 2^96, and the link stays short
_HEAD = struct.Struct(">BcII")  # version, audience, issued, expires (unix seconds)
_DOMAIN = b"kefu link v1\x1f"
MAX_SUBJECT_BYTES = 64  # a waybill or a project id (shared.validation.Code's limit)
MAX_TOKEN_CHARS = -(-4 * (_HEAD.size + MAX_SUBJECT_BYTES + MAC_BYTES) // 3)


class Audience(StrEnum):
    """Who a link was sent to: what the page may show them, and which record the link names
    (a shipment's consignee or shipper, a renovation project's customer), follow from it."""

    CONSIGNEE = "consignee"
    SHIPPER = "shipper"
    CUSTOMER = "customer"  # a project's: the renovation customer's page

    @property
    def names_project(self) -> bool:
        """Whether the link names a renovation project (else a shipment's waybill)."""
        return self is Audience.CUSTOMER


# The audiences of each kind of record: what `kefu link revoke` ends when not told one.
SHIPMENT_AUDIENCES = (Audience.CONSIGNEE, Audience.SHIPPER)
PROJECT_AUDIENCES = (Audience.CUSTOMER,)
_CODES = {Audience.CONSIGNEE: b"c", Audience.SHIPPER: b"s", Audience.CUSTOMER: b"p"}
_BY_CODE = {v: k for k, v in _CODES.items()}


@dataclass(frozen=True, slots=True)
class Link:
    """What a valid link names: the record, the audience, when it was issued and until when."""

    subject: str
    audience: Audience
    issued_at: datetime
    expires_at: datetime


def key_of(secret: str) -> bytes:
    """The MAC key derived from the secret (kept apart from any other use of the same value)."""
    return hmac.new(secret.encode(), b"kefu customer links", hashlib.sha256).digest()


def problem(secret: str, *, development: bool) -> str | None:
    """Why this secret must not sign links (None when it may): production needs its own,
    32 bytes or more, never the published development secret."""
    if not development and secret == DEV_LINK_SECRET:
        return f"{SETTING} must be set: the development secret is published with Kefu"
    return key_problem(secret, development=development, setting=SETTING)


def sign(key: bytes, subject: str, audience: Audience, issued_at: datetime, ttl: timedelta) -> str:
    """A link token (base64url, no padding) for `subject` as seen by `audience`."""
    raw = subject.encode()
    if not raw or len(raw) > MAX_SUBJECT_BYTES:
        raise ValueError(f"a link names a record of 1 to {MAX_SUBJECT_BYTES} bytes")
    if ttl <= timedelta(0):
        raise ValueError("a link needs a positive lifetime")
    issued = int(issued_at.timestamp())
    expires = int((issued_at + ttl).timestamp())
    body = _HEAD.pack(VERSION, _CODES[Audience(audience)], issued, expires) + raw
    return base64.urlsafe_b64encode(body + _mac(key, body)).rstrip(b"=").decode()


def open_link(key: bytes, token: str, now: datetime) -> Link | None:
    """The link a token names, or None when it is malformed, forged, altered or expired
    (one answer for all: the caller cannot tell which)."""
    link = genuine(key, token)
    return link if link is not None and now < link.expires_at else None


def genuine(key: bytes, token: str) -> Link | None:
    """The link a token names when its signature is ours, expired or not (no clock needed:
    a forgery is refused before anything else is asked)."""
    if not token.isascii() or len(token) > MAX_TOKEN_CHARS:
        return None
    try:
        blob = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    if base64.urlsafe_b64encode(blob).rstrip(b"=").decode() != token:
        return None  # one spelling per link: the unused low bits of the last character too
    body, mac = blob[:-MAC_BYTES], blob[-MAC_BYTES:]
    if len(body) <= _HEAD.size or not hmac.compare_digest(mac, _mac(key, body)):
        return None
    version, code, issued, expires = _HEAD.unpack_from(body)
    audience = _BY_CODE.get(code)
    if version != VERSION or audience is None:
        return None
    try:
        subject = body[_HEAD.size :].decode()
    except UnicodeDecodeError:
        return None
    return Link(
        subject,
        audience,
        datetime.fromtimestamp(issued, UTC),
        datetime.fromtimestamp(expires, UTC),
    )


def _mac(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, _DOMAIN + body, hashlib.sha256).digest()[:MAC_BYTES]

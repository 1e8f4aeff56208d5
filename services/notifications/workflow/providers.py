"""Outside providers: an SMS gateway over HTTP, SMTP, webhooks. Every call carries the
message's idempotency key, so a retry after a timeout never sends twice; the sender calls them
with no transaction open (docs/ARCHITECTURE.md §4.8)."""

from __future__ import annotations

import asyncio
import json
import smtplib
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

import httpx

from services.notifications.config import NotificationsSettings
from services.notifications.domain import sms_request, webhook_signature

SIGNATURE_HEADER = "Kefu-Signature"
RETRYABLE_HTTP = frozenset({408, 425, 429})


@dataclass(frozen=True)
class Delivery:
    """What a provider answered: accepted (with its reference) or an error, maybe final."""

    ok: bool
    ref: str | None = None
    error: str | None = None
    permanent: bool = False


@dataclass(frozen=True)
class Mail:
    """One e-mail to send."""

    to: list[str]
    subject: str
    body: str
    key: str
    at: datetime
    attachment_name: str | None = None
    attachment_type: str | None = None
    attachment: str | None = None


def _http_failure(response: httpx.Response) -> Delivery:
    """A non-2xx answer: client errors are final (retrying cannot help), the rest retried."""
    status = response.status_code
    permanent = 400 <= status < 500 and status not in RETRYABLE_HTTP
    return Delivery(False, error=f"HTTP {status}: {response.text[:200]}", permanent=permanent)


class Providers:
    """The calls the sender makes; one shared HTTP client for the gateway and webhooks."""

    def __init__(self, config: NotificationsSettings, http: httpx.AsyncClient) -> None:
        self.config, self.http = config, http

    async def sms(self, *, phone: str, template: str, params: dict[str, Any], key: str) -> Delivery:
        """POST the gateway's JSON request; `Code: OK` means accepted."""
        cfg = self.config
        if cfg.sms_url is None:
            return Delivery(True, ref="not-sent:no-gateway-configured")
        body = sms_request(template, params, cfg, phone)
        headers = {"Idempotency-Key": key}
        if cfg.sms_key is not None:
            headers["Authorization"] = f"Bearer {cfg.sms_key.get_secret_value()}"
        try:
            response = await self.http.post(
                cfg.sms_url, json=body, headers=headers, timeout=cfg.send_timeout_seconds
            )
        except httpx.HTTPError as exc:
            return Delivery(False, error=f"{type(exc).__name__}: {exc}")
        if response.status_code >= 300:
            return _http_failure(response)
        try:
            answer = response.json()
        except ValueError:
            return Delivery(False, error="the gateway answered with invalid JSON")
        if answer.get("Code") != "OK":
            return Delivery(False, error=f"gateway code {answer.get('Code')}: {answer}")
        return Delivery(True, ref=str(answer.get("BizId") or ""))

    async def email(self, mail: Mail) -> Delivery:
        """Send through SMTP in a worker thread (smtplib blocks)."""
        message = self.build_mail(mail)
        try:
            await asyncio.to_thread(self._smtp_send, message)
        except smtplib.SMTPRecipientsRefused as exc:
            return Delivery(False, error=f"recipients refused: {exc}", permanent=True)
        except (smtplib.SMTPException, OSError) as exc:
            return Delivery(False, error=f"{type(exc).__name__}: {exc}")
        return Delivery(True, ref=str(message["Message-ID"]))

    def build_mail(self, mail: Mail) -> EmailMessage:
        """The e-mail, its Message-ID derived from the idempotency key (a resend is the same)."""
        cfg = self.config
        domain = cfg.smtp_from.rpartition("@")[2] or "kefu.local"
        message = EmailMessage()
        message["From"] = cfg.smtp_from
        message["To"] = ", ".join(mail.to)
        message["Subject"] = mail.subject
        message["Date"] = format_datetime(mail.at)
        message["Message-ID"] = f"<{mail.key}@{domain}>"
        message["X-Kefu-Idempotency-Key"] = mail.key
        message.set_content(mail.body)
        if mail.attachment is not None and mail.attachment_name:
            subtype = (mail.attachment_type or "text/csv").partition("/")[2] or "csv"
            message.add_attachment(mail.attachment, subtype=subtype, filename=mail.attachment_name)
        return message

    def _smtp_send(self, message: EmailMessage) -> None:
        cfg = self.config
        with smtplib.SMTP(cfg.smtp_host, cfg.smtp_port, timeout=cfg.send_timeout_seconds) as smtp:
            smtp.send_message(message)

    async def webhook(
        self, *, url: str, payload: dict[str, Any], key: str, at: datetime
    ) -> Delivery:
        """POST the message as JSON, signed `t=<ts>,v1=<hmac>` (ts: `at`) when a secret is
        configured."""
        cfg = self.config
        body = json.dumps(payload, ensure_ascii=False, default=str).encode()
        headers = {"Content-Type": "application/json", "Idempotency-Key": key}
        if cfg.webhook_secret is not None:
            secret = cfg.webhook_secret.get_secret_value().encode()
            headers[SIGNATURE_HEADER] = webhook_signature(secret, int(at.timestamp()), body)
        try:
            response = await self.http.post(
                url, content=body, headers=headers, timeout=cfg.send_timeout_seconds
            )
        except httpx.HTTPError as exc:
            return Delivery(False, error=f"{type(exc).__name__}: {exc}")
        if response.status_code >= 300:
            return _http_failure(response)
        return Delivery(True, ref=f"HTTP {response.status_code}")

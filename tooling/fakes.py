"""Loopback stand-ins for outside providers: an SMS gateway shaped like the Chinese ones and
an SMTP sink. Used by `kefu up` and by tests (a fake server beats a monkeypatch)."""

from __future__ import annotations

import argparse
import asyncio
import json
import threading
from email import message_from_bytes
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Header, Request
from fastapi.responses import JSONResponse


class SmsGateway:
    """Records every accepted SMS; a repeated idempotency key is answered without a second send."""

    def __init__(self, key: str | None = None, fail_next: int = 0) -> None:
        self.key = key
        self.sent: list[dict[str, Any]] = []
        self.seen_keys: dict[str, str] = {}
        self.requests = 0
        self.fail_next = fail_next
        self.lock = threading.Lock()

    def app(self) -> FastAPI:
        app = FastAPI(title="fake SMS gateway")

        @app.post("/sms/send")
        async def send(
            request: Request,
            idempotency_key: str | None = Header(default=None),
            authorization: str | None = Header(default=None),
        ) -> JSONResponse:
            body = await request.json()
            with self.lock:
                self.requests += 1
                if self.key and authorization != f"Bearer {self.key}":
                    return JSONResponse({"Code": "InvalidAccessKeyId"}, status_code=401)
                if self.fail_next > 0:
                    self.fail_next -= 1
                    return JSONResponse({"Code": "ServiceUnavailable"}, status_code=503)
                missing = [
                    f for f in ("sign_name", "template_code", "phone_numbers") if not body.get(f)
                ]
                if missing:
                    return JSONResponse(
                        {"Code": "MissingParameter", "Message": missing}, status_code=400
                    )
                if idempotency_key and idempotency_key in self.seen_keys:
                    return JSONResponse(
                        {"Code": "OK", "BizId": self.seen_keys[idempotency_key], "Replayed": True}
                    )
                biz_id = f"biz-{len(self.sent) + 1}"
                if idempotency_key:
                    self.seen_keys[idempotency_key] = biz_id
                self.sent.append({**body, "idempotency_key": idempotency_key, "biz_id": biz_id})
            return JSONResponse({"Code": "OK", "BizId": biz_id})

        @app.get("/sms/sent")
        async def sent() -> list[dict[str, Any]]:
            return self.sent

        return app


class SmtpSink:
    """Collects e-mails in memory (and optionally as .eml files)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.messages: list[dict[str, Any]] = []
        self.directory = directory

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        msg = message_from_bytes(envelope.content)
        attachments = [p.get_filename() for p in msg.walk() if p.get_filename()]
        self.messages.append(
            {
                "from": envelope.mail_from,
                "to": list(envelope.rcpt_tos),
                "subject": msg.get("Subject"),
                "message_id": msg.get("Message-ID"),
                "attachments": attachments,
                "raw": envelope.content.decode(errors="replace"),
            }
        )
        if self.directory:
            self.directory.mkdir(parents=True, exist_ok=True)
            (self.directory / f"mail-{len(self.messages)}.eml").write_bytes(envelope.content)
        return "250 OK"


def start_smtp(port: int, sink: SmtpSink) -> Any:
    """Start an SMTP sink on loopback in a background thread; returns its controller."""
    from aiosmtpd.controller import Controller

    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    return controller


def main() -> None:
    """Run both fakes until killed (for `kefu up`)."""
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--sms-port", type=int, required=True)
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--dir", default=".kefu/outbox-fakes")
    args = parser.parse_args()
    directory = Path(args.dir)
    sink = SmtpSink(directory)
    start_smtp(args.smtp_port, sink)
    gateway = SmsGateway()
    app = gateway.app()

    @app.get("/mail/sent")
    async def mail() -> list[dict[str, Any]]:
        return [{k: v for k, v in m.items() if k != "raw"} for m in sink.messages]

    print(json.dumps({"sms": args.sms_port, "smtp": args.smtp_port}), flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.sms_port, log_level="warning")


if __name__ == "__main__":
    asyncio.set_event_loop_policy(None)
    main()

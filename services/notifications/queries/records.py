"""The one mapping of stored rows: to domain objects and to the items the API shows."""

from __future__ import annotations

import json
from typing import Any

import asyncpg

from services.notifications.domain import Callback, CallbackStatus, EntityRef, RecurringSpec
from services.notifications.domain.schedule import ScheduleKind
from services.notifications.domain.scripts import SCRIPTS, script_text
from shared.contracts.values import CallbackPurpose, EscalationLevel


def callback_of(row: asyncpg.Record) -> Callback:
    """The domain's view of a stored callback."""
    return Callback(
        id=row["id"],
        purpose=CallbackPurpose(row["purpose"]),
        entity_kind=row["entity_kind"],
        entity_id=row["entity_id"],
        due_at=row["due_at"],
        script=row["script"],
        stage=row["stage"],
        customer_id=row["customer_id"],
        assignee=row["assignee"],
        team=row["team"],
        status=CallbackStatus(row["status"]),
        attempts=row["attempts"],
        level=EscalationLevel(row["level"]) if row["level"] else None,
        version=row["version"],
        project_manager=row["project_manager"],
    )


def recurring_of(row: asyncpg.Record) -> RecurringSpec:
    """The domain's view of a stored schedule."""
    return RecurringSpec(
        purpose=CallbackPurpose(row["purpose"]),
        kind=ScheduleKind(row["kind"]),
        entity=EntityRef(row["entity_kind"], row["entity_id"]),
        anchor=row["anchor"],
        first_at=row["next_at"],
        stops_at=row["stops_at"],
        stops_when=row["stops_when"],
        dedupe_key=row["dedupe_key"],
        script=row["script"],
        team=row["team"],
        assignee=row["assignee"],
        customer_id=row["customer_id"],
        assignee_from_roster=row["assignee_from_roster"],
    )


def script_for(key: str, language: str) -> str:
    """The agent's script text (the key itself when no script is registered)."""
    return script_text(key, language) if key in SCRIPTS else key


def callback_item(
    row: asyncpg.Record, language: str = "zh", *, full_phone: bool = False
) -> dict[str, Any]:
    """A callback as the worklist shows it; a list row also names its customer (the phone in
    full only for a caller who dials it)."""
    item = {
        "id": row["id"],
        "purpose": row["purpose"],
        "stage": row["stage"],
        "duty": row["duty"],
        "entity": {"kind": row["entity_kind"], "id": row["entity_id"]},
        "due_at": row["due_at"],
        "status": row["status"],
        "assignee": row["assignee"],
        "team": row["team"],
        "attempts": row["attempts"],
        "level": row["level"],
        "script": script_for(row["script"], language),
        "customer_id": row["customer_id"],
        "project_manager": row["project_manager"],
        "schedule_id": row["schedule_id"],
        "created_at": row["created_at"],
        "closed_at": row["closed_at"],
    }
    if "customer_name" in row.keys():
        item["customer"] = customer_of(row, full_phone) if row["customer_id"] else None
    return item


def customer_of(row: asyncpg.Record, full_phone: bool) -> dict[str, Any]:
    """The task's customer as the contact book knows them (name and phone None until their
    customer event has arrived)."""
    phone: str | None = row["customer_phone"]
    return {
        "id": row["customer_id"],
        "name": row["customer_name"],
        "phone": phone if full_phone or phone is None else mask_phone(phone),
    }


def outcome_item(row: asyncpg.Record) -> dict[str, Any]:
    """One call made on a callback."""
    ratings = row["ratings"]
    return {
        "attempt": row["attempt"],
        "reached": row["reached"],
        "satisfied": row["satisfied"],
        "satisfaction": row["satisfaction"],
        "ratings": json.loads(ratings) if isinstance(ratings, str) else dict(ratings or {}),
        "comment": row["comment"],
        "by": row["recorded_by"],
        "at": row["at"],
    }


def mask_phone(phone: str) -> str:
    """A phone as logs and lists show it: 138****0000."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def shown_address(row: asyncpg.Record) -> str | None:
    """Where the message went, with phone numbers masked."""
    address: str | None = row["address"]
    if address is None and row["recipient_kind"] == "phone":
        address = row["recipient_value"]
    if address is not None and row["channel"] == "sms":
        return mask_phone(address)
    return address


def message_params(row: asyncpg.Record) -> dict[str, str]:
    """A message row's template params."""
    value = row["params"]
    return dict(json.loads(value) if isinstance(value, str) else value)


def message_item(row: asyncpg.Record) -> dict[str, Any]:
    """A message as the log shows it: channel, status, entity, template, rendered text."""
    entity = {"kind": row["entity_kind"], "id": row["entity_id"]} if row["entity_kind"] else None
    return {
        "id": row["id"],
        "channel": row["channel"],
        "status": row["status"],
        "entity": entity,
        "customer_id": row["customer_id"],
        "template": row["template"],
        "language": row["rendered_language"],
        "subject": row["subject"],
        "text": row["body"],
        "recipient": {
            "kind": row["recipient_kind"],
            "label": row["recipient_label"],
            "address": shown_address(row),
        },
        "attachment": row["attachment_name"],
        "attempts": row["attempts"],
        "send_at": row["send_at"],
        "sent_at": row["sent_at"],
        "last_error": row["last_error"],
        "created_at": row["created_at"],
    }

"""Column lists and values the query modules share."""

from __future__ import annotations

from typing import Final

OPEN_STATUSES: Final = ["scheduled", "due", "overdue"]
CALLBACK_COLUMNS: Final = (
    "id, purpose, stage, entity_kind, entity_id, customer_id, due_at, status, assignee, team,"
    " attempts, level, script, project_manager, assignee_from_roster, schedule_id, version,"
    " branch_id, correlation_id, created_at, updated_at, closed_at, duty"
)
MESSAGE_COLUMNS: Final = (
    "id, dedupe_key, channel, template, recipient_kind, recipient_value, recipient_label,"
    " webhook_url, address, params, language, rendered_language, subject, body, entity_kind,"
    " entity_id, customer_id, attachment_name, attachment_type, attachment, status, attempts,"
    " send_at, sent_at, provider_ref, last_error, branch_id, correlation_id, created_at"
)

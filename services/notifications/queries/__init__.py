"""All SQL of the notifications service: one async function per statement, keyword-only args;
`records.py` maps the rows. Times written in SQL come from `kefu_now()`, the database clock with
the test offset the context applies (the same value as `ctx.now()`)."""

from services.notifications.queries.book import (
    fill_callback_assignees,
    fill_schedule_assignees,
    get_contacts,
    get_roster,
    upsert_contact,
    upsert_roster,
)
from services.notifications.queries.callbacks import (
    cancel_callbacks,
    count_open_callbacks,
    duty_decided_after,
    get_callback,
    get_callback_card,
    insert_callback,
    insert_outcome,
    list_callbacks,
    list_outcomes,
    lock_record,
    mark_duties,
    save_callback,
)
from services.notifications.queries.common import OPEN_STATUSES
from services.notifications.queries.messages import (
    complete_send_timers,
    defer_messages,
    get_message,
    get_messages,
    insert_message,
    list_messages,
    mark_failed_many,
    mark_sent_many,
    reschedule_send_timers,
)
from services.notifications.queries.reports import callback_levels, message_levels
from services.notifications.queries.schedules import (
    advance_schedule,
    cancel_schedules,
    cancel_timers,
    get_schedule,
    insert_schedule,
    list_schedules,
)

__all__ = [
    "OPEN_STATUSES",
    "advance_schedule",
    "callback_levels",
    "cancel_callbacks",
    "cancel_schedules",
    "cancel_timers",
    "complete_send_timers",
    "count_open_callbacks",
    "defer_messages",
    "duty_decided_after",
    "fill_callback_assignees",
    "fill_schedule_assignees",
    "get_callback",
    "get_callback_card",
    "get_contacts",
    "get_message",
    "get_messages",
    "get_roster",
    "get_schedule",
    "insert_callback",
    "insert_message",
    "insert_outcome",
    "insert_schedule",
    "list_callbacks",
    "list_messages",
    "list_outcomes",
    "list_schedules",
    "lock_record",
    "mark_duties",
    "mark_failed_many",
    "mark_sent_many",
    "message_levels",
    "reschedule_send_timers",
    "save_callback",
    "upsert_contact",
    "upsert_roster",
]

"""Every change notifications makes, in one transaction each (load, call the domain, save,
emit, schedule), called alike by routes, the bus handler and the timers; and the sender, which
calls the outside providers with no transaction open."""

from services.notifications.workflow.callbacks import (
    Recorded,
    add_task,
    callback_with_calls,
    check,
    record_call,
    save,
    worklist,
)
from services.notifications.workflow.common import CHECK_TIMER, SCHEDULE_TIMER, SEND_TIMER, Cause
from services.notifications.workflow.messages import message, message_log, queue_message
from services.notifications.workflow.plans import apply_event, apply_plan
from services.notifications.workflow.reports import service_levels
from services.notifications.workflow.schedules import run_schedule, start_schedule
from services.notifications.workflow.sending import Sender

__all__ = [
    "CHECK_TIMER",
    "SCHEDULE_TIMER",
    "SEND_TIMER",
    "Cause",
    "Recorded",
    "Sender",
    "add_task",
    "apply_event",
    "apply_plan",
    "callback_with_calls",
    "check",
    "message",
    "message_log",
    "queue_message",
    "record_call",
    "run_schedule",
    "save",
    "service_levels",
    "start_schedule",
    "worklist",
]

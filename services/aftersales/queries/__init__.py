"""All of aftersales' SQL: one async function per statement, keyword-only arguments."""

from services.aftersales.queries.projects import (
    get_materials,
    get_project,
    upsert_materials,
    upsert_project,
)
from services.aftersales.queries.records import Stored
from services.aftersales.queries.reports import (
    opened_by_status,
    service_levels,
    warranty_and_fees,
)
from services.aftersales.queries.tickets import (
    add_history,
    add_photo,
    count_open_by_phase,
    count_photos,
    get_photo,
    get_ticket,
    history,
    insert_ticket,
    list_tickets,
    lock_ticket,
    photos,
    record_breach,
    tickets_of_project,
    update_ticket,
)

__all__ = [
    "Stored",
    "add_history",
    "add_photo",
    "count_open_by_phase",
    "count_photos",
    "get_materials",
    "get_photo",
    "get_project",
    "get_ticket",
    "history",
    "insert_ticket",
    "list_tickets",
    "lock_ticket",
    "opened_by_status",
    "photos",
    "record_breach",
    "service_levels",
    "tickets_of_project",
    "update_ticket",
    "upsert_materials",
    "upsert_project",
    "warranty_and_fees",
]

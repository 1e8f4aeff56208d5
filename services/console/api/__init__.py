"""The console's pages: sign-in, the worklist and its live updates, the sign-in audit,
projects and repairs, the search box and the customer card, complaints, the branch desk, the
managers' reports, and the customer's shipment page (no sign-in).
Templates, static files and the message catalogue live beside the route modules."""

from fastapi import APIRouter

from services.console.api import (
    audit,
    complaints,
    desk,
    live,
    lookup,
    projects,
    repairs,
    reports,
    settings,
    signin,
    tracking,
    worklist,
)
from services.console.api.pages import STATIC

router = APIRouter(include_in_schema=False)
for module in (
    signin,
    worklist,
    live,
    settings,
    audit,
    projects,
    repairs,
    tracking,
    lookup,
    complaints,
    desk,
    reports,
):
    router.include_router(module.router)

__all__ = ["STATIC", "router"]

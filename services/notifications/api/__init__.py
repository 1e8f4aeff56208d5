"""The HTTP API (`/v1`): the callback worklist and outcomes, the message log, reports."""

from fastapi import APIRouter

from services.notifications.api import callbacks, messages, reports

router = APIRouter()
for part in (callbacks, messages, reports):
    router.include_router(part.router)

__all__ = ["router"]

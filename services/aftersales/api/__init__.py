"""Aftersales' HTTP API: repair tickets through their life cycle and their photos."""

from fastapi import APIRouter

from services.aftersales.api import photos, steps, tickets

router = APIRouter()
router.include_router(tickets.router)
router.include_router(steps.router)
router.include_router(photos.router)

__all__ = ["router"]

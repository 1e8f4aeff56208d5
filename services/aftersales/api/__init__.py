"""Aftersales' HTTP API: repair tickets through their life cycle, photos, the monthly report."""

from fastapi import APIRouter

from services.aftersales.api import customer, photos, reports, steps, tickets

router = APIRouter()
router.include_router(tickets.router)
router.include_router(steps.router)
router.include_router(photos.router)
router.include_router(reports.router)
router.include_router(customer.router)

__all__ = ["router"]

"""Intake's HTTP API: leads, customers and their service files, complaints, repair requests,
the weekly report."""

from fastapi import APIRouter

from services.intake.api import complaints, customers, files, reports

router = APIRouter()
# Complaints first: routing tries routes in order, and opening a complaint is the busiest
# write (no path of one router overlaps another's, so the order changes nothing else).
router.include_router(complaints.router)
router.include_router(customers.router)
router.include_router(files.router)
router.include_router(reports.router)

__all__ = ["router"]

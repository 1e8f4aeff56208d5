"""Intake's HTTP API: leads, customers and their service files, complaints, repair requests,
the weekly report."""

from fastapi import APIRouter

from services.intake.api import complaints, customers, files, reports

router = APIRouter()
router.include_router(customers.router)
router.include_router(files.router)
router.include_router(complaints.router)
router.include_router(reports.router)

__all__ = ["router"]

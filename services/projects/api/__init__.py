"""HTTP API of the projects service (`/v1`): thin routes over the workflow, by subject."""

from fastapi import APIRouter

from services.projects.api import (
    customer,
    documents,
    money,
    projects,
    quality,
    reports,
    reviews,
    settlement,
)

router = APIRouter()
for part in (projects, money, settlement, documents, quality, reviews, reports, customer):
    router.include_router(part.router)

__all__ = ["router"]

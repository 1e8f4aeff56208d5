"""The logistics HTTP API (API.md "logistics"): one router over the route modules."""

from __future__ import annotations

from fastapi import APIRouter

from services.logistics.api import (
    cargo,
    custody,
    customer,
    delivery,
    desk,
    receipts,
    shipments,
    shippers,
    stations,
)

router = APIRouter()
router.include_router(shipments.router)
router.include_router(cargo.router)
router.include_router(delivery.router)
router.include_router(receipts.router)
router.include_router(custody.router)
router.include_router(stations.router)
router.include_router(shippers.router)
router.include_router(desk.router)
router.include_router(customer.router)

__all__ = ["router"]

"""Photos and documents of a repair, in the NATS Object Store."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Request, Response, UploadFile

from services.aftersales import domain, queries
from services.aftersales.api.common import (
    READ,
    WRITE,
    locked,
    now_or,
    photo_store,
    settings_of,
    visible,
)
from shared.web.auth import Principal
from shared.web.deps import read
from shared.web.errors import not_found

router = APIRouter(prefix="/v1", tags=["repairs"])


@router.post("/repairs/{repair_id}/photos", status_code=201)
async def add_photo(
    repair_id: str, request: Request, file: UploadFile = File(...), who: Principal = WRITE
) -> dict[str, Any]:
    """Store a photo or document in the object store: 413 oversize, 415 wrong type."""
    data = await file.read()
    content_type = (file.content_type or "").split(";", 1)[0].strip().lower()
    store, config = photo_store(request), settings_of(request)
    store.check(data, content_type)
    async with read(request) as conn:
        domain.check_photo(
            (await visible(conn, repair_id, who)).ticket, content_type, len(data), config
        )
    stored_object = await store.put(data, content_type)
    # The bytes go in before the row: a failure leaves an unreferenced object, never a dangling row.
    async with locked(request, repair_id, who) as (conn, stored):
        domain.check_photo(stored.ticket, content_type, len(data), config)
        await queries.add_photo(
            conn,
            photo_id=stored_object.id,
            repair_id=repair_id,
            sha256=stored_object.sha256,
            size_bytes=stored_object.size,
            content_type=content_type,
            uploaded_by=who.sub,
        )
        await queries.add_history(
            conn,
            repair_id=repair_id,
            at=now_or(),
            action="photo_added",
            by=who.sub,
            details={"photo_id": stored_object.id, "filename": file.filename},
        )
    return {
        "photo_id": stored_object.id,
        "sha256": stored_object.sha256,
        "size": stored_object.size,
        "content_type": content_type,
    }


@router.get("/repairs/{repair_id}/photos/{photo_id}")
async def get_photo(
    repair_id: str, photo_id: str, request: Request, who: Principal = READ
) -> Response:
    """The photo's bytes with their content type."""
    async with read(request) as conn:
        await visible(conn, repair_id, who)
        photo = await queries.get_photo(conn, repair_id=repair_id, photo_id=photo_id)
    if photo is None:
        raise not_found("photo", photo_id)
    data = await photo_store(request).get(photo_id)
    return Response(
        data, media_type=photo["content_type"], headers={"ETag": f'"{photo["sha256"]}"'}
    )

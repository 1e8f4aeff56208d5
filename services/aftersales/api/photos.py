"""Photos and documents of a repair, in the NATS Object Store."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile

from services.aftersales import workflow
from services.aftersales.api.roles import READ, WRITE
from services.aftersales.config import AftersalesSettings
from shared.contracts.values import PhotoPhase
from shared.objects import ObjectStore
from shared.web.auth import Principal
from shared.web.deps import change, object_store, view
from shared.web.openapi import stored_file

router = APIRouter(prefix="/v1", tags=["repairs"])


def photo_store(request: Request) -> ObjectStore:
    """The photo bucket."""
    config: AftersalesSettings = request.app.state.svc.config
    return object_store(
        request,
        config.photo_bucket,
        max_bytes=config.photo_max_bytes,
        allowed_types=config.photo_types,
    )


@router.post("/repairs/{repair_id}/photos", status_code=201)
async def add_photo(
    repair_id: str,
    request: Request,
    file: UploadFile = File(...),
    phase: PhotoPhase | None = Form(None),
    who: Principal = WRITE,
) -> dict[str, Any]:
    """Store a photo or document in the object store with its phase (survey, during, after):
    413 oversize, 415 wrong type."""
    data = await file.read()
    content_type = (file.content_type or "").split(";", 1)[0].strip().lower()
    store = photo_store(request)
    store.check(data, content_type)
    async with view(request) as ctx:
        await workflow.check_photo(
            ctx, who, repair_id, content_type=content_type, size_bytes=len(data), phase=phase
        )
    # The bytes go in outside any transaction and before the row: a failure leaves an
    # unreferenced object, never a dangling row (so two workflow calls around the upload).
    stored = await store.put(data, content_type)
    async with change(request) as ctx:
        taken = await workflow.add_photo(
            ctx,
            who,
            repair_id,
            photo=stored,
            content_type=content_type,
            filename=file.filename,
            phase=phase,
        )
    return {
        "photo_id": stored.id,
        "phase": taken.value,
        "sha256": stored.sha256,
        "size": stored.size,
        "content_type": content_type,
    }


@router.get(
    "/repairs/{repair_id}/photos/{photo_id}",
    response_class=Response,
    responses=stored_file(AftersalesSettings.model_fields["photo_types"].default),
)
async def get_photo(
    repair_id: str, photo_id: str, request: Request, who: Principal = READ
) -> Response:
    """The photo's bytes with their content type."""
    async with view(request) as ctx:
        photo = await workflow.photo(ctx, who, repair_id, photo_id)
    data = await photo_store(request).get(photo_id)
    return Response(
        data, media_type=photo["content_type"], headers={"ETag": f'"{photo["sha256"]}"'}
    )

"""Routes of a project's documents: files in the object store, the documents recorded with
them (the written quotation, the contract and budget, the purchase agreement, the notice)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, File, Request, Response, UploadFile

from services.projects import workflow
from services.projects.api.models import DocumentIn, if_match
from services.projects.api.roles import MONEY, READERS
from services.projects.config import ProjectsSettings
from services.projects.queries import records
from shared.objects import ObjectStore
from shared.web.auth import Principal, require
from shared.web.deps import change, object_store, view
from shared.web.openapi import stored_file

router = APIRouter(prefix="/v1", tags=["documents"])


def document_store(request: Request) -> ObjectStore:
    """The document bucket."""
    config: ProjectsSettings = request.app.state.svc.config
    return object_store(
        request,
        config.document_bucket,
        max_bytes=config.document_max_bytes,
        allowed_types=config.document_types,
    )


@router.post("/projects/{project_id}/files", status_code=201)
async def add_file(
    project_id: str,
    request: Request,
    file: UploadFile = File(...),
    who: Principal = require(*MONEY),
) -> dict[str, Any]:
    """Store a document's scan or PDF: 413 oversize, 415 wrong type, 422 content not its type."""
    data = await file.read()
    content_type = (file.content_type or "").split(";", 1)[0].strip().lower()
    store = document_store(request)
    store.check(data, content_type)
    async with view(request) as ctx:
        await workflow.check_file(ctx, project_id)
    # The bytes go in outside any transaction and before the row: a failure leaves an
    # unreferenced object, never a row without its bytes.
    stored = await store.put(data, content_type)
    async with change(request) as ctx:
        await workflow.add_file(ctx, project_id, stored=stored, filename=file.filename, by=who.sub)
    return {
        "file_id": stored.id,
        "sha256": stored.sha256,
        "size_bytes": stored.size,
        "content_type": content_type,
    }


@router.get(
    "/projects/{project_id}/files/{file_id}",
    response_class=Response,
    responses=stored_file(ProjectsSettings.model_fields["document_types"].default),
)
async def get_file(
    project_id: str, file_id: str, request: Request, who: Principal = require(*READERS)
) -> Response:
    """A document file's bytes with their content type."""
    async with view(request) as ctx:
        found = await workflow.stored_file(ctx, project_id, file_id)
    data = await document_store(request).get(file_id)
    return Response(
        data, media_type=found["content_type"], headers={"ETag": f'"{found["sha256"]}"'}
    )


@router.post("/projects/{project_id}/documents", status_code=201)
async def record(
    project_id: str, body: DocumentIn, request: Request, who: Principal = require(*MONEY)
) -> dict[str, Any]:
    """Record a document with its number, parties, signatures and file."""
    async with change(request) as ctx:
        f, document = await workflow.record_document(
            ctx,
            project_id,
            kind=body.kind,
            number=body.number,
            parties=[(p.role, p.name) for p in body.parties],
            signatures=[
                workflow.SignatureIn(s.party, s.name, s.signed_at) for s in body.signatures
            ],
            amount_fen=body.amount_fen,
            file_id=body.file_id,
            at=body.at,
            by=who.sub,
            if_match=if_match(request),
        )
    return {**records.document_json(document), "version": f.project.version}


@router.get("/projects/{project_id}/documents")
async def documents(
    project_id: str, request: Request, who: Principal = require(*READERS)
) -> dict[str, Any]:
    """The project's documents, in the order they were recorded."""
    async with view(request) as ctx:
        f = await workflow.project_file(ctx, project_id)
    return {"items": [records.document_json(d) for d in f.project.documents]}

"""The documents of a project: the files kept of them in the object store, and the documents
themselves (kind, number, parties, signatures, amount) on the project."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from services.projects import domain, queries
from services.projects.domain import DocumentSignature, NamedParty, ProjectDocument
from services.projects.queries import records
from services.projects.workflow.unit import ProjectFile, Unit
from shared.context import Context
from shared.contracts.values import DocumentKind, DocumentParty
from shared.errors import Invalid, NotFound
from shared.objects import StoredObject


@dataclass(frozen=True)
class SignatureIn:
    """A signature as the caller gives it (no time: now)."""

    party: DocumentParty
    name: str
    signed_at: datetime | None


async def check_file(ctx: Context, project_id: str) -> None:
    """Refuse a file for an unknown project before its bytes are stored."""
    if await queries.get_project(ctx.conn, project_id=project_id) is None:
        raise NotFound("project", project_id)


async def add_file(
    ctx: Context, project_id: str, *, stored: StoredObject, filename: str | None, by: str
) -> None:
    """Record a file whose bytes are in the object store as the project's."""
    await check_file(ctx, project_id)
    await queries.insert_file(
        ctx.conn,
        file_id=stored.id,
        project_id=project_id,
        sha256=stored.sha256,
        size_bytes=stored.size,
        content_type=stored.content_type,
        filename=filename,
        uploaded_by=by,
    )


async def stored_file(ctx: Context, project_id: str, file_id: str) -> dict[str, Any]:
    """A file of the project (404 for an unknown project or file)."""
    await check_file(ctx, project_id)
    row = await queries.get_file(ctx.conn, project_id=project_id, file_id=file_id)
    if row is None:
        raise NotFound("file", file_id)
    return dict(row)


async def record_document(
    ctx: Context,
    project_id: str,
    *,
    kind: DocumentKind,
    number: str,
    parties: list[tuple[DocumentParty, str]],
    signatures: list[SignatureIn],
    amount_fen: int | None,
    file_id: str,
    at: datetime | None,
    by: str,
    if_match: str | None = None,
) -> tuple[ProjectFile, ProjectDocument]:
    """Keep a document on the project, with the file uploaded for it."""
    when = await ctx.business_time(at, "at")
    signed = [
        DocumentSignature(
            s.party, s.name, await ctx.business_time(s.signed_at, f"signatures[{i}].signed_at")
        )
        for i, s in enumerate(signatures)
    ]
    unit = await Unit.fetch(ctx, project_id, if_match)
    row = await queries.get_file(ctx.conn, project_id=project_id, file_id=file_id)
    if row is None:
        raise Invalid("file_id", f"no file {file_id} was uploaded to this project")
    document = ProjectDocument(
        id=uuid.uuid4().hex,
        kind=kind,
        number=number,
        at=when,
        parties=tuple(NamedParty(role, name) for role, name in parties),
        file=records.stored_file_of(row),
        recorded_by=by,
        signatures=tuple(signed),
        amount_fen=amount_fen,
    )
    unit.project = domain.record_document(unit.project, document)
    await unit.commit()
    return await unit.file(), document

"""SQL for the files kept of project documents (their bytes are in the object store)."""

from __future__ import annotations

import asyncpg


async def insert_file(
    conn: asyncpg.Connection,
    *,
    file_id: str,
    project_id: str,
    sha256: str,
    size_bytes: int,
    content_type: str,
    filename: str | None,
    uploaded_by: str,
) -> None:
    """Record a file whose bytes were just stored in the object store."""
    await conn.execute(
        "INSERT INTO files (file_id, project_id, sha256, size_bytes, content_type, filename,"
        " uploaded_by) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        file_id,
        project_id,
        sha256,
        size_bytes,
        content_type,
        filename,
        uploaded_by,
    )


async def get_file(
    conn: asyncpg.Connection, *, project_id: str, file_id: str
) -> asyncpg.Record | None:
    """One file of a project, or None (another project's file is not this one's)."""
    return await conn.fetchrow(
        "SELECT file_id, project_id, sha256, size_bytes, content_type, filename, uploaded_by,"
        " uploaded_at FROM files WHERE project_id = $1 AND file_id = $2",
        project_id,
        file_id,
    )

"""Projects and repairs as their pages show them, read through projects' and aftersales' APIs
with the person's token; a section another service refuses this role is left out."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from services.console.domain import Staff
from services.console.workflow.services import Fetched, ServiceError, Services


def _id(value: str) -> str:
    return quote(value, safe="")


@dataclass(frozen=True)
class Listing:
    """One page of a list and the cursor of the next."""

    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class ProjectView:
    """A project, its next step and the repairs about it (None: this role may not read them)."""

    project: dict[str, Any]
    next: dict[str, Any]
    repairs: list[dict[str, Any]] | None = field(default=None)


async def projects(
    services: Services, staff: Staff, filters: dict[str, str], cursor: str | None, size: int
) -> Listing:
    """A page of projects, newest first, with the filters the person chose."""
    page = await services.get(
        staff, "projects", "/v1/projects", order="newest", limit=size, cursor=cursor, **filters
    )
    return Listing(list(page["items"]), page.get("next_cursor"))


async def _optional(call: Any) -> Any:
    """A section's data, or None when its service refuses this role (403) or hides it (404)."""
    try:
        return await call
    except ServiceError as exc:
        if exc.status in (403, 404):
            return None
        raise


async def project(services: Services, staff: Staff, project_id: str) -> ProjectView:
    """The project, what its next stage waits for, and its repair tickets when readable."""
    path = f"/v1/projects/{_id(project_id)}"
    found, step, tickets = await asyncio.gather(
        services.get(staff, "projects", path),
        services.get(staff, "projects", f"{path}/next"),
        _optional(services.get(staff, "aftersales", "/v1/repairs", project_id=project_id)),
    )
    return ProjectView(found, step, None if tickets is None else list(tickets["items"]))


async def project_file(services: Services, staff: Staff, project_id: str, file_id: str) -> Fetched:
    """A document's file, as projects serves it to this person."""
    return await services.fetch(
        staff, "projects", f"/v1/projects/{_id(project_id)}/files/{_id(file_id)}"
    )


async def warranty_card(services: Services, staff: Staff, project_id: str) -> Fetched:
    """The warranty card to print (projects renders it)."""
    return await services.fetch(staff, "projects", f"/v1/projects/{_id(project_id)}/warranty-card")


async def transition(
    services: Services, staff: Staff, project_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Move the project to its next stage (projects applies every rule)."""
    moved: dict[str, Any] = await services.post(
        staff, "projects", f"/v1/projects/{_id(project_id)}/transitions", body
    )
    return moved


async def repairs(
    services: Services, staff: Staff, filters: dict[str, str], cursor: str | None, size: int
) -> Listing:
    """A page of repair tickets (a branch sees its own only: aftersales decides)."""
    page = await services.get(
        staff, "aftersales", "/v1/repairs", limit=size, cursor=cursor, **filters
    )
    return Listing(list(page["items"]), page.get("next_cursor"))


async def repair(services: Services, staff: Staff, repair_id: str) -> dict[str, Any]:
    """One repair ticket with its steps, photos, quote, schedule and completion."""
    found: dict[str, Any] = await services.get(staff, "aftersales", f"/v1/repairs/{_id(repair_id)}")
    return found


async def repair_photo(services: Services, staff: Staff, repair_id: str, photo_id: str) -> Fetched:
    """A repair photo's bytes, as aftersales serves them to this person."""
    return await services.fetch(
        staff, "aftersales", f"/v1/repairs/{_id(repair_id)}/photos/{_id(photo_id)}"
    )


async def repair_step(
    services: Services, staff: Staff, repair_id: str, path: str, body: dict[str, Any]
) -> dict[str, Any]:
    """One step of a repair ticket through aftersales (it decides whether the step may be
    taken now)."""
    done: dict[str, Any] = await services.post(
        staff, "aftersales", f"/v1/repairs/{_id(repair_id)}/{path}", body
    )
    return done


async def add_repair_photo(
    services: Services,
    staff: Staff,
    repair_id: str,
    filename: str,
    content: bytes,
    kind: str,
    phase: str | None,
) -> dict[str, Any]:
    """A photo for the ticket with its phase (survey, during, after; none: aftersales takes the
    ticket's), stored by aftersales (which checks its size, type and phase)."""
    stored: dict[str, Any] = await services.upload(
        staff,
        "aftersales",
        f"/v1/repairs/{_id(repair_id)}/photos",
        filename=filename,
        content=content,
        kind=kind,
        fields={"phase": phase} if phase else None,
    )
    return stored

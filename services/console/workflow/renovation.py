"""A renovation customer's link: the project and its open repairs read from projects and
aftersales with a token that can read that one project's customer views, nothing else."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from services.console.domain.renovation import phase_of, phases
from services.console.domain.tracking import Step
from services.console.workflow.services import ServiceError, Services
from shared.links import Link
from shared.web.auth import PROJECT_AUDIENCE, issue_token


@dataclass(frozen=True)
class Renovation:
    """The page's content: projects' customer view, the phases, and the open repairs."""

    project: dict[str, Any]
    phase: str
    phases: list[Step]
    repairs: list[dict[str, Any]]


def scoped_token(services: Services, link: Link, ttl_seconds: int) -> str:
    """A token for this link alone: role project_view, its project, a minute's life."""
    return issue_token(
        services.settings,
        role="project_view",
        sub=f"link:{link.audience.value}:{link.subject}",
        project=link.subject,
        audience=PROJECT_AUDIENCE,
        ttl_seconds=ttl_seconds,
    )


async def project(services: Services, link: Link, ttl_seconds: int) -> Renovation | None:
    """The project and its open repairs as this link's token may read them (None when
    projects does not know the project: the same page as a bad link)."""
    token = scoped_token(services, link, ttl_seconds)
    path = f"/v1/projects/{quote(link.subject, safe='')}"
    try:
        found, repairs = await asyncio.gather(
            services.get(token, "projects", f"{path}/customer-view"),
            services.get(token, "aftersales", f"{path}/open-repairs"),
        )
    except ServiceError as exc:
        if exc.status == 404:
            return None
        raise
    stage = str(found["stage"])
    return Renovation(
        project=found,
        phase=phase_of(stage),
        phases=phases(stage),
        repairs=list(repairs["items"]),
    )

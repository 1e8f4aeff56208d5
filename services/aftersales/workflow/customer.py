"""What a renovation customer's link may read of their repairs: the project's open tickets."""

from __future__ import annotations

from services.aftersales import queries
from services.aftersales.domain.customer import OPEN
from services.aftersales.domain.lifecycle import ORDER, Ticket
from shared.context import Context
from shared.contracts.values import Role
from shared.errors import NotFound
from shared.web.auth import Principal

# More open repairs than this at once on one project is a case for the phone, not the page.
SHOWN = 50


async def open_repairs(ctx: Context, who: Principal, project_id: str) -> list[Ticket]:
    """The project's tickets still open for its customer, oldest first; a project_view token
    reads its own project's only (404 for any other, as for a project never heard of)."""
    if who.role is Role.PROJECT_VIEW and who.project != project_id:
        raise NotFound("project", project_id)
    found = await queries.tickets_of_project(
        ctx.conn,
        project_id=project_id,
        statuses=[s.value for s in ORDER if s in OPEN],
        limit=SHOWN,
    )
    return [s.ticket for s in found if who.may_see_branch(s.branch_id)]

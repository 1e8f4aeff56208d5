"""Every SQL statement of the projects service: one async function each, keyword-only args."""

from services.projects.queries.deadlines import (
    deadlines_of,
    get_deadline,
    mark_deadline_missed,
    satisfy_deadline,
    upsert_deadline,
)
from services.projects.queries.files import (
    get_file,
    insert_file,
)
from services.projects.queries.materials import (
    insert_material_change,
    insert_material_check,
    insert_materials,
    material_changes_of,
    material_checks_of,
    materials_of,
)
from services.projects.queries.projections import (
    callbacks_of,
    complaint_counts,
    insert_complaint,
    ratings_in_month,
    satisfaction_in_month,
    upsert_callback_completed,
    upsert_callback_scheduled,
)
from services.projects.queries.projects import (
    active_by_stage,
    get_project,
    insert_project,
    insert_stage_log,
    list_projects,
    managers_of,
    projects_owing_care,
    stage_log,
    states_outside,
    update_project,
)
from services.projects.queries.reviews import (
    awards_in_month,
    get_review,
    insert_award,
    insert_inspection,
    insert_review,
    inspections_in_month,
    update_review,
)
from services.projects.queries.timers import (
    insert_spot_check,
    seed_timer,
    spot_check_candidates,
)

__all__ = [
    "active_by_stage",
    "awards_in_month",
    "callbacks_of",
    "complaint_counts",
    "deadlines_of",
    "get_deadline",
    "get_file",
    "get_project",
    "get_review",
    "insert_award",
    "insert_complaint",
    "insert_file",
    "insert_inspection",
    "insert_material_change",
    "insert_material_check",
    "insert_materials",
    "insert_project",
    "insert_review",
    "insert_spot_check",
    "insert_stage_log",
    "inspections_in_month",
    "list_projects",
    "managers_of",
    "mark_deadline_missed",
    "material_changes_of",
    "material_checks_of",
    "materials_of",
    "projects_owing_care",
    "ratings_in_month",
    "satisfaction_in_month",
    "satisfy_deadline",
    "seed_timer",
    "spot_check_candidates",
    "stage_log",
    "states_outside",
    "update_project",
    "update_review",
    "upsert_callback_completed",
    "upsert_callback_scheduled",
    "upsert_deadline",
]

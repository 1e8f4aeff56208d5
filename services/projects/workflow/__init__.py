"""Every change the projects service makes, in one transaction each: load, call the domain,
save, emit, schedule. Routes, bus handlers and timers all call these functions with a Context.

By subject: `projects` (opening, people, stages, approvals, sign-offs, deadline facts and
misses), `documents` (files in the object store, the documents recorded with them), `money`
(contract, payments, added items, payment timers), `settlement` (receipts, the feedback form,
the warranty card's steps), `works` (materials, material changes,
inspections), `reviews`, `projections` (other services' events kept here), `monthly` (the
published reports); `unit` holds the aggregate's load-change-commit cycle.
"""

from services.projects.workflow.documents import (
    SignatureIn,
    add_file,
    check_file,
    record_document,
    stored_file,
)
from services.projects.workflow.money import (
    add_item,
    payment_due,
    payment_overdue,
    record_payment,
    sign_contract,
)
from services.projects.workflow.monthly import (
    CARE_TIMER,
    RATING_TIMER,
    decide_award,
    publish_care,
    publish_rating,
    seed_timers,
)
from services.projects.workflow.projections import (
    count_complaint,
    keep_callback_completed,
    keep_callback_scheduled,
)
from services.projects.workflow.projects import (
    approve,
    assign,
    book_design_acceptance,
    deadline_passed,
    list_projects,
    next_step,
    open_from_lead,
    open_project,
    project_file,
    record_design_acceptance,
    record_fact,
    sign_off,
    transition,
)
from services.projects.workflow.reviews import (
    approve_review,
    dispute_review,
    form_panel,
    get_review,
    resubmit_review,
    return_review,
    score_review,
    submit_review,
)
from services.projects.workflow.settlement import (
    archive_card,
    issue_card,
    payment_receipt,
    record_feedback,
    sign_card,
)
from services.projects.workflow.unit import (
    DEADLINE,
    PAYMENT_DUE,
    PAYMENT_OVERDUE,
    ProjectFile,
    StaleVersion,
    Unit,
    VersionMismatch,
)
from services.projects.workflow.works import (
    check_materials,
    materials,
    record_inspection,
    record_material_change,
    record_materials,
)

__all__ = [
    "CARE_TIMER",
    "DEADLINE",
    "PAYMENT_DUE",
    "PAYMENT_OVERDUE",
    "RATING_TIMER",
    "ProjectFile",
    "SignatureIn",
    "StaleVersion",
    "Unit",
    "VersionMismatch",
    "add_file",
    "add_item",
    "approve",
    "approve_review",
    "archive_card",
    "assign",
    "book_design_acceptance",
    "check_file",
    "check_materials",
    "count_complaint",
    "decide_award",
    "deadline_passed",
    "dispute_review",
    "form_panel",
    "get_review",
    "issue_card",
    "keep_callback_completed",
    "keep_callback_scheduled",
    "list_projects",
    "materials",
    "next_step",
    "open_from_lead",
    "open_project",
    "payment_due",
    "payment_overdue",
    "payment_receipt",
    "project_file",
    "publish_care",
    "publish_rating",
    "record_design_acceptance",
    "record_document",
    "record_fact",
    "record_feedback",
    "record_inspection",
    "record_material_change",
    "record_materials",
    "record_payment",
    "resubmit_review",
    "return_review",
    "score_review",
    "seed_timers",
    "sign_card",
    "sign_contract",
    "sign_off",
    "stored_file",
    "submit_review",
    "transition",
]

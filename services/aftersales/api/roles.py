"""Who may do what on aftersales' API (admin always may)."""

from __future__ import annotations

from services.aftersales.domain import ApprovalLevel
from shared.web.auth import require

READ = require("aftersales", "supervision", "cs", "dept_head", "manager", "finance", "branch")
WRITE = require("aftersales")
APPROVE = require("dept_head", "manager", "finance")
# A project's open repairs: the readers, and a renovation customer's link (its own project only).
# Not "branch": aftersales cannot yet tell a project of another branch from one with no open
# ticket, so a branch's answer would differ from an unknown project's (tests/security).
CUSTOMER_VIEW = require(
    "aftersales", "supervision", "cs", "dept_head", "manager", "finance", "project_view"
)
REPORTS = require("aftersales", "supervision", "dept_head", "manager")
# Who signs each level of the reimbursement form (admin may sign both).
APPROVERS = {ApprovalLevel.DEPT_HEAD: {"dept_head", "manager"}, ApprovalLevel.FINANCE: {"finance"}}

"""Who may do what on the projects API (admin always may)."""

from __future__ import annotations

from shared.contracts.values import Department, Role
from shared.errors import Forbidden
from shared.web.auth import Principal, require

READERS = (Role.CS, Role.MANAGER, Role.DEPT_HEAD, Role.ENGINEERING, Role.FINANCE)
# A project as its customer's link shows it: the readers, and the link's token (its own project).
CUSTOMER_VIEW = require(*READERS, Role.PROJECT_VIEW)
REPORT_READERS = (Role.MANAGER, Role.DEPT_HEAD, Role.CS, Role.ENGINEERING)
# Money due and overdue is finance's to chase as well.
PAYMENT_READERS = (*REPORT_READERS, Role.FINANCE)
ENGINEERING = (Role.ENGINEERING,)
FINANCE = (Role.FINANCE,)
ORGANISERS = (Role.ENGINEERING, Role.MANAGER)
MONEY = (Role.ENGINEERING, Role.FINANCE)
CARD = (Role.FINANCE, Role.CS)  # 财务接待员 (designers' manual 十一) and 客服部 (保修单发放流程)
DECIDERS = (Role.MANAGER,)  # 奖优罚劣: management decides rewards and penalties
# 工程部经理: the engineering department's head, or a manager (forms panels, approves reviews).
ENGINEERING_MANAGER = (Role.DEPT_HEAD, Role.MANAGER)
REVIEWERS = (Role.ENGINEERING, Role.DEPT_HEAD, Role.MANAGER)  # the panel's members score


def engineering_manager(who: Principal) -> None:
    """A department head answers for engineering only (403 for another department's)."""
    if who.role is Role.DEPT_HEAD and who.department != Department.ENGINEERING:
        raise Forbidden(f"only the engineering department's head, not {who.department or '-'}'s")


def branch_scope(who: Principal, branch_id: str | None) -> str | None:
    """A token of a branch's staff reads its own branch only (403 for another's); others read
    the branch asked for, or all."""
    if who.branch and who.role is not Role.ADMIN:
        if branch_id not in (None, who.branch):
            raise Forbidden(f"a token of branch {who.branch} cannot read branch {branch_id}")
        return who.branch
    return branch_id

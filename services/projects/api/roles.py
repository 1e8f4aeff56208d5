"""Who may do what on the projects API (admin always may)."""

from __future__ import annotations

from shared.contracts.values import Role

READERS = (Role.CS, Role.MANAGER, Role.DEPT_HEAD, Role.ENGINEERING, Role.FINANCE)
REPORT_READERS = (Role.MANAGER, Role.DEPT_HEAD, Role.CS, Role.ENGINEERING)
ENGINEERING = (Role.ENGINEERING,)
FINANCE = (Role.FINANCE,)
ORGANISERS = (Role.ENGINEERING, Role.MANAGER)
MONEY = (Role.ENGINEERING, Role.FINANCE)
CARD = (Role.FINANCE, Role.CS)  # 财务接待员 (designers' manual 十一) and 客服部 (保修单发放流程)

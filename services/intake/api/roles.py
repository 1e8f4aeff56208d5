"""Who may do what on intake's API (admin always may)."""

from __future__ import annotations

CREATE_LEAD = ("branch", "reception")
CREATE_COMPLAINT = ("branch", "cs", "reception", "dept_head", "manager")
HANDLE_COMPLAINT = ("cs", "dept_head", "manager")
READ_COMPLAINT = ("branch", "cs", "reception", "dept_head", "manager")
READ_CUSTOMER = ("branch", "cs", "reception", "dept_head", "manager")
CREATE_REPAIR = ("branch", "cs", "reception", "aftersales")
READ_REPAIR = ("branch", "cs", "reception", "aftersales", "dept_head", "manager")
REPORTS = ("cs", "dept_head", "manager")
# The roles whose work is calling customers: they get the whole number beside the masked one.
DIAL_CUSTOMER = ("cs", "reception", "dept_head", "manager", "admin")
# 客户资料/服务档案: customer service keeps the files; managers read them.
READ_FILE = ("cs", "reception", "dept_head", "manager")
ARCHIVE_FILE = ("cs", "manager")

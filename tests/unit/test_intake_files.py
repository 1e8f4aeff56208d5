"""The customer's service file (《家装公司客服部工作流程》客户档案建立与客情维护流程: 客户签订施工合同—
建立客户资料/服务档案 … 工程竣工验收填写保修单、竣工满意度调查表—客户资料整理入档案)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.intake.domain.files import (
    Archive,
    CustomerProject,
    FileStatus,
    archive_file,
    file_status,
    opened_at,
)
from shared.contracts.values import Stage
from shared.errors import DomainError, Invalid

pytestmark = pytest.mark.quick

T = datetime(2026, 3, 2, 15, tzinfo=ZoneInfo("Asia/Shanghai"))
LEAD = CustomerProject("p-lead", Stage.QUOTATION, T - timedelta(days=30))
SIGNED = CustomerProject("p-1", Stage.CARPENTRY_ACCEPTED, T - timedelta(days=20), T)
DONE = CustomerProject(
    "p-2", Stage.WARRANTY, T - timedelta(days=90), T - timedelta(days=60), date(2026, 2, 1)
)


def test_duty_service_file_opens_with_the_first_construction_contract() -> None:
    """建立客户资料/服务档案 at the construction contract: before it there is no file."""
    assert file_status([], None) is FileStatus.NONE
    assert file_status([LEAD], None) is FileStatus.NONE
    assert file_status([LEAD, SIGNED], None) is FileStatus.OPEN
    assert opened_at([LEAD]) is None
    assert opened_at([LEAD, SIGNED, DONE]) == T - timedelta(days=60)
    archived = Archive(T, "cs-li")
    assert file_status([SIGNED], archived) is FileStatus.ARCHIVED


def test_duty_service_file_is_archived_once_the_works_are_finished() -> None:
    """客户资料整理入档案: every contracted project completed, no complaint open; projects that
    never reached a contract do not hold it back."""
    done = archive_file([LEAD, DONE], None, open_complaints=0, by="cs-li", at=T, note=" 已归档 ")
    assert done == Archive(T, "cs-li", "已归档")
    completed = CustomerProject("p-3", Stage.COMPLETED, contract_at=T)
    assert archive_file([completed], None, open_complaints=0, by="cs-li", at=T).by == "cs-li"


@pytest.mark.parametrize(
    ("projects", "archive", "complaints", "code"),
    [
        ([], None, 0, "no_service_file"),
        ([LEAD], None, 0, "no_service_file"),
        ([DONE, SIGNED], None, 0, "projects_unfinished"),
        ([DONE], None, 2, "complaints_open"),
        ([DONE], Archive(T, "cs-wang"), 0, "file_archived"),
    ],
)
def test_an_archive_that_is_not_due_is_refused(
    projects: list[CustomerProject], archive: Archive | None, complaints: int, code: str
) -> None:
    with pytest.raises(DomainError) as err:
        archive_file(projects, archive, open_complaints=complaints, by="cs-li", at=T)
    assert err.value.code == code
    if code == "projects_unfinished":
        assert "p-1" in err.value.detail and "p-2" not in err.value.detail


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(Invalid):
        archive_file([DONE], None, open_complaints=0, by="cs-li", at=T.replace(tzinfo=None))

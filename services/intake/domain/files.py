"""The customer's service file (客户档案建立与客情维护流程: 客户签订施工合同—建立客户资料/服务档案 …
竣工…—客户资料整理入档案): opened when a construction contract is signed, archived at the end."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from shared.contracts.values import Stage
from shared.errors import DomainError, Invalid

# The file opens with the construction contract; a project is finished once completed.
OPENS_AT = Stage.CONTRACT
FINISHED = frozenset({Stage.COMPLETED, Stage.WARRANTY})
_ORDER = tuple(Stage)


class FileStatus(StrEnum):
    """Where a customer's service file stands."""

    NONE = "none"  # no construction contract yet: nothing to file
    OPEN = "open"
    ARCHIVED = "archived"


@dataclass(frozen=True)
class CustomerProject:
    """A project of the customer as projects published it."""

    project_id: str
    stage: Stage
    opened_at: datetime | None = None
    contract_at: datetime | None = None  # when it reached `contract`
    completed_on: date | None = None

    @property
    def under_contract(self) -> bool:
        """The construction contract is signed (it reached `contract` or beyond)."""
        return _ORDER.index(self.stage) >= _ORDER.index(OPENS_AT)


@dataclass(frozen=True)
class Archive:
    """Who put the file in order and archived it, when, and what they noted."""

    at: datetime
    by: str
    note: str = ""


def opened_at(projects: Sequence[CustomerProject]) -> datetime | None:
    """When the service file was opened: the first construction contract."""
    times = [p.contract_at for p in projects if p.contract_at is not None]
    if times:
        return min(times)
    return None


def file_status(projects: Sequence[CustomerProject], archive: Archive | None) -> FileStatus:
    """None before a construction contract, archived once archived, else open."""
    if archive is not None:
        return FileStatus.ARCHIVED
    if any(p.under_contract for p in projects):
        return FileStatus.OPEN
    return FileStatus.NONE


def archive_file(
    projects: Sequence[CustomerProject],
    archive: Archive | None,
    *,
    open_complaints: int,
    by: str,
    at: datetime,
    note: str = "",
) -> Archive:
    """客户资料整理入档案: the file is archived once every contracted project is finished
    (completed, its warranty card and completion survey done) and no complaint is open."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise Invalid("at", "a time must carry its UTC offset")
    status = file_status(projects, archive)
    if status is FileStatus.NONE:
        raise DomainError(
            "no_service_file", "the service file opens when a construction contract is signed"
        )
    if status is FileStatus.ARCHIVED:
        raise DomainError("file_archived", "the service file is already archived")
    unfinished = sorted(
        p.project_id for p in projects if p.under_contract and p.stage not in FINISHED
    )
    if unfinished:
        raise DomainError(
            "projects_unfinished",
            f"the works of {', '.join(unfinished)} are not completed yet",
        )
    if open_complaints:
        raise DomainError(
            "complaints_open", f"{open_complaints} complaint(s) of the customer are still open"
        )
    return Archive(at, by, note.strip())

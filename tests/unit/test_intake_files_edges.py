"""The customer's service file at its edges (services/intake/domain/files.py): a project at
exactly the contract, the earliest of several contracts, one open complaint, the refusals' words
and fields (the API shows them), the note kept as typed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest

from services.intake.domain.files import (
    FINISHED,
    OPENS_AT,
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

SH = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 3, 1, 0, 0, tzinfo=SH)  # midnight on the 1st in Shanghai
STAGES = list(Stage)


def project(ident: str, stage: Stage, contract_at: datetime | None = None) -> CustomerProject:
    return CustomerProject(ident, stage, contract_at=contract_at)


def archive(projects: list[CustomerProject], complaints: int = 0, note: str = "") -> Archive:
    return archive_file(projects, None, open_complaints=complaints, by="cs-li", at=T, note=note)


def test_the_file_opens_at_the_construction_contract_and_finishes_with_completion() -> None:
    assert OPENS_AT is Stage.CONTRACT
    assert FINISHED == {Stage.COMPLETED, Stage.WARRANTY}
    assert CustomerProject("p", Stage.CONTRACT).opened_at is None
    assert CustomerProject("p", Stage.CONTRACT).completed_on is None


@pytest.mark.parametrize("stage", STAGES)
def test_a_project_is_under_contract_from_the_contract_stage_on(stage: Stage) -> None:
    expected = STAGES.index(stage) >= STAGES.index(Stage.CONTRACT)
    assert project("p", stage).under_contract is expected
    assert file_status([project("p", stage)], None) is (
        FileStatus.OPEN if expected else FileStatus.NONE
    )


def test_the_file_opened_with_the_earliest_of_several_contracts() -> None:
    first = T - timedelta(days=1)
    projects = [
        project("p1", Stage.WORKS_STARTED, T),
        project("p2", Stage.CONTRACT, first),
        project("p3", Stage.DESIGN),
        project("p4", Stage.COMPLETED, T + timedelta(days=3)),
    ]
    assert opened_at(projects) == first
    assert opened_at([project("p3", Stage.DESIGN)]) is None
    assert opened_at([]) is None


def test_an_archive_is_refused_while_one_complaint_is_open() -> None:
    with pytest.raises(DomainError) as err:
        archive([project("p1", Stage.COMPLETED, T)], complaints=1)
    assert (err.value.code, err.value.detail) == (
        "complaints_open",
        "1 complaint(s) of the customer are still open",
    )
    assert err.value.field is None


def test_every_unfinished_contracted_project_is_named_in_order() -> None:
    projects = [
        project("p-b", Stage.CONTRACT, T),
        project("p-lead", Stage.QUOTATION),
        project("p-a", Stage.PAINTING_ACCEPTED, T),
        project("p-done", Stage.WARRANTY, T),
    ]
    with pytest.raises(DomainError) as err:
        archive(projects)
    assert (err.value.code, err.value.detail) == (
        "projects_unfinished",
        "the works of p-a, p-b are not completed yet",
    )


def test_an_archive_without_a_file_or_of_an_archived_file_is_refused_in_words() -> None:
    with pytest.raises(DomainError) as err:
        archive([project("p-lead", Stage.DESIGN)])
    assert (err.value.code, err.value.detail) == (
        "no_service_file",
        "the service file opens when a construction contract is signed",
    )
    done = [project("p1", Stage.COMPLETED, T)]
    with pytest.raises(DomainError) as err:
        archive_file(done, Archive(T, "cs-wang"), open_complaints=0, by="cs-li", at=T)
    assert (err.value.code, err.value.detail) == (
        "file_archived",
        "the service file is already archived",
    )


def test_an_archive_records_who_when_and_the_note_trimmed() -> None:
    done = [project("p1", Stage.COMPLETED, T), project("p2", Stage.WARRANTY, T)]
    assert archive(done) == Archive(T, "cs-li", "")
    assert archive(done, note="  资料齐全\n") == Archive(T, "cs-li", "资料齐全")
    assert Archive(T, "x").note == ""
    utc = archive_file(done, None, open_complaints=0, by="cs-wang", at=T.astimezone(UTC))
    assert utc == Archive(T, "cs-wang", "")


class _NoOffset(tzinfo):
    """A time zone that knows no offset: the time is as good as naive."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None

    def tzname(self, dt: datetime | None) -> None:
        return None

    def dst(self, dt: datetime | None) -> None:
        return None


@pytest.mark.parametrize(
    "at", [datetime(2026, 3, 1), datetime(2026, 3, 1, tzinfo=_NoOffset())], ids=["naive", "none"]
)
def test_a_time_without_its_offset_is_refused_naming_the_field(at: datetime) -> None:
    with pytest.raises(Invalid) as err:
        archive_file([project("p1", Stage.COMPLETED, T)], None, open_complaints=0, by="x", at=at)
    assert (err.value.field, err.value.detail) == ("at", "a time must carry its UTC offset")
    assert err.value.code == "invalid_value"

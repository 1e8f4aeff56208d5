"""What branch scanners publish on `ingest.<branch>.shipment.scanned` (docs/EVENTS.md)."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from shared.contracts.values import ScanKind
from shared.validation import Code, Moment

_PREFIX = "ingest."
_SUFFIX = ".shipment.scanned"


class ShipmentScanned(BaseModel):
    """A branch scanner scanned a shipment; the scan id travels in the Nats-Msg-Id header."""

    model_config = ConfigDict(extra="ignore")

    SUBJECT: ClassVar[str] = "ingest.*.shipment.scanned"
    OWNER: ClassVar[str] = "branch"

    waybill: Code
    kind: ScanKind
    station: Code = Field(description="Branch or hub code where it was scanned")
    batch: int | None = Field(
        default=None, ge=1, le=100, description="The batch, for split shipments"
    )
    at: Moment = Field(description="When it was scanned")

    def to_json(self) -> bytes:
        """Serialise for the wire."""
        return self.model_dump_json().encode()


def _valid_token(token: str) -> bool:
    """A single NATS subject token: not empty, no separator, wildcard or whitespace."""
    return bool(token) and not any(c in token for c in ".*> \t\r\n")


def scan_subject(branch: str) -> str:
    """The concrete subject a branch publishes its scans on."""
    if not _valid_token(branch):
        raise ValueError(f"not a branch code usable in a subject: {branch!r}")
    return f"{_PREFIX}{branch}{_SUFFIX}"


def branch_of(subject: str) -> str | None:
    """The branch code of a concrete scan subject, or None if it is not one."""
    if not (subject.startswith(_PREFIX) and subject.endswith(_SUFFIX)):
        return None
    branch = subject[len(_PREFIX) : -len(_SUFFIX)]
    return branch if _valid_token(branch) else None

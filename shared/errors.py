"""The error every service's domain rules raise; the platform turns it into problem details."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar


class DomainError(Exception):
    """A rule refused the request; `detail` says why in plain words.

    Subclasses map their codes to HTTP statuses in STATUS (API.md: 409 for the state, 422 for
    input, naming `field`); unmapped codes are 409.
    """

    STATUS: ClassVar[Mapping[str, int]] = {}

    def __init__(self, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.field = field

    @property
    def http_status(self) -> int:
        """The status code the API answers with."""
        return self.STATUS.get(self.code, 409)

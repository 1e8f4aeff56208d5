"""The errors every service's rules raise; the platform turns them into problem details."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


class DomainError(Exception):
    """A rule refused the request; `detail` says why in plain words.

    The status is the class's `status` (409: not allowed in the current state) unless its
    STATUS maps the code to another one (API.md: 409 state, 413 size, 422 input naming
    `field`). `extra` becomes extension members of the problem details (RFC 9457 §3.2), e.g.
    the `rules` a refused transition fails.
    """

    status: ClassVar[int] = 409
    STATUS: ClassVar[Mapping[str, int]] = {}

    def __init__(
        self,
        code: str,
        detail: str,
        field: str | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.field = field
        self.extra: dict[str, Any] = dict(extra or {})

    @property
    def http_status(self) -> int:
        """The status code the API answers with."""
        return self.STATUS.get(self.code, self.status)


class Invalid(DomainError):
    """A value no state could accept (422 naming `field`)."""

    status = 422

    def __init__(self, field: str, detail: str, code: str = "invalid_value") -> None:
        super().__init__(code, detail, field)


class NotFound(DomainError):
    """An unknown id, or another branch's record: the same answer on purpose (404)."""

    status = 404

    def __init__(self, what: str, ident: object) -> None:
        super().__init__("not_found", f"no {what} {ident}")


class Forbidden(DomainError):
    """The caller is known but may not do this to this record (403, the reason in `detail`)."""

    status = 403

    def __init__(self, detail: str) -> None:
        super().__init__("forbidden", detail)


class Stale(DomainError):
    """The record changed under us (its version moved): the caller may retry (409)."""

    def __init__(self, what: str, ident: object, version: int) -> None:
        super().__init__("stale", f"{what} {ident} changed since version {version}; try again")

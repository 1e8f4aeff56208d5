"""The one error the logistics rules raise, with the HTTP status each code maps to."""

from __future__ import annotations

from typing import Final

OFF_ROUTE: Final = "off_route"
BAD_BATCH: Final = "bad_batch"
WRONG_STATE: Final = "wrong_state"
STEP_OUT_OF_ORDER: Final = "step_out_of_order"
INVALID_VALUE: Final = "invalid_value"

# How the HTTP layer reports each code (API.md common rules: 409 state, 422 input). On the
# batch path (ingest scans) the code and detail become the dead-letter reason instead.
HTTP_STATUS: Final[dict[str, int]] = {
    OFF_ROUTE: 409,
    BAD_BATCH: 422,
    WRONG_STATE: 409,
    STEP_OUT_OF_ORDER: 409,
    INVALID_VALUE: 422,
}


class DomainError(Exception):
    """A rule refused the request; `detail` says why in plain words."""

    def __init__(self, code: str, detail: str, field: str | None = None) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.field = field

    @property
    def http_status(self) -> int:
        """The status code the API answers with."""
        return HTTP_STATUS.get(self.code, 409)

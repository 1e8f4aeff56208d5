"""The one error the logistics rules raise, with the HTTP status each code maps to."""

from __future__ import annotations

from typing import Final

from shared.errors import DomainError as BaseDomainError

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


class DomainError(BaseDomainError):
    """A rule refused the request; `detail` says why in plain words."""

    STATUS = HTTP_STATUS

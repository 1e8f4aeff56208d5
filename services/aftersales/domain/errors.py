"""The one error the aftersales rules raise, and money in words."""

from __future__ import annotations

from typing import Final

from shared.errors import DomainError as BaseDomainError

WRONG_STATE: Final = "wrong_state"
QUOTE_NOT_ACCEPTED: Final = "quote_not_accepted"
INVALID_VALUE: Final = "invalid_value"
PHOTO_TOO_LARGE: Final = "photo_too_large"
PHOTO_TYPE_NOT_ALLOWED: Final = "photo_type_not_allowed"
PHOTO_PHASE: Final = "photo_phase"
AFTER_PHOTO_MISSING: Final = "after_photo_missing"

# How the HTTP layer reports each code (API.md common rules: 409 state, 413 size, 422 input).
HTTP_STATUS: Final[dict[str, int]] = {
    WRONG_STATE: 409,
    QUOTE_NOT_ACCEPTED: 409,
    INVALID_VALUE: 422,
    PHOTO_TOO_LARGE: 413,
    PHOTO_TYPE_NOT_ALLOWED: 422,
    PHOTO_PHASE: 409,
    AFTER_PHOTO_MISSING: 409,
}


class DomainError(BaseDomainError):
    """A rule refused the request; `detail` says why in plain words."""

    STATUS = HTTP_STATUS

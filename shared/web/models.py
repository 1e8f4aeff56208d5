"""What every request model shares."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator

from shared.validation import check_values


class Strict(BaseModel):
    """A request body: unknown fields are refused with a 422 that names them, and every value
    is storable (text within bounds and without NUL, integers within bigint) or a 422 names
    its field."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _storable(cls, value: Any) -> Any:
        return check_values(value)

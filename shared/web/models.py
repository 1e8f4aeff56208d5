"""What every request model shares."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Strict(BaseModel):
    """A request body: unknown fields are refused with a 422 that names them."""

    model_config = ConfigDict(extra="forbid")

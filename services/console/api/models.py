"""The forms the pages post, checked like any request body (unknown fields refused)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, ValidationError

from shared.contracts.values import Stage
from shared.web.models import Strict

RATING_ROLES = ("designer", "inspector", "foreman", "engineering_manager")
Score = Literal["", "1", "2", "3", "4", "5"]


class SignInForm(Strict):
    """The sign-in form."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)
    csrf_token: str = Field(default="", max_length=256)
    next: str = Field(default="/", max_length=2000)


class SignOutForm(Strict):
    """The sign-out button."""

    csrf_token: str = Field(default="", max_length=256)


class OutcomeForm(Strict):
    """One call's outcome as the agent enters it on the worklist."""

    csrf_token: str = Field(default="", max_length=256)
    reached: Literal["yes", "no"]
    satisfied: Literal["", "yes", "no"] = ""
    satisfaction: Score = ""
    rating_designer: Score = ""
    rating_inspector: Score = ""
    rating_foreman: Score = ""
    rating_engineering_manager: Score = ""
    comment: str = Field(default="", max_length=4000)

    def body(self) -> dict[str, Any]:
        """The outcome as notifications' API takes it."""
        ratings = {
            role: int(score) for role in RATING_ROLES if (score := getattr(self, f"rating_{role}"))
        }
        out: dict[str, Any] = {"reached": self.reached == "yes", "ratings": ratings}
        if self.satisfied:
            out["satisfied"] = self.satisfied == "yes"
        if self.satisfaction:
            out["satisfaction"] = int(self.satisfaction)
        if self.comment.strip():
            out["comment"] = self.comment.strip()
        return out


class TransitionForm(Strict):
    """A project manager's move to the project's next stage."""

    csrf_token: str = Field(default="", max_length=256)
    to: Stage
    note: str = Field(default="", max_length=2000)

    def body(self) -> dict[str, Any]:
        """The transition as projects' API takes it."""
        out: dict[str, Any] = {"to": self.to.value}
        if self.note.strip():
            out["note"] = self.note.strip()
        return out


def invalid_fields(exc: ValidationError) -> dict[str, str]:
    """The form fields a validation error names, with pydantic's message."""
    return {".".join(str(p) for p in e["loc"]) or "form": e["msg"] for e in exc.errors()}

"""RFC 9457 problem details for every error a service returns."""

from __future__ import annotations

import logging
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import DomainError

log = logging.getLogger("kefu.http")
PROBLEM_JSON = "application/problem+json"


TITLES = {
    403: "Forbidden",
    404: "Not found",
    409: "Conflict",
    412: "Precondition failed",
    413: "Payload too large",
    415: "Unsupported media type",
}


class Problem(Exception):
    """An error answered as problem details."""

    def __init__(
        self, status: int, title: str, detail: str = "", errors: list[dict[str, Any]] | None = None
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.errors = status, title, detail, errors


def not_found(what: str, ident: object) -> Problem:
    """404 for an unknown id (or another branch's record: the same answer on purpose)."""
    return Problem(404, "Not found", f"no {what} {ident}")


def conflict(detail: str) -> Problem:
    """409: not allowed in the current state; the detail says why."""
    return Problem(409, "Conflict", detail)


def problem_response(
    status: int,
    title: str,
    detail: str = "",
    errors: list[dict[str, Any]] | None = None,
    *,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> JSONResponse:
    """Build the problem-details response (extension members in `extra`, RFC 9457 §3.2)."""
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status, **extra}
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def install(app: FastAPI, domain_errors: tuple[type[Exception], ...] = ()) -> None:
    """Register the handlers; a service's domain errors become 409 with their detail."""

    @app.exception_handler(Problem)
    async def _problem(_: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail, exc.errors)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": "body", "message": "the body is not valid JSON"}
            if e.get("type") == "json_invalid"
            else {
                "field": _field(tuple(e.get("loc", ()))),
                "message": str(e.get("msg", "")).removeprefix("Value error, "),
            }
            for e in exc.errors()
        ]
        names = ", ".join(f"{e['field']} ({e['message']})" for e in errors)
        return problem_response(422, "Invalid input", f"invalid field(s): {names}", errors)

    @app.exception_handler(asyncpg.DataError)
    async def _unstorable(_: Request, exc: asyncpg.DataError) -> JSONResponse:
        # Input Postgres cannot hold (a NUL character, a number past bigint) is bad input.
        log.info("refused unstorable input: %s", type(exc).__name__)
        return problem_response(
            422,
            "Invalid input",
            "a value cannot be stored: text must not contain NUL characters and "
            "numbers must fit in 64 bits",
            [{"field": "body", "message": type(exc).__name__}],
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 400 and exc.__cause__ is not None:
            # FastAPI's "error parsing the body" (bytes that are not UTF-8, a broken multipart
            # form) is invalid input like any other: a 422 naming the body.
            message = f"the body could not be read ({type(exc.__cause__).__name__})"
            return problem_response(
                422,
                "Invalid input",
                f"invalid field(s): body ({message})",
                [{"field": "body", "message": message}],
            )
        return problem_response(exc.status_code, str(exc.detail), "")

    @app.exception_handler(DomainError)
    async def _refused(_: Request, exc: DomainError) -> JSONResponse:
        if exc.http_status == 422:
            field = exc.field or "body"
            return problem_response(
                422,
                "Invalid input",
                f"invalid field(s): {field} ({exc.detail})",
                [{"field": field, "message": exc.detail}],
                code=exc.code,
                **exc.extra,
            )
        title = TITLES.get(exc.http_status, "Conflict")
        return problem_response(exc.http_status, title, exc.detail, code=exc.code, **exc.extra)

    for err in domain_errors:

        @app.exception_handler(err)
        async def _domain(_: Request, exc: Exception) -> JSONResponse:
            detail = getattr(exc, "detail", None) or str(exc)
            return problem_response(409, "Conflict", str(detail))

"""Choosing the language."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from services.console.api import guard
from services.console.api.i18n import COOKIE, LANGS
from services.console.api.pages import local_path, redirect

router = APIRouter()


@router.get("/lang/{lang}")
async def choose_language(request: Request, lang: str) -> Response:
    """Remember the language for a year and go back (a preference, nothing stored server-side)."""
    response = redirect(local_path(request.query_params.get("next")))
    if lang in LANGS:
        response.set_cookie(
            COOKIE, lang, max_age=365 * 86400, samesite="lax", secure=guard.secure(request)
        )
    return response

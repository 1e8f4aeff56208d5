"""Signing in and out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import ValidationError
from starlette.responses import Response

from services.console.api import guard
from services.console.api.models import SignInForm, SignOutForm
from services.console.api.pages import local_path, redirect, render
from services.console.workflow import sessions
from shared.web.deps import change

router = APIRouter()


def signin_page(
    request: Request,
    *,
    status: int = 200,
    error: str | None = None,
    username: str = "",
    wait: int = 0,
    signed_out: bool = False,
    next: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """The sign-in form with a fresh form token (cookie and field)."""
    token = guard.signin_token(request)
    response = render(
        request,
        "signin.html",
        status=status,
        headers=headers,
        csrf=token,
        next=local_path(next or request.query_params.get("next")),
        error=error,
        username=username,
        wait=wait,
        signed_out=signed_out,
    )
    guard.keep_signin_token(response, request, token)
    return response


@router.get("/signin")
async def signin_form(request: Request) -> Response:
    """The sign-in page (the worklist when already signed in)."""
    if await guard.visit(request) is not None:
        return redirect(local_path(request.query_params.get("next")))
    return signin_page(request, signed_out="signed_out" in request.query_params)


@router.post("/signin")
async def signin(request: Request) -> Response:
    """Check the form token, the throttle and the password; open a session."""
    try:
        form = SignInForm.model_validate(dict(await request.form()))
    except ValidationError:
        return signin_page(request, status=422, error="signin.missing")
    if not guard.signin_form_ok(request, form.csrf_token):
        return signin_page(request, status=403, error="signin.expired", next=form.next)
    address = request.client.host if request.client else "unknown"
    async with change(request) as ctx:
        result = await sessions.sign_in(
            ctx,
            form.username,
            form.password,
            address=address,
            user_agent=request.headers.get("user-agent", ""),
        )
    if isinstance(result, sessions.Refused):
        if result.reason == "throttled":
            wait = str(result.wait_minutes * 60)
            return signin_page(
                request,
                status=429,
                error="signin.throttled",
                wait=result.wait_minutes,
                headers={"Retry-After": wait},
                next=form.next,
                username=form.username,
            )
        return signin_page(
            request, status=401, error="signin.wrong", next=form.next, username=form.username
        )
    response = redirect(local_path(form.next))
    guard.keep_session(response, request, result.token)
    guard.drop_signin_token(response, request)
    return response


@router.post("/signout")
async def signout(request: Request) -> Response:
    """End the session (the form token must match), then show the sign-in page."""
    visit = await guard.visit(request)
    if visit is None:
        return redirect("/signin")
    form = SignOutForm(csrf_token=str((await request.form()).get("csrf_token") or ""))
    if not guard.form_ok(request, visit, form.csrf_token):
        return render(request, "refused.html", visit=visit, status=403)
    async with change(request) as ctx:
        await sessions.sign_out(ctx, request.cookies[guard.SESSION])
    response = redirect("/signin?signed_out=1")
    guard.drop_session(response, request)
    return response

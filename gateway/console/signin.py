"""Signing in and out: an admin credential's name and secret give a session; a till credential is refused."""

from __future__ import annotations

import asyncio
import secrets

from aiohttp import web

from gateway.console.base import (
    PREFIX,
    SESSION,
    end_session,
    keeper,
    live_session,
    read_form,
    render,
    set_cookie,
    stamp,
)
from gateway.console.session import COOKIE, PRE_COOKIE
from gateway.http.auth import GUARD
from gateway.http.credentials import Credential
from gateway.http.keys import STORE

routes = web.RouteTableDef()


def _sign_in_form(request: web.Request, message: str = "", status: int = 200) -> web.Response:
    nonce = secrets.token_hex(16)
    context = {
        "title": "Sign in",
        "message": message,
        "signin_csrf": keeper(request).csrf(f"signin:{nonce}"),
        "open": request.config_dict[GUARD].open,
        "expired": "expired" in request.query,
    }
    response = render(request, "signin.html", context, status=status)
    response.set_cookie(PRE_COOKIE, nonce, path=PREFIX, httponly=True, secure=request.secure, samesite="Strict")
    return response


@routes.get("/")
async def sign_in_page(request: web.Request) -> web.StreamResponse:
    if await live_session(request) is not None:
        raise web.HTTPSeeOther(PREFIX + "/today")
    return _sign_in_form(request)


async def _credential(request: web.Request, name: str, secret: str) -> Credential | None:
    guard = request.config_dict[GUARD]
    if guard.open:
        return Credential("local", "loopback", ("*",), admin=True) if name in ("", "local") else None
    guard.admit(f"console-sign-in:{name}")
    for credential in guard.credentials:
        if credential.name == name and credential.kind != "cert":
            matches = await asyncio.to_thread(credential.matches, secret)
            return credential if matches else None
    return None


@routes.post("/sign-in")
async def sign_in(request: web.Request) -> web.StreamResponse:
    form = await read_form(request)
    nonce = request.cookies.get(PRE_COOKIE, "")
    if not nonce or not keeper(request).csrf_ok(f"signin:{nonce}", str(form.get("csrf", ""))):
        return _sign_in_form(request, "The sign-in form was stale or not sent from this console. Try again.", 403)
    name, secret = str(form.get("name", "")).strip()[:100], str(form.get("secret", ""))[:500]
    credential = await _credential(request, name, secret)
    if credential is None:
        return _sign_in_form(request, "That name and secret do not match an admin credential.", 401)
    if not credential.admin:
        message = f"{credential.name} is a till credential: only admin credentials may use the console."
        return _sign_in_form(request, message, 403)
    session, cookie = keeper(request).issue(credential.name)
    request[SESSION] = session
    await request.config_dict[STORE].record_event(stamp(request), "console.sign-in", "console")
    response = web.HTTPSeeOther(PREFIX + "/today")
    set_cookie(request, response, cookie)
    response.del_cookie(PRE_COOKIE, path=PREFIX)
    raise response


@routes.post("/sign-out")
async def sign_out(request: web.Request) -> web.StreamResponse:
    await end_session(request, request[SESSION])
    await request.config_dict[STORE].record_event(stamp(request), "console.sign-out", "console")
    del request[SESSION]
    response = web.HTTPSeeOther(PREFIX + "/")
    response.del_cookie(COOKIE, path=PREFIX)
    raise response

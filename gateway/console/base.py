"""What every console page shares: its state on the application, sessions and CSRF checks, rendering, error pages.

Pages are server-rendered Jinja2 templates with autoescape; every page answers with security headers and no
caching; every failure becomes an error page with a plain message (never a traceback).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp_jinja2
from aiohttp import web
from aiohttp.typedefs import Handler
from multidict import MultiDictProxy

from gateway.console.formatting import Locales, format_day, format_moment, format_money, format_number
from gateway.console.session import COOKIE, DEFAULT_IDLE_SECONDS, Keeper, Session, console_key
from gateway.http.auth import GUARD
from gateway.http.credentials import Credential
from gateway.http.errors import GatewayError, Unavailable
from gateway.http.keys import SERVICE, STORE
from handlers.errors import DomainError
from handlers.policy.policy_model import PolicySet
from store.errors import StoreUnavailable
from store.records import Stamp

LOG = logging.getLogger("returns_gateway.console")
PREFIX = "/console"
PUBLIC = frozenset({PREFIX + "/", PREFIX + "/sign-in"})
HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}
_DOMAIN_STATUS = {"invalid": 400, "not_found": 404, "conflict": 409, "precondition": 412}


@dataclass
class ConsoleState:
    """Console settings and its key keeper (made at the first request, once the gateway's secret is known)."""

    idle_seconds: int = DEFAULT_IDLE_SECONDS
    clock: Callable[[], float] = time.time
    locales: Locales = field(default_factory=lambda: Locales({}))
    keeper: Keeper | None = None
    checked_policies: dict[str, tuple[PolicySet | None, list[str]]] = field(default_factory=dict)

    def keeper_for(self, request: web.Request) -> Keeper:
        if self.keeper is None:
            secret = request.config_dict[SERVICE].secret
            self.keeper = Keeper(console_key(secret), self.idle_seconds, lambda: self.clock())
        self.keeper.idle_seconds = self.idle_seconds
        return self.keeper


class FormProblem(Exception):
    """A form filled in wrongly: its message is shown above the form, which is shown again."""


CONSOLE = web.AppKey("console", ConsoleState)
SESSION = web.RequestKey("console_session", Session)
FORM = web.RequestKey("console_form", dict[str, str])


class Formatter:
    """Template helpers: values in the locale of a store."""

    def __init__(self, locales: Locales) -> None:
        self.locales = locales

    def money(self, value: object, store: str | None = None) -> str:
        return format_money(value, self.locales.of(store))

    def day(self, value: object, store: str | None = None) -> str:
        return format_day(value, self.locales.of(store))

    def moment(self, value: object, store: str | None = None) -> str:
        return format_moment(value, self.locales.of(store))

    def number(self, value: object, store: str | None = None, places: int = 0) -> str:
        return format_number(value, self.locales.of(store), places)


def state(request: web.Request) -> ConsoleState:
    return request.config_dict[CONSOLE]


def keeper(request: web.Request) -> Keeper:
    return state(request).keeper_for(request)


def actor(request: web.Request) -> str:
    return request[SESSION].name


def stamp(request: web.Request) -> Stamp:
    return Stamp(datetime.now(UTC).isoformat(), actor(request))


def render(request: web.Request, template: str, context: dict[str, Any], status: int = 200) -> web.Response:
    session = request.get(SESSION)
    common = {
        "session": session,
        "csrf": keeper(request).csrf(session.session_id) if session else "",
        "fmt": Formatter(state(request).locales),
        "path": request.path,
    }
    response = aiohttp_jinja2.render_template(template, request, {**common, **context}, status=status)
    response.headers.update(HEADERS)
    return response


def field_text(request: web.Request, name: str, limit: int = 200) -> str:
    """A trimmed form field (empty when absent), cut to `limit` characters."""
    form = request.get(FORM)
    value = form.get(name, "") if form is not None else request.query.get(name, "")
    return str(value).strip()[:limit]


def credential(request: web.Request) -> Credential:
    """The signed-in admin credential (the loopback one when none is configured)."""
    guard = request.config_dict[GUARD]
    name = actor(request)
    found = next((c for c in guard.credentials if c.name == name), None)
    return found or Credential("local", "loopback", ("*",), admin=True)


def allowed_stores(request: web.Request) -> tuple[str, ...] | None:
    """The stores the signed-in credential may see; None for all of them."""
    stores = credential(request).stores
    return None if "*" in stores else stores


def still_admin(request: web.Request, name: str) -> bool:
    guard = request.config_dict[GUARD]
    if guard.open:
        return name == "local"
    return any(c.name == name and c.admin and c.kind != "cert" for c in guard.credentials)


async def read_form(request: web.Request) -> MultiDictProxy[str | bytes | bytearray | web.FileField]:
    """The posted form; a body that is not a form (a broken multipart, a bad encoding) is 400, not a 500."""
    try:
        return await request.post()
    except ValueError:  # multipart without boundary or field names, undecodable fields
        raise web.HTTPBadRequest(reason="The form could not be read; nothing was changed.") from None


def _error(request: web.Request, status: int, message: str, retry_after: int | None = None) -> web.Response:
    """An error page; with `retry_after` (the database cannot serve now) a 503 that says when to try again."""
    title = "Unavailable" if retry_after is not None else "Something went wrong" if status >= 500 else "Refused"
    context = {"status": status, "message": message, "title": title}
    extra = {} if retry_after is None else {"Retry-After": str(retry_after)}
    try:
        response = render(request, "error.html", context, status=status)
    except Exception:
        LOG.exception("the console's error page failed on %s", request.path)
        text = f"<!doctype html><title>Error</title><p>{status}: the console could not show this page.</p>"
        response = web.Response(status=status, text=text, content_type="text/html", headers=HEADERS)
    response.headers.update(extra)
    return response


def _unavailable(request: web.Request, error: StoreUnavailable | Unavailable) -> web.Response:
    """The database cannot serve now (restarting, unreachable, out of connections): nothing was changed, and the
    same page or form works again shortly."""
    if isinstance(error, StoreUnavailable):
        LOG.warning("database unavailable on %s %s: %s", request.method, request.path, error.message)
    message = "The gateway's database is unavailable just now; nothing was changed. Try again in a few seconds."
    return _error(request, 503, message, error.retry_after)


async def _guarded(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sign-in pages and static files are open; everything else needs a live session, and a POST its CSRF token."""
    if request.path in PUBLIC or request.path.startswith(PREFIX + "/static/"):
        return await handler(request)
    cookie_keeper = keeper(request)
    session = await live_session(request)
    if session is None:
        if request.method == "GET":
            raise web.HTTPSeeOther(PREFIX + ("/?expired=1" if COOKIE in request.cookies else "/"))
        return _error(request, 401, "Your session has ended. Sign in again; nothing was changed.")
    request[SESSION] = session
    if request.method == "POST":
        form = await read_form(request)
        request[FORM] = {key: value for key, value in form.items() if isinstance(value, str)}
        if not cookie_keeper.csrf_ok(session.session_id, str(form.get("csrf", ""))):
            return _error(request, 403, "The form was stale or not sent from this console (CSRF); nothing was changed.")
    response = await handler(request)
    if SESSION in request:
        _, value = cookie_keeper.issue(request[SESSION].name, request[SESSION].session_id)
        set_cookie(request, response, value)
    return response


async def live_session(request: web.Request) -> Session | None:
    """The session of the request's cookie: valid, not idle too long, of a credential that is still an admin, and
    not signed out here or by any gateway sharing the database."""
    cookie_keeper = keeper(request)
    session = cookie_keeper.read(request.cookies.get(COOKIE))
    if session is None or not still_admin(request, session.name):
        return None
    if await request.config_dict[STORE].session_signed_out(session.session_id):
        cookie_keeper.sign_out(session)
        return None
    return session


async def end_session(request: web.Request, session: Session) -> None:
    """End a session on every gateway sharing the database, kept until its cookie would have expired anyway."""
    keeper(request).sign_out(session)
    now = datetime.fromtimestamp(state(request).clock(), UTC)
    forget_after = now + timedelta(seconds=state(request).idle_seconds, days=1)
    await request.config_dict[STORE].sign_out_session(session.session_id, now.isoformat(), forget_after.isoformat())


def set_cookie(request: web.Request, response: web.StreamResponse, value: str) -> None:
    response.set_cookie(COOKIE, value, path=PREFIX, httponly=True, secure=request.secure, samesite="Strict")


@web.middleware
async def console_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Sessions and CSRF, then every failure as an error page with the right status."""
    try:
        response = await _guarded(request, handler)
    except web.HTTPException as error:
        if error.status < 400:
            error.headers.update(HEADERS)
            raise
        return _error(request, error.status, error.reason or "The request was refused.")
    except (StoreUnavailable, Unavailable) as error:
        return _unavailable(request, error)
    except GatewayError as error:
        return _error(request, error.http_status, error.message)
    except DomainError as error:
        return _error(request, _DOMAIN_STATUS.get(error.kind, 400), error.message)
    except Exception:
        LOG.exception("unexpected console error on %s %s", request.method, request.path)
        return _error(request, 500, "The console could not show this page; the error has been logged.")
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    return response

"""The console: loss prevention, customer service and policy administration in the browser, under /console/.

`setup_console(app)` mounts it on the gateway; pages live in the modules beside this one, templates and static
files ship as package data.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from gateway.console import audit, customers, policies, signin, tickets, today, watches
from gateway.console.base import CONSOLE, PREFIX, ConsoleState, console_middleware

STATIC = Path(__file__).resolve().parent / "static"


def console_app() -> web.Application:
    """The console as a sub-application (its own middleware: sessions, CSRF, error pages)."""
    console = web.Application(middlewares=[console_middleware])
    aiohttp_jinja2.setup(
        console,
        loader=jinja2.PackageLoader("gateway.console", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    )
    for module in (signin, today, tickets, customers, watches, policies, audit):
        console.add_routes(module.routes)
    console.router.add_static("/static/", STATIC, name="static", append_version=False)
    return console


def setup_console(app: web.Application, state: ConsoleState | None = None) -> None:
    """Mount the console at /console/ on the gateway application."""
    app[CONSOLE] = state or ConsoleState()
    app.add_subapp(PREFIX, console_app())

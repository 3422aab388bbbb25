"""The console: loss prevention, customer service and policy administration in the browser, under /console/.

`setup_console(app)` mounts it on the gateway; pages live in the modules beside this one, templates and static
files ship as package data.
"""

from __future__ import annotations

from pathlib import Path

import aiohttp_jinja2
import jinja2
from aiohttp import web

from gateway.console import audit, customers, policies, signin, simulation, tickets, today, watches
from gateway.console.base import CONSOLE, LOG, PREFIX, ConsoleState, console_middleware
from gateway.console.formatting import DEFAULT_LOCALE, LOCALES, Locales
from gateway.http.keys import SETTINGS
from gateway.settings import Settings

STATIC = Path(__file__).resolve().parent / "static"


def console_app() -> web.Application:
    """The console as a sub-application (its own middleware: sessions, CSRF, error pages)."""
    console = web.Application(middlewares=[console_middleware], client_max_size=5 * 1024 * 1024)
    aiohttp_jinja2.setup(
        console,
        loader=jinja2.PackageLoader("gateway.console", "templates"),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
    )
    for module in (signin, today, tickets, customers, watches, simulation, policies, audit):
        console.add_routes(module.routes)
    console.router.add_static("/static/", STATIC, name="static", append_version=False)
    return console


def console_state(settings: Settings) -> ConsoleState:
    """The console's settings: idle time and locales (an unknown locale falls back to the default, with a warning)."""
    by_store = {}
    for item in settings.console_store_locales:
        store, _, tag = item.partition("=")
        by_store[store.strip()] = tag.strip()
    for tag in {settings.console_locale, *by_store.values()} - set(LOCALES):
        LOG.warning("console locale %r is not one of %s; %s is used instead", tag, ", ".join(LOCALES), DEFAULT_LOCALE)
    locales = Locales(by_store, settings.console_locale if settings.console_locale in LOCALES else DEFAULT_LOCALE)
    return ConsoleState(idle_seconds=settings.console_idle_minutes * 60, locales=locales)


def setup_console(app: web.Application) -> None:
    """Mount the console at /console/ on the gateway application (after its settings are set)."""
    app[CONSOLE] = console_state(app[SETTINGS])
    app.add_subapp(PREFIX, console_app())

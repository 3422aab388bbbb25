"""Audit: every change made through the console or the administration API, newest first, filtered and paged."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from gateway.console.base import field_text, render
from gateway.http.keys import STORE
from store.console_queries import AuditFilter

routes = web.RouteTableDef()
PAGE = 50
FIELDS = ("actor", "action", "target", "from", "to")


def _filter(values: dict[str, str], offset: int) -> tuple[AuditFilter, str]:
    """The filter of the typed values; a message when a date was not understood (that date is then ignored)."""
    problem, moments = "", {}
    for name in ("from", "to"):
        if values[name]:
            try:
                day = date.fromisoformat(values[name])
                moments[name] = (day + timedelta(days=1 if name == "to" else 0)).isoformat()
            except (ValueError, OverflowError):  # not a date, or the last day of the calendar as "to"
                problem = "Dates are written YYYY-MM-DD, up to 9999-12-30."
    search = AuditFilter(
        actor=values["actor"] or None,
        action=values["action"] or None,
        target=values["target"] or None,
        at_from=moments.get("from"),
        at_to=moments.get("to"),
        limit=PAGE,
        offset=offset,
    )
    return search, problem


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    for side in ("before_json", "after_json"):
        value = row.get(side)
        row[side] = json.dumps(json.loads(value), indent=1, sort_keys=True) if value else ""
    return row


@routes.get("/audit")
async def audit_page(request: web.Request) -> web.Response:
    values = {name: field_text(request, name, 80) for name in FIELDS}
    offset_text = request.query.get("offset", "0")
    offset = int(offset_text) if re.fullmatch(r"[0-9]{1,8}", offset_text) else 0
    search, problem = _filter(values, offset)
    store = request.config_dict[STORE]
    found = await store.audit_page(search)
    actors = await store.audit_actors()
    kept = {name: value for name, value in values.items() if value}
    context = {
        "title": "Audit",
        "entries": [_entry(row) for row in found[:PAGE]],
        "values": values,
        "actors": actors,
        "problem": problem,
        "offset": offset,
        "page": PAGE,
        "previous": urlencode({**kept, "offset": max(offset - PAGE, 0)}) if offset else "",
        "next": urlencode({**kept, "offset": offset + PAGE}) if len(found) > PAGE else "",
    }
    return render(request, "audit.html", context, status=400 if problem else 200)

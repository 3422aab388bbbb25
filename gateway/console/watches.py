"""Pattern watches: list, add and retire, each change audited under the signed-in credential."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from gateway.console.base import PREFIX, FormProblem, actor, field_text, render
from gateway.http.keys import ADMIN
from handlers.errors import DomainError

routes = web.RouteTableDef()
DATES = ("purchase_from", "purchase_to", "return_from", "return_to")
NOTICES = {"added": "The pattern watch was added.", "retired": "The pattern watch was retired."}


async def _page(
    request: web.Request, problem: str = "", status: int = 200, typed: dict[str, str] | None = None
) -> web.Response:
    watches = await request.config_dict[ADMIN].watches()
    context = {
        "title": "Pattern watches",
        "watches": watches,
        "problem": problem,
        "notice": NOTICES.get(request.query.get("done", ""), ""),
        "typed": typed or {},
    }
    return render(request, "watches.html", context, status=status)


@routes.get("/watches")
async def watches_page(request: web.Request) -> web.Response:
    return await _page(request)


def _watch(request: web.Request) -> dict[str, Any]:
    watch: dict[str, Any] = {name: field_text(request, name, 40) for name in ("watch_id", "item_id", "node_id")}
    watch["description"] = field_text(request, "description")
    if not watch["watch_id"] or not watch["description"]:
        raise FormProblem("A watch needs an id and a description.")
    if bool(watch["item_id"]) == bool(watch["node_id"]):
        raise FormProblem("A watch names an item or a merchandise node, not both.")
    for name in ("item_id", "node_id"):
        watch[name] = watch[name] or None
    for name in DATES:
        try:
            watch[name] = date.fromisoformat(field_text(request, name)).isoformat()
        except ValueError:
            raise FormProblem(f"{name.replace('_', ' ')} must be a date (YYYY-MM-DD).") from None
    return watch


@routes.post("/watches")
async def add_watch(request: web.Request) -> web.StreamResponse:
    typed = {name: field_text(request, name) for name in ("watch_id", "item_id", "node_id", "description", *DATES)}
    try:
        await request.config_dict[ADMIN].add_watch(_watch(request), actor(request))
    except FormProblem as error:
        return await _page(request, str(error), 400, typed)
    except DomainError as error:
        return await _page(request, error.message, 409, typed)
    raise web.HTTPSeeOther(PREFIX + "/watches?done=added")


@routes.post("/watches/{watch_id}/retire")
async def retire_watch(request: web.Request) -> web.StreamResponse:
    await request.config_dict[ADMIN].retire_watch(request.match_info["watch_id"][:40], actor(request))
    raise web.HTTPSeeOther(PREFIX + "/watches?done=retired")

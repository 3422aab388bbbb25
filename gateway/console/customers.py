"""Customers, overrides and cashiers: a customer's history found by positive ID (typed, hashed, never shown),
customer service overrides granted, listed and revoked, count freeze and reset, and a cashier's exceptions.
Every change goes through the administration service, which audits it under the signed-in credential."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from gateway.console.base import PREFIX, FormProblem, actor, field_text, render
from gateway.console.tickets import typed_positive_id
from gateway.http.keys import ADMIN
from handlers.errors import DomainError
from handlers.models import PositiveId
from handlers.privacy import positive_id_display

routes = web.RouteTableDef()
NOTICES = {"revoked": "The override was revoked.", "granted": "The override was granted."}


def _positive_id(request: web.Request) -> tuple[PositiveId, str]:
    positive_id, token = typed_positive_id(request)
    if positive_id is None:
        raise web.HTTPBadRequest(reason="Type the positive ID's type, issuer and number.")
    return positive_id, token


@routes.get("/customers")
async def customers_page(request: web.Request) -> web.Response:
    return render(request, "customers.html", {"title": "Customers"})


async def _customer(request: web.Request, notice: str = "", problem: str = "", status: int = 200) -> web.Response:
    positive_id, token = _positive_id(request)
    history = await request.config_dict[ADMIN].customer_history(positive_id)
    context = {"title": f"Customer {history['customer']}", "history": history, "pid_token": token}
    return render(request, "customer.html", {**context, "notice": notice, "problem": problem}, status=status)


@routes.post("/customers")
async def customer_page(request: web.Request) -> web.Response:
    return await _customer(request)


@routes.post("/customers/override")
async def grant_from_customer(request: web.Request) -> web.Response:
    positive_id, _ = _positive_id(request)
    reason = field_text(request, "reason")
    if not reason:
        return await _customer(request, problem="Give a reason for the override.", status=400)
    try:
        granted = await request.config_dict[ADMIN].grant_override(positive_id, reason, actor(request))
    except DomainError as error:
        return await _customer(request, problem=error.message, status=409)
    return await _customer(request, notice=f"Override {granted['override_id']} granted until {granted['expires_on']}.")


def _count_change(request: web.Request) -> tuple[str, int, date | None, str]:
    kind, value, until = field_text(request, "kind", 10), field_text(request, "value", 6), field_text(request, "until")
    if kind not in ("freeze", "reset") or not value.isdigit() or int(value) > 100_000:
        raise FormProblem("Choose freeze or reset, and a count from 0 to 100000.")
    if kind == "freeze" and not until:
        raise FormProblem("A freeze needs the date it lasts until.")
    reason = field_text(request, "reason")
    if not reason:
        raise FormProblem("Give a reason for the change of count.")
    try:
        return kind, int(value), date.fromisoformat(until) if kind == "freeze" else None, reason
    except ValueError:
        raise FormProblem("The date is written YYYY-MM-DD.") from None


@routes.post("/customers/count")
async def set_count(request: web.Request) -> web.Response:
    positive_id, _ = _positive_id(request)
    try:
        kind, value, until, reason = _count_change(request)
        await request.config_dict[ADMIN].set_count(positive_id, kind, value, until, reason, actor(request))
    except FormProblem as error:
        return await _customer(request, problem=str(error), status=400)
    except DomainError as error:
        return await _customer(request, problem=error.message, status=400)
    return await _customer(request, notice=f"The exception count is now {kind} at {value}.")


@routes.get("/overrides")
async def overrides_page(request: web.Request) -> web.Response:
    overrides = await request.config_dict[ADMIN].overrides(None)
    notice = NOTICES.get(request.query.get("done", ""), "")
    return render(request, "overrides.html", {"title": "Overrides", "overrides": overrides[::-1], "notice": notice})


@routes.post("/overrides")
async def grant_override(request: web.Request) -> web.StreamResponse:
    positive_id, _ = _positive_id(request)
    reason = field_text(request, "reason")
    overrides = await request.config_dict[ADMIN].overrides(None)
    context: dict[str, Any] = {"title": "Overrides", "overrides": overrides[::-1]}
    if not reason:
        return render(request, "overrides.html", {**context, "problem": "Give a reason for the override."}, 400)
    try:
        await request.config_dict[ADMIN].grant_override(positive_id, reason, actor(request))
    except DomainError as error:
        problem = f"{positive_id_display(positive_id)}: {error.message}"
        return render(request, "overrides.html", {**context, "problem": problem}, 409)
    raise web.HTTPSeeOther(PREFIX + "/overrides?done=granted")


@routes.post("/overrides/{override_id:[0-9]{1,12}}/revoke")
async def revoke_override(request: web.Request) -> web.StreamResponse:
    await request.config_dict[ADMIN].revoke_override(int(request.match_info["override_id"]), actor(request))
    raise web.HTTPSeeOther(PREFIX + "/overrides?done=revoked")


@routes.get("/cashiers")
async def cashier_page(request: web.Request) -> web.Response:
    cashier_id = request.query.get("cashier_id", "").strip()[:40]
    history = await request.config_dict[ADMIN].cashier_history(cashier_id) if cashier_id else None
    title = f"Cashier {cashier_id}" if cashier_id else "Cashiers"
    return render(request, "cashier.html", {"title": title, "cashier_id": cashier_id, "history": history})

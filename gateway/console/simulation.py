"""Simulating a policy version from the console: what a stored, not active version would have decided differently
over a period of stored attempts (the simulation service the administration API uses; nothing is written but the
audit entry of the run).

The form names a version, a date range and optionally stores; the answer shows the summary, the attempts that could
not be re-decided and why, counts by response type before and after with their transitions and a chart, refund
value before and after, and the changed tickets paged, each linking to its ticket page.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aiohttp import web

from gateway.admin.policies import load_policy_bytes
from gateway.admin.simulate_views import MAX_DAYS
from gateway.console.base import FormProblem, allowed_stores, field_text, render, stamp
from gateway.console.charts import before_after
from gateway.http.keys import ADMIN, SCHEMAS, STORE
from handlers.errors import NotFoundError, PolicyInvalid
from handlers.policy.policy_model import PolicySet
from handlers.simulation.report import SimulationReport
from handlers.simulation.service import simulate_policy

routes = web.RouteTableDef()
PAGE = 50
DEFAULT_DAYS = 28
MOST_STORES = 50
STORE_ID = re.compile(r"[A-Za-z0-9._-]{1,20}")
ORDER = ("Authorization", "ContingentAuthorization", "ManagerOverrideableDenial", "Denial")


class Refused(FormProblem):
    """A simulation that cannot run: its message and the page's status."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


async def _candidates(request: web.Request) -> tuple[list[str], str | None]:
    """The versions that may be simulated (stored, not active), newest first; and the active one."""
    versions = await request.config_dict[ADMIN].policy_versions()
    active = next((v["version"] for v in versions if v["active"]), None)
    return [v["version"] for v in versions[::-1] if not v["active"]], active


def _values(request: web.Request) -> dict[str, str]:
    today = datetime.now(UTC).date()
    values = {name: field_text(request, name, 40) for name in ("version", "from", "to")}
    values["stores"] = field_text(request, "stores", 400)
    values["from"] = values["from"] or (today - timedelta(days=DEFAULT_DAYS - 1)).isoformat()
    values["to"] = values["to"] or today.isoformat()
    return values


def simulate_choices(request: web.Request, candidates: list[str]) -> dict[str, Any]:
    """The simulate form's versions and its default values (the last four weeks, every store)."""
    return {"candidates": candidates, "values": _values(request) | {"version": "", "stores": ""}}


def _period(values: dict[str, str]) -> tuple[date, date]:
    try:
        first, last = date.fromisoformat(values["from"]), date.fromisoformat(values["to"])
    except ValueError:
        raise Refused("Dates are written YYYY-MM-DD (for example 2026-10-20).") from None
    if last < first:
        raise Refused("The period runs forwards: 'To' must be on or after 'From'.")
    if (last - first).days > MAX_DAYS:
        raise Refused(f"A simulation spans at most {MAX_DAYS} days; choose a shorter period.")
    return first, last


def _stores(request: web.Request, typed: str) -> tuple[str, ...]:
    """The typed store ids (commas or spaces between them), within the stores the credential may see."""
    stores = tuple(dict.fromkeys(part for part in re.split(r"[\s,;]+", typed) if part))
    if len(stores) > MOST_STORES or not all(STORE_ID.fullmatch(store) for store in stores):
        raise Refused(f"Stores are store ids separated by commas or spaces, at most {MOST_STORES} of them.")
    allowed = allowed_stores(request)
    if allowed is None:
        return stores
    outside = [store for store in stores if store not in allowed]
    if outside:
        raise Refused(f"Your credential does not see store {outside[0]}.", 403)
    return stores or allowed


async def _draft(request: web.Request, version: str, active: str | None) -> PolicySet:
    if not version:
        raise Refused("Choose the policy version to simulate.")
    if version == active:
        raise Refused(
            f"Version {version} is the active version: it decided these attempts already. "
            "Simulate a stored version that is not active.",
            409,
        )
    try:
        stored = await request.config_dict[ADMIN].policy(version)
    except NotFoundError:
        raise Refused(f"Version {version} is not stored. Choose one of the versions listed.", 404) from None
    try:
        return load_policy_bytes(bytes(stored["content"]), request.config_dict[SCHEMAS])
    except PolicyInvalid as error:
        raise Refused(f"Version {version} does not pass its checks: {error.message}", 409) from None


def _kinds(sides: dict[str, dict[str, int]]) -> list[tuple[str, int, int]]:
    found = set(sides["before"]) | set(sides["after"])
    ordered = [kind for kind in ORDER if kind in found] + sorted(found - set(ORDER))
    return [(kind, sides["before"].get(kind, 0), sides["after"].get(kind, 0)) for kind in ordered]


def _moves(moves: dict[str, int]) -> list[tuple[str, str, int]]:
    found = []
    for move, count in moves.items():
        before, _, after = move.partition(" -> ")
        found.append((before, after, count))
    return found


def _summary(report: SimulationReport, offset: int) -> dict[str, Any]:
    currencies = sorted(set(report.refunds["before"]) | set(report.refunds["after"]))
    return {
        "report": report,
        "transactions": _kinds(report.transactions),
        "lines": _kinds(report.lines),
        "transaction_moves": _moves(report.transaction_moves),
        "line_moves": _moves(report.line_moves),
        "refunds": [
            (
                currency,
                report.refunds["before"].get(currency, 0),
                report.refunds["after"].get(currency, 0),
                report.refunds["after"].get(currency, 0) - report.refunds["before"].get(currency, 0),
            )
            for currency in currencies
        ],
        "chart": before_after("Transactions by response type, before and after", _kinds(report.transactions)),
        "changes": report.changes[offset : offset + PAGE],
        "offset": offset,
        "more": offset + PAGE < report.changed_lines,
    }


async def _record(request: web.Request, version: str, detail: dict[str, Any]) -> None:
    """The run in the audit log under the signed-in credential (a simulation changes nothing else)."""
    await request.config_dict[STORE].record_event(stamp(request), "policy.simulate", f"policy/{version}", detail)


def _page(request: web.Request, context: dict[str, Any], status: int = 200) -> web.Response:
    return render(request, "simulate.html", {"title": "Simulate a policy version", "page": PAGE, **context}, status)


@routes.get("/policies/simulate")
async def simulate_form(request: web.Request) -> web.Response:
    candidates, active = await _candidates(request)
    values = _values(request)
    problem = ""
    if values["version"] and values["version"] not in candidates:
        problem = (
            f"Version {values['version']} is the active version; simulate a stored version that is not active."
            if values["version"] == active
            else f"Version {values['version']} is not stored. Choose one of the versions listed."
        )
    context = {"candidates": candidates, "active": active, "values": values, "problem": problem}
    return _page(request, context, 409 if values["version"] == active else 404 if problem else 200)


@routes.post("/policies/simulate")
async def simulate_run(request: web.Request) -> web.Response:
    """Run the simulation and show its answer (every page of changed tickets runs it again on the current data)."""
    candidates, active = await _candidates(request)
    values = _values(request)
    offset_text = field_text(request, "offset", 9)
    offset = int(offset_text) if offset_text.isdigit() else 0
    context: dict[str, Any] = {"candidates": candidates, "active": active, "values": values}
    try:
        first, last = _period(values)
        stores = _stores(request, values["stores"])
        draft = await _draft(request, values["version"], active)
    except Refused as refused:
        return _page(request, {**context, "problem": str(refused)}, refused.status)
    report = await simulate_policy(request.config_dict[STORE], draft, first, last, stores)
    detail = {"from": first.isoformat(), "to": last.isoformat(), "stores": list(stores)}
    await _record(request, draft.version, {**detail, "attempts": report.attempts, "changed": report.changed})
    store = stores[0] if len(stores) == 1 else None
    return _page(request, {**context, **_summary(report, min(offset, report.changed_lines)), "store": store})

"""Today: returns, approvals and denials by response type, top denial codes, refund value and exceptions by store
for a chosen period, with server-drawn charts and the same figures as tables."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from aiohttp import web

from gateway.console.base import field_text, render
from gateway.console.charts import bars, day_columns
from gateway.http.keys import STORE

routes = web.RouteTableDef()
APPROVALS = ("Authorization", "ContingentAuthorization")
DENIALS = ("ManagerOverrideableDenial", "Denial")
LONGEST = 366


def _period(request: web.Request) -> tuple[date, date, str]:
    """The chosen period (the last 7 days by default; at most a year); a message when the choice was refused."""
    today = datetime.now(UTC).date()
    start, end = today - timedelta(days=6), today
    try:
        start = date.fromisoformat(field_text(request, "from")) if field_text(request, "from") else start
        end = date.fromisoformat(field_text(request, "to")) if field_text(request, "to") else end
    except ValueError:
        return today - timedelta(days=6), today, "Dates are written YYYY-MM-DD; showing the last 7 days."
    if start > end or (end - start).days >= LONGEST:
        return (
            today - timedelta(days=6),
            today,
            "The period runs forwards and spans at most a year; showing the last 7 days.",
        )
    return start, end, ""


def _refund_total(refunds: list[dict[str, Any]]) -> Decimal:
    """The stores' sums (exact on PostgreSQL, a float on SQLite), to the cent."""
    total = Decimal(0)
    for row in refunds:
        try:
            total += Decimal(str(row["refund_amount"] or 0))
        except InvalidOperation:
            continue
    return total.quantize(Decimal("0.01"))


def _figures(data: dict[str, Any], start: date, end: date) -> dict[str, Any]:
    by_type: Counter[str] = Counter()
    per_day: dict[str, Counter[str]] = {}
    for row in data["by_day"]:
        kind = row["response_type"] or "undecided"
        by_type[kind] += row["tickets"]
        per_day.setdefault(row["day"], Counter())[kind] += row["tickets"]
    days = [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
    by_store: Counter[str] = Counter()
    for row in data["exceptions"]:
        by_store[row["store_id"]] += row["exceptions"]
    return {
        "returns": sum(by_type.values()),
        "approvals": sum(by_type[kind] for kind in APPROVALS),
        "denials": sum(by_type[kind] for kind in DENIALS),
        "by_type": sorted(by_type.items()),
        "refund_total": _refund_total(data["refunds"]),
        "exception_total": sum(by_store.values()),
        "day_chart": day_columns("Returns per day by response type", [(d, dict(per_day.get(d, {}))) for d in days]),
        "code_chart": bars("Top denial codes", [(row["code"], row["lines"]) for row in data["denial_codes"]]),
        "store_chart": bars("Open exceptions by store", by_store.most_common(15)),
    }


@routes.get("/today")
async def today_page(request: web.Request) -> web.Response:
    start, end, problem = _period(request)
    store_id = field_text(request, "store_id", 40) or None
    data = await request.config_dict[STORE].dashboard(start.isoformat(), end.isoformat(), store_id)
    context = {
        "title": "Today",
        "start": start.isoformat(),
        "end": end.isoformat(),
        "store_id": store_id or "",
        "store": store_id,
        "problem": problem,
        "denial_codes": data["denial_codes"],
        "exceptions": data["exceptions"],
        **_figures(data, start, end),
    }
    return render(request, "today.html", context)

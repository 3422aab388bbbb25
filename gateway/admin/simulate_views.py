"""POST /v1/admin/policies/{version}/simulate: what a published, not yet active version would have decided
differently over a period of stored attempts (JSON; admin credentials; writes nothing)."""

from __future__ import annotations

from datetime import date
from typing import Any

from aiohttp import web

from gateway.admin.policies import load_policy_bytes
from gateway.http.errors import ContentInvalid, GatewayError
from gateway.http.keys import ADMIN, SCHEMAS, STORE
from gateway.http.params import DAY, ID, ID_TEXT, path_id
from gateway.jsonbody import field_issue, parse_object
from handlers.simulation.service import simulate_policy

routes = web.RouteTableDef()
MAX_DAYS = 3660
MAX_STORES = 1000


class PolicyActive(GatewayError):
    code = "POLICY_ACTIVE"
    http_status = 409


@routes.post("/v1/admin/policies/{version}/simulate")
async def simulate(request: web.Request) -> web.Response:
    """Body: {"from": DATE, "to": DATE, "stores": [...], "limit": N, "offset": N}; answers the report."""
    body = await _body(request)
    first, last = _day(body, "from"), _day(body, "to")
    if last < first or (last - first).days > MAX_DAYS:
        raise ContentInvalid(f"'to' must be on or after 'from', at most {MAX_DAYS} days later", (field_issue("to"),))
    stores, limit, offset = _stores(body), _whole(body, "limit", 100, 1000), _whole(body, "offset", 0, 10**9)
    admin = request.app[ADMIN]
    version = path_id(request, "version")
    stored = await admin.policy(version)
    if (await admin.active_policy())["version"] == version:
        raise PolicyActive(f"policy version {version} is active; simulate a version that is not active yet")
    draft = load_policy_bytes(bytes(stored["content"]), request.app[SCHEMAS])
    report = await simulate_policy(request.app[STORE], draft, first, last, stores)
    return web.json_response(report.to_json(limit, offset))


async def _body(request: web.Request) -> dict[str, Any]:
    return parse_object(await request.read())


def _day(body: dict[str, Any], name: str) -> date:
    value = body.get(name)
    try:
        return date.fromisoformat(value if isinstance(value, str) and DAY.fullmatch(value) else "")
    except ValueError:
        raise ContentInvalid(f"'{name}' must be a date (YYYY-MM-DD)", (field_issue(name),)) from None


def _stores(body: dict[str, Any]) -> tuple[str, ...]:
    value = body.get("stores", [])
    if not isinstance(value, list) or len(value) > MAX_STORES:
        raise ContentInvalid(f"'stores' must be a list of at most {MAX_STORES} store ids", (field_issue("stores"),))
    for position, store in enumerate(value):
        if not isinstance(store, str) or not ID.fullmatch(store):
            raise ContentInvalid(f"'stores' holds store ids: {ID_TEXT}", (field_issue("stores", str(position)),))
    return tuple(value)


def _whole(body: dict[str, Any], name: str, default: int, largest: int) -> int:
    value = body.get(name, default)
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= largest:
        raise ContentInvalid(f"'{name}' must be a whole number from 0 to {largest}", (field_issue(name),))
    return value

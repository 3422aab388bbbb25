"""The administration API (JSON, admin credentials): overrides, counts, watches, histories, policies, audit."""

from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

from aiohttp import web

from gateway.admin.openapi import OPENAPI
from gateway.admin.policies import load_policy_bytes
from gateway.http.auth import IDENTITY
from gateway.http.errors import ContentInvalid, GatewayError, ParameterInvalid
from gateway.http.keys import ADMIN, SCHEMAS
from gateway.http.params import CODE, CODE_TEXT, DAY, ID, ID_TEXT, Params, no_parameters, path_id
from gateway.jsonbody import field_issue, parse_object
from handlers.models import PositiveId

routes = web.RouteTableDef()


class PreconditionRequired(GatewayError):
    code = "PRECONDITION_REQUIRED"
    http_status = 428


def _actor(request: web.Request) -> str:
    return request[IDENTITY].name


async def _json_body(request: web.Request) -> dict[str, Any]:
    return parse_object(await request.read())


def _text(body: dict[str, Any], name: str, limit: int = 200, at: tuple[str, ...] = ()) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip() or len(value) > limit:
        raise ContentInvalid(
            f"{name} must be a non-empty string of at most {limit} characters", (field_issue(*at, name),)
        )
    return value.strip()


def _form(body: dict[str, Any], name: str, pattern: re.Pattern[str], accepts: str, at: tuple[str, ...] = ()) -> str:
    """A string field that must have the form the message contract gives it (an id or a code)."""
    value = body.get(name)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise ContentInvalid(f"{name} must be {accepts}", (field_issue(*at, name),))
    return value


def _date(body: dict[str, Any], name: str) -> date:
    value = body.get(name)
    try:
        if not isinstance(value, str) or not DAY.fullmatch(value):
            raise ValueError(value)
        return date.fromisoformat(value)
    except ValueError:
        raise ContentInvalid(f"{name} must be a date (YYYY-MM-DD)", (field_issue(name),)) from None


def _positive_id(values: dict[str, Any], at: tuple[str, ...] = ("positive_id",)) -> PositiveId:
    """A positive ID as the till messages carry it: type and issuer are codes, the number an identifier."""
    return PositiveId(
        _form(values, "type", CODE, CODE_TEXT, at),
        _form(values, "issuer", CODE, CODE_TEXT, at),
        _form(values, "number", ID, ID_TEXT, at),
    )


POSITIVE_ID_PARAMETERS = ("positive_id_type", "positive_id_issuer", "positive_id_number")


def positive_id_query(request: web.Request) -> PositiveId | None:
    """A positive ID from query parameters (all three parts, or 400); None when none is given."""
    params = Params(request, *request.query.keys())
    if not params.together(*POSITIVE_ID_PARAMETERS):
        return None
    type_, issuer = (params.text(f"positive_id_{part}", CODE, CODE_TEXT) for part in ("type", "issuer"))
    number = params.text("positive_id_number")
    return PositiveId(str(type_), str(issuer), str(number))


def _nested(body: dict[str, Any], name: str) -> dict[str, Any]:
    value = body.get(name)
    if not isinstance(value, dict):
        raise ContentInvalid(f"{name} must be an object", (field_issue(name),))
    return value


@routes.get("/v1/admin/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    no_parameters(request)
    return web.json_response(OPENAPI)


@routes.get("/v1/admin/overrides")
async def list_overrides(request: web.Request) -> web.Response:
    Params(request, *POSITIVE_ID_PARAMETERS)
    return web.json_response({"overrides": await request.app[ADMIN].overrides(positive_id_query(request))})


@routes.post("/v1/admin/overrides")
async def grant_override(request: web.Request) -> web.Response:
    body = await _json_body(request)
    positive_id = _positive_id(_nested(body, "positive_id"))
    granted = await request.app[ADMIN].grant_override(positive_id, _text(body, "reason"), _actor(request))
    return web.json_response(granted, status=201)


@routes.post("/v1/admin/overrides/{override_id:[0-9]{1,12}}/revoke")
async def revoke_override(request: web.Request) -> web.Response:
    override_id = int(request.match_info["override_id"])
    return web.json_response(await request.app[ADMIN].revoke_override(override_id, _actor(request)))


@routes.post("/v1/admin/count-overrides")
async def count_override(request: web.Request) -> web.Response:
    body = await _json_body(request)
    kind = body.get("kind")
    if kind not in ("freeze", "reset"):
        raise ContentInvalid("kind must be freeze (with until) or reset", (field_issue("kind"),))
    value = body.get("value")
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 100_000:
        raise ContentInvalid("value must be a whole number from 0 to 100000", (field_issue("value"),))
    until = _date(body, "until") if kind == "freeze" else None
    positive_id = _positive_id(_nested(body, "positive_id"))
    done = await request.app[ADMIN].set_count(positive_id, kind, value, until, _text(body, "reason"), _actor(request))
    return web.json_response(done, status=201)


@routes.get("/v1/admin/customers/history")
async def customer_history(request: web.Request) -> web.Response:
    Params(request, *POSITIVE_ID_PARAMETERS)
    positive_id = positive_id_query(request)
    if positive_id is None:
        missing = ParameterInvalid("positive_id_type", "given with positive_id_issuer and positive_id_number")
        raise ContentInvalid("give positive_id_type, positive_id_issuer and positive_id_number", missing.issues)
    return web.json_response(await request.app[ADMIN].customer_history(positive_id))


@routes.get("/v1/admin/cashiers/{cashier_id}/history")
async def cashier_history(request: web.Request) -> web.Response:
    no_parameters(request)
    return web.json_response(await request.app[ADMIN].cashier_history(path_id(request, "cashier_id")))


@routes.get("/v1/admin/pattern-watches")
async def list_watches(request: web.Request) -> web.Response:
    no_parameters(request)
    return web.json_response({"pattern_watches": await request.app[ADMIN].watches()})


@routes.post("/v1/admin/pattern-watches")
async def add_watch(request: web.Request) -> web.Response:
    body = await _json_body(request)
    watch: dict[str, Any] = {
        "watch_id": _form(body, "watch_id", ID, ID_TEXT),
        "description": _text(body, "description"),
    }
    for name in ("item_id", "node_id"):
        watch[name] = _form(body, name, ID, ID_TEXT) if body.get(name) is not None else None
    if (watch["item_id"] is None) == (watch["node_id"] is None):
        raise ContentInvalid("a pattern watch names an item_id or a node_id, not both", (field_issue("item_id"),))
    for start, end in (("purchase_from", "purchase_to"), ("return_from", "return_to")):
        first, last = _date(body, start), _date(body, end)
        if first > last:
            raise ContentInvalid(f"{start} is after {end}", (field_issue(end),))
        watch[start], watch[end] = first.isoformat(), last.isoformat()
    return web.json_response(await request.app[ADMIN].add_watch(watch, _actor(request)), status=201)


@routes.post("/v1/admin/pattern-watches/{watch_id}/retire")
async def retire_watch(request: web.Request) -> web.Response:
    return web.json_response(await request.app[ADMIN].retire_watch(path_id(request, "watch_id"), _actor(request)))


@routes.get("/v1/admin/policies")
async def list_policies(request: web.Request) -> web.Response:
    no_parameters(request)
    return web.json_response({"policies": await request.app[ADMIN].policy_versions()})


@routes.get("/v1/admin/policies/active")
async def active_policy(request: web.Request) -> web.Response:
    no_parameters(request)
    active = await request.app[ADMIN].active_policy()
    return web.json_response(active, headers={"ETag": active["etag"]})


@routes.put("/v1/admin/policies/active")
async def activate_policy(request: web.Request) -> web.Response:
    """Switch the chain to a stored version; If-Match must carry the ETag of the version active now."""
    if_match = request.headers.get("If-Match")
    if if_match is None:
        raise PreconditionRequired("send If-Match with the ETag of the active policy (GET /v1/admin/policies/active)")
    version = _text(await _json_body(request), "version", 40)
    stored = await request.app[ADMIN].policy(version)
    policy_set = load_policy_bytes(bytes(stored["content"]), request.app[SCHEMAS])
    activated = await request.app[ADMIN].activate(policy_set, if_match, _actor(request))
    return web.json_response(activated, headers={"ETag": activated["etag"]})


@routes.get("/v1/admin/policies/{version}")
async def get_policy(request: web.Request) -> web.Response:
    no_parameters(request)
    stored = await request.app[ADMIN].policy(path_id(request, "version"))
    return web.Response(body=bytes(stored["content"]), content_type="application/xml", headers={"ETag": stored["etag"]})


@routes.put("/v1/admin/policies/{version}")
async def put_policy(request: web.Request) -> web.Response:
    """Upload a version (checked by the policy loader); replacing one needs its current ETag in If-Match."""
    content = await request.read()
    policy_set = load_policy_bytes(content, request.app[SCHEMAS])
    if policy_set.version != request.match_info["version"]:
        raise ContentInvalid(f"the document is version {policy_set.version}, not {request.match_info['version']}")
    stored = await request.app[ADMIN].upload_policy(
        policy_set, content, request.headers.get("If-Match"), _actor(request)
    )
    return web.json_response(
        stored, status=201 if request.headers.get("If-Match") is None else 200, headers={"ETag": stored["etag"]}
    )


@routes.get("/v1/admin/audit")
async def audit(request: web.Request) -> web.Response:
    params = Params(request, "limit", "offset")
    limit = params.integer("limit", 100, 1, 1000)
    offset = params.integer("offset", 0, 0, 1_000_000_000)
    return web.json_response(
        {"entries": [_audit_entry(entry) for entry in await request.app[ADMIN].audit(limit, offset)]}
    )


def _audit_entry(entry: dict[str, Any]) -> dict[str, Any]:
    """An audit entry with its before and after states as JSON objects (null when there was none)."""
    shown = {name: value for name, value in entry.items() if name not in ("before_json", "after_json")}
    for name in ("before", "after"):
        stored = entry.get(f"{name}_json")
        shown[name] = json.loads(stored) if stored else None
    return shown

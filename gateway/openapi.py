"""The OpenAPI 3.0 description of the administration API, served at /v1/admin/openapi.json."""

from __future__ import annotations

from typing import Any

_JSON = {"application/json": {"schema": {"type": "object"}}}
_TEXT = {"type": "string", "minLength": 1, "maxLength": 200}
_DATE = {"type": "string", "format": "date"}
_POSITIVE_ID = {
    "type": "object",
    "required": ["type", "issuer", "number"],
    "properties": {"type": _TEXT, "issuer": _TEXT, "number": _TEXT},
}
_ERRORS = {
    "400": {"description": "invalid request (fault XML)"},
    "401": {"description": "no or bad credential"},
    "403": {"description": "not an admin credential"},
    "404": {"description": "not found"},
    "409": {"description": "conflict (limit reached, already exists)"},
    "412": {"description": "stale If-Match"},
    "428": {"description": "If-Match required"},
}
_POSITIVE_ID_QUERY = [
    {"name": f"positive_id_{part}", "in": "query", "required": required, "schema": {"type": "string"}}
    for part in ("type", "issuer", "number")
    for required in (False,)
]


def _operation(summary: str, body: dict[str, Any] | None = None, ok: str = "200", **extra: Any) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "responses": {ok: {"description": "done", "content": _JSON}, **_ERRORS},
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    operation.update(extra)
    return operation


def _path_id(name: str, pattern: str = "^[A-Za-z0-9._-]{1,40}$") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": pattern}}


OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Returns Gateway administration API", "version": "1.0.0"},
    "components": {
        "securitySchemes": {
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "basic": {"type": "http", "scheme": "basic"},
        }
    },
    "security": [{"apiKey": []}, {"basic": []}],
    "paths": {
        "/v1/admin/overrides": {
            "get": _operation("List customer service overrides", parameters=_POSITIVE_ID_QUERY),
            "post": _operation(
                "Grant a customer service override",
                {
                    "type": "object",
                    "required": ["positive_id", "reason"],
                    "properties": {"positive_id": _POSITIVE_ID, "reason": _TEXT},
                },
                "201",
            ),
        },
        "/v1/admin/overrides/{override_id}/revoke": {
            "post": _operation("Revoke an override", parameters=[_path_id("override_id", "^[0-9]{1,12}$")])
        },
        "/v1/admin/count-overrides": {
            "post": _operation(
                "Freeze or reset a customer's cumulative exception count",
                {
                    "type": "object",
                    "required": ["positive_id", "kind", "value", "reason"],
                    "properties": {
                        "positive_id": _POSITIVE_ID,
                        "kind": {"type": "string", "enum": ["freeze", "reset"]},
                        "value": {"type": "integer", "minimum": 0, "maximum": 100000},
                        "until": _DATE,
                        "reason": _TEXT,
                    },
                },
                "201",
            )
        },
        "/v1/admin/customers/history": {
            "get": _operation("A customer's history by positive ID (masked)", parameters=_POSITIVE_ID_QUERY)
        },
        "/v1/admin/cashiers/{cashier_id}/history": {
            "get": _operation("A cashier's exception history", parameters=[_path_id("cashier_id")])
        },
        "/v1/admin/pattern-watches": {
            "get": _operation("List pattern watches"),
            "post": _operation(
                "Create a pattern watch",
                {
                    "type": "object",
                    "required": ["watch_id", "description", "purchase_from", "purchase_to", "return_from", "return_to"],
                    "properties": {
                        "watch_id": _TEXT,
                        "description": _TEXT,
                        "item_id": _TEXT,
                        "node_id": _TEXT,
                        "purchase_from": _DATE,
                        "purchase_to": _DATE,
                        "return_from": _DATE,
                        "return_to": _DATE,
                    },
                },
                "201",
            ),
        },
        "/v1/admin/pattern-watches/{watch_id}/retire": {
            "post": _operation("Retire a pattern watch", parameters=[_path_id("watch_id")])
        },
        "/v1/admin/policies": {"get": _operation("List policy versions")},
        "/v1/admin/policies/active": {
            "get": _operation("The active policy version and its ETag"),
            "put": _operation(
                "Activate a stored version (If-Match: the active version's ETag)",
                {"type": "object", "required": ["version"], "properties": {"version": _TEXT}},
                parameters=[{"name": "If-Match", "in": "header", "required": True, "schema": {"type": "string"}}],
            ),
        },
        "/v1/admin/policies/{version}": {
            "get": _operation("A policy version's XML, with its ETag", parameters=[_path_id("version")]),
            "put": {
                "summary": "Upload a policy version (XML); replacing one needs If-Match",
                "parameters": [
                    _path_id("version"),
                    {"name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"}},
                ],
                "requestBody": {"required": True, "content": {"application/xml": {"schema": {"type": "string"}}}},
                "responses": {"200": {"description": "replaced"}, "201": {"description": "created"}, **_ERRORS},
            },
        },
        "/v1/admin/policies/{version}/simulate": {
            "post": _operation(
                "What a published, not yet active version would have decided differently over a period (writes "
                "nothing): counts before and after, transitions, refunds, tenders, stores, policies, rules, and the "
                "changed lines, paged",
                {
                    "type": "object",
                    "required": ["from", "to"],
                    "properties": {
                        "from": _DATE,
                        "to": _DATE,
                        "stores": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 20}},
                        "limit": {"type": "integer", "minimum": 0, "maximum": 1000},
                        "offset": {"type": "integer", "minimum": 0},
                    },
                },
                parameters=[_path_id("version")],
            )
        },
        "/v1/admin/audit": {
            "get": _operation(
                "The audit log, oldest first",
                parameters=[
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
                    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
                ],
            )
        },
    },
}

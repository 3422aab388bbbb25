"""The OpenAPI 3.0 description of the JSON API (administration and loyalty accounts), served at
/v1/admin/openapi.json. It states what the server does: the same string limits, every success body's shape, and
every refusal as an RFC 9457 problem (application/problem+json) carrying the gateway's fault code."""

from __future__ import annotations

from typing import Any

_NULLABLE_TEXT = {"type": "string", "nullable": True}
_DATE = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_ID = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$"}
_CODE = {"type": "string", "pattern": "^[A-Za-z0-9][A-Za-z0-9_-]{0,19}$"}
_DATE_OUT = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}


def _text(limit: int) -> dict[str, Any]:
    """A string the server trims and accepts when 1 to `limit` characters hold something other than spaces."""
    return {"type": "string", "minLength": 1, "maxLength": limit, "pattern": "\\S"}


def _object(required: list[str], **properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": required, "properties": properties}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


_POSITIVE_ID = _object(["type", "issuer", "number"], type=_CODE, issuer=_CODE, number=_ID)
_ISSUE = _object(
    ["message"],
    message={"type": "string"},
    line={"type": "integer", "nullable": True},
    column={"type": "integer", "nullable": True},
    xpath=_NULLABLE_TEXT,
)
_PROBLEM = _object(
    ["type", "title", "status", "detail", "code", "issues"],
    type={"type": "string"},
    title={"type": "string"},
    status={"type": "integer", "minimum": 400, "maximum": 599},
    detail={"type": "string"},
    instance={"type": "string"},
    code={"type": "string", "pattern": "^[A-Z][A-Z0-9_]*$"},
    issues={"type": "array", "items": _ref("Issue")},
)
_OVERRIDE = _object(
    ["override_id", "reason", "granted_on", "expires_on", "status"],
    override_id={"type": "integer"},
    customer={"type": "string"},
    granted_by={"type": "string"},
    reason={"type": "string"},
    granted_on=_DATE_OUT,
    expires_on=_DATE_OUT,
    status={"type": "string", "enum": ["active", "used", "revoked", "expired"]},
    ticket_id=_NULLABLE_TEXT,
)
_COUNT = _object(
    ["kind", "value", "set_on", "until", "reason", "set_by"],
    customer={"type": "string"},
    kind={"type": "string", "enum": ["freeze", "reset"]},
    value={"type": "integer"},
    set_on=_DATE_OUT,
    until={**_DATE_OUT, "nullable": True},
    reason={"type": "string"},
    set_by={"type": "string"},
)
_WATCH = _object(
    ["watch_id", "description", "purchase_from", "purchase_to", "return_from", "return_to", "retired_at"],
    watch_id={"type": "string"},
    description={"type": "string"},
    item_id=_NULLABLE_TEXT,
    node_id=_NULLABLE_TEXT,
    purchase_from=_DATE_OUT,
    purchase_to=_DATE_OUT,
    return_from=_DATE_OUT,
    return_to=_DATE_OUT,
    created_by={"type": "string"},
    retired_at=_NULLABLE_TEXT,
)
_POLICY = _object(["version", "etag"], version={"type": "string"}, etag={"type": "string"}, active={"type": "boolean"})
_AUDIT = _object(
    ["entry_id", "at", "actor", "action", "target", "before", "after"],
    entry_id={"type": "integer"},
    at={"type": "string"},
    actor={"type": "string"},
    action={"type": "string"},
    target={"type": "string"},
    before={"type": "object", "nullable": True},
    after={"type": "object", "nullable": True},
)
_LIST = {"type": "array", "items": {"type": "object"}}
_ACCOUNT = _object(
    ["account_id", "tier", "points", "balance_toward_reward", "rewards_issued", "entries"],
    account_id={"type": "string"},
    tier={"type": "string", "nullable": True},
    points={"type": "object", "additionalProperties": {"type": "string"}},
    balance_toward_reward={"type": "string"},
    rewards_issued={"type": "string"},
    offers_reinstated={"type": "array", "items": {"type": "string"}},
    entries=_LIST,
)
_ERROR_TEXT = {
    "400": "invalid request",
    "401": "no or bad credential",
    "403": "not an admin credential",
    "404": "not found",
    "405": "method not allowed",
    "409": "conflict (limit reached, already exists)",
    "412": "stale If-Match",
    "413": "body too large",
    "428": "If-Match required",
    "429": "rate limit exceeded",
    "500": "the gateway could not process the request",
}
_ERRORS = {
    status: {"description": text, "content": {"application/problem+json": {"schema": _ref("Problem")}}}
    for status, text in _ERROR_TEXT.items()
}


def _json(schema: dict[str, Any], description: str = "done") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(
    summary: str, schema: dict[str, Any], body: dict[str, Any] | None = None, ok: str = "200", **extra: Any
) -> dict[str, Any]:
    operation: dict[str, Any] = {"summary": summary, "responses": {ok: _json(schema), **_ERRORS}}
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {"application/json": {"schema": body}}}
    operation.update(extra)
    return operation


def _path_id(name: str, pattern: str = _ID["pattern"]) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": pattern}}


def _if_match(required: bool) -> dict[str, Any]:
    return {"name": "If-Match", "in": "header", "required": required, "schema": {"type": "string"}}


_POSITIVE_ID_QUERY = [
    {"name": f"positive_id_{part}", "in": "query", "required": False, "schema": _ID if part == "number" else _CODE}
    for part in ("type", "issuer", "number")
]
_GRANT = _object(["positive_id", "reason"], positive_id=_POSITIVE_ID, reason=_text(200))
_COUNT_BODY = _object(
    ["positive_id", "kind", "value", "reason"],
    positive_id=_POSITIVE_ID,
    kind={"type": "string", "enum": ["freeze", "reset"]},
    value={"type": "integer", "minimum": 0, "maximum": 100000},
    until=_DATE,
    reason=_text(200),
)
_WATCH_BODY = _object(
    ["watch_id", "description", "purchase_from", "purchase_to", "return_from", "return_to"],
    watch_id=_ID,
    description=_text(200),
    item_id=_ID,
    node_id=_ID,
    purchase_from=_DATE,
    purchase_to=_DATE,
    return_from=_DATE,
    return_to=_DATE,
)
_CUSTOMER_HISTORY = _object(
    ["customer", "exceptions", "returns", "service_overrides"],
    customer={"type": "string"},
    exceptions=_LIST,
    returns=_LIST,
    count_override={"type": "object", "nullable": True},
    service_overrides=_LIST,
)
_AUDIT_QUERY = [
    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000}},
    {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0, "maximum": 1000000000}},
]
_POLICY_XML = {
    "description": "the policy set document",
    "headers": {"ETag": {"schema": {"type": "string"}}},
    "content": {"application/xml": {"schema": {"type": "string"}}},
}

PATHS: dict[str, Any] = {
    "/v1/admin/openapi.json": {"get": _operation("This description", {"type": "object"})},
    "/v1/admin/overrides": {
        "get": _operation(
            "List customer service overrides (of one customer: all three positive_id_ parameters)",
            _object(["overrides"], overrides={"type": "array", "items": _ref("Override")}),
            parameters=_POSITIVE_ID_QUERY,
        ),
        "post": _operation("Grant a customer service override", _ref("Override"), _GRANT, "201"),
    },
    "/v1/admin/overrides/{override_id}/revoke": {
        "post": _operation(
            "Revoke an override", _ref("Override"), parameters=[_path_id("override_id", "^[0-9]{1,12}$")]
        )
    },
    "/v1/admin/count-overrides": {
        "post": _operation("Freeze (until a day) or reset a customer's exception count", _COUNT, _COUNT_BODY, "201")
    },
    "/v1/admin/customers/history": {
        "get": _operation(
            "A customer's history by positive ID (masked)", _CUSTOMER_HISTORY, parameters=_POSITIVE_ID_QUERY
        )
    },
    "/v1/admin/cashiers/{cashier_id}/history": {
        "get": _operation(
            "A cashier's exception history",
            _object(["cashier_id", "exceptions"], cashier_id={"type": "string"}, exceptions=_LIST),
            parameters=[_path_id("cashier_id")],
        )
    },
    "/v1/admin/pattern-watches": {
        "get": _operation(
            "List pattern watches", _object(["pattern_watches"], pattern_watches={"type": "array", "items": _WATCH})
        ),
        "post": _operation("Create a pattern watch", _WATCH, _WATCH_BODY, "201"),
    },
    "/v1/admin/pattern-watches/{watch_id}/retire": {
        "post": _operation("Retire a pattern watch", _WATCH, parameters=[_path_id("watch_id")])
    },
    "/v1/admin/policies": {
        "get": _operation("List policy versions", _object(["policies"], policies={"type": "array", "items": _POLICY}))
    },
    "/v1/admin/policies/active": {
        "get": _operation("The active policy version and its ETag", _POLICY),
        "put": _operation(
            "Activate a stored version (If-Match: the active version's ETag)",
            _POLICY,
            _object(["version"], version=_text(40)),
            parameters=[_if_match(True)],
        ),
    },
    "/v1/admin/policies/{version}": {
        "get": {
            "summary": "A policy version's XML, with its ETag",
            "parameters": [_path_id("version")],
            "responses": {"200": _POLICY_XML, **_ERRORS},
        },
        "put": {
            "summary": "Upload a policy version (XML); replacing one needs If-Match",
            "parameters": [_path_id("version"), _if_match(False)],
            "requestBody": {"required": True, "content": {"application/xml": {"schema": {"type": "string"}}}},
            "responses": {"200": _json(_POLICY, "replaced"), "201": _json(_POLICY, "created"), **_ERRORS},
        },
    },
    "/v1/admin/policies/{version}/simulate": {
        "post": _operation(
            "What a published, not yet active version would have decided differently over a period (writes nothing):"
            " counts before and after, transitions, refunds, tenders, stores, policies, rules, and the changed lines,"
            " paged",
            _object(["attempts", "changed"], attempts={"type": "integer"}, changed={"type": "integer"}),
            _object(
                ["from", "to"],
                **{
                    "from": _DATE,
                    "to": _DATE,
                    "stores": {"type": "array", "maxItems": 1000, "items": _ID},
                    "limit": {"type": "integer", "minimum": 0, "maximum": 1000},
                    "offset": {"type": "integer", "minimum": 0},
                },
            ),
            parameters=[_path_id("version")],
        )
    },
    "/v1/admin/audit": {
        "get": _operation(
            "The audit log, oldest first",
            _object(["entries"], entries={"type": "array", "items": _AUDIT}),
            parameters=_AUDIT_QUERY,
        )
    },
    "/v1/loyalty/accounts/{account_id}": {
        "get": _operation(
            "A loyalty account's balances, tier and entries (any credential)",
            _ACCOUNT,
            parameters=[_path_id("account_id")],
        )
    },
}

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {"title": "Returns Gateway JSON API: administration and loyalty accounts", "version": "1.0.0"},
    "components": {
        "securitySchemes": {
            "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
            "basic": {"type": "http", "scheme": "basic"},
        },
        "schemas": {"Problem": _PROBLEM, "Issue": _ISSUE, "Override": _OVERRIDE},
    },
    "security": [{"apiKey": []}, {"basic": []}],
    "paths": PATHS,
}

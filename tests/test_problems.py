"""Refusals of the JSON endpoints are RFC 9457 problems with the fault codes; till endpoints keep XML faults."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import jsonschema_rs
import pytest
from aiohttp import web

from gateway.admin.openapi import OPENAPI
from gateway.app import create_app
from gateway.http.credentials import new_credential
from gateway.settings import Settings, load_settings
from tests.conftest import EXAMPLES
from tests.serverutil import Client

ADMIN, ADMIN_SECRET = new_credential("admin", "api-key", ("*",), True, "")
TILL, TILL_SECRET = new_credential("till", "api-key", ("01291",), False, "")
AS_ADMIN = {"X-API-Key": f"admin.{ADMIN_SECRET}"}
AS_TILL = {"X-API-Key": f"till.{TILL_SECRET}"}
pytestmark = pytest.mark.both_backends


@pytest.fixture
def settings(db_location: str) -> Settings:
    return load_settings(environ={}, db_path=db_location, credentials=(ADMIN, TILL))


@pytest.fixture
async def client(aiohttp_client: Callable[[web.Application], Awaitable[Client]], settings: Settings) -> Client:
    return await aiohttp_client(create_app(settings))


def json_schema(schema: Any) -> Any:
    """OpenAPI 3.0's `nullable` as JSON Schema's null type."""
    if isinstance(schema, list):
        return [json_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    converted = {name: json_schema(value) for name, value in schema.items() if name != "nullable"}
    if schema.get("nullable"):
        converted["type"] = [schema["type"], "null"]
    return converted


def assert_problem(body: dict[str, Any], status: int, code: str) -> None:
    schemas = json_schema(OPENAPI["components"]["schemas"])
    jsonschema_rs.validate({"components": {"schemas": schemas}, **schemas["Problem"]}, body)
    assert body["status"] == status and body["code"] == code
    assert body["type"] == f"urn:returns-gateway:fault:{code}"


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "status", "code"),
    [
        ("GET", "/v1/admin/policies", {}, None, 401, "UNAUTHENTICATED"),
        ("GET", "/v1/admin/policies", AS_TILL, None, 403, "FORBIDDEN"),
        ("GET", "/v1/admin/policies/no-such-version", AS_ADMIN, None, 404, "NOT_FOUND"),
        ("DELETE", "/v1/admin/audit", AS_ADMIN, None, 405, "METHOD_NOT_ALLOWED"),
        (
            "POST",
            "/v1/admin/overrides",
            AS_ADMIN,
            {"positive_id": {"type": "DL"}, "reason": "r"},
            400,
            "MESSAGE_INVALID",
        ),
        ("PUT", "/v1/admin/policies/active", AS_ADMIN, {"version": "x"}, 428, "PRECONDITION_REQUIRED"),
        ("GET", "/v1/loyalty/accounts/NOBODY", AS_TILL, None, 404, "NOT_FOUND"),
    ],
)
async def test_json_endpoints_refuse_with_problems(
    client: Client, method: str, path: str, headers: dict[str, str], body: Any, status: int, code: str
) -> None:
    response = await client.request(method, path, json=body, headers=headers)
    assert response.status == status
    assert response.content_type == "application/problem+json"
    assert_problem(await response.json(content_type="application/problem+json"), status, code)


async def test_a_bad_field_is_named_in_the_problem(client: Client) -> None:
    response = await client.post(
        "/v1/admin/overrides",
        json={"positive_id": {"type": "DL", "issuer": "TX" * 11, "number": "1"}, "reason": "r"},
        headers=AS_ADMIN,
    )
    problem = await response.json(content_type="application/problem+json")
    assert problem["detail"] == "issuer must be a code: a letter or digit, then up to 19 letters, digits, '_' or '-'"
    assert problem["issues"][0]["message"] == "issuer"
    assert problem["issues"][0]["xpath"] == "/positive_id/issuer"


async def test_till_endpoints_keep_xml_faults(client: Client) -> None:
    response = await client.post(
        "/v1/returns/authorize", data=(EXAMPLES / "authorize_receipted_single.xml").read_bytes()
    )
    assert response.status == 401
    assert response.content_type == "application/xml"
    assert "<Code>UNAUTHENTICATED</Code>" in await response.text()


async def test_audit_entries_hold_objects(client: Client) -> None:
    positive_id = {"type": "DL", "issuer": "TX", "number": "12345678"}
    granted = await client.post(
        "/v1/admin/overrides", json={"positive_id": positive_id, "reason": "goodwill"}, headers=AS_ADMIN
    )
    assert granted.status == 201
    entries = (await (await client.get("/v1/admin/audit", headers=AS_ADMIN)).json())["entries"]
    grant = next(entry for entry in entries if entry["action"] == "override.grant")
    assert grant["before"] is None and grant["after"]["reason"] == "goodwill"
    assert "after_json" not in grant


async def test_the_policy_document_is_declared_as_xml(client: Client) -> None:
    declared = OPENAPI["paths"]["/v1/admin/policies/{version}"]["get"]["responses"]["200"]["content"]
    active = await (await client.get("/v1/admin/policies/active", headers=AS_ADMIN)).json()
    response = await client.get(f"/v1/admin/policies/{active['version']}", headers=AS_ADMIN)
    assert response.status == 200 and list(declared) == [response.content_type] == ["application/xml"]

"""Every refusal of a request that came as SOAP is a SOAP Fault of its version: 401, 413, malformed XML and an
empty Body included, where a SOAP client would otherwise read a plain fault as "Unknown fault"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp import web
from lxml import etree

from gateway.app import create_app
from gateway.http.credentials import new_credential
from gateway.settings import load_settings
from tests.dbcounts import changed, every_table
from tests.serverutil import SOAP11, SOAP12, Client, example, soap

ClientFactory = Callable[[web.Application], Awaitable[Client]]
TILL, SECRET = new_credential("till", "api-key", ("01291",), False, "")
VERSIONS = [(SOAP11, "text/xml", {"SOAPAction": '""'}), (SOAP12, "application/soap+xml", {})]


def fault_of(body: bytes, namespace: str) -> tuple[str, str]:
    """(SOAP fault code, gateway fault code) of a SOAP Fault of this version."""
    root = etree.fromstring(body)
    assert root.tag == f"{{{namespace}}}Envelope", body[:300]
    soap_code = root.xpath("string(//faultcode | //*[local-name() = 'Code']/*[local-name() = 'Value'])")
    code = root.xpath("string(//*[namespace-uri() = 'urn:returns-gateway:messages:v1']/*[local-name() = 'Code'])")
    return str(soap_code), str(code)


@pytest.fixture
async def secured(aiohttp_client: ClientFactory, tmp_path: Path) -> Client:
    settings = load_settings(
        environ={}, db_path=tmp_path / "g.db", credentials=(TILL,), rate_limit=1e6, rate_burst=1e6, max_body_bytes=4000
    )
    return await aiohttp_client(create_app(settings))


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "g.db"


@pytest.mark.parametrize(("namespace", "content_type", "headers"), VERSIONS)
async def test_refusals_of_soap_requests_are_soap_faults(
    secured: Client, db: Path, namespace: str, content_type: str, headers: dict[str, str]
) -> None:
    before = every_table(db)
    message = soap(example("authorize_receipted_single"), namespace)
    sent = {"Content-Type": content_type, **headers}
    cases = [
        (message, sent, 401, "UNAUTHENTICATED"),
        (
            message.replace(b"<s:Body>", b"<s:Body><!--" + b"x" * 5000 + b"-->"),
            sent | {"X-API-Key": f"till.{SECRET}"},
            413,
            "XML_TOO_LARGE",
        ),
        (message[:-30], sent | {"X-API-Key": f"till.{SECRET}"}, 400, "XML_MALFORMED"),
        (b"", sent | {"X-API-Key": f"till.{SECRET}"}, 400, "XML_MALFORMED"),
        (
            soap(b"<?xml version='1.0'?>", namespace),
            sent | {"X-API-Key": f"till.{SECRET}"},
            400,
            "SOAP_ENVELOPE_INVALID",
        ),
    ]
    for body, request_headers, status, code in cases:
        response = await secured.post("/v1/messages", data=body, headers=request_headers)
        answer = await response.read()
        assert response.status == status, answer[:300]
        assert response.headers["Content-Type"].startswith(content_type)
        soap_code, gateway_code = fault_of(answer, namespace)
        assert gateway_code == code
        assert soap_code in ("soap:Client", "soap:Sender")
    assert changed(before, every_table(db)) == {}

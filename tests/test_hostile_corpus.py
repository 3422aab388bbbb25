"""The hostile request corpus (tests/corpus/requests): each request is refused with its own status and fault code,
naming where (an issue with an XPath, a line, or the header at fault), as a SOAP Fault of the request's version
where it came as SOAP, and no table of the database changes.

The requests go over a real socket to the gateway as `create_app` builds it, so that HTTP framing errors (which
aiohttp meets before any route) are tried too.
"""

from __future__ import annotations

import asyncio
import re
import socket
import threading
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from lxml import etree

from gateway.app import create_app
from gateway.settings import load_settings
from tests.conftest import CORPUS
from tests.dbcounts import changed, every_table
from tests.serverproc import free_port
from tests.serverutil import example

REQUESTS = CORPUS / "requests"
CASES: dict[str, dict[str, Any]] = tomllib.loads((REQUESTS / "cases.toml").read_text(encoding="utf-8"))
SOAP = {"1.1": "http://schemas.xmlsoap.org/soap/envelope/", "1.2": "http://www.w3.org/2003/05/soap-envelope"}
SOAP_TYPES = {"1.1": "text/xml", "1.2": "application/soap+xml"}


@dataclass
class Running:
    port: int
    db: Path


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """One gateway for the whole corpus, with a ticket in its tables so that a stray write or delete would show."""
    db = tmp_path_factory.mktemp("corpus") / "gateway.db"
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(create_app(load_settings(environ={}, db_path=db)))
    port = free_port()
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        status, _, _ = exchange(port, request_bytes(example("authorize_receipted_single"), "application/xml", {}))
        assert status == 200
        yield Running(port, db)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.run_until_complete(runner.cleanup())
        loop.close()


def request_bytes(body: bytes, content_type: str, headers: dict[str, str]) -> bytes:
    head = f"POST /v1/messages HTTP/1.1\r\nHost: gateway\r\nContent-Type: {content_type}\r\n"
    head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return head.encode() + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body


def exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send raw bytes; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(request)
        answer = b""
        while chunk := connection.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return status, headers, body


def test_the_corpus_is_large_and_every_file_has_a_case() -> None:
    assert len(CASES) >= 40
    named = {case.get("file") or case.get("raw") for case in CASES.values()}
    assert {path.name for path in REQUESTS.iterdir() if path.name != "cases.toml"} == named


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_request_is_refused_with_its_code_and_writes_nothing(gateway: Running, name: str) -> None:
    case = CASES[name]
    before = every_table(gateway.db)
    if "raw" in case:
        request = (REQUESTS / case["raw"]).read_bytes()
    else:
        request = request_bytes((REQUESTS / case["file"]).read_bytes(), case["content_type"], case.get("headers", {}))
    status, headers, body = exchange(gateway.port, request)
    assert status == case["status"], body[:400]
    root = etree.fromstring(body)
    codes = root.xpath(
        "//*[local-name() = 'Fault' and namespace-uri() = 'urn:returns-gateway:messages:v1']/*[local-name() = 'Code']/text()"
    )
    assert codes == [case["code"]], body[:400]
    places = root.xpath(
        "//*[local-name() = 'Fault' and namespace-uri() = 'urn:returns-gateway:messages:v1']"
        "//*[local-name() = 'Issue'][@xpath or @line]"
    )
    assert places, f"the fault names no place: {body[:400]!r}"
    if "soap" in case:
        assert root.tag == f"{{{SOAP[case['soap']]}}}Envelope", body[:400]
        assert headers["content-type"].startswith(SOAP_TYPES[case["soap"]])
        fault_code = root.xpath("string(//faultcode | //*[local-name() = 'Code']/*[local-name() = 'Value'])")
        assert re.fullmatch(r"soap:(Client|Sender|MustUnderstand|VersionMismatch)", fault_code)
    else:
        assert headers["content-type"].startswith("application/xml")
    assert changed(before, every_table(gateway.db)) == {}

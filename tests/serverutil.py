"""Helpers for end-to-end tests: example messages with changes, posting them, and reading the database."""

from __future__ import annotations

import re
from pathlib import Path

from aiohttp import web
from aiohttp.test_utils import TestClient

from tests.conftest import EXAMPLES
from tests.dbaccess import database

XML = {"Content-Type": "application/xml"}
Client = TestClient[web.Request, web.Application]
SOAP11 = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12 = "http://www.w3.org/2003/05/soap-envelope"


def example(name: str, *changes: tuple[str, str]) -> bytes:
    """An example message with text replacements applied (each must match)."""
    text = (EXAMPLES / f"{name}.xml").read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    return text.encode("utf-8")


def soap(body: bytes, namespace: str) -> bytes:
    inner = body.split(b"?>", 1)[1]
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><s:Envelope xmlns:s="{namespace}"><s:Body>'.encode()
        + inner
        + b"</s:Body></s:Envelope>"
    )


def field(text: str, name: str) -> str:
    found = re.search(rf"<{name}>(.*?)</{name}>", text)
    assert found is not None, f"{name} not in {text[:300]}"
    return found.group(1)


async def post(client: Client, path: str, body: bytes, content_type: str = "application/xml") -> tuple[int, str]:
    response = await client.post(path, data=body, headers={"Content-Type": content_type})
    return response.status, await response.text()


def count(db: str | Path, sql: str, *params: object) -> int:
    with database(db) as connection:
        return int(connection.execute(sql, params).fetchone()[0])


def table_counts(db: str | Path) -> dict[str, int]:
    tables = ("tickets", "attempts", "ticket_lines", "messages", "final_results", "exceptions", "customer_returns")
    return {table: count(db, f"SELECT COUNT(*) FROM {table}") for table in tables}


EMPTY = {
    "tickets": 0,
    "attempts": 0,
    "ticket_lines": 0,
    "messages": 0,
    "final_results": 0,
    "exceptions": 0,
    "customer_returns": 0,
}

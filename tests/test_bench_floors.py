"""The benchmarks' floors do the work they claim: every message parsed, validated and stored, anything invalid refused."""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient
from aiohttp.web import Application

from bench.floor_server import floor_app
from bench.make_queue import generate
from bench.replay_floor import replay_floor
from gateway.http.errors import SchemaInvalid
from tests.conftest import EXAMPLES

ClientFactory = Callable[[Application], Awaitable[TestClient]]  # type: ignore[type-arg]


def _stored(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [row[0] for row in connection.execute("SELECT message_id FROM floor_messages ORDER BY message_id")]


async def test_the_replay_floor_stores_every_queued_message_once(tmp_path: Path) -> None:
    generate(tmp_path / "queue", 30)
    summary = await replay_floor(tmp_path / "queue", tmp_path / "floor.db")
    assert summary["total"] == 30
    assert _stored(tmp_path / "floor.db") == [f"Q-{n:06d}" for n in range(30)]


async def test_the_replay_floor_validates_what_it_stores(tmp_path: Path) -> None:
    generate(tmp_path / "queue", 3)
    bad = next((tmp_path / "queue").rglob("*.xml"))
    bad.write_text(bad.read_text().replace("<Currency>USD</Currency>", "<Currency>DOLLARS</Currency>", 1))
    with pytest.raises(SchemaInvalid):
        await replay_floor(tmp_path / "queue", tmp_path / "floor.db")


async def test_the_floor_server_stores_each_valid_request_and_names_a_ticket(
    aiohttp_client: ClientFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FLOOR_DB", str(tmp_path / "floor.db"))
    client = await aiohttp_client(floor_app())
    body = (EXAMPLES / "authorize_receipted_single.xml").read_bytes()
    answer = await client.post("/v1/returns/authorize", data=body, headers={"Content-Type": "application/xml"})
    assert answer.status == 200
    assert b"<TicketId>T" in await answer.read()
    refused = await client.post("/v1/returns/authorize", data=body.replace(b"<Currency>USD", b"<Currency>US"))
    assert refused.status == 500
    await client.close()
    assert len(_stored(tmp_path / "floor.db")) == 1

"""Shared fixtures: paths to the shipped examples, settings, a client, a store, and a guard that keeps tests off
the network."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.settings import Settings, load_settings
from store.sqlite import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "messages"
POLICY = ROOT / "examples" / "policies" / "chain.xml"
CORPUS = Path(__file__).resolve().parent / "corpus"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Embedded defaults on a fresh database file (test modules that need other settings override this)."""
    return load_settings(environ={}, db_path=tmp_path / "gateway.db")


@pytest.fixture
async def client(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]], settings: Settings
) -> TestClient[web.Request, web.Application]:
    """The gateway, as create_app builds it, behind a test HTTP client."""
    return await aiohttp_client(create_app(settings))


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[SqliteStore]:
    """An open store on the settings' database, closed after the test whatever its outcome (an open store's
    threads would keep the test process alive)."""
    opened = SqliteStore(Path(settings.db_path))
    await opened.open()
    yield opened
    await opened.close()


@pytest.fixture(autouse=True)
def no_remote_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Refuse connections to anything but loopback, so a test can never fetch a DTD or schema."""
    original = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else str(address)
        if isinstance(host, str) and not (host.startswith("127.") or host in ("::1", "localhost")):
            raise OSError(f"tests may not connect to {host}")
        original(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield

"""Shared fixtures: paths to the shipped examples, settings, a client, a store, a throwaway PostgreSQL cluster with a
fresh database per test, and a guard that keeps tests off the network."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from gateway.app import create_app
from gateway.settings import Settings, load_settings
from store.jobstore import JobStore
from store.open import open_store
from tests.pgcluster import TEMPLATE, PgCluster, require_postgresql

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "messages"
POLICY = ROOT / "examples" / "policies" / "chain.xml"
CORPUS = Path(__file__).resolve().parent / "corpus"


BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked both_backends run once on SQLite and once on PostgreSQL (through `db_location`)."""
    if "db_location" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize("db_location", BACKENDS, indirect=True)


@pytest.fixture
def db_location(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty gateway database: a SQLite file, or (for tests marked both_backends, in their postgresql
    run) a fresh PostgreSQL database of the session's throwaway cluster."""
    if getattr(request, "param", "sqlite") == "postgresql":
        return str(request.getfixturevalue("pg_url"))
    return str(tmp_path / "gateway.db")


@pytest.fixture
def settings(db_location: str) -> Settings:
    """Embedded defaults on a fresh database (test modules that need other settings override this)."""
    return load_settings(environ={}, db_path=db_location)


@pytest.fixture
async def client(
    aiohttp_client: Callable[[web.Application], Awaitable[TestClient[web.Request, web.Application]]], settings: Settings
) -> TestClient[web.Request, web.Application]:
    """The gateway, as create_app builds it, behind a test HTTP client."""
    return await aiohttp_client(create_app(settings))


@pytest.fixture
async def store(settings: Settings) -> AsyncIterator[JobStore]:
    """An open store on the settings' database, closed after the test whatever its outcome (an open store's
    threads would keep the test process alive)."""
    opened = open_store(settings.db_path, pool_size=4)
    assert isinstance(opened, JobStore)
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


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgCluster]:
    """One throwaway PostgreSQL cluster for the whole run (fsync off), with the migrated template database every
    test database is created from; stopped and removed at the end. Skips, or fails when required, without
    PostgreSQL."""
    require_postgresql()
    from store.postgres.migrate import migrate  # psycopg is there: require_postgresql checked

    cluster = PgCluster()
    try:
        cluster.start()
        migrate(cluster.create_database(TEMPLATE))
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def pg_cluster(pg_server: PgCluster) -> Iterator[PgCluster]:
    """The cluster, for tests that stop, start or restart the server: it is running again after the test."""
    yield pg_server
    pg_server.start()


@pytest.fixture
def pg_url(pg_server: PgCluster) -> Iterator[str]:
    """The URL of a fresh database with the gateway's current schema, dropped after the test."""
    url = pg_server.create_database(template=TEMPLATE)
    yield url
    pg_server.start()
    pg_server.drop_database(url.rsplit("/", 1)[1])

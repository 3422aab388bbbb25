"""Choosing the backend from --db: a path or sqlite:/// URL is SQLite, postgresql:// is PostgreSQL, anything
else a configuration error; RETURNS_GATEWAY_DB names it too."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import main
from gateway.settings import load_settings
from store.errors import StoreConfigurationError
from store.open import open_store, parse_location
from store.sqlite import SqliteStore


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ("gateway.db", Path("gateway.db")),
        ("/srv/returns/gateway.db", Path("/srv/returns/gateway.db")),
        ("sqlite:///gateway.db", Path("gateway.db")),
        ("sqlite:////srv/returns/gateway.db", Path("/srv/returns/gateway.db")),
        (Path("a b.db"), Path("a b.db")),
    ],
)
def test_a_path_or_sqlite_url_names_a_sqlite_file(value: str | Path, path: Path) -> None:
    location = parse_location(value)
    assert (location.backend, location.path, location.url) == ("sqlite", path, None)


def test_a_postgresql_url_names_the_shared_backend_and_its_description_hides_the_password() -> None:
    location = parse_location("postgresql://gateway:s3cret@db.example:5433/returns?sslmode=require")
    assert (location.backend, location.path) == ("postgresql", None)
    assert location.describe() == "postgresql://gateway@db.example:5433/returns"
    assert parse_location("postgres://db/returns").backend == "postgresql"


@pytest.mark.parametrize("value", ["mysql://db/returns", "sqlite://", "sqlite:///"])
def test_other_urls_are_refused(value: str) -> None:
    with pytest.raises(StoreConfigurationError):
        parse_location(value)


async def test_open_store_gives_a_working_sqlite_store(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path}/gateway.db")
    assert isinstance(store, SqliteStore)
    await store.open()
    try:
        assert await store.ping()
        assert await store.secret() == await store.secret()
    finally:
        await store.close()
    assert (tmp_path / "gateway.db").is_file()


def test_the_environment_names_the_database_as_returns_gateway_db() -> None:
    assert load_settings(environ={"RETURNS_GATEWAY_DB": "postgresql://db/returns"}).db_path == "postgresql://db/returns"
    both = {"RETURNS_GATEWAY_DB": "a.db", "RETURNS_GATEWAY_DB_PATH": "b.db"}
    assert load_settings(environ=both).db_path == "b.db"


def test_a_command_refuses_an_unknown_database_url_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["purge", "--older-than", "30", "--db", "mysql://db/returns"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: --db mysql:// is not a database") and "Traceback" not in error

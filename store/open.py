"""Choosing a backend from the `--db` value (settings.db_path, RETURNS_GATEWAY_DB): a path or `sqlite:///PATH`
opens the embedded SQLite store; `postgresql://user@host:port/db?sslmode=...` (or `postgres://`) the PostgreSQL
store, which several gateways may share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from store.base import Store
from store.errors import StoreConfigurationError

POSTGRES_SCHEMES = ("postgresql", "postgres")


@dataclass(frozen=True, slots=True)
class DatabaseLocation:
    """Where a store lives: `path` for SQLite, `url` for PostgreSQL."""

    backend: str
    path: Path | None = None
    url: str | None = None

    def describe(self) -> str:
        """For logs: the file, or the URL without its password."""
        if self.path is not None:
            return str(self.path)
        parts = urlsplit(self.url or "")
        host = parts.hostname or ""
        user = f"{parts.username}@" if parts.username else ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{user}{host}{port}{parts.path}"


def parse_location(value: str | Path) -> DatabaseLocation:
    """The backend and location a `--db` value names; an unknown URL scheme is a configuration error."""
    text = str(value)
    if isinstance(value, Path) or "://" not in text:
        return DatabaseLocation("sqlite", path=Path(text))
    scheme = text.split("://", 1)[0].lower()
    if scheme == "sqlite":
        rest = text.split("://", 1)[1]
        if not rest.startswith("/") or rest == "/":
            raise StoreConfigurationError(
                f"{text}: a SQLite URL is sqlite:///relative/path or sqlite:////absolute/path"
            )
        return DatabaseLocation("sqlite", path=Path(unquote(rest[1:])))
    if scheme in POSTGRES_SCHEMES:
        return DatabaseLocation("postgresql", url=text)
    raise StoreConfigurationError(
        f"{scheme}:// is not a database this gateway uses: give a path, sqlite:/// or postgresql://"
    )


def open_store(
    value: str | Path,
    *,
    background_checkpoints: bool = True,
    pool_size: int = 10,
    pool_timeout: float = 5.0,
    prepared_statements: bool = True,
) -> Store:
    """A store (not opened yet: call `open`) for a path or URL."""
    location = parse_location(value)
    if location.backend == "sqlite" and location.path is not None:
        from store.sqlite import SqliteStore

        return SqliteStore(location.path, background_checkpoints=background_checkpoints)
    try:
        from store.postgres.store import PostgresStore
    except ImportError as error:
        raise StoreConfigurationError(
            f'{location.describe()}: the PostgreSQL driver is not installed (pip install "returns-gateway[postgresql]")'
        ) from error
    return PostgresStore(
        location.url or "", pool_size=pool_size, pool_timeout=pool_timeout, prepared_statements=prepared_statements
    )

"""Applying the PostgreSQL schema: the numbered scripts in store/postgres/migrations, in order, each once and in its
own transaction, recorded in `schema_migrations`.

Every gateway migrates on start, so several may start at once: the whole run holds a session advisory lock, so
that one of them applies what is pending and the others, once they get the lock, find nothing left to do. A
script already applied is never applied again; one whose text has changed since is refused, not silently skipped.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources

import psycopg

from store.postgres.db import lock_id

MIGRATION_LOCK = lock_id("returns-gateway:schema-migrations")
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")


class MigrationError(Exception):
    """The database's schema history does not fit the scripts this gateway ships."""


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class MigrationState:
    version: int
    name: str
    applied_at: str | None  # None while pending


def available() -> list[Migration]:
    """The shipped scripts in version order; numbered 1, 2, 3 ... without gaps or repeats."""
    found = []
    for entry in resources.files("store.postgres").joinpath("migrations").iterdir():
        matched = _NAME.match(entry.name)
        if matched:
            found.append(Migration(int(matched[1]), matched[2], entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    numbers = [migration.version for migration in found]
    if numbers != list(range(1, len(found) + 1)):
        raise MigrationError(f"migration scripts are not numbered 1 to {len(found)}: {numbers}")
    return found


_HISTORY = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version BIGINT PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TEXT NOT NULL
)
"""


def _applied(connection: psycopg.Connection[tuple[object, ...]]) -> dict[int, tuple[str, str, str]]:
    exists = connection.execute("SELECT to_regclass('schema_migrations') IS NOT NULL").fetchone()
    if not exists or not exists[0]:
        return {}
    rows = connection.execute("SELECT version, name, checksum, applied_at FROM schema_migrations").fetchall()
    return {int(str(version)): (str(name), str(checksum), str(at)) for version, name, checksum, at in rows}


def _check(applied: dict[int, tuple[str, str, str]], shipped: list[Migration]) -> None:
    by_version = {migration.version: migration for migration in shipped}
    for version, (name, checksum, _) in sorted(applied.items()):
        migration = by_version.get(version)
        if migration is None:
            raise MigrationError(
                f"the database has migration {version:04d}_{name}, which this gateway does not know: "
                "it was migrated by a newer gateway"
            )
        if migration.checksum != checksum:
            raise MigrationError(f"migration {version:04d}_{name} was applied from a different script than shipped")


def migrate(url: str) -> list[str]:
    """Apply every pending migration in order; the names of those applied now (none when already current)."""
    shipped = available()
    with psycopg.connect(url, autocommit=True) as connection:
        # Held until unlocked below or, should anything fail, until this connection closes.
        connection.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))
        connection.execute(_HISTORY)
        applied = _applied(connection)
        _check(applied, shipped)
        done = []
        for migration in shipped:
            if migration.version in applied:
                continue
            with connection.transaction():
                connection.execute(migration.sql.encode("utf-8"))
                connection.execute(
                    "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (%s, %s, %s, %s)",
                    (migration.version, migration.name, migration.checksum, datetime.now(UTC).isoformat()),
                )
            done.append(f"{migration.version:04d}_{migration.name}")
        connection.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))
        return done


def status(url: str) -> list[MigrationState]:
    """Each shipped migration with when it was applied (None while pending)."""
    shipped = available()
    with psycopg.connect(url, autocommit=True) as connection:
        applied = _applied(connection)
    _check(applied, shipped)
    return [
        MigrationState(
            migration.version, migration.name, applied[migration.version][2] if migration.version in applied else None
        )
        for migration in shipped
    ]


def pending(url: str) -> list[str]:
    """The names of the migrations not yet applied."""
    return [f"{state.version:04d}_{state.name}" for state in status(url) if state.applied_at is None]

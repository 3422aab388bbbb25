"""Reading a gateway database from a test, whichever backend holds it: `database(settings.db_path)` gives a
connection whose `execute` takes the store's `?` placeholders, on a SQLite file or a PostgreSQL URL alike."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from store.db import Db
from store.open import parse_location
from store.sqlite.db import SqliteDb


class PgConnection:
    """A psycopg connection in autocommit mode that speaks `?` placeholders, as sqlite3 does."""

    def __init__(self, connection: Any) -> None:
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        from store.postgres.db import translate

        return self._connection.execute(translate(sql), tuple(params))


@contextmanager
def database(location: str | Path) -> Iterator[Any]:
    """A connection to the database at `location` (a SQLite file or postgresql:// URL), committed and closed at
    the end of the block."""
    found = parse_location(location)
    if found.url is not None:
        import psycopg

        with psycopg.connect(found.url, autocommit=True) as connection:
            yield PgConnection(connection)
        return
    with closing(sqlite3.connect(str(found.path))) as embedded, embedded:
        yield embedded


def is_postgresql(location: str | Path) -> bool:
    return parse_location(location).backend == "postgresql"


def tables(location: str | Path) -> list[str]:
    """Every table of the gateway's schema (the migration bookkeeping of either backend aside)."""
    with database(location) as connection:
        if is_postgresql(location):
            sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
        else:
            sql = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        return [str(row[0]) for row in connection.execute(sql).fetchall()]


def database_errors() -> tuple[type[Exception], ...]:
    """What either backend raises when the database refuses a statement (a trigger, a constraint)."""
    from store.errors import database_errors as errors

    return errors()


@contextmanager
def store_db(location: str | Path) -> Iterator[Db]:
    """The store's own `Db` on the database at `location`, to run its jobs from a test (every statement commits
    on PostgreSQL; the block commits on SQLite)."""
    found = parse_location(location)
    if found.url is not None:
        import psycopg

        from store.postgres.db import PgDb

        with psycopg.connect(found.url, autocommit=True) as connection:
            yield PgDb(connection)
        return
    with closing(sqlite3.connect(str(found.path))) as embedded, embedded:
        yield SqliteDb(embedded)


def commit_order(location: str | Path) -> str:
    """An ORDER BY term listing rows in the order their transactions wrote them (rowid on SQLite, the writing
    transaction's id on PostgreSQL)."""
    return "xmin::text::bigint" if is_postgresql(location) else "rowid"

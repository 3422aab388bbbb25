"""The `Db` of the SQLite backend: a thin wrapper over the writer's (or a reader's) sqlite3 connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from store.db import Dialect


class SqliteDb:
    """One open transaction on a sqlite3 connection. Locks are a no-op: one writer at a time already serializes
    every write (see store.sqlite.writer)."""

    dialect: Dialect = "sqlite"
    __slots__ = ("connection", "round_trips")

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self.round_trips = 0  # statements run (SQLite has no server to travel to)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        self.round_trips += 1
        return self.connection.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.round_trips += 1
        self.connection.executemany(sql, rows)

    def write_all(self, statements: Sequence[tuple[str, Iterable[Sequence[Any]]]]) -> None:
        for sql, rows in statements:
            batch = list(rows)
            if batch:
                self.executemany(sql, batch)

    def lock(self, *keys: str) -> None:
        """Nothing to do: the writer holds the database's one write lock for the whole transaction."""

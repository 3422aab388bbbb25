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
    __slots__ = ("connection",)

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def execute(self, sql: str, params: Sequence[Any] = ()) -> sqlite3.Cursor:
        return self.connection.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.connection.executemany(sql, rows)

    def lock(self, *keys: str) -> None:
        """Nothing to do: the writer holds the database's one write lock for the whole transaction."""

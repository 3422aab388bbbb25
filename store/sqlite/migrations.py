"""Applying the schema's migrations (store.schema): each once, in its own transaction, recorded in _migrations."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from store.sqlite.schema import MIGRATIONS


def statements(script: str) -> list[str]:
    """The script's statements; a trigger body's own semicolons stay inside its statement."""
    found, pending = [], ""
    for part in script.split(";"):
        pending += part + ";"
        if sqlite3.complete_statement(pending):
            if pending.strip(" \n;"):
                found.append(pending.strip())
            pending = ""
    if pending.strip(" \n;"):
        found.append(pending.strip())
    return found


def migrate(connection: sqlite3.Connection) -> list[str]:
    """Apply every pending migration in order; return the names applied now.

    Workers opening one database at once may all find a migration pending: each migration is checked again inside
    its write transaction, so only the first to get there applies it.
    """
    connection.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    done = {row[0] for row in connection.execute("SELECT name FROM _migrations")}
    return [name for name, script in MIGRATIONS if name not in done and _apply(connection, name, script)]


def _apply(connection: sqlite3.Connection, name: str, script: str) -> bool:
    """Apply one migration unless another connection has meanwhile; whether this call applied it."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        if connection.execute("SELECT 1 FROM _migrations WHERE name = ?", (name,)).fetchone() is not None:
            connection.execute("COMMIT")
            return False
        for statement in statements(script):
            connection.execute(statement)
        connection.execute(
            "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, datetime.now(UTC).isoformat())
        )
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    return True

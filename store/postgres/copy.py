"""Moving a gateway from SQLite to PostgreSQL: every table of a SQLite gateway database copied into an empty,
migrated PostgreSQL database in one transaction, then verified table by table.

The SQLite database is read in one read transaction, so a gateway still serving on it cannot tear the copy: what
is copied is the database as it was at one instant (stop the gateway first so that nothing written afterwards is
left behind). Rows go over with COPY, column by column as they are, in an order that satisfies the foreign keys;
the exception day counts are copied as they are rather than recounted by the trigger, and the identity columns
continue after the highest copied id. Nothing is committed unless every table's row count matches.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from store.postgres.migrate import migrate

BATCH = 5000
_SQLITE_BOOKKEEPING = "_migrations"
_POSTGRES_BOOKKEEPING = "schema_migrations"


class CopyError(Exception):
    """The copy cannot be made; nothing was written to the target."""


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


def _sqlite_tables(source: sqlite3.Connection) -> dict[str, list[str]]:
    names = [
        row[0]
        for row in source.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {
        name: [row[1] for row in source.execute(f'PRAGMA table_info("{name}")')]
        for name in names
        if name != _SQLITE_BOOKKEEPING
    }


def _postgres_tables(target: psycopg.Connection[Any]) -> dict[str, list[tuple[str, str]]]:
    """{table: [(column, data type)]} in column order."""
    tables: dict[str, list[tuple[str, str]]] = {}
    for table, column, kind in target.execute(
        "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND table_name <> %s ORDER BY table_name, ordinal_position",
        (_POSTGRES_BOOKKEEPING,),
    ):
        tables.setdefault(table, []).append((column, kind))
    return tables


def _load_order(target: psycopg.Connection[Any], tables: list[str]) -> list[str]:
    """The tables with each one after those its foreign keys refer to."""
    refers: dict[str, set[str]] = {table: set() for table in tables}
    for child, parent in target.execute(
        "SELECT conrelid::regclass::text, confrelid::regclass::text FROM pg_constraint "
        "WHERE contype = 'f' AND connamespace = current_schema()::regnamespace"
    ):
        if child in refers and parent != child:
            refers[child].add(parent)
    ordered: list[str] = []
    while len(ordered) < len(tables):
        ready = sorted(table for table in tables if table not in ordered and refers[table] <= set(ordered))
        if not ready:
            raise CopyError(f"the foreign keys between {sorted(set(tables) - set(ordered))} form a cycle")
        ordered.extend(ready)
    return ordered


def _refuse_mismatch(sqlite_tables: dict[str, list[str]], pg_tables: dict[str, list[tuple[str, str]]]) -> None:
    missing = sorted(set(sqlite_tables) - set(pg_tables))
    extra = sorted(set(pg_tables) - set(sqlite_tables))
    if missing or extra:
        raise CopyError(
            f"the SQLite database's tables do not match the PostgreSQL schema (only in SQLite: {missing or 'none'}; "
            f"only in PostgreSQL: {extra or 'none'}); open the SQLite database once with this version of the gateway "
            "so that it is migrated, then copy again"
        )
    for table, columns in sqlite_tables.items():
        expected = [column for column, _ in pg_tables[table]]
        if sorted(columns) != sorted(expected):
            raise CopyError(
                f"table {table} has columns {columns} in SQLite but {expected} in PostgreSQL; open the SQLite "
                "database once with this version of the gateway so that it is migrated, then copy again"
            )


def _refuse_non_empty(target: psycopg.Connection[Any], tables: list[str]) -> None:
    filled = []
    for table in tables:
        query = sql.SQL("SELECT EXISTS (SELECT 1 FROM {})").format(sql.Identifier(table))
        found = target.execute(query).fetchone()
        if found and found[0]:
            filled.append(table)
    if filled:
        raise CopyError(
            f"the target database is not empty (rows in {', '.join(filled)}); copy into a new, empty database"
        )


def _copy_table(
    source: sqlite3.Connection, target: psycopg.Connection[Any], table: str, columns: list[tuple[str, str]]
) -> int:
    names = [column for column, _ in columns]
    binary = {index for index, (_, kind) in enumerate(columns) if kind == "bytea"}
    selected = ", ".join(f'"{name}"' for name in names)
    reading = source.execute(f'SELECT {selected} FROM "{table}"')
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(sql.Identifier(name) for name in names)
    )
    copied = 0
    with target.cursor() as cursor, cursor.copy(statement) as copy:
        while rows := reading.fetchmany(BATCH):
            for row in rows:
                if binary:
                    row = tuple(
                        value.encode("utf-8") if index in binary and isinstance(value, str) else value
                        for index, value in enumerate(row)
                    )
                copy.write_row(row)
            copied += len(rows)
    return copied


def _continue_identities(target: psycopg.Connection[Any]) -> None:
    for table, column in target.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND is_identity = 'YES'"
    ).fetchall():
        target.execute(
            sql.SQL("SELECT setval(pg_get_serial_sequence(%s, %s), COALESCE(MAX({}), 0) + 1, false) FROM {}").format(
                sql.Identifier(column), sql.Identifier(table)
            ),
            (table, column),
        )


def copy_database(source_path: Path, url: str, progress: Callable[[str, int], None] | None = None) -> list[Copied]:
    """Copy the SQLite gateway database at `source_path` into the PostgreSQL database at `url` (migrated first if
    it is not yet) in one transaction; the row count of every table, verified against the source."""
    if not source_path.is_file():
        raise CopyError(f"{source_path}: no such file")
    migrate(url)
    try:
        source = sqlite3.connect(f"{source_path.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as error:
        raise CopyError(f"{source_path} cannot be opened: {error}") from None
    try:
        source.execute("BEGIN")  # one read transaction: every table as of one instant
        sqlite_tables = _sqlite_tables(source)
        if "tickets" not in sqlite_tables:
            raise CopyError(f"{source_path} is not a gateway database (it has no tickets table)")
        with psycopg.connect(url) as target:
            pg_tables = _postgres_tables(target)
            _refuse_mismatch(sqlite_tables, pg_tables)
            order = _load_order(target, list(pg_tables))
            _refuse_non_empty(target, order)
            # The trigger counting exception days would count the copied exceptions again on top of the copied
            # counts; it is off for this transaction only (ALTER TABLE is transactional).
            target.execute("ALTER TABLE exceptions DISABLE TRIGGER USER")
            results = []
            for table in order:
                copied = _copy_table(source, target, table, pg_tables[table])
                if progress is not None:
                    progress(table, copied)
                results.append(Copied(table, copied))
            target.execute("ALTER TABLE exceptions ENABLE TRIGGER USER")
            _continue_identities(target)
            _verify(source, target, results)
            target.commit()
        return results
    except sqlite3.DatabaseError as error:
        raise CopyError(f"{source_path} cannot be read: {error}") from None
    except (psycopg.DataError, psycopg.IntegrityError) as error:
        raise CopyError(f"a row cannot be copied, nothing was: {str(error).strip().splitlines()[0]}") from None
    finally:
        source.close()


def _verify(source: sqlite3.Connection, target: psycopg.Connection[Any], results: list[Copied]) -> None:
    for copied in results:
        (expected,) = source.execute(f'SELECT COUNT(*) FROM "{copied.table}"').fetchone()
        found = target.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(copied.table))).fetchone()
        if found is None or found[0] != expected or copied.rows != expected:
            raise CopyError(
                f"table {copied.table}: {expected} rows in SQLite but {found[0] if found else 0} copied; "
                "nothing was committed"
            )

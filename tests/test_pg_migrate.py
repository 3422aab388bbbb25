"""The PostgreSQL schema and its migrations: applied once however many gateways start together, the same tables,
columns, keys and indexes as SQLite's, the append-only audit log and loyalty ledger, and the exception day counts
kept as SQLite's triggers keep them."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from gateway.settings import Settings
from store.postgres import migrate as migrations
from store.postgres.migrate import MigrationError, available, migrate, pending, status
from store.sqlite import SqliteStore
from tests.pgcluster import PgCluster

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = [f"{migration.version:04d}_{migration.name}" for migration in available()]


@pytest.fixture
def empty_url(pg_server: PgCluster) -> Iterator[str]:
    """A fresh database with no schema at all."""
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url.rsplit("/", 1)[1])


def _rows(url: str, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        return connection.execute(sql.encode(), params).fetchall()


def test_a_new_database_is_migrated_once_and_migrating_again_does_nothing(empty_url: str) -> None:
    assert [state.applied_at for state in status(empty_url)] == [None] * len(SHIPPED)
    assert pending(empty_url) == SHIPPED
    assert migrate(empty_url) == SHIPPED
    assert migrate(empty_url) == []
    assert pending(empty_url) == []
    assert all(state.applied_at for state in status(empty_url))
    assert _rows(empty_url, "SELECT version FROM schema_migrations ORDER BY 1") == [
        (number,) for number in range(1, len(SHIPPED) + 1)
    ]


def test_the_test_template_is_current(pg_url: str) -> None:
    assert migrate(pg_url) == []
    assert pending(pg_url) == []


def test_gateways_migrating_together_apply_each_migration_once(empty_url: str) -> None:
    script = "import sys; from store.postgres.migrate import migrate; print(','.join(migrate(sys.argv[1])))"
    processes = [
        subprocess.Popen([sys.executable, "-c", script, empty_url], cwd=ROOT, stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    outputs = sorted(process.communicate(timeout=120)[0].strip() for process in processes)
    assert [process.returncode for process in processes] == [0] * 4
    assert outputs == ["", "", "", ",".join(SHIPPED)]
    assert _rows(empty_url, "SELECT count(*) FROM schema_migrations") == [(len(SHIPPED),)]


def test_a_changed_or_unknown_applied_migration_is_refused(pg_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with psycopg.connect(pg_url) as connection:
        connection.execute("UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1")
    with pytest.raises(MigrationError, match="different script"):
        migrate(pg_url)
    with psycopg.connect(pg_url) as connection:
        connection.execute("UPDATE schema_migrations SET checksum = %s WHERE version = 1", (available()[0].checksum,))
        connection.execute("INSERT INTO schema_migrations VALUES (99, 'future', 'x', '2030-01-01')")
    with pytest.raises(MigrationError, match="newer gateway"):
        status(pg_url)
    monkeypatch.setattr(migrations, "available", lambda: available()[:1])
    with psycopg.connect(pg_url) as connection:
        connection.execute("DELETE FROM schema_migrations WHERE version = 99")
    with pytest.raises(MigrationError, match="0002"):
        migrate(pg_url)


AUDIT = "INSERT INTO audit_log (at, actor, action, target) VALUES ('2024-01-01T00:00:00Z', 'a', 'x', 't')"
ENTRY = (
    "INSERT INTO loyalty_entries (account_id, message_id, kind, points, balance, rewards, created_at) "
    "VALUES ('acc', 'm1', 'earn', '5', '5', '[]', '2024-01-01T00:00:00Z')"
)


@pytest.mark.parametrize(
    ("table", "insert", "message"),
    [("audit_log", AUDIT, "the audit log cannot be changed"), ("loyalty_entries", ENTRY, "never changed")],
)
@pytest.mark.parametrize(
    "change", ["UPDATE {table} SET entry_id = entry_id + 100", "DELETE FROM {table}", "TRUNCATE {table}"]
)
def test_the_audit_log_and_loyalty_ledger_refuse_changes(
    pg_url: str, table: str, insert: str, message: str, change: str
) -> None:
    with psycopg.connect(pg_url) as connection:
        connection.execute(insert.encode())
        connection.execute(insert.encode())
    with psycopg.connect(pg_url) as connection, pytest.raises(psycopg.errors.RestrictViolation, match=message):
        connection.execute(change.format(table=table).encode())
    assert _rows(pg_url, f"SELECT entry_id FROM {table} ORDER BY 1") == [(1,), (2,)]


# -- the same schema as SQLite's ---------------------------------------------------------------------------------

_TYPES = {"TEXT": "text", "INTEGER": "bigint", "BLOB": "bytea", "REAL": "double precision"}
_BOOKKEEPING = {"_migrations", "schema_migrations"}


@pytest.fixture
async def sqlite_db(settings: Settings, store: SqliteStore) -> Path:
    """A SQLite database migrated by the gateway's own store."""
    return Path(settings.db_path)


def _sqlite_schema(path: Path) -> dict[str, Any]:
    with sqlite3.connect(path) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        schema: dict[str, Any] = {}
        for table in tables:
            if table in _BOOKKEEPING:
                continue
            columns = connection.execute(f"PRAGMA table_info({table})").fetchall()
            indexes = {}
            uniques = set()
            for _, name, _unique, origin, _ in connection.execute(f"PRAGMA index_list({table})").fetchall():
                info = connection.execute(f"PRAGMA index_xinfo({name})").fetchall()
                keyed = tuple((row[2], bool(row[3])) for row in info if row[5])
                if origin == "c":
                    indexes[name] = keyed
                elif origin == "u":
                    uniques.add(tuple(column for column, _ in keyed))
            schema[table] = {
                "columns": [(c[1], _TYPES[c[2].upper()], bool(c[3]) or bool(c[5])) for c in columns],
                "primary_key": tuple(c[1] for c in sorted(columns, key=lambda c: c[5]) if c[5]),
                "indexes": indexes,
                "uniques": uniques,
            }
        return schema


def _postgres_schema(url: str) -> dict[str, Any]:
    schema: dict[str, Any] = {}
    with psycopg.connect(url) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
            )
        ]
        for table in tables:
            if table in _BOOKKEEPING:
                continue
            columns = connection.execute(
                "SELECT column_name, data_type, is_nullable = 'NO' FROM information_schema.columns "
                "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position",
                (table,),
            ).fetchall()
            constraint_rows = connection.execute(
                "SELECT c.contype, c.conindid::regclass::text, array_agg(a.attname ORDER BY k.n) "
                "FROM pg_constraint c CROSS JOIN LATERAL unnest(c.conkey) WITH ORDINALITY AS k(attnum, n) "
                "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum "
                "WHERE c.conrelid = %s::regclass AND c.contype IN ('p', 'u') GROUP BY c.oid, c.contype, c.conindid",
                (table,),
            ).fetchall()
            constraint_indexes = {row[1] for row in constraint_rows}
            indexes = {}
            for name, definition in connection.execute(
                "SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid "
                "WHERE x.indrelid = %s::regclass",
                (table,),
            ).fetchall():
                if name in constraint_indexes:
                    continue
                inner = definition[definition.index("(") + 1 : definition.rindex(")")]
                indexes[name] = tuple((part.split()[0], part.upper().endswith(" DESC")) for part in inner.split(", "))
            schema[table] = {
                "columns": [(name, kind, not_null) for name, kind, not_null in columns],
                "primary_key": next(tuple(row[2]) for row in constraint_rows if row[0] == "p"),
                "indexes": indexes,
                "uniques": {tuple(row[2]) for row in constraint_rows if row[0] == "u"},
            }
    return schema


async def test_the_tables_columns_keys_and_indexes_are_sqlites(pg_url: str, sqlite_db: Path) -> None:
    sqlite = _sqlite_schema(sqlite_db)
    postgres = _postgres_schema(pg_url)
    assert sorted(postgres) == sorted(sqlite)
    for table in sqlite:
        # Same column names in the same order (SELECT * and positional INSERTs read alike), mapped types, NOT NULL.
        assert postgres[table]["columns"] == sqlite[table]["columns"], table
        assert postgres[table]["primary_key"] == sqlite[table]["primary_key"], table
        assert postgres[table]["uniques"] == sqlite[table]["uniques"], table
        assert postgres[table]["indexes"] == sqlite[table]["indexes"], table


def test_every_text_column_compares_bytewise(pg_url: str) -> None:
    assert (
        _rows(
            pg_url,
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
            "AND data_type = 'text' AND collation_name IS DISTINCT FROM 'C' AND table_name <> 'schema_migrations'",
        )
        == []
    )


# -- exception day counts, kept by triggers as on SQLite ---------------------------------------------------------

_EXCEPTION = (
    "INSERT INTO exceptions (subject_kind, subject, exception_type, ticket_id, store_id, occurred_on, amount) "
    "VALUES ({p}, {p}, 'x', {p}, 's1', {p}, '1.00')"
)
_STEPS: list[tuple[str, tuple[Any, ...]]] = [
    (_EXCEPTION, ("cashier", "c1", "T1", "2024-05-01")),
    (_EXCEPTION, ("cashier", "c1", "T2", "2024-05-01")),
    (_EXCEPTION, ("cashier", "c1", "T3", "2024-05-02")),
    (_EXCEPTION, ("customer", "h1", "T1", "2024-05-01")),
    ("UPDATE exceptions SET reversed_at = '2024-05-03' WHERE ticket_id = {p}", ("T2",)),
    ("UPDATE exceptions SET amount = '2.00' WHERE ticket_id = {p}", ("T3",)),
    ("DELETE FROM exceptions WHERE ticket_id = {p} AND subject_kind = 'customer'", ("T1",)),
    ("UPDATE exceptions SET reversed_at = NULL WHERE ticket_id = {p}", ("T2",)),
    ("DELETE FROM exceptions WHERE ticket_id = {p}", ("T2",)),
]


async def test_exception_day_counts_follow_inserts_reversals_and_deletes_as_on_sqlite(
    pg_url: str, sqlite_db: Path
) -> None:
    with sqlite3.connect(sqlite_db) as lite, psycopg.connect(pg_url) as pg:
        for sql, params in _STEPS:
            lite.execute(sql.format(p="?"), params)
            pg.execute(sql.format(p="%s").encode(), params)
            query = "SELECT subject_kind, subject, occurred_on, open_count FROM exception_days ORDER BY 1, 2, 3"
            assert pg.execute(query.encode()).fetchall() == lite.execute(query).fetchall(), sql
        assert lite.execute("SELECT SUM(open_count) FROM exception_days").fetchone() == (2,)

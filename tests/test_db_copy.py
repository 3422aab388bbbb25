"""`returns-gateway db migrate|status|copy`: the PostgreSQL schema from the command line, and a SQLite gateway
database filled through the gateway itself (returns, completions, a void, overrides, a pattern watch, a policy
version, loyalty activity) copied into PostgreSQL row for row."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from gateway.cli import main
from gateway.settings import Settings, load_settings
from tests.conftest import ROOT
from tests.dbcounts import every_table
from tests.pgcluster import PgCluster, free_port
from tests.policyutil import policy_xml
from tests.serverutil import Client, example
from tests.test_admin import (
    ADMIN,
    AS_ADMIN,
    AS_TILL,
    COUNT_RULE,
    CUSTOMER,
    FRAUD_RULE,
    OTHER,
    TILL,
    WATCH_RULE,
    admin,
    admin_acts_on,
    attempt,
    finish,
    grant,
)
from tests.test_loyalty import return_one_tie

USAGE, FAILURE = 2, 1
BOOKKEEPING = {"_migrations", "schema_migrations"}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    policy = tmp_path / "policy.xml"
    policy.write_bytes(policy_xml(receipted_rules=WATCH_RULE, nonreceipted_rules=FRAUD_RULE + COUNT_RULE))
    return load_settings(
        environ={},
        db_path=tmp_path / "gateway.db",
        policy_path=policy,
        credentials=(ADMIN, OTHER, TILL),
        max_overrides=2,
    )


async def _fill(client: Client, settings: Settings) -> None:
    """Everything a gateway writes, written by the gateway."""
    admin_acts_on(client, "2026-11-20")
    assert (await grant(client))[0] == 201
    reset = {"positive_id": CUSTOMER, "kind": "reset", "value": 1, "reason": "agreed with customer"}
    assert (await admin(client, "POST", "/v1/admin/count-overrides", reset))[0] in (200, 201)
    watch = {
        "watch_id": "BIG-GAME",
        "node_id": "TV",
        "description": "TVs around the big game",
        "purchase_from": "2027-01-31",
        "purchase_to": "2027-02-06",
        "return_from": "2027-02-08",
        "return_to": "2027-02-14",
    }
    assert (await admin(client, "POST", "/v1/admin/pattern-watches", watch))[0] == 201
    for day in ("2026-11-21", "2026-11-22", "2026-11-23"):
        answer = await attempt(client, day)
        await finish(client, answer, day)
    denied = await attempt(client, "2026-11-24", "FRAUD")
    await finish(client, denied, "2026-11-24", voided=True)
    newer = settings.policy_path.read_bytes().replace(b'version="test-1"', b'version="test-2"')
    assert (await client.put("/v1/admin/policies/test-2", data=newer, headers=AS_ADMIN)).status == 201
    purchase = await client.post("/v1/loyalty/activity", data=example("../loyalty/purchase_two_ties"), headers=AS_TILL)
    assert purchase.status == 200, await purchase.text()
    for number in (1, 2):
        answer, final = await return_one_tie_as_till(client, number)
        assert "<TicketId>" in answer
        response = await client.post("/v1/returns/final-result", data=final, headers=AS_TILL)
        assert response.status == 200, await response.text()


async def return_one_tie_as_till(client: Client, number: int) -> tuple[str, bytes]:
    """tests.test_loyalty's tie return, posted with the till's credential."""
    original = client.post

    def as_till(path: str, **kwargs: Any) -> Any:
        return original(path, **{**kwargs, "headers": {**AS_TILL, **kwargs.get("headers", {})}})

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(client, "post", as_till)
        return await return_one_tie(client, number)


@pytest.fixture
async def filled(client: Client, settings: Settings) -> Path:
    """A SQLite gateway database with rows in its tables, written through the gateway."""
    await _fill(client, settings)
    await client.close()  # the gateway's store is closed: its last writes are in the database file
    return Path(settings.db_path)


def _sqlite_rows(path: Path, table: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as connection:
        return connection.execute(f'SELECT * FROM "{table}"').fetchall()


def _pg_rows(url: str, table: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(f'SELECT * FROM "{table}"'.encode()).fetchall()
    return [tuple(bytes(value) if isinstance(value, memoryview) else value for value in row) for row in rows]


def _pg_counts(url: str) -> dict[str, int]:
    with psycopg.connect(url) as connection:
        tables = [
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1"
            )
        ]
        return {
            table: int(connection.execute(f'SELECT count(*) FROM "{table}"'.encode()).fetchone()[0])  # type: ignore[index]
            for table in tables
            if table not in BOOKKEEPING
        }


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway", *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )


def _one_line(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.returncode == code, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def _ordered(rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return sorted(rows, key=repr)


async def test_copy_moves_every_row_of_every_table_and_verifies_the_counts(
    filled: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    source = {table: rows for table, rows in every_table(filled).items() if table not in BOOKKEEPING}
    written = {table for table, rows in source.items() if rows}
    assert written >= {
        "tickets",
        "attempts",
        "ticket_lines",
        "messages",
        "final_results",
        "exceptions",
        "exception_days",
        "customer_returns",
        "service_overrides",
        "count_overrides",
        "pattern_watches",
        "policy_versions",
        "audit_log",
        "loyalty_entries",
        "loyalty_purchases",
        "loyalty_accounts",
        "meta",
    }, f"the gateway wrote nothing to {sorted(set(source) - written)}"

    assert await asyncio.to_thread(main, ["db", "copy", "--from", str(filled), "--to", pg_url]) == 0
    out = capsys.readouterr().out
    for table, rows in source.items():
        assert f"  {table} " in out and out.split(f"  {table} ", 1)[1].split("\n", 1)[0].strip() == str(rows)
    assert "every table's row count matches" in out

    assert _pg_counts(pg_url) == source
    for table in source:
        # Every row, value for value: text as text, integers as integers, bytes as bytes.
        assert _ordered(_pg_rows(pg_url, table)) == _ordered(_sqlite_rows(filled, table)), table


async def test_new_rows_after_a_copy_continue_the_ids_and_the_day_counts(filled: Path, pg_url: str) -> None:
    assert await asyncio.to_thread(main, ["db", "copy", "--from", str(filled), "--to", pg_url]) == 0
    highest = max(row[0] for row in _sqlite_rows(filled, "audit_log"))
    days = dict(((row[0], row[1], row[2]), row[3]) for row in _pg_rows(pg_url, "exception_days"))
    kind, subject, day = next(iter(days))
    with psycopg.connect(pg_url) as connection:
        (entry_id,) = connection.execute(  # type: ignore[misc]
            "INSERT INTO audit_log (at, actor, action, target) VALUES ('2026-12-01', 'x', 'y', 'z') RETURNING entry_id"
        ).fetchone()
        connection.execute(
            "INSERT INTO exceptions (subject_kind, subject, exception_type, ticket_id, store_id, occurred_on, amount) "
            "VALUES (%s, %s, 'x', 'T-NEW', 's', %s, '1.00')",
            (kind, subject, day),
        )
        (count,) = connection.execute(  # type: ignore[misc]
            "SELECT open_count FROM exception_days WHERE subject_kind = %s AND subject = %s AND occurred_on = %s",
            (kind, subject, day),
        ).fetchone()
    assert entry_id == highest + 1
    assert count == days[(kind, subject, day)] + 1


async def test_copy_refuses_a_target_that_is_not_empty(filled: Path, pg_url: str) -> None:
    assert await asyncio.to_thread(main, ["db", "copy", "--from", str(filled), "--to", pg_url]) == 0
    before = _pg_counts(pg_url)
    result = await asyncio.to_thread(_cli, "db", "copy", "--from", str(filled), "--to", pg_url)
    _one_line(result, FAILURE, "not empty", "tickets")
    assert _pg_counts(pg_url) == before


async def test_a_row_that_cannot_be_copied_leaves_the_target_empty(filled: Path, pg_url: str, tmp_path: Path) -> None:
    broken = tmp_path / "broken.db"
    shutil.copy(filled, broken)
    with sqlite3.connect(broken) as connection:
        connection.execute(
            "UPDATE attempts SET override_used = 'perhaps' WHERE rowid = (SELECT MAX(rowid) FROM attempts)"
        )
    result = await asyncio.to_thread(_cli, "db", "copy", "--from", str(broken), "--to", pg_url)
    _one_line(result, FAILURE, "cannot be copied", "perhaps")
    assert set(_pg_counts(pg_url).values()) == {0}


def test_copy_refuses_what_is_not_a_sqlite_gateway_database_or_a_postgresql_url(tmp_path: Path) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("not a database\n")
    _one_line(
        _cli("db", "copy", "--from", str(notes), "--to", "postgresql://x@127.0.0.1/db"), USAGE, "not a gateway database"
    )
    _one_line(
        _cli("db", "copy", "--from", str(tmp_path / "none.db"), "--to", "postgresql://x@127.0.0.1/db"),
        USAGE,
        "does not exist",
    )
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    _one_line(_cli("db", "copy", "--from", str(empty), "--to", str(tmp_path / "other.db")), USAGE, "--to", "PostgreSQL")


def test_copy_to_an_unreachable_server_says_so_without_the_password(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    url = f"postgresql://gateway:hunter2@127.0.0.1:{free_port()}/returns"
    result = _cli("db", "copy", "--from", str(empty), "--to", url)
    _one_line(result, FAILURE, "cannot use the database", "gateway:***@127.0.0.1")
    assert "hunter2" not in result.stdout + result.stderr


@pytest.fixture
def empty_url(pg_server: PgCluster) -> Iterator[str]:
    url = pg_server.create_database()
    yield url
    pg_server.drop_database(url.rsplit("/", 1)[1])


def test_db_migrate_and_status_from_the_command_line(empty_url: str) -> None:
    before = _cli("db", "status", "--db", empty_url)
    assert before.returncode == 0, before.stderr
    assert "0001_schema  pending" in before.stdout and "migration(s) pending" in before.stdout
    migrated = _cli("db", "migrate", "--db", empty_url)
    assert migrated.returncode == 0, migrated.stderr
    assert "applied 0001_schema" in migrated.stdout
    again = _cli("db", "migrate", "--db", empty_url)
    assert again.returncode == 0 and "applied" not in again.stdout.replace("applied now", "")
    after = _cli("db", "status", "--db", empty_url)
    assert "pending" not in after.stdout and "schema current" in after.stdout


def test_db_migrate_refuses_a_sqlite_path_and_an_unreachable_server(tmp_path: Path) -> None:
    _one_line(_cli("db", "migrate", "--db", str(tmp_path / "gateway.db")), USAGE, "migrated whenever the gateway opens")
    _one_line(_cli("db", "status", "--db", f"postgresql://x@127.0.0.1:{free_port()}/db"), FAILURE, "cannot use")

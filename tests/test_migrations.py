"""Schema migrations: applied exactly once by concurrent workers; exception counts per day; ticket search order."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from store.queries import TicketFilter, search_statement
from store.sqlite.migrations import migrate
from store.sqlite.schema import MIGRATIONS
from store.sqlite.writer import connect


class LateConnection(sqlite3.Connection):
    """A worker that has looked at the applied migrations, then stalls until another worker has applied them all."""

    looked = threading.Event()
    other_done = threading.Event()
    stalled = False

    def execute(self, sql: str, parameters: Any = (), /) -> sqlite3.Cursor:
        if sql == "BEGIN IMMEDIATE" and not self.stalled:
            self.stalled = True
            LateConnection.looked.set()
            assert LateConnection.other_done.wait(timeout=30)
        return super().execute(sql, parameters)


def test_a_worker_that_looked_before_another_migrated_applies_nothing_twice(tmp_path: Path) -> None:
    path = tmp_path / "fresh.db"
    connect(path).close()
    late = sqlite3.connect(path, isolation_level=None, check_same_thread=False, factory=LateConnection)
    outcome: dict[str, Any] = {}

    def migrate_late() -> None:
        try:
            outcome["applied"] = migrate(late)
        except sqlite3.Error as error:  # kept and asserted below: a thread's exception would be lost
            outcome["error"] = error

    worker = threading.Thread(target=migrate_late)
    worker.start()
    assert LateConnection.looked.wait(timeout=30)
    first = connect(path)
    applied_first = migrate(first)
    LateConnection.other_done.set()
    worker.join(timeout=60)
    assert outcome == {"applied": []}
    assert applied_first == [name for name, _ in MIGRATIONS]
    rows = first.execute("SELECT name FROM _migrations ORDER BY name").fetchall()
    assert [name for (name,) in rows] == sorted(name for name, _ in MIGRATIONS)
    first.close()
    late.close()


OPEN_PER_DAY = (
    "SELECT subject_kind, subject, occurred_on, COUNT(*) FROM exceptions WHERE reversed_at IS NULL"
    " GROUP BY subject_kind, subject, occurred_on ORDER BY 1, 2, 3"
)
COUNTED_PER_DAY = "SELECT * FROM exception_days WHERE open_count > 0 ORDER BY 1, 2, 3"


def add_exception(connection: sqlite3.Connection, kind: str, subject: str, day: str, ticket: str) -> None:
    connection.execute(
        "INSERT INTO exceptions (subject_kind, subject, exception_type, ticket_id, store_id, occurred_on, amount)"
        " VALUES (?, ?, 'NonReceiptedReturn', ?, '01291', ?, '10.00')",
        (kind, subject, ticket, day),
    )


def test_counts_per_day_start_from_the_exceptions_already_stored_and_follow_every_change(tmp_path: Path) -> None:
    connection = connect(tmp_path / "older.db")
    connection.execute("CREATE TABLE _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)")
    before_days = [(name, script) for name, script in MIGRATIONS if name < "0005"]
    for name, script in before_days:
        connection.executescript(script)
        connection.execute("INSERT INTO _migrations VALUES (?, 'then')", (name,))
    for ticket, (kind, subject, day) in enumerate(
        [("cashier", "E1", "2026-11-01"), ("cashier", "E1", "2026-11-01"), ("customer", "H1", "2026-11-02")]
    ):
        add_exception(connection, kind, subject, day, f"T{ticket}")
    connection.execute("UPDATE exceptions SET reversed_at = 'now' WHERE ticket_id = 'T2'")
    assert migrate(connection) == [name for name, _ in MIGRATIONS if name >= "0005"]
    assert connection.execute(COUNTED_PER_DAY).fetchall() == [("cashier", "E1", "2026-11-01", 2)]

    add_exception(connection, "cashier", "E1", "2026-11-03", "T3")
    add_exception(connection, "customer", "H1", "2026-11-03", "T3")
    connection.execute("UPDATE exceptions SET reversed_at = 'now' WHERE ticket_id = 'T0'")
    connection.execute("UPDATE exceptions SET reversed_at = NULL WHERE ticket_id = 'T2'")
    connection.execute("UPDATE exceptions SET occurred_on = '2026-11-04' WHERE ticket_id = 'T3'")
    connection.execute("DELETE FROM exceptions WHERE ticket_id = 'T1'")
    assert connection.execute(COUNTED_PER_DAY).fetchall() == connection.execute(OPEN_PER_DAY).fetchall()
    assert len(connection.execute(COUNTED_PER_DAY).fetchall()) == 3
    connection.close()


@pytest.mark.parametrize(
    "search", [TicketFilter(), TicketFilter(status="voided"), TicketFilter(status="completed", limit=10, offset=20)]
)
def test_a_ticket_search_by_status_or_none_reads_an_index_in_answer_order(tmp_path: Path, search: TicketFilter) -> None:
    connection = connect(tmp_path / "search.db")
    migrate(connection)
    sql, values = search_statement(search)
    plan = " | ".join(row[3] for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", values))
    assert "USING INDEX tickets_" in plan and "TEMP B-TREE" not in plan
    connection.close()

"""Schema migrations: workers opening one fresh database at once each find every migration applied exactly once."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

from store.migrations import MIGRATIONS, migrate
from store.writer import connect


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

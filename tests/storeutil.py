"""Helpers for store tests: another process holding the write lock, and numbered probe rows to write and count."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from store.db import Db
from store.sqlite.writer import lock_path


@contextmanager
def write_lock_held_elsewhere(database: Path) -> Iterator[None]:
    """Hold the database's write lock as another worker process would, for the length of the block."""
    with lock_path(database).open("a") as other_process:
        fcntl.flock(other_process, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(other_process, fcntl.LOCK_UN)


def add_numbered_probe(connection: Db, number: int) -> None:
    connection.execute("INSERT INTO meta VALUES (?, 'written')", (f"probe-{number}",))


def numbered_probes(connection: Db) -> int:
    return int(connection.execute("SELECT COUNT(*) FROM meta WHERE key LIKE 'probe-%'").fetchone()[0])

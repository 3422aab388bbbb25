"""Read-only store jobs run apart from the writes: they never wait for the write lock, and they cannot write."""

from __future__ import annotations

import asyncio
import fcntl
import sqlite3
from pathlib import Path

import pytest

from store.sqlite import SqliteStore


def count_keys(connection: sqlite3.Connection) -> int:
    return int(connection.execute("SELECT COUNT(*) FROM meta WHERE key = 'probe'").fetchone()[0])


def add_key(connection: sqlite3.Connection) -> None:
    connection.execute("INSERT INTO meta VALUES ('probe', 'written')")


async def test_a_read_answers_while_another_process_holds_the_write_lock(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "g.db")
    await store.open()
    other_process = (tmp_path / "g.db.writer-lock").open("a")
    fcntl.flock(other_process, fcntl.LOCK_EX)
    try:
        write = asyncio.create_task(store.execute(add_key))
        await asyncio.sleep(0.1)
        assert not write.done()
        assert await asyncio.wait_for(store.query(count_keys), timeout=5) == 0
    finally:
        fcntl.flock(other_process, fcntl.LOCK_UN)
        other_process.close()
    await write
    assert await store.query(count_keys) == 1
    await store.close()


async def test_a_read_only_job_cannot_write(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "g.db")
    await store.open()
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await store.query(add_key)
    assert await store.query(count_keys) == 0
    await store.close()

"""Background checkpoints: committed pages reach the database file, and the WAL starts over instead of growing."""

from __future__ import annotations

import asyncio
import functools
import shutil
import sqlite3
import time
from pathlib import Path

from store.sqlite import SqliteStore
from store.sqlite.checkpoint import Checkpointer
from store.sqlite.writer import connect
from tests.storeutil import add_numbered_probe, numbered_probes, write_lock_held_elsewhere


def tables_in_file_alone(path: Path, copy: Path) -> list[str]:
    """The tables of the database file without its WAL (what a crash before any checkpoint would leave on disk
    once the WAL is gone)."""
    shutil.copyfile(path, copy)
    with sqlite3.connect(copy) as connection:
        return [row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]


def wal_frames(connection: sqlite3.Connection) -> int:
    return int(connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])


def test_a_round_copies_committed_pages_into_the_database_file_and_the_wal_starts_over(tmp_path: Path) -> None:
    path = tmp_path / "gateway.db"
    writer = connect(path)
    writer.execute("CREATE TABLE probe (n INTEGER)")
    for number in range(50):
        writer.execute("INSERT INTO probe VALUES (?)", (number,))
    assert tables_in_file_alone(path, tmp_path / "before.db") == []  # all of it is still in the WAL
    checkpoints = Checkpointer(path, interval=0.01)
    checkpoints.start()
    deadline = time.monotonic() + 10
    while checkpoints.rounds < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    checkpoints.stop()
    assert checkpoints.rounds >= 1
    assert tables_in_file_alone(path, tmp_path / "after.db") == ["probe"]
    writer.execute("INSERT INTO probe VALUES (50)")
    assert wal_frames(writer) <= 2  # the next commit wrote from the start of the WAL, not after its 50 commits
    writer.close()


async def test_writes_go_on_and_all_commit_while_checkpoints_take_turns_with_them(store: SqliteStore) -> None:
    checkpoints = Checkpointer(store.path, interval=0.002)  # besides the store's own, at the usual interval
    checkpoints.start()

    async def write_all() -> None:
        for chunk in range(20):
            await asyncio.gather(
                *(store._write(functools.partial(add_numbered_probe, number=chunk * 25 + n)) for n in range(25))
            )

    try:
        await asyncio.wait_for(write_all(), timeout=60)
    finally:
        checkpoints.stop()
    assert checkpoints.rounds > 0
    assert await store._read(numbered_probes) == 500


def test_a_round_with_nothing_committed_meanwhile_leaves_the_write_lock_alone(tmp_path: Path) -> None:
    """Held by the checkpoint thread, the lock stays held until that thread wins the interpreter lock back, which
    on a busy worker takes milliseconds: a round whose passive checkpoint copied every page does not take it."""
    path = tmp_path / "gateway.db"
    writer = connect(path)
    writer.execute("CREATE TABLE probe (n INTEGER)")
    for number in range(50):
        writer.execute("INSERT INTO probe VALUES (?)", (number,))
    checkpoints = Checkpointer(path, interval=0.01)
    with write_lock_held_elsewhere(path):
        checkpoints.start()
        deadline = time.monotonic() + 10
        while checkpoints.rounds < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
        rounds_while_held = checkpoints.rounds
    checkpoints.stop()
    assert rounds_while_held >= 3
    assert tables_in_file_alone(path, tmp_path / "after.db") == ["probe"]
    writer.execute("INSERT INTO probe VALUES (50)")
    assert wal_frames(writer) <= 2  # the WAL started over all the same
    writer.close()

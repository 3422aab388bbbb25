"""SqliteStore: the embedded default store; writes go through group commit, reads through a snapshot reader."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from store.db import Db
from store.jobstore import JobStore, answers
from store.sqlite.checkpoint import Checkpointer
from store.sqlite.db import SqliteDb
from store.sqlite.migrations import migrate
from store.sqlite.reader import SnapshotReader
from store.sqlite.writer import GroupWriter
from store.stats import StoreStats

T = TypeVar("T")


class SqliteStore(JobStore):
    """A SQLite file in WAL mode: one group-commit writer, one snapshot reader, and background checkpoints
    (without them, which only a measurement of the WAL wants, the writer checkpoints when the WAL grows long)."""

    def __init__(self, path: Path, background_checkpoints: bool = True) -> None:
        self.path = path
        self._writer = GroupWriter(path)
        self._snapshots = SnapshotReader(path)
        self._checkpoints = Checkpointer(path) if background_checkpoints else None

    def stats(self) -> StoreStats:
        return self._writer.stats

    async def open(self) -> None:
        await self._writer.start(migrate)
        await self._snapshots.start()
        if self._checkpoints is not None:
            self._checkpoints.start()

    async def close(self) -> None:
        await self._writer.close()
        if self._checkpoints is not None:
            self._checkpoints.stop()
        await self._snapshots.close()

    async def _write(self, job: Callable[[Db], T]) -> T:
        """On the writer, committed with its batch."""
        return await self._writer.run(_on_sqlite(job))

    async def _read(self, job: Callable[[Db], T]) -> T:
        """On a connection of its own: it neither waits for nor holds up the writes."""
        return await self._snapshots.run(_on_sqlite(job))

    async def ping(self) -> bool:
        try:
            return bool(await self._read(answers))
        except (sqlite3.Error, RuntimeError):
            return False


def _on_sqlite(job: Callable[[Db], T]) -> Callable[[sqlite3.Connection], T]:
    def run(connection: sqlite3.Connection) -> T:
        return job(SqliteDb(connection))

    return run

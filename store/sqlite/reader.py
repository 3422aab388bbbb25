"""Read-only jobs on a connection and thread of their own: they take no write lock and wait for no commit."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TypeVar

from store.sqlite.writer import open_connection

T = TypeVar("T")


class SnapshotReader:
    """Runs each job inside one read transaction (a consistent snapshot) on a connection that refuses writes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-reader")
        self._connection: sqlite3.Connection | None = None

    async def start(self) -> None:
        self._connection = await asyncio.get_running_loop().run_in_executor(
            self._executor, open_connection, self._path, "query_only=ON"
        )

    async def run(self, job: Callable[[sqlite3.Connection], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self._in_snapshot, job)

    def _in_snapshot(self, job: Callable[[sqlite3.Connection], T]) -> T:
        connection = self._connection
        if connection is None:
            raise RuntimeError("the store is closed")
        connection.execute("BEGIN")
        try:
            return job(connection)
        finally:
            connection.execute("COMMIT")

    async def close(self) -> None:
        if self._connection is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._connection.close)
            self._connection = None
        self._executor.shutdown(wait=True)

"""Group commit: write jobs queue up and run together in one transaction, one after another, one fsync a batch.

Each job is a plain function of a sqlite3 connection, run inside its own SAVEPOINT, so a failing job is rolled
back alone and its caller gets its exception; every other job of the batch commits. A caller's await returns
only after the batch holding its job has committed (synchronous=FULL in WAL mode: on disk).
"""

from __future__ import annotations

import asyncio
import fcntl
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any, TypeVar

from store.stats import StoreStats

T = TypeVar("T")
CACHE_KIB = 8_192
MMAP_BYTES = 128 * 1024 * 1024
# Every connection, reading or writing: wait for a lock rather than fail, and the same page cache and mapping.
SHARED_PRAGMAS = ("busy_timeout=30000", f"cache_size=-{CACHE_KIB}", f"mmap_size={MMAP_BYTES}")
# A writer checkpoints by itself only when the WAL outgrew this many pages: store.checkpoint does it apart.
WRITER_CHECKPOINT_PAGES = 20_000
Job = Callable[[sqlite3.Connection], Any]
Queued = tuple[Job, "asyncio.Future[Any]"]


def lock_path(path: Path) -> Path:
    """The file every writer of a database, in any process, locks for the length of its transaction."""
    return path.with_name(path.name + ".writer-lock")


def open_connection(path: Path, *pragmas: str) -> sqlite3.Connection:
    """A connection in autocommit mode (transactions are explicit), usable from any thread, with these pragmas and
    SHARED_PRAGMAS."""
    connection = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False, timeout=30.0)
    for pragma in (*pragmas, *SHARED_PRAGMAS):
        connection.execute(f"PRAGMA {pragma}")
    return connection


def connect(path: Path) -> sqlite3.Connection:
    """A writer's connection: WAL, fsync on every commit."""
    checkpoint = f"wal_autocheckpoint={WRITER_CHECKPOINT_PAGES}"
    return open_connection(path, "journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", checkpoint)


class GroupWriter:
    """Runs write jobs in batches, one batch at a time; `run` returns once the job's batch is committed."""

    def __init__(self, path: Path, max_batch: int = 512) -> None:
        self._path = path
        self._max_batch = max_batch
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")
        self._queue: asyncio.Queue[Queued] = asyncio.Queue()
        self._connection: sqlite3.Connection | None = None
        self._lock: IO[str] | None = None
        self._task: asyncio.Task[None] | None = None
        self.stats = StoreStats()

    async def start(self, prepare: Callable[[sqlite3.Connection], object]) -> None:
        loop = asyncio.get_running_loop()
        self._lock = lock_path(self._path).open("a")
        self._connection = await loop.run_in_executor(self._executor, connect, self._path)
        await loop.run_in_executor(self._executor, prepare, self._connection)
        self._task = asyncio.create_task(self._drain(), name="sqlite-group-commit")

    async def run(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Queue a job; return its result (or raise its exception) after its batch committed."""
        if self._task is None or self._task.done():
            raise RuntimeError("the store is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((job, future))
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            try:
                outcomes = await self._apply(loop, batch)
            except Exception as exc:  # the commit itself failed: nothing of the batch is on disk
                outcomes = [(False, exc)] * len(batch)
            for (_, future), (ok, value) in zip(batch, outcomes, strict=True):
                if future.cancelled():
                    continue
                if ok:
                    future.set_result(value)
                else:
                    future.set_exception(value)

    async def _apply(self, loop: asyncio.AbstractEventLoop, batch: list[Queued]) -> list[tuple[bool, Any]]:
        """A free write lock is taken at once; waiting for a held one, and the commit's fsync, happen on the writer
        thread. The jobs, which are Python work, run on the calling thread, so that they never wait for the
        interpreter lock between two statements.

        The batch is every job queued by the time the lock is held: while another process holds it, the jobs
        queued meanwhile join this batch instead of waiting for a commit of their own.
        """
        connection = self._try_begin()
        if connection is None:
            connection = await loop.run_in_executor(self._executor, self._begin)
        while not self._queue.empty() and len(batch) < self._max_batch:
            batch.append(self._queue.get_nowait())
        try:
            outcomes = [_run_in_savepoint(connection, job) for job, _ in batch]
        except BaseException:
            await loop.run_in_executor(self._executor, self._end, "ROLLBACK")
            raise
        seconds = await loop.run_in_executor(self._executor, self._end, "COMMIT")
        self._record(len(batch), seconds)
        return outcomes

    def _begin(self) -> sqlite3.Connection:
        connection = self._try_begin(fcntl.LOCK_EX)
        if connection is None:
            raise RuntimeError("a blocking lock returned without the lock")
        return connection

    def _try_begin(self, lock_flags: int = fcntl.LOCK_EX | fcntl.LOCK_NB) -> sqlite3.Connection | None:
        """Take the write lock (None when it is held elsewhere and the flags say not to wait); begin the batch.

        The writers of several worker processes queue on a file lock, which wakes the next at once (SQLite
        would make a waiting writer sleep and retry, stretching the slowest requests).
        """
        connection, lock = self._connection, self._lock
        if connection is None or lock is None:
            raise RuntimeError("the store is closed")
        try:
            fcntl.flock(lock, lock_flags)
        except BlockingIOError:
            return None
        try:
            connection.execute("BEGIN IMMEDIATE")
        except BaseException:
            fcntl.flock(lock, fcntl.LOCK_UN)
            raise
        return connection

    def _end(self, statement: str) -> float:
        """COMMIT or ROLLBACK the batch and let the next writer in; returns how long the statement took."""
        connection, lock = self._connection, self._lock
        if connection is None or lock is None:
            raise RuntimeError("the store is closed")
        started = time.perf_counter()
        try:
            connection.execute(statement)
        except BaseException:
            if statement == "COMMIT":
                connection.execute("ROLLBACK")
            raise
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)
        return time.perf_counter() - started

    def _record(self, size: int, seconds: float) -> None:
        self.stats.commit_latency.observe(seconds)
        self.stats.batch_size.observe(size)

    async def close(self) -> None:
        """Finish queued jobs (a no-op job queued last commits after all of them), then stop and close."""
        if self._task is not None and not self._task.done():
            await self.run(_nothing)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._connection is not None:
            await asyncio.get_running_loop().run_in_executor(self._executor, self._connection.close)
            self._connection = None
        if self._lock is not None:
            self._lock.close()
            self._lock = None
        self._executor.shutdown(wait=True)


def _nothing(connection: sqlite3.Connection) -> None:
    """A job that writes nothing."""


def _run_in_savepoint(connection: sqlite3.Connection, job: Job) -> tuple[bool, Any]:
    connection.execute("SAVEPOINT job")
    try:
        result = job(connection)
    except Exception as exc:
        connection.execute("ROLLBACK TO job")
        connection.execute("RELEASE job")
        return False, exc
    connection.execute("RELEASE job")
    return True, result

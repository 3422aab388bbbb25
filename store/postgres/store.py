"""PostgresStore: the shared backend, for several gateways (processes and hosts) on one PostgreSQL database.

The same named operations and jobs as SQLite (store.jobstore); a job runs in one transaction on a pooled
connection (store.postgres.db.PgRunner: synchronous psycopg 3 in a thread pool of the pool's size, one transaction
per operation, retried on serialization failure and deadlock). The invariants SQLite's single writer gave for free
hold through the advisory locks the jobs take (`Db.lock`, in one fixed order), `ON CONFLICT` and compare-and-set.

Writes run at READ COMMITTED: each statement after a job's locks sees every transaction committed before it, so a
racing duplicate that waited on `message:<id>` reads the answer the first one stored. Reads run at REPEATABLE READ
and read-only: a page, a ticket or a simulation's inputs come from one snapshot, as on SQLite.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from store.db import Db
from store.errors import StoreUnavailable
from store.jobstore import JobStore, answers
from store.postgres.db import PgRunner
from store.postgres.migrate import migrate
from store.stats import StoreStats

T = TypeVar("T")


class PostgresStore(JobStore):
    """A pool of `pool_size` connections to one PostgreSQL database; `pool_timeout` is how long an operation waits
    for a connection (or the database) before the store raises StoreUnavailable."""

    def __init__(
        self,
        url: str,
        pool_size: int = 10,
        pool_timeout: float = 5.0,
        migrate_on_open: bool = True,
        prepared_statements: bool = True,
    ) -> None:
        self.url = url
        self._migrate = migrate_on_open
        self._runner = PgRunner(
            url,
            min_size=1,
            max_size=max(pool_size, 1),
            timeout=pool_timeout,
            prepare_threshold=5 if prepared_statements else None,  # None: PgBouncer in transaction mode
        )
        self._executor = ThreadPoolExecutor(max_workers=max(pool_size, 1), thread_name_prefix="postgres")
        self._stats = StoreStats()

    def stats(self) -> StoreStats:
        return self._stats

    async def open(self) -> None:
        """Bring the schema up to date (once, whichever gateway gets there first) and open the pool."""
        loop = asyncio.get_running_loop()
        if self._migrate:
            await loop.run_in_executor(self._executor, self._migrate_now)
        await loop.run_in_executor(self._executor, self._runner.open)

    def _migrate_now(self) -> None:
        import psycopg

        try:
            migrate(self.url)
        except psycopg.OperationalError as error:
            raise StoreUnavailable(f"the database is not reachable: {str(error).strip()}") from error

    async def close(self) -> None:
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self._executor, self._runner.close)
        self._executor.shutdown(wait=True)

    async def _write(self, job: Callable[[Db], T]) -> T:
        run = functools.partial(self._runner.run, job, write=True)
        started = time.perf_counter()
        result = await asyncio.get_running_loop().run_in_executor(self._executor, run)
        self._stats.commit_latency.observe(time.perf_counter() - started)
        self._stats.batch_size.observe(1.0)
        return result

    async def _read(self, job: Callable[[Db], T]) -> T:
        run = functools.partial(self._runner.run, job, write=False, isolation="repeatable read")
        return await asyncio.get_running_loop().run_in_executor(self._executor, run)

    async def ping(self) -> bool:
        try:
            return await self._read(answers)
        except StoreUnavailable:
            return False

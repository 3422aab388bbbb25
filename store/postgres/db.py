"""The store's `Db` on PostgreSQL (psycopg 3, synchronous), and the runner that gives each job one transaction on a
pooled connection.

Jobs are written once with SQLite's `?` placeholders; `translate` turns them into psycopg's `%s` (and doubles a
literal `%`), skipping quoted strings, quoted identifiers and comments. `PgDb.lock` takes transaction-scoped
advisory locks, ordered by lock id so that two transactions never wait on each other in a cycle.

`PgRunner.run` runs a job in one transaction: a job that fails on a serialization failure or a deadlock is run
again (a bounded number of times, after a short random pause), so a job must have no effect outside its
transaction. A database that cannot be reached, is shutting down or starting up, or has no free connection in
time raises `StoreUnavailable`; the pool checks each connection before handing it out and replaces broken ones by
itself, so the gateway serves again as soon as the server is back.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterable, Sequence
from functools import lru_cache
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import errors
from psycopg_pool import ConnectionPool, PoolClosed, PoolTimeout

from store.db import Cursor, Db
from store.errors import StoreUnavailable

T = TypeVar("T")

Isolation = Literal["read committed", "repeatable read", "serializable"]
_ISOLATION = {
    "read committed": psycopg.IsolationLevel.READ_COMMITTED,
    "repeatable read": psycopg.IsolationLevel.REPEATABLE_READ,
    "serializable": psycopg.IsolationLevel.SERIALIZABLE,
}

# Errors after which running the whole transaction again can succeed.
RETRYABLE = (errors.SerializationFailure, errors.DeadlockDetected)


@lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """`sql` with each `?` placeholder outside quotes and comments as `%s`, and every literal `%` as `%%`."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        char = sql[i]
        if char in "'\"":
            end = i + 1
            while end < n:
                if sql[end] == char:
                    if end + 1 < n and sql[end + 1] == char:  # a doubled quote inside the quoted text
                        end += 2
                        continue
                    break
                end += 1
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif sql.startswith("--", i):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif char == "?":
            out.append("%s")
            i += 1
        elif char == "%":
            out.append("%%")
            i += 1
        else:
            out.append(char)
            i += 1
    return "".join(out)


@lru_cache(maxsize=2048)
def _query(sql: str) -> bytes:
    return translate(sql).encode("utf-8")


def lock_id(key: str) -> int:
    """The advisory lock id of a key: a stable signed 64-bit hash, the same in every process and on every host."""
    return int.from_bytes(hashlib.blake2b(key.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


def lock_statement(keys: Iterable[str]) -> tuple[str, list[int]]:
    """One statement taking the transaction locks of `keys` in ascending lock id order (each id once): the select
    list is evaluated left to right, so the locks are taken in that order in one round trip."""
    ids = sorted({lock_id(key) for key in keys})
    columns = ", ".join("pg_advisory_xact_lock(%s)" for _ in ids)
    return f"SELECT {columns}", ids


class PgDb:
    """A `Db` on one psycopg connection inside the transaction its runner opened.

    Round trips are what an operation pays per statement on a shared server, so the `Db` spends few: a lock is
    sent with the statement that follows it (the locks first, in one pipeline: the server runs them in order, so
    the statement runs under them), `executemany` and `write_all` send every row and statement in one pipeline.
    `round_trips` counts the trips to the server this transaction made for its statements."""

    dialect: Literal["postgresql"] = "postgresql"

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._connection = connection
        self._pending: list[tuple[bytes, list[int]]] = []
        self.round_trips = 0

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Cursor:
        self.round_trips += 1
        if not self._pending:
            return self._connection.execute(_query(sql), tuple(params))
        with self._connection.pipeline():
            self._send_locks()
            cursor = self._connection.execute(_query(sql), tuple(params))
        return cursor

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self.write_all([(sql, rows)])

    def write_all(self, statements: Sequence[tuple[str, Iterable[Sequence[Any]]]]) -> None:
        batches = [(sql, [tuple(row) for row in rows]) for sql, rows in statements]
        batches = [(sql, rows) for sql, rows in batches if rows]
        if not batches and not self._pending:
            return
        self.round_trips += 1
        with self._connection.pipeline(), self._connection.cursor() as cursor:
            self._send_locks()
            for sql, rows in batches:
                cursor.executemany(_query(sql), rows)

    def lock(self, *keys: str) -> None:
        """Queue the locks; they are taken, in order, just before the next statement (in its round trip)."""
        if not keys:
            return
        sql, ids = lock_statement(keys)
        self._pending.append((sql.encode("utf-8"), ids))

    def _send_locks(self) -> None:
        pending, self._pending = self._pending, []
        for sql, ids in pending:
            self._connection.execute(sql, ids)


def _db(connection: psycopg.Connection[Any]) -> Db:
    return PgDb(connection)


class PgRunner:
    """A pool of connections to one database and the transactions the store's jobs run in."""

    def __init__(
        self,
        url: str,
        *,
        min_size: int = 1,
        max_size: int = 10,
        timeout: float = 5.0,
        retries: int = 5,
        retry_after: int = 2,
        connect_timeout: int = 5,
        prepare_threshold: int | None = 5,
        name: str = "returns-gateway",
    ) -> None:
        """`prepare_threshold`: executions of a statement before it is prepared on its connection (psycopg's
        default); None never prepares, for a pooler in transaction mode that does not track prepared statements."""
        self.retries = retries
        self.timeout = timeout
        self.retry_after = retry_after
        self.pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            url,
            min_size=min_size,
            max_size=max_size,
            timeout=timeout,
            open=False,
            name=name,
            check=ConnectionPool.check_connection,
            kwargs={
                "autocommit": False,
                "connect_timeout": connect_timeout,
                "application_name": name,
                "prepare_threshold": prepare_threshold,
            },
        )

    def open(self, wait: bool = True) -> None:
        """Open the pool; with `wait`, until `min_size` connections are up (StoreUnavailable if they are not in
        time: the pool keeps trying in the background)."""
        try:
            self.pool.open(wait=wait, timeout=self.timeout)
        except PoolTimeout as error:
            raise StoreUnavailable(f"the database is not reachable: {error}", self.retry_after) from error

    def close(self) -> None:
        self.pool.close()

    def run(self, job: Callable[[Db], T], *, write: bool, isolation: Isolation = "read committed") -> T:
        """Run `job` in one transaction (read-only unless `write`) and return what it returns, once committed.
        Serialization failures and deadlocks run it again, up to `retries` times; a database that cannot serve
        raises StoreUnavailable."""
        for attempt in range(self.retries + 1):
            try:
                return self._once(job, write, isolation)
            except RETRYABLE as error:
                if attempt == self.retries:
                    raise StoreUnavailable(
                        f"conflicting transactions kept failing ({error.sqlstate}) after {attempt + 1} attempts",
                        self.retry_after,
                    ) from error
                time.sleep(random.uniform(0, 0.005 * 2**attempt))
            except (psycopg.OperationalError, PoolTimeout, PoolClosed) as error:
                raise StoreUnavailable(f"the database is unavailable: {_reason(error)}", self.retry_after) from error
        raise AssertionError("unreachable")  # pragma: no cover

    def _once(self, job: Callable[[Db], T], write: bool, isolation: Isolation) -> T:
        with self.pool.connection() as connection:  # commits on a normal exit, rolls back on an exception
            connection.read_only = not write
            connection.isolation_level = _ISOLATION[isolation]
            return job(_db(connection))


def _reason(error: Exception) -> str:
    text = str(error).strip().splitlines()
    first = text[0] if text else type(error).__name__
    sqlstate = getattr(error, "sqlstate", None)
    return f"{first} ({sqlstate})" if sqlstate else first


def redact(url: str) -> str:
    """The URL as it may be shown: any password replaced by ***."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))

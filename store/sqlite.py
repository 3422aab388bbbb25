"""SqliteStore: the embedded default store; writes go through group commit, reads through aiosqlite."""

from __future__ import annotations

import functools
import secrets
import sqlite3
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from store import queries
from store.authorize_jobs import authorize_job
from store.checkpoint import Checkpointer
from store.final_jobs import record_final_job
from store.migrations import migrate
from store.queries import TicketFilter
from store.reader import SnapshotReader
from store.records import Authorized, DecisionRecord, FinalOutcome, FinalSubmission, HistoryQuery, Opened, TicketOpening
from store.simulation_sql import SimulationInputs, simulation_inputs
from store.writer import SHARED_PRAGMAS, GroupWriter, WriterStats

T = TypeVar("T")
PURGE_CHUNK = 1_000


class SqliteStore:
    """A SQLite file in WAL mode: one group-commit writer, one aiosqlite reader for tickets, one snapshot reader, and
    background checkpoints (without them, which only a measurement of the WAL wants, the writer checkpoints when the
    WAL grows long)."""

    def __init__(self, path: Path, background_checkpoints: bool = True) -> None:
        self.path = path
        self._writer = GroupWriter(path)
        self._reader: aiosqlite.Connection | None = None
        self._snapshots = SnapshotReader(path)
        self._checkpoints = Checkpointer(path) if background_checkpoints else None

    @property
    def stats(self) -> WriterStats:
        return self._writer.stats

    async def open(self) -> None:
        await self._writer.start(_prepare)
        self._reader = await aiosqlite.connect(str(self.path))
        for pragma in SHARED_PRAGMAS:
            await self._reader.execute(f"PRAGMA {pragma}")
        await self._snapshots.start()
        if self._checkpoints is not None:
            self._checkpoints.start()

    async def close(self) -> None:
        await self._writer.close()
        if self._checkpoints is not None:
            self._checkpoints.stop()
        await self._snapshots.close()
        if self._reader is not None:
            await self._reader.close()
            self._reader = None

    def _read(self) -> aiosqlite.Connection:
        if self._reader is None:
            raise RuntimeError("the store is closed")
        return self._reader

    async def authorize(
        self, opening: TicketOpening, query: HistoryQuery, decide: Callable[[Opened], DecisionRecord | None]
    ) -> Authorized:
        return await self._writer.run(authorize_job(opening, query, decide))

    async def record_final(self, submission: FinalSubmission) -> FinalOutcome:
        return await self._writer.run(record_final_job(submission))

    async def get_ticket(self, ticket_id: str) -> dict[str, Any] | None:
        return await queries.get_ticket(self._read(), ticket_id)

    async def search_tickets(self, search: TicketFilter) -> list[dict[str, Any]]:
        return await queries.search_tickets(self._read(), search)

    async def secret(self) -> bytes:
        return await self._writer.run(_secret)

    async def execute(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run an administrative job that writes on the writer, committed with its batch."""
        return await self._writer.run(job)

    async def query(self, job: Callable[[sqlite3.Connection], T]) -> T:
        """Run a read-only job on its own connection: it neither waits for nor holds up the writes."""
        return await self._snapshots.run(job)

    async def simulation_inputs(self, first: date, last: date, stores: tuple[str, ...] = ()) -> SimulationInputs:
        """The attempts of tickets dated `first` to `last` and the history rows a policy simulation rebuilds, read in
        bulk in one read transaction."""
        return await self._snapshots.run(simulation_inputs(first, last, stores))

    async def purge_personal_data(self, before: str) -> int:
        """Clear personal fields of tickets whose business date is before `before`; return how many. A thousand
        tickets a transaction, so that a running gateway's writes never wait long behind it."""
        purged, after = 0, 0
        while True:
            count, last = await self._writer.run(functools.partial(_purge, before=before, after=after))
            purged += count
            if last is None:
                return purged
            after = last

    async def ping(self) -> bool:
        async with self._read().execute("SELECT 1") as cursor:
            return await cursor.fetchone() == (1,)


def _prepare(connection: sqlite3.Connection) -> None:
    migrate(connection)


_PERSONAL = (
    "business_date < ? AND (positive_id_display IS NOT NULL OR customer_id IS NOT NULL OR customer_masked IS NOT NULL"
    " OR customer_sealed IS NOT NULL)"
)


def _purge(connection: sqlite3.Connection, before: str, after: int) -> tuple[int, int | None]:
    """Purge the next PURGE_CHUNK tickets holding personal data after row `after`: how many, and the last row (None
    when none was left)."""
    found = connection.execute(
        f"SELECT MAX(rowid), COUNT(*) FROM (SELECT rowid FROM tickets WHERE rowid > ? AND {_PERSONAL}"
        " ORDER BY rowid LIMIT ?)",
        (after, before, PURGE_CHUNK),
    ).fetchone()
    last, count = found
    if not count:
        return 0, None
    connection.execute(
        "UPDATE tickets SET positive_id_display = NULL, customer_id = NULL, customer_masked = NULL,"
        f" customer_sealed = NULL WHERE rowid > ? AND rowid <= ? AND {_PERSONAL}",
        (after, last, before),
    )
    return int(count), int(last)


def _secret(connection: sqlite3.Connection) -> bytes:
    row = connection.execute("SELECT value FROM meta WHERE key = 'pii_secret'").fetchone()
    if row is not None:
        return bytes.fromhex(row[0])
    value = secrets.token_bytes(32)
    connection.execute("INSERT INTO meta (key, value) VALUES ('pii_secret', ?)", (value.hex(),))
    return value

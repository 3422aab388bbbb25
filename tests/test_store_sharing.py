"""Store work beside the tills' traffic and other workers: reads run apart from the writes; writes that wait for
another process share one commit; a long purge commits in small steps."""

from __future__ import annotations

import asyncio
import functools
import sqlite3

import pytest

from store import jobstore
from store.db import Db
from store.sqlite import SqliteStore
from tests.storeutil import add_numbered_probe, numbered_probes, write_lock_held_elsewhere

ADD_PROBE = functools.partial(add_numbered_probe, number=0)


async def test_a_read_answers_while_another_process_holds_the_write_lock(store: SqliteStore) -> None:
    with write_lock_held_elsewhere(store.path):
        write = asyncio.create_task(store._write(ADD_PROBE))
        await asyncio.sleep(0.1)
        assert not write.done()
        assert await asyncio.wait_for(store._read(numbered_probes), timeout=5) == 0
    await write
    assert await store._read(numbered_probes) == 1


async def test_writes_queued_while_another_process_holds_the_lock_share_one_commit(store: SqliteStore) -> None:
    batches = store.stats().batch_size.count
    with write_lock_held_elsewhere(store.path):
        first = asyncio.create_task(store._write(functools.partial(add_numbered_probe, number=0)))
        await asyncio.sleep(0.1)  # the first write is waiting for the lock; the others queue behind it
        later = [
            asyncio.create_task(store._write(functools.partial(add_numbered_probe, number=n))) for n in range(1, 5)
        ]
        await asyncio.sleep(0.1)
        assert not first.done()
    await asyncio.gather(first, *later)
    assert store.stats().batch_size.count - batches == 1
    assert await store._read(numbered_probes) == 5


async def test_a_read_only_job_cannot_write(store: SqliteStore) -> None:
    with pytest.raises(sqlite3.OperationalError, match="readonly"):
        await store._read(ADD_PROBE)
    assert await store._read(numbered_probes) == 0


def add_ticket(connection: Db, number: int, day: str) -> None:
    connection.execute(
        "INSERT INTO tickets (ticket_id, store_id, register_id, cashier_id, business_date, created_at, origin, status,"
        " positive_id_display, customer_masked, updated_at) VALUES (?, '01291', '01', 'E1', ?, ?, 'online', 'completed',"
        " 'DriversLicense/TX ****4321', '{}', ?)",
        (f"T{number}", day, day, day),
    )


async def test_a_purge_clears_old_tickets_a_few_at_a_time_and_keeps_recent_ones(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    for number, day in enumerate(("2026-01-05", "2026-11-20", "2026-02-01", "2026-03-01", "2026-11-21")):
        await store._write(functools.partial(add_ticket, number=number, day=day))
    monkeypatch.setattr(jobstore, "PURGE_CHUNK", 2)
    batches = store.stats().batch_size.count
    assert await store.purge_personal_data("2026-06-01") == 3
    assert store.stats().batch_size.count - batches == 3  # two, one, then none left
    kept = await store._read(
        lambda connection: connection.execute(
            "SELECT ticket_id FROM tickets WHERE positive_id_display IS NOT NULL ORDER BY ticket_id"
        ).fetchall()
    )
    assert kept == [("T1",), ("T4",)]
    assert await store.purge_personal_data("2026-06-01") == 0

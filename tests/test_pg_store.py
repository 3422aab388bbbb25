"""The PostgreSQL store's own guarantees, on a fresh database: one generated secret whatever the number of
gateways starting at once, one winner of a policy upload race on an ETag, a purge in keyset batches, and the
setting that turns server-side prepared statements off (PgBouncer in transaction mode)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from handlers.errors import PreconditionFailed
from store import jobstore
from store.db import Db
from store.postgres.store import PostgresStore
from store.records import Stamp
from tests.dbaccess import database

STAMP = Stamp("2026-11-20T10:00:00+00:00", "loss-prevention")


@pytest.fixture
async def stores(pg_url: str) -> AsyncIterator[list[PostgresStore]]:
    """Three stores on one database, as three gateways would have."""
    opened = [PostgresStore(pg_url, pool_size=3) for _ in range(3)]
    await asyncio.gather(*(store.open() for store in opened))
    yield opened
    await asyncio.gather(*(store.close() for store in opened))


async def test_gateways_starting_together_share_one_generated_secret(stores: list[PostgresStore]) -> None:
    secrets = await asyncio.gather(*(store.secret() for store in stores for _ in range(4)))
    assert len(set(secrets)) == 1 and len(secrets[0]) == 32


async def test_one_upload_wins_a_race_on_the_same_etag(stores: list[PostgresStore]) -> None:
    first = await stores[0].put_policy("v1", b"<a/>", '"e1"', STAMP, None)
    assert first == {"version": "v1", "etag": '"e1"'}
    racers = [store.put_policy("v1", f"<b{n}/>".encode(), f'"e2-{n}"', STAMP, '"e1"') for n, store in enumerate(stores)]
    outcomes = await asyncio.gather(*racers, return_exceptions=True)
    won = [outcome for outcome in outcomes if isinstance(outcome, dict)]
    assert len(won) == 1 and sum(isinstance(o, PreconditionFailed) for o in outcomes) == 2
    assert await stores[1].get_policy("v1") == {
        "version": "v1",
        "etag": won[0]["etag"],
        "content": f"<b{won[0]['etag'][4]}/>".encode(),
    }


async def test_a_purge_clears_old_tickets_in_keyset_batches(
    stores: list[PostgresStore], pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database(pg_url) as connection:
        for number, day in enumerate(("2026-01-05", "2026-11-20", "2026-02-01", "2026-03-01", "2026-11-21")):
            connection.execute(
                "INSERT INTO tickets (ticket_id, store_id, register_id, cashier_id, business_date, created_at,"
                " origin, status, positive_id_display, customer_masked, updated_at)"
                " VALUES (?, '01291', '01', 'E1', ?, ?, 'online', 'completed', 'DriversLicense/TX ****4321', '{}', ?)",
                (f"T{number}", day, day, day),
            )
    monkeypatch.setattr(jobstore, "PURGE_CHUNK", 2)
    commits = stores[0].stats().batch_size.count
    assert await stores[0].purge_personal_data("2026-06-01") == 3
    assert stores[0].stats().batch_size.count - commits == 3  # two, one, then none left
    with database(pg_url) as connection:
        kept = connection.execute(
            "SELECT ticket_id FROM tickets WHERE positive_id_display IS NOT NULL ORDER BY ticket_id"
        ).fetchall()
    assert kept == [("T1",), ("T4",)]


def _prepared(db: Db) -> int:
    return int(db.execute("SELECT COUNT(*) FROM pg_prepared_statements").fetchone()[0])


@pytest.mark.parametrize(("prepared_statements", "expected"), [(True, True), (False, False)])
async def test_prepared_statements_can_be_turned_off_for_pgbouncer(
    pg_url: str, prepared_statements: bool, expected: bool
) -> None:
    """One pooled connection runs the same statement past psycopg's threshold of 5: prepared on the server
    unless turned off (PgBouncer in transaction mode would hand the next transaction another server)."""
    store = PostgresStore(pg_url, pool_size=1, prepared_statements=prepared_statements)
    await store.open()
    try:
        for _ in range(8):
            assert await store.audit_actors() == []
        assert (await store._read(_prepared) > 0) is expected
    finally:
        await store.close()

"""Round trips of an authorize, on either backend: the claim (with its locks), one history statement, one batch of
writes. PostgreSQL counts trips to the server (`PgDb.round_trips`: locks travel with the next statement, a batch is
one pipeline); SQLite counts statements."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.settings import load_settings
from store import authorize_jobs, jobstore
from store.db import Db
from tests.dbaccess import is_postgresql
from tests.serverutil import Client, example, field, post

pytestmark = pytest.mark.both_backends
ClientFactory = Callable[[web.Application], Awaitable[Client]]
AUTH = "/v1/returns/authorize"
# Customer with a positive ID (history read in full), original sale lines, a cashier.
FIRST = "authorize_nonreceipted_with_positive_id"


def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The round trips of every authorize job run from now on."""
    trips: list[int] = []
    original = authorize_jobs.authorize_job

    def counting(*args: Any) -> Callable[[Db], Any]:
        job = original(*args)

        def run(db: Db) -> Any:
            before = int(getattr(db, "round_trips"))  # noqa: B009 - both backends' Db count, the protocol does not
            try:
                return job(db)
            finally:
                trips.append(int(getattr(db, "round_trips")) - before)  # noqa: B009

        return run

    monkeypatch.setattr(jobstore, "authorize_job", counting)
    return trips


async def test_an_authorize_is_a_claim_one_history_read_and_one_write(
    aiohttp_client: ClientFactory, db_location: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = await aiohttp_client(create_app(load_settings(environ={}, db_path=db_location)))
    trips = counted(monkeypatch)
    status, first = await post(client, AUTH, example(FIRST))
    assert status == 200, first
    status, again = await post(client, AUTH, example(FIRST))
    assert (status, again) == (200, first)
    reask = example("authorize_reevaluation_with_ticket", ("T00455-20261120-000017", field(first, "TicketId")))
    status, text = await post(client, AUTH, reask)
    assert status == 200, text
    first_answer, replay, again_asked = trips
    if is_postgresql(db_location):
        # locks + claim | history | writes; a re-ask reads its ticket too
        assert first_answer <= 3 and again_asked <= 4, trips
    else:
        # claim | history | ticket, attempt, lines, the message's answer; a re-ask: its ticket read, its update
        assert first_answer <= 6 and again_asked <= 8, trips
    assert replay == 2, trips  # the claim finds the id taken; the stored answer is read
    print(f"round trips per authorize ({'postgresql' if is_postgresql(db_location) else 'sqlite'}): {trips}")

"""An offline final result is one transaction, and store-bound credentials cover every store a message names.

Every test compares the row count of every table before and after the request.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace

import pytest
from aiohttp import web

from gateway.admin.policies import load_policy_file
from gateway.app import create_app
from gateway.http.credentials import Credential, new_credential
from gateway.http.xmlio import parse_xml
from gateway.settings import Settings, load_settings
from handlers.service import PolicyHolder, ReturnsService
from handlers.xml import final_result_xml
from store.open import open_store
from store.records import FinalSubmission
from tests.conftest import POLICY
from tests.dbcounts import changed, every_table
from tests.serverutil import Client, example, field

ClientFactory = Callable[[web.Application], Awaitable[Client]]
pytestmark = pytest.mark.both_backends
FINAL = "/v1/returns/final-result"
OFFLINE = "final_result_offline_no_ticket"
OFFLINE_STORE = (
    "<StoreId>01292</StoreId>\n    <RegisterId>03</RegisterId>\n    <CashierId>E1042</CashierId>\n    "
    "<BusinessDate>2026-11-19</BusinessDate>"
)
DALLAS, DALLAS_SECRET = new_credential("till-dallas-01291", "api-key", ("01291",), False, "")
BOTH, BOTH_SECRET = new_credential("till-dallas-both", "api-key", ("01291", "01292"), False, "")


def key(credential: Credential, secret: str) -> dict[str, str]:
    return {"X-API-Key": f"{credential.name}.{secret}", "Content-Type": "application/xml"}


@pytest.fixture
def secured(db_location: str) -> Settings:
    return load_settings(environ={}, db_path=db_location, credentials=(DALLAS, BOTH), rate_limit=1e6, rate_burst=1e6)


@pytest.fixture
async def till(aiohttp_client: ClientFactory, secured: Settings) -> Client:
    return await aiohttp_client(create_app(secured))


async def send(client: Client, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, str]:
    response = await client.post(path, data=body, headers=headers)
    return response.status, await response.text()


def offline(*changes: tuple[str, str]) -> bytes:
    return example(OFFLINE, *changes)


async def test_offline_request_of_another_store_is_409_and_writes_nothing(till: Client, secured: Settings) -> None:
    await send(till, "/v1/messages", example("authorize_receipted_single"), key(BOTH, BOTH_SECRET))
    before = every_table(secured.db_path)
    body = offline((OFFLINE_STORE, OFFLINE_STORE.replace("01292", "01291")))
    status, text = await send(till, FINAL, body, key(BOTH, BOTH_SECRET))
    assert (status, field(text, "Code")) == (409, "STORE_MISMATCH")
    assert changed(before, every_table(secured.db_path)) == {}


async def test_a_known_transaction_under_new_message_ids_is_a_duplicate_without_a_stray_ticket(
    till: Client, secured: Settings
) -> None:
    status, first = await send(till, FINAL, offline(), key(BOTH, BOTH_SECRET))
    assert (status, field(first, "Status")) == (200, "Recorded")
    before = every_table(secured.db_path)
    again = offline(("FINAL-0006-OFFLINE", "FINAL-0006-RESENT"), ("AUTH-OFFLINE-01292-0091", "AUTH-OFFLINE-RESENT"))
    status, ack = await send(till, FINAL, again, key(BOTH, BOTH_SECRET))
    assert (status, field(ack, "Status"), field(ack, "TicketId")) == (200, "Duplicate", field(first, "TicketId"))
    assert changed(before, every_table(secured.db_path)) == {"messages": (before["messages"], before["messages"] + 1)}


async def test_an_offline_final_result_writes_its_ticket_and_result_together(till: Client, secured: Settings) -> None:
    before = every_table(secured.db_path)
    status, ack = await send(till, FINAL, offline(), key(BOTH, BOTH_SECRET))
    assert (status, field(ack, "Status")) == (200, "Recorded")
    grown = changed(before, every_table(secured.db_path))
    assert {"tickets", "attempts", "ticket_lines", "final_results", "messages"} <= set(grown)
    assert grown["messages"] == (0, 2)  # the offline request's and the final result's


async def test_a_failure_after_the_offline_ticket_is_opened_keeps_nothing(db_location: str) -> None:
    """What a kill -9 between the two parts used to leave (an offline ticket without its result) cannot happen:
    a failure while recording the result rolls the ticket back with it."""
    store = open_store(db_location)
    await store.open()
    try:
        service = ReturnsService(store, PolicyHolder(load_policy_file(POLICY)), b"k" * 32)
        before = every_table(db_location)
        result = final_result_xml.from_xml(parse_xml(offline()))
        submission = service._submission(result, service.policies.current)

        def broken(*args: object) -> bytes:
            raise RuntimeError("the process died here")

        with pytest.raises(RuntimeError):
            await store.record_final(replace(submission, render_ack=broken))
        assert changed(before, every_table(db_location)) == {}
        assert isinstance(submission, FinalSubmission) and submission.offline is not None
        outcome = await store.record_final(submission)
        assert outcome.status == "Recorded"
    finally:
        await store.close()


# --- store-bound credentials -------------------------------------------------------------------------------------


async def test_offline_request_naming_a_store_outside_the_credential_is_403(till: Client, secured: Settings) -> None:
    before = every_table(secured.db_path)
    body = offline(("<StoreId>01292</StoreId>\n  <RegisterId>", "<StoreId>01291</StoreId>\n  <RegisterId>"))
    assert body.count(b"<StoreId>01291</StoreId>") == 1
    status, text = await send(till, FINAL, body, key(DALLAS, DALLAS_SECRET))
    assert (status, field(text, "Code")) == (403, "FORBIDDEN") and "01292" in text
    assert changed(before, every_table(secured.db_path)) == {}


async def _ticket_of_01292(till: Client) -> str:
    authorize = example("authorize_receipted_single").replace(
        b"<StoreId>01291</StoreId>", b"<StoreId>01292</StoreId>", 1
    )
    status, text = await send(till, "/v1/messages", authorize, key(BOTH, BOTH_SECRET))
    assert status == 200
    return field(text, "TicketId")


async def test_a_ticket_of_another_store_is_403_before_409(till: Client, secured: Settings) -> None:
    ticket = await _ticket_of_01292(till)
    before = every_table(secured.db_path)
    final = example("final_result_approved", ("T01291-20261120-000001", ticket))
    status, text = await send(till, FINAL, final, key(DALLAS, DALLAS_SECRET))
    assert (status, field(text, "Code")) == (403, "FORBIDDEN") and ticket in text
    reask = example(
        "authorize_receipted_single",
        (
            "<TransactionType>Return</TransactionType>",
            f"<TransactionType>Return</TransactionType><TicketId>{ticket}</TicketId>",
        ),
        ("AUTH-0001-20261120-001", "AUTH-REASK"),
    )
    status, text = await send(till, "/v1/messages", reask, key(DALLAS, DALLAS_SECRET))
    assert (status, field(text, "Code")) == (403, "FORBIDDEN")
    assert changed(before, every_table(secured.db_path)) == {}
    status, text = await send(till, FINAL, final, key(BOTH, BOTH_SECRET))
    assert (status, field(text, "Code")) == (409, "STORE_MISMATCH")
    assert changed(before, every_table(secured.db_path)) == {}


async def test_batch_members_naming_or_referring_to_another_store_are_403(till: Client, secured: Settings) -> None:
    ticket = await _ticket_of_01292(till)
    before = every_table(secured.db_path)
    foreign_ticket = example("final_result_approved", ("T01291-20261120-000001", ticket)).split(b"?>", 1)[1]
    foreign_offline = offline(
        ("<StoreId>01292</StoreId>\n  <RegisterId>", "<StoreId>01291</StoreId>\n  <RegisterId>")
    ).split(b"?>", 1)[1]
    batch = (
        b'<MessageBatch xmlns="urn:returns-gateway:messages:v1">'
        + foreign_ticket.replace(b' xmlns="urn:returns-gateway:messages:v1"', b"")
        + foreign_offline.replace(b' xmlns="urn:returns-gateway:messages:v1"', b"")
        + b"</MessageBatch>"
    )
    status, text = await send(till, "/v1/returns/final-results", batch, key(DALLAS, DALLAS_SECRET))
    assert status == 200 and text.count('status="403"') == 2, text
    assert changed(before, every_table(secured.db_path)) == {}

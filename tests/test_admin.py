"""The administration API end to end: overrides, count overrides, pattern watches, policies, audit."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from gateway.app import create_app
from gateway.http.credentials import new_credential
from gateway.http.keys import ADMIN as ADMIN_SERVICE
from gateway.http.keys import SERVICE as RETURNS_SERVICE
from gateway.settings import Settings, load_settings
from tests.dbaccess import database, database_errors
from tests.policyutil import policy_xml
from tests.serverutil import Client, example, field

pytestmark = pytest.mark.both_backends

ClientFactory = Callable[[web.Application], Awaitable[Client]]
ADMIN, ADMIN_SECRET = new_credential("customer-service", "api-key", ("*",), True, "")
OTHER, OTHER_SECRET = new_credential("loss-prevention", "api-key", ("*",), True, "")
TILL, TILL_SECRET = new_credential("till", "api-key", ("*",), False, "")
AS_ADMIN = {"X-API-Key": f"{ADMIN.name}.{ADMIN_SECRET}"}
AS_OTHER = {"X-API-Key": f"{OTHER.name}.{OTHER_SECRET}"}
AS_TILL = {"X-API-Key": f"{TILL.name}.{TILL_SECRET}", "Content-Type": "application/xml"}
CUSTOMER = {"type": "DriversLicense", "issuer": "TX", "number": "TX09876543"}
CUSTOMER_XML = "<Customer><PositiveId><Type>DriversLicense</Type><Issuer>TX</Issuer><Number>TX09876543</Number></PositiveId></Customer>"
COUNT_RULE = '<Rule id="count" question="CustomerCumulativeExceptionCount"><Answer below="100" code="A2"/><Answer from="100" code="D2"/><Answer missing="true" code="M1"/></Rule>'
FRAUD_RULE = '<Rule id="reason" question="ReturnReason"><Answer in="FRAUD" action="Stop" code="D1"/><Answer otherwise="true"/><Answer missing="true"/></Rule>'
CASHIER_RULE = (
    '<Rule id="cashier" question="CashierExceptionCount"><Param name="windowDays" value="30"/>'
    '<Answer below="1"/><Answer from="1" code="M2"/></Rule>'
)
WATCH_RULE = '<Rule id="watch" question="PatternWatchHit"><Answer is="true" code="M2"/><Answer is="false"/><Answer missing="true"/></Rule>'


@pytest.fixture
def settings(tmp_path: Path, db_location: str) -> Settings:
    policy = tmp_path / "policy.xml"
    policy.write_bytes(policy_xml(receipted_rules=WATCH_RULE, nonreceipted_rules=FRAUD_RULE + COUNT_RULE))
    return load_settings(
        environ={},
        db_path=db_location,
        policy_path=policy,
        credentials=(ADMIN, OTHER, TILL),
        max_overrides=2,
    )


@pytest.fixture
async def client(aiohttp_client: ClientFactory, settings: Settings) -> Client:
    """A gateway whose administration acts on the first day of the tests' story, not on the day they run."""
    started = await aiohttp_client(create_app(settings))
    admin_acts_on(started, "2026-11-20")
    return started


async def admin(
    client: Client, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    response = await client.request(method, path, json=body, headers={**AS_ADMIN, **(headers or {})})
    return (
        response.status,
        await response.json() if response.content_type == "application/json" else await response.text(),
    )


NUMBER = 0


async def attempt(client: Client, day: str, reason: str = "NOT-WANTED", store: str = "01291") -> str:
    """A nonreceipted return by the customer on `day`; returns the authorize response."""
    global NUMBER
    NUMBER += 1
    body = example(
        "authorize_nonreceipted_with_positive_id",
        ("AUTH-0006-ID", f"AUTH-ADM-{NUMBER}"),
        ("2026-11-20", day),
        ("WRONG-SIZE", reason),
        ("00455", store),
    )
    status, text = await post_till(client, "/v1/returns/authorize", body)
    assert status == 200, text
    return text


async def post_till(client: Client, path: str, body: bytes) -> tuple[int, str]:
    response = await client.post(path, data=body, headers=AS_TILL)
    return response.status, await response.text()


async def finish(client: Client, answer: str, day: str, voided: bool = False, hour: int = 13) -> str:
    """The till completes (or voids) a return on `day`, recorded at `hour` o'clock that day."""
    global NUMBER
    NUMBER += 1
    moment = datetime.combine(date.fromisoformat(day), time(hour), UTC)
    client.app[RETURNS_SERVICE].clock = lambda: moment
    ticket = field(answer, "TicketId")
    body = example(
        "final_result_approved",
        ("T01291-20261120-000001", ticket),
        ("FINAL-0001-APPROVED", f"FINAL-ADM-{NUMBER}"),
        ("01291-03-20261120-0412", f"RT-ADM-{ticket}"),
        ("<BusinessDate>2026-11-20</BusinessDate>", f"<BusinessDate>{day}</BusinessDate>"),
    )
    if voided:
        body = body.replace(b"<Lines>", b"<Voided>true</Voided>\n  <Lines>", 1)
    status, text = await post_till(client, "/v1/returns/final-result", body)
    assert status == 200, text
    return text


def admin_acts_on(client: Client, day: str) -> None:
    """The customer-service agent acts on `day` (the administration stamps grants and count overrides with its day)."""
    moment = datetime.combine(date.fromisoformat(day), time(12), UTC)
    client.app[ADMIN_SERVICE].clock = lambda: moment


async def count_seen(client: Client, day: str) -> str:
    """The cumulative count the rule saw for the customer on `day`."""
    ticket = field(await attempt(client, day), "TicketId")
    detail = await (await client.get(f"/v1/tickets/{ticket}", headers=AS_ADMIN)).json()
    steps = detail["attempts"][-1]["decision"]["lines"][0]["trace"]["steps"]
    return str(next(step["input_value"] for step in steps if step["rule"] == "count"))


async def test_frozen_count_stays_frozen_until_its_date(client: Client) -> None:
    for _ in range(3):
        await finish(client, await attempt(client, "2026-11-20"), "2026-11-20")
    assert await count_seen(client, "2026-11-21") == "3"
    admin_acts_on(client, "2026-11-21")
    status, _ = await admin(
        client,
        "POST",
        "/v1/admin/count-overrides",
        {"positive_id": CUSTOMER, "kind": "freeze", "value": 1, "until": "2026-12-15", "reason": "stolen licence"},
    )
    assert status == 201
    assert await count_seen(client, "2026-11-25") == "1"
    await finish(client, await attempt(client, "2026-12-01"), "2026-12-01")
    assert await count_seen(client, "2026-12-10") == "1"
    await finish(client, await attempt(client, "2026-12-18"), "2026-12-18")
    assert await count_seen(client, "2026-12-20") == "2"
    history = (
        await admin(
            client,
            "GET",
            "/v1/admin/customers/history?positive_id_type=DriversLicense&positive_id_issuer=TX&positive_id_number=TX09876543",
        )
    )[1]
    assert history["count_override"]["kind"] == "freeze" and len(history["exceptions"]) >= 5
    assert history["customer"] == "DriversLicense/TX ****6543"


async def test_reset_count_restarts_from_the_given_number(client: Client) -> None:
    for _ in range(2):
        await finish(client, await attempt(client, "2026-11-20"), "2026-11-20")
    admin_acts_on(client, "2026-11-21")
    await admin(
        client,
        "POST",
        "/v1/admin/count-overrides",
        {"positive_id": CUSTOMER, "kind": "reset", "value": 5, "reason": "agreed with customer"},
    )
    await finish(client, await attempt(client, "2026-11-27"), "2026-11-27")
    assert await count_seen(client, "2026-11-28") == "6"


async def test_a_reset_counts_returns_completed_later_the_same_day(client: Client) -> None:
    """Reset to 2 at noon: a return completed that morning stays behind the reset, one completed that afternoon
    counts on top of it, whichever business day the store gives them."""
    for _ in range(3):
        await finish(client, await attempt(client, "2026-11-21"), "2026-11-21", hour=9)
    assert await count_seen(client, "2026-11-21") == "3"
    admin_acts_on(client, "2026-11-21")
    status, _ = await admin(
        client,
        "POST",
        "/v1/admin/count-overrides",
        {"positive_id": CUSTOMER, "kind": "reset", "value": 2, "reason": "agreed with customer"},
    )
    assert status == 201
    assert await count_seen(client, "2026-11-21") == "2"
    await finish(client, await attempt(client, "2026-11-21"), "2026-11-21", hour=15)
    assert await count_seen(client, "2026-11-21") == "3"
    await finish(client, await attempt(client, "2026-11-22"), "2026-11-22", hour=10)
    assert await count_seen(client, "2026-11-22") == "4"


async def test_a_void_after_the_reset_takes_its_exception_back(client: Client) -> None:
    admin_acts_on(client, "2026-11-21")
    await admin(
        client,
        "POST",
        "/v1/admin/count-overrides",
        {"positive_id": CUSTOMER, "kind": "reset", "value": 2, "reason": "agreed with customer"},
    )
    answer = await attempt(client, "2026-11-21")
    await finish(client, answer, "2026-11-21", hour=15)
    assert await count_seen(client, "2026-11-21") == "3"
    await finish(client, answer, "2026-11-21", voided=True, hour=16)
    assert await count_seen(client, "2026-11-21") == "2"


async def grant(client: Client) -> tuple[int, Any]:
    return await admin(
        client, "POST", "/v1/admin/overrides", {"positive_id": CUSTOMER, "reason": "identity theft victim"}
    )


async def test_override_approves_exactly_one_denied_return(client: Client) -> None:
    assert (await grant(client))[0] == 201
    approved = await attempt(client, "2026-11-24")
    assert (
        field(approved, "CustomerServiceOverrideUsed") == "false"
        and field(approved, "CustomerServiceOverridesAvailable") == "1"
    )
    denied = await attempt(client, "2026-11-24", "FRAUD")
    assert field(denied, "CustomerServiceOverrideUsed") == "true" and field(denied, "Code") == "A1"
    assert field(denied, "CustomerServiceOverridesAvailable") == "0"
    await finish(client, denied, "2026-11-24", voided=True)
    again = await attempt(client, "2026-11-25", "FRAUD")
    assert field(again, "CustomerServiceOverrideUsed") == "true"
    await finish(client, again, "2026-11-25")
    overrides = (
        await admin(
            client,
            "GET",
            "/v1/admin/overrides?positive_id_type=DriversLicense&positive_id_issuer=TX&positive_id_number=TX09876543",
        )
    )[1]
    assert [o["status"] for o in overrides["overrides"]] == ["used"]
    after = await attempt(client, "2026-11-26", "FRAUD")
    assert field(after, "CustomerServiceOverrideUsed") == "false" and field(after, "Type") == "Denial"


async def test_override_refused_after_expiry_or_past_the_maximum(client: Client) -> None:
    assert (await grant(client))[0] == 201
    late = await attempt(client, "2027-06-01", "FRAUD")
    assert field(late, "CustomerServiceOverrideUsed") == "false" and field(late, "Type") == "Denial"
    assert (await grant(client))[0] == 201
    status, fault = await grant(client)
    assert status == 409 and "LIMIT_REACHED" in fault
    overrides = (await admin(client, "GET", "/v1/admin/overrides"))[1]["overrides"]
    revoked = (await admin(client, "POST", f"/v1/admin/overrides/{overrides[0]['override_id']}/revoke"))[1]
    assert revoked["status"] == "revoked"
    assert (await grant(client))[0] == 201


async def test_pattern_watch_is_tracked_only_inside_both_windows(client: Client, settings: Settings) -> None:
    watch = {
        "watch_id": "BIG-GAME",
        "node_id": "TV",
        "description": "TVs around the big game",
        "purchase_from": "2027-01-31",
        "purchase_to": "2027-02-06",
        "return_from": "2027-02-08",
        "return_to": "2027-02-14",
    }
    assert (await admin(client, "POST", "/v1/admin/pattern-watches", watch))[0] == 201
    cases = [
        ("2027-02-01", "2027-02-09", True),
        ("2027-01-20", "2027-02-09", False),
        ("2027-02-01", "2027-02-20", False),
    ]
    for number, (bought, returned, hit) in enumerate(cases):
        body = example(
            "authorize_receipted_single",
            ("AUTH-0001-20261120-001", f"AUTH-WATCH-{number}"),
            ("<ItemId>100234</ItemId>", "<ItemId>200100</ItemId>"),
            ("<PurchaseDate>2026-11-08</PurchaseDate>", f"<PurchaseDate>{bought}</PurchaseDate>"),
            ("<BusinessDate>2026-11-20</BusinessDate>", f"<BusinessDate>{returned}</BusinessDate>"),
            ("</TransactionType>", f"</TransactionType>{CUSTOMER_XML}"),
        )
        status, answer = await post_till(client, "/v1/returns/authorize", body)
        assert status == 200, answer
        assert (field(answer, "Code") == "M2") is hit
        await finish(client, answer, returned)
    with database(settings.db_path) as connection:
        tracked = connection.execute(
            "SELECT COUNT(*) FROM exceptions WHERE exception_type = 'pattern-watch-return'"
        ).fetchone()[0]
        flagged = connection.execute("SELECT COUNT(*) FROM customer_returns WHERE pattern_watch = 1").fetchone()[0]
    assert (tracked, flagged) == (2, 1)
    retired = (await admin(client, "POST", "/v1/admin/pattern-watches/BIG-GAME/retire"))[1]
    assert retired["retired_at"]
    assert (await admin(client, "POST", "/v1/admin/pattern-watches/BIG-GAME/retire"))[0] == 404


async def test_two_admins_editing_one_policy_version(client: Client, settings: Settings) -> None:
    version = "test-1"
    first = await client.get(f"/v1/admin/policies/{version}", headers=AS_ADMIN)
    second = await client.get(f"/v1/admin/policies/{version}", headers=AS_OTHER)
    etag = first.headers["ETag"]
    assert etag == second.headers["ETag"]
    edited = settings.policy_path.read_bytes().replace(b"Denied hard", b"Denied: call us")
    ok = await client.put(f"/v1/admin/policies/{version}", data=edited, headers={**AS_ADMIN, "If-Match": etag})
    assert ok.status == 200
    stale = await client.put(
        f"/v1/admin/policies/{version}",
        data=edited.replace(b"call us", b"sorry"),
        headers={**AS_OTHER, "If-Match": etag},
    )
    assert stale.status == 412 and "PRECONDITION_FAILED" in await stale.text()
    assert b"call us" in await (await client.get(f"/v1/admin/policies/{version}", headers=AS_ADMIN)).read()
    broken = await client.put(
        "/v1/admin/policies/test-2",
        data=edited.replace(b'version="test-1"', b'version="test-2"').replace(b'code="A2"', b'code="ZZ"'),
        headers=AS_ADMIN,
    )
    assert broken.status == 400 and "unknown response code" in await broken.text()


async def test_activation_under_load_decides_each_request_wholly(client: Client, settings: Settings) -> None:
    newer = settings.policy_path.read_bytes().replace(b'version="test-1"', b'version="test-2"')
    assert (await client.put("/v1/admin/policies/test-2", data=newer, headers=AS_ADMIN)).status == 201
    active = await client.get("/v1/admin/policies/active", headers=AS_ADMIN)
    etag = active.headers["ETag"]

    answers: list[str] = []
    halfway = asyncio.Event()

    async def activate() -> int:
        await halfway.wait()
        response = await client.put(
            "/v1/admin/policies/active", json={"version": "test-2"}, headers={**AS_ADMIN, "If-Match": etag}
        )
        return response.status

    async def till() -> None:
        for _ in range(30):
            answers.append(await attempt(client, "2026-11-24"))
            if len(answers) >= 40:
                halfway.set()

    statuses = await asyncio.gather(activate(), *(till() for _ in range(4)))
    assert statuses[0] == 200 and len(answers) == 120
    versions = [field(answer, "PolicyVersion") for answer in answers]
    assert set(versions) == {"test-1", "test-2"} and versions[-1] == "test-2"
    for answer in answers:
        detail = await (await client.get(f"/v1/tickets/{field(answer, 'TicketId')}", headers=AS_ADMIN)).json()
        assert detail["policy_version"] == field(answer, "PolicyVersion")
    stale = await client.put(
        "/v1/admin/policies/active", json={"version": "test-1"}, headers={**AS_ADMIN, "If-Match": etag}
    )
    assert stale.status == 412
    assert (await client.put("/v1/admin/policies/active", json={"version": "test-1"}, headers=AS_ADMIN)).status == 428


async def test_another_worker_switches_at_its_next_request(aiohttp_client: ClientFactory, settings: Settings) -> None:
    first = await aiohttp_client(create_app(settings))
    second = await aiohttp_client(create_app(settings))
    newer = settings.policy_path.read_bytes().replace(b'version="test-1"', b'version="test-2"')
    await first.put("/v1/admin/policies/test-2", data=newer, headers=AS_ADMIN)
    etag = (await first.get("/v1/admin/policies/active", headers=AS_ADMIN)).headers["ETag"]
    await first.put("/v1/admin/policies/active", json={"version": "test-2"}, headers={**AS_ADMIN, "If-Match": etag})
    assert field(await attempt(second, "2026-11-24"), "PolicyVersion") == "test-2"


async def test_audit_log_records_who_what_before_after_and_cannot_change(client: Client, settings: Settings) -> None:
    await grant(client)
    await admin(
        client,
        "POST",
        "/v1/admin/count-overrides",
        {"positive_id": CUSTOMER, "kind": "reset", "value": 0, "reason": "r"},
    )
    entries = (await admin(client, "GET", "/v1/admin/audit"))[1]["entries"]
    assert [e["action"] for e in entries] == ["override.grant", "count.reset"]
    assert all(e["actor"] == "customer-service" and e["at"] for e in entries)
    assert "TX09876543" not in str(entries)
    with (
        database(settings.db_path) as connection,
        pytest.raises(database_errors(), match="cannot be changed"),
    ):
        connection.execute("UPDATE audit_log SET actor = 'someone else'")


async def test_admin_api_refuses_tills_and_bad_input(client: Client) -> None:
    response = await client.get("/v1/admin/overrides", headers=AS_TILL)
    assert response.status == 403
    assert (await admin(client, "POST", "/v1/admin/overrides", {"positive_id": {"type": "x"}, "reason": "r"}))[0] == 400
    assert (
        await admin(
            client,
            "POST",
            "/v1/admin/count-overrides",
            {"positive_id": CUSTOMER, "kind": "freeze", "value": 1, "reason": "r"},
        )
    )[0] == 400
    assert (
        await admin(
            client,
            "POST",
            "/v1/admin/pattern-watches",
            {
                "watch_id": "W",
                "description": "d",
                "purchase_from": "2027-02-01",
                "purchase_to": "2027-01-01",
                "return_from": "2027-02-01",
                "return_to": "2027-02-02",
                "item_id": "1",
            },
        )
    )[0] == 400
    spec = (await admin(client, "GET", "/v1/admin/openapi.json"))[1]
    assert spec["openapi"].startswith("3.") and "/v1/admin/policies/active" in spec["paths"]


async def test_a_worker_switching_to_a_version_that_looks_further_back_decides_on_that_history(
    aiohttp_client: ClientFactory, settings: Settings
) -> None:
    first = await aiohttp_client(create_app(settings))
    second = await aiohttp_client(create_app(settings))
    await finish(first, await attempt(first, "2026-11-20"), "2026-11-20")
    older = settings.policy_path.read_bytes()
    newer = older.replace(b'version="test-1"', b'version="test-2"').replace(
        FRAUD_RULE.encode(), (FRAUD_RULE + CASHIER_RULE).encode()
    )
    assert b"CashierExceptionCount" in newer and b"CashierExceptionCount" not in older
    await first.put("/v1/admin/policies/test-2", data=newer, headers=AS_ADMIN)
    etag = (await first.get("/v1/admin/policies/active", headers=AS_ADMIN)).headers["ETag"]
    await first.put("/v1/admin/policies/active", json={"version": "test-2"}, headers={**AS_ADMIN, "If-Match": etag})
    answer = await attempt(second, "2026-11-24")
    assert field(answer, "PolicyVersion") == "test-2"
    detail = await (await second.get(f"/v1/tickets/{field(answer, 'TicketId')}", headers=AS_ADMIN)).json()
    assert len(detail["attempts"]) == 1
    steps = detail["attempts"][0]["decision"]["lines"][0]["trace"]["steps"]
    assert [step["input_value"] for step in steps if step["rule"] == "cashier"] == ["1"]

"""Races between gateway processes on one database: two `returns-gateway serve` processes, the same messages
written to both at the same instant, then every invariant checked through the HTTP API and in the database.

Each test runs on PostgreSQL (the shared backend several hosts use) and on SQLite (several processes on one host
share a file the same way), with the same assertions: one ticket per message id and never a 5xx, one attempt
number per attempt, one completion per ticket (and a void against its completion), one record per return
transaction, exact exception counts, at most `max_overrides` grants and each override used once, loyalty sums
equal to the ledger's, one winner of an ETag race, one schema and one generated secret for gateways starting
together.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from gateway.admin.policies import EXAMPLE_LOYALTY, load_loyalty_program
from handlers.loyalty.loyalty import Entry, Purchase, PurchaseLine, fold, purchase_entries
from tests.policyutil import policy_xml
from tests.raceutil import Answer, Call, Database, fire, json_call, send
from tests.serverproc import serving_together
from tests.serverutil import field
from tests.tillutil import AUTH, FINAL, LOYALTY, Back, Line, Sale, authorize, customer, final_result, purchase

STORE, DAY, CASHIER = "01291", "2026-11-20", "E7781"
# Decisions read the customer's exception count: exactly 200 open exceptions answer D2, fewer A2, more D1.
COUNT_RULE = (
    '<Rule id="count" question="CustomerCumulativeExceptionCount"><Answer below="200" code="A2"/>'
    '<Answer from="200" below="201" code="D2"/><Answer from="201" code="D1"/><Answer missing="true" code="A2"/></Rule>'
)
DENY_RULE = '<Rule id="deny" question="ReceiptPresent"><Answer otherwise="true" code="D1"/></Rule>'
POLICY = policy_xml(receipted_rules=COUNT_RULE, nonreceipted_rules=DENY_RULE)  # without a receipt: denied
MAX_OVERRIDES = 3  # max_overrides, set for the gateways here through the environment (the default is 2)


@pytest.fixture(params=["postgresql", "sqlite"])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Database:
    if request.param == "sqlite":
        return Database(str(tmp_path / "shared.db"))
    return Database(request.getfixturevalue("pg_url"))


@pytest.fixture
def gateways(database: Database, tmp_path: Path) -> Iterator[list[str]]:
    """Two gateway processes on the one database, started together, serving POLICY: a line with its receipt is
    approved while the customer has fewer than 200 open exceptions, one without is denied."""
    policy = tmp_path / "policy.xml"
    policy.write_bytes(POLICY)
    folders = [tmp_path / "gateway-a", tmp_path / "gateway-b"]
    limits = {"RETURNS_GATEWAY_MAX_OVERRIDES": str(MAX_OVERRIDES)}
    with serving_together(folders, "--db", database.target, "--policy", str(policy), env=limits) as started:
        yield [base for base, _ in started]
    no_tracebacks(folders)


def no_tracebacks(folders: list[Path]) -> None:
    for folder in folders:
        log = (folder / "server.log").read_text(errors="replace")
        assert "Traceback" not in log, log


async def test_gateways_starting_together_on_an_empty_database_set_it_up_once(
    request: pytest.FixtureRequest, database: Database, tmp_path: Path
) -> None:
    """Each migrates and each needs the generated secret for positive IDs: one schema, one secret, shared."""
    if database.postgresql:
        server = request.getfixturevalue("pg_server")
        database = Database(server.create_database())  # no template: nothing migrated yet
        request.addfinalizer(lambda: server.drop_database(database.target.rsplit("/", 1)[1]))
    folders = [tmp_path / "first", tmp_path / "second", tmp_path / "third"]
    with serving_together(folders, "--db", database.target) as started:
        bases = [base for base, _ in started]
        made = await send(grant(bases[0], "DL990001", "first start"))
        assert made.status == 201, made.text
        query = "?positive_id_type=DriversLicense&positive_id_issuer=OK&positive_id_number=DL990001"
        for base in bases:
            listed = (await send(Call(base, f"/v1/admin/overrides{query}", method="GET"))).json()["overrides"]
            assert [override["reason"] for override in listed] == ["first start"]
    no_tracebacks(folders)
    assert database.value("SELECT COUNT(*) FROM meta WHERE key = 'pii_secret'") == 1


def sale(number: int) -> Sale:
    return Sale(STORE, "01", "2026-11-02", f"{number:04d}")


def receipted(number: int, price: str = "40.00") -> Line:
    return Line(1, "123456", "1", price, sale=sale(number), bought="1")


def returned(number: int) -> Back:
    return Back(1, "123456", "1", sale=sale(number))


def holder(number: str) -> str:
    return customer(number=number)


def to_both(bases: list[str], path: str, bodies: list[bytes]) -> list[Call]:
    """Every body to every gateway: calls [body0@A, body0@B, body1@A, ...]."""
    return [Call(base, path, body) for body in bodies for base in bases]


def pairs(answers: list[Answer], width: int = 2) -> list[list[Answer]]:
    return [answers[index : index + width] for index in range(0, len(answers), width)]


def no_server_errors(answers: list[Answer]) -> None:
    failed = [(answer.status, answer.text[:300]) for answer in answers if not 200 <= answer.status < 500]
    assert not failed, failed


def message_id(body: bytes) -> str:
    return field(body.decode(), "MessageId")


async def authorized(bases: list[str], bodies: list[bytes]) -> list[str]:
    """Authorize each body once (spread over the gateways, all at once); the ticket ids, in order."""
    answers = await fire([Call(bases[index % len(bases)], AUTH, body) for index, body in enumerate(bodies)])
    assert [answer.status for answer in answers] == [200] * len(bodies), [a.text[:300] for a in answers]
    return [field(answer.text, "TicketId") for answer in answers]


async def test_a_message_sent_to_both_gateways_opens_one_ticket(gateways: list[str], database: Database) -> None:
    bodies = [authorize(receipted(n), store=STORE, day=DAY, who=holder(f"DL{n:06d}")) for n in range(30)]
    answers = await fire(to_both(gateways, AUTH, bodies))
    no_server_errors(answers)
    tickets = []
    for body, (first, second) in zip(bodies, pairs(answers), strict=True):
        assert first.status == second.status == 200, (first.text, second.text)
        assert first.body == second.body  # the racing duplicate gets the stored answer, byte for byte
        tickets.append(field(first.text, "TicketId"))
        assert database.value("SELECT COUNT(*) FROM messages WHERE message_id = ?", message_id(body)) == 1
    assert len(set(tickets)) == 30
    assert database.value("SELECT COUNT(*) FROM tickets") == 30
    assert database.value("SELECT COUNT(*) FROM attempts") == 30
    assert database.value("SELECT COUNT(*) FROM ticket_lines") == 30
    for ticket in tickets[:5]:
        for base in gateways:
            found = await send(Call(base, f"/v1/tickets/{ticket}", method="GET"))
            assert found.status == 200 and found.json()["ticket_id"] == ticket


async def test_asking_again_on_one_ticket_from_both_gateways_numbers_each_attempt_once(
    gateways: list[str], database: Database
) -> None:
    who = holder("DL777001")
    (ticket,) = await authorized(gateways, [authorize(receipted(1), store=STORE, day=DAY, who=who)])
    asked = [
        authorize(receipted(1), store=STORE, day=DAY, who=f"<TicketId>{ticket}</TicketId>{who}") for _ in range(12)
    ]
    answers = await fire(to_both(gateways, AUTH, asked))
    no_server_errors(answers)
    for first, second in pairs(answers):
        assert first.status == second.status == 200 and first.body == second.body, (first.text, second.text)
        assert field(first.text, "TicketId") == ticket
    numbers = sorted(row[0] for row in database.rows("SELECT attempt_no FROM attempts WHERE ticket_id = ?", ticket))
    assert numbers == list(range(1, 14))
    stored = database.rows("SELECT message_id, attempt_no FROM messages WHERE ticket_id = ?", ticket)
    assert len(stored) == 13 and len({number for _, number in stored}) == 13


async def test_final_results_raced_on_one_ticket_complete_it_once(gateways: list[str], database: Database) -> None:
    (ticket,) = await authorized(gateways, [authorize(receipted(1), store=STORE, day=DAY, who=holder("DL000900"))])
    finals = [final_result(ticket, returned(1), store=STORE, day=DAY) for _ in range(10)]
    answers = await fire(to_both(gateways, FINAL, finals))
    no_server_errors(answers)
    outcomes = []
    for first, second in pairs(answers):
        assert first.status == second.status, (first.text, second.text)
        if first.status == 200:
            assert first.body == second.body
        outcomes.append(first.status)
    assert sorted(outcomes) == [200] + [409] * 9, [a.text[:200] for a in answers]
    assert field(answers[2 * outcomes.index(200)].text, "Status") == "Recorded"
    assert database.value("SELECT COUNT(*) FROM final_results WHERE ticket_id = ?", ticket) == 1
    assert database.value("SELECT status FROM tickets WHERE ticket_id = ?", ticket) == "completed"
    assert database.value("SELECT COUNT(*) FROM exceptions WHERE ticket_id = ?", ticket) == 2  # cashier, customer
    assert database.value("SELECT COUNT(*) FROM customer_returns WHERE ticket_id = ?", ticket) == 1
    assert database.value("SELECT COUNT(*) FROM returned_quantities WHERE ticket_id = ?", ticket) == 1
    for base in gateways:
        shown = (await send(Call(base, f"/v1/tickets/{ticket}", method="GET"))).json()
        assert shown["status"] == "completed"


async def test_a_return_transaction_sent_under_two_message_ids_is_recorded_once(
    gateways: list[str], database: Database
) -> None:
    tickets = await authorized(
        gateways, [authorize(receipted(n), store=STORE, day=DAY, who=holder("DL000920")) for n in range(10)]
    )
    calls = []
    for number, ticket in enumerate(tickets):
        first = final_result(ticket, returned(number), store=STORE, day=DAY)
        transaction = field(first.decode(), "ReturnTransactionId")
        again = re.sub(
            rb"IND-RT-\d+", transaction.encode(), final_result(ticket, returned(number), store=STORE, day=DAY)
        )
        calls += [Call(gateways[0], FINAL, first), Call(gateways[1], FINAL, again)]
    answers = await fire(calls)
    no_server_errors(answers)
    assert [answer.status for answer in answers] == [200] * 20, [answer.text[:300] for answer in answers]
    for ticket, both in zip(tickets, pairs(answers), strict=True):
        assert sorted(field(answer.text, "Status") for answer in both) == ["Duplicate", "Recorded"]
        assert database.value("SELECT COUNT(*) FROM final_results WHERE ticket_id = ?", ticket) == 1
        assert database.value("SELECT COUNT(*) FROM messages WHERE ticket_id = ? AND kind = 'final'", ticket) == 2
        assert database.value("SELECT COUNT(*) FROM exceptions WHERE ticket_id = ?", ticket) == 2


async def test_a_void_raced_against_its_completion_leaves_the_ticket_voided_and_nothing_counted(
    gateways: list[str], database: Database
) -> None:
    who = "DL000910"
    tickets = await authorized(
        gateways, [authorize(receipted(n), store=STORE, day=DAY, who=holder(who)) for n in range(10)]
    )
    calls = []
    for number, ticket in enumerate(tickets):
        complete = final_result(ticket, returned(number), store=STORE, day=DAY)
        transaction = field(complete.decode(), "ReturnTransactionId")
        void = final_result(ticket, returned(number), store=STORE, day=DAY, voided=True)
        void = re.sub(rb"IND-RT-\d+", transaction.encode(), void)
        calls += to_both(gateways, FINAL, [complete, void] if number % 2 else [void, complete])
    answers = await fire(calls)
    no_server_errors(answers)
    for first, second in pairs(answers):
        assert first.status == second.status and first.status in (200, 409), (first.text, second.text)
    for ticket in tickets:
        assert database.value("SELECT status FROM tickets WHERE ticket_id = ?", ticket) == "voided"
        assert database.value("SELECT COUNT(*) FROM customer_returns WHERE ticket_id = ?", ticket) == 0
        assert database.value("SELECT COUNT(*) FROM returned_quantities WHERE ticket_id = ?", ticket) == 0
        open_ones = "SELECT COUNT(*) FROM exceptions WHERE ticket_id = ? AND reversed_at IS NULL"
        assert database.value(open_ones, ticket) == 0
    counted = database.rows("SELECT subject_kind, open_count FROM exception_days WHERE open_count != 0")
    assert counted == []


async def test_exception_counts_after_200_concurrent_final_results_of_one_customer(
    gateways: list[str], database: Database
) -> None:
    number = "DL424242"
    tickets = await authorized(
        gateways, [authorize(receipted(n), store=STORE, day=DAY, who=holder(number)) for n in range(200)]
    )
    finals = [final_result(ticket, returned(n), store=STORE, day=DAY) for n, ticket in enumerate(tickets)]
    answers = await fire(to_both(gateways, FINAL, finals))
    no_server_errors(answers)
    for first, second in pairs(answers):
        assert first.status == second.status == 200 and first.body == second.body, (first.text, second.text)
    statuses = Counter(field(first.text, "Status") for first, _ in pairs(answers))
    assert statuses == {"Recorded": 200}
    query = f"?positive_id_type=DriversLicense&positive_id_issuer=OK&positive_id_number={number}"
    for base in gateways:
        history = (await send(Call(base, f"/v1/admin/customers/history{query}", method="GET"))).json()
        assert Counter(e["exception_type"] for e in history["exceptions"]) == {"receipted-return": 200}
        assert len(history["returns"]) == 200
        cashier = (await send(Call(base, f"/v1/admin/cashiers/{CASHIER}/history", method="GET"))).json()
        assert len(cashier["exceptions"]) == 200
    by_kind = dict(database.rows("SELECT subject_kind, COUNT(*) FROM exceptions GROUP BY subject_kind"))
    assert by_kind == {"cashier": 200, "customer": 200}
    days = database.rows("SELECT subject_kind, occurred_on, open_count FROM exception_days ORDER BY subject_kind")
    assert [(kind, str(day)[:10], int(count)) for kind, day, count in days] == [
        ("cashier", DAY, 200),
        ("customer", DAY, 200),
    ]
    assert database.value("SELECT COUNT(*) FROM final_results") == 200
    for base in gateways:  # and each gateway's next decision for the customer counts exactly 200
        asked = await send(Call(base, AUTH, authorize(receipted(999), store=STORE, day=DAY, who=holder(number))))
        assert field(asked.text, "Code") == "D2", asked.text


def grant(base: str, number: str, reason: str) -> Call:
    positive_id = {"type": "DriversLicense", "issuer": "OK", "number": number}
    return json_call(base, "POST", "/v1/admin/overrides", {"positive_id": positive_id, "reason": reason})


async def test_override_grants_raced_never_exceed_the_maximum(gateways: list[str], database: Database) -> None:
    customers = [f"DL55{n:04d}" for n in range(6)]
    calls = [grant(base, number, f"try {n}") for number in customers for n in range(3) for base in gateways]
    answers = await fire(calls)
    no_server_errors(answers)
    per_customer = pairs(answers, 6)
    for number, tried in zip(customers, per_customer, strict=True):
        statuses = sorted(answer.status for answer in tried)
        assert statuses == [201] * MAX_OVERRIDES + [409] * (6 - MAX_OVERRIDES), (number, [a.text for a in tried])
        assert all("LIMIT_REACHED" in answer.text for answer in tried if answer.status == 409)
        query = f"?positive_id_type=DriversLicense&positive_id_issuer=OK&positive_id_number={number}"
        for base in gateways:
            listed = (await send(Call(base, f"/v1/admin/overrides{query}", method="GET"))).json()["overrides"]
            assert len(listed) == MAX_OVERRIDES
    granted = database.rows("SELECT positive_id_hash, COUNT(*) FROM service_overrides GROUP BY positive_id_hash")
    assert sorted(count for _, count in granted) == [MAX_OVERRIDES] * len(customers)
    grants = "SELECT COUNT(*) FROM audit_log WHERE action = 'override.grant'"
    assert database.value(grants) == MAX_OVERRIDES * len(customers)


async def test_overrides_used_by_raced_final_results_are_each_consumed_once(
    gateways: list[str], database: Database
) -> None:
    number = "DL660001"
    granted = await fire([grant(base, number, "goodwill") for base in gateways])
    assert [answer.status for answer in granted] == [201, 201], [answer.text for answer in granted]
    bodies = [authorize(Line(1, "123456", "1", "30.00"), store=STORE, day=DAY, who=holder(number)) for _ in range(4)]
    asked = await fire([Call(gateways[n % 2], AUTH, body) for n, body in enumerate(bodies)])
    assert [field(answer.text, "CustomerServiceOverrideUsed") for answer in asked] == ["true"] * 4
    tickets = [field(answer.text, "TicketId") for answer in asked]
    finals = [final_result(ticket, Back(1, "123456", "1"), store=STORE, day=DAY) for ticket in tickets]
    answers = await fire(to_both(gateways, FINAL, finals))
    no_server_errors(answers)
    assert [answer.status for answer in answers] == [200] * 8, [answer.text for answer in answers]
    used = database.rows("SELECT status, ticket_id FROM service_overrides")
    assert sorted(status for status, _ in used) == ["used", "used"]
    consumers = [ticket for _, ticket in used]
    assert len(set(consumers)) == 2 and set(consumers) <= set(tickets)  # two returns, one override each
    query = f"?positive_id_type=DriversLicense&positive_id_issuer=OK&positive_id_number={number}"
    for base in gateways:
        listed = (await send(Call(base, f"/v1/admin/overrides{query}", method="GET"))).json()["overrides"]
        assert sorted(override["status"] for override in listed) == ["used", "used"]


def expected_ledger(purchases: list[Purchase]) -> list[Entry]:
    """The ledger a gateway working one message at a time would keep."""
    program = load_loyalty_program(EXAMPLE_LOYALTY)
    entries: list[Entry] = []
    for bought in purchases:
        entries += purchase_entries(program, fold(entries), bought)
    return entries


async def test_loyalty_sums_equal_the_ledger_after_purchases_raced_on_one_account(
    gateways: list[str], database: Database
) -> None:
    account = "LY-RACE-01"
    sales = [Sale(STORE, "02", "2026-11-03", f"{n:04d}") for n in range(40)]
    bodies = [purchase(account, bought, ("100235", "1", "20.00", "")) for bought in sales]
    answers = await fire(to_both(gateways, LOYALTY, bodies))
    no_server_errors(answers)
    for first, second in pairs(answers):
        assert first.status == second.status == 200 and first.body == second.body, (first.text, second.text)
    key = "{store}/{register}/{day}/{sequence}"
    one_at_a_time = expected_ledger(
        [
            Purchase(
                key.format(store=s.store, register=s.register, day=s.day, sequence=s.sequence),
                (PurchaseLine(1, "100235", Decimal(1), Decimal("20.00"), ()),),
            )
            for s in sales
        ]
    )
    expected = fold(one_at_a_time)
    assert expected.rewards > 0 and expected.tier == "gold"  # rewards issued, and promoted twice on the way
    for base in gateways:
        shown = (await send(Call(base, f"/v1/loyalty/accounts/{account}", method="GET"))).json()
        assert Decimal(shown["points"]["base"]) == expected.points["base"] == Decimal("800.00")
        assert Decimal(shown["balance_toward_reward"]) == expected.balance
        assert Decimal(shown["rewards_issued"]) == expected.rewards
        assert shown["tier"] == expected.tier
    ledger = database.rows("SELECT message_id, kind, points, balance, rewards FROM loyalty_entries")
    assert sum(Decimal(str(points)) for _, _, points, _, _ in ledger) == expected.points["base"]
    assert sum(Decimal(str(balance)) for _, _, _, balance, _ in ledger) == expected.balance
    assert sum(Decimal(str(rewards)) for _, _, _, _, rewards in ledger) == expected.rewards
    assert Counter(kind for _, kind, *_ in ledger) == Counter(entry.kind for entry in one_at_a_time)
    assert len({message for message, *_ in ledger}) == 40
    ((last, kept),) = database.rows("SELECT last_entry_id, sums FROM loyalty_accounts WHERE account_id = ?", account)
    assert last == database.value("SELECT MAX(entry_id) FROM loyalty_entries WHERE account_id = ?", account)
    sums = json.loads(kept)
    assert {name: Decimal(value) for name, value in sums["points"].items()} == expected.points
    assert (Decimal(sums["balance"]), Decimal(sums["rewards"]), sums["tier"]) == (
        expected.balance,
        expected.rewards,
        expected.tier,
    )
    assert Counter(message for message, kind, *_ in ledger if kind == "earn") == dict.fromkeys(
        (message_id(body) for body in bodies), 1
    )


async def test_a_policy_etag_race_has_one_winner(gateways: list[str], database: Database) -> None:
    first, second = gateways
    names = ("v2", "v3", "v4")
    versions = {name: POLICY.replace(b'version="test-1"', f'version="{name}"'.encode()) for name in names}
    for name, content in versions.items():
        assert (await send(Call(first, f"/v1/admin/policies/{name}", content, "PUT"))).status == 201
    active = "test-1"
    for round_number in range(6):
        # Both switch away from the active version, to two different ones: only the first may, the other's
        # If-Match names a version no longer active.
        etag = (await send(Call(second, "/v1/admin/policies/active", method="GET"))).headers["etag"]
        contenders = [name for name in names if name != active][:2]
        if round_number % 2:
            contenders.reverse()
        answers = await fire(
            [
                json_call(base, "PUT", "/v1/admin/policies/active", {"version": name}, ("If-Match", etag))
                for base, name in zip(gateways, contenders, strict=True)
            ]
        )
        assert sorted(answer.status for answer in answers) == [200, 412], [a.text for a in answers]
        active = contenders[0] if answers[0].status == 200 else contenders[1]
        assert database.value("SELECT value FROM meta WHERE key = 'active_policy'") == active
        for base in gateways:
            body = authorize(receipted(round_number), store=STORE, day=DAY)
            decided = await send(Call(base, AUTH, body))
            assert field(decided.text, "PolicyVersion") == active, round_number
    etag = (await send(Call(first, "/v1/admin/policies/v2", method="GET"))).headers["etag"]
    edits = [versions["v2"].replace(b"First message", f"First message, {who}".encode()) for who in ("A", "B")]
    answers = await fire(
        [
            Call(base, "/v1/admin/policies/v2", edit, "PUT", headers=(("If-Match", etag),))
            for base, edit in zip(gateways, edits, strict=True)
        ]
    )
    assert sorted(answer.status for answer in answers) == [200, 412], [a.text for a in answers]
    kept = edits[0] if answers[0].status == 200 else edits[1]
    stored = await send(Call(second, "/v1/admin/policies/v2", method="GET"))
    assert stored.body == kept
    # Two admins creating one new version at once: the second finds it made and, without its ETag, may not replace it.
    fresh = [
        POLICY.replace(b'version="test-1"', b'version="v9"').replace(b"First message", who) for who in (b"A", b"B")
    ]
    answers = await fire(
        [Call(base, "/v1/admin/policies/v9", body, "PUT") for base, body in zip(gateways, fresh, strict=True)]
    )
    assert sorted(answer.status for answer in answers) == [201, 412], [a.text for a in answers]
    kept = fresh[0] if answers[0].status == 201 else fresh[1]
    stored = await send(Call(first, "/v1/admin/policies/v9", method="GET"))
    assert stored.body == kept
    assert database.value("SELECT COUNT(*) FROM audit_log WHERE action = 'policy.upload'") == 5


async def test_an_authorize_sees_all_or_none_of_a_final_result_raced_on_the_other_gateway(
    gateways: list[str], database: Database
) -> None:
    """Final results of two returned lines (two customer exceptions each) on one gateway, new authorizes of the same
    customer on the other at the same instant: every count an authorize decides on is even, never half a result."""
    who = holder("DL777001")

    def lines(number: int) -> list[Line]:
        return [receipted(number), Line(2, "123457", "1", "40.00", sale=sale(number), bought="1")]

    tickets = await authorized(gateways, [authorize(*lines(n), store=STORE, day=DAY, who=who) for n in range(20)])
    finals = [
        final_result(ticket, returned(n), Back(2, "123457", "1", sale=sale(n)), store=STORE, day=DAY)
        for n, ticket in enumerate(tickets)
    ]
    asks = [authorize(receipted(100 + n), store=STORE, day=DAY, who=who) for n in range(20)]
    calls = [
        call
        for final, ask in zip(finals, asks, strict=True)
        for call in (Call(gateways[0], FINAL, final), Call(gateways[1], AUTH, ask))
    ]
    answers = await fire(calls)
    no_server_errors(answers)
    seen = []
    for _, ask in pairs(answers):
        assert ask.status == 200, ask.text
        detail = (await send(Call(gateways[0], f"/v1/tickets/{field(ask.text, 'TicketId')}", method="GET"))).json()
        steps = detail["attempts"][0]["decision"]["lines"][0]["trace"]["steps"]
        seen.append(int(Decimal(next(step for step in steps if step["rule"] == "count")["input_value"])))
    assert all(count % 2 == 0 for count in seen), seen
    assert database.value("SELECT COUNT(*) FROM exceptions WHERE subject_kind = 'customer'") == 40

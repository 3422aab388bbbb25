"""Policy simulation end to end: attempts stored through the till API, drafts published through the admin API,
simulated over HTTP and from the command line; the database is the same before and after. The acceptance tests run
on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import sqlite3
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from gateway.cli import main
from tests.conftest import POLICY
from tests.serverutil import Client, count, field, post, table_counts
from tests.simtraffic import SaleLine, authorize, final

DAY = date(2026, 10, 20)
SHORT_WINDOW = (
    ('<Answer below="31" code="100"/>', '<Answer below="15" code="100"/>'),
    ('<Answer from="31" below="91" code="300"', '<Answer from="15" below="91" code="300"'),
)
TABLES = ("tickets", "attempts", "ticket_lines", "messages", "final_results", "exceptions", "customer_returns")


def draft(version: str, *changes: tuple[str, str]) -> bytes:
    text = POLICY.read_text(encoding="utf-8").replace('version="2026.11-1"', f'version="{version}"')
    for old, new in changes:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text.encode()


async def store_traffic(client: Client) -> dict[str, int]:
    """A few hundred attempts: receipted shirts bought 0 to 119 days back (one sale each), receiptless returns by
    twenty customers whose completed returns build up history, a few voids; ticket id -> days since purchase
    (receipted ones)."""
    receipted: dict[str, int] = {}
    for number in range(300):
        customer = f"TX{number % 20:06d}" if number % 3 else None
        if number % 5 == 4:
            line = SaleLine(item="100300", receipted=False, price="25.00")
        else:
            line = SaleLine(bought=DAY - timedelta(days=number % 120), sale=f"S{number}")
        body = authorize(f"SIM-{number}", DAY, [line], cashier=f"E{number % 7}", customer=customer)
        status, text = await post(client, "/v1/returns/authorize", body)
        assert status == 200, text
        ticket = field(text, "TicketId")
        if line.receipted:
            receipted[ticket] = number % 120
        if number % 4 == 1:
            outcome = final(f"SIM-F{number}", DAY, ticket, [(line, True, number % 8 == 1)], cashier=f"E{number % 7}")
            assert (await post(client, "/v1/returns/final-result", outcome))[0] == 200
        elif number % 17 == 3:
            void = final(f"SIM-V{number}", DAY, ticket, [(line, False, False)], voided=True)
            assert (await post(client, "/v1/returns/final-result", void))[0] == 200
    return receipted


async def publish(client: Client, content: bytes, version: str) -> None:
    response = await client.put(
        f"/v1/admin/policies/{version}", data=content, headers={"Content-Type": "application/xml"}
    )
    assert response.status == 201, await response.text()


async def simulate(client: Client, version: str, **body: Any) -> tuple[int, Any]:
    payload = {"from": DAY.isoformat(), "to": DAY.isoformat(), **body}
    response = await client.post(f"/v1/admin/policies/{version}/simulate", json=payload)
    text = await response.text()
    return response.status, json.loads(text) if response.content_type.endswith("json") else text


@pytest.mark.both_backends
async def test_a_shorter_window_changes_exactly_the_attempts_between_the_two_windows(
    client: Client, settings: Any
) -> None:
    receipted = await store_traffic(client)
    await publish(client, draft("2026.12-short", *SHORT_WINDOW), "2026.12-short")
    await publish(client, draft("2026.12-same"), "2026.12-same")
    before = table_counts(settings.db_path)

    status, report = await simulate(client, "2026.12-short", limit=1000)

    assert status == 200, report
    expected = {ticket for ticket, days in receipted.items() if 15 <= days < 31}
    changed = {item["ticket_id"] for item in report["changed_tickets"]["items"]}
    assert changed == expected and report["changed"] == len(expected) == report["changed_lines"]
    assert report["attempts"] == 300 and report["re_decided"] == 300 and report["not_rebuilt"] == {}
    assert report["transactions"]["transitions"] == {"Authorization -> ManagerOverrideableDenial": len(expected)}
    assert report["lines"]["transitions"] == {"Authorization -> ManagerOverrideableDenial": len(expected)}
    assert report["rules"] == [{"rule": "DEFAULT-RECEIPTED/window", "changed_lines": len(expected)}]
    item = report["changed_tickets"]["items"][0]
    assert item["before"] == "Authorization 100" and item["after"] == "ManagerOverrideableDenial 300"
    assert "window (DaysSincePurchase = " in item["reason"] and item["refund_after"] == "0.00"
    refunds = report["refund_value"]
    assert Decimal(refunds["before"]["USD"]) - Decimal(refunds["after"]["USD"]) == len(expected) * Decimal("40.99")
    assert report["by_store"]["01291"] == {"attempts": 300, "changed": len(expected)}
    assert report["by_policy"]["DEFAULT-RECEIPTED"]["changed_lines"] == len(expected)

    status, same = await simulate(client, "2026.12-same")
    assert (
        status == 200 and same["changed"] == 0 and same["re_decided"] == 300 and same["changed_tickets"]["items"] == []
    )
    assert same["transactions"]["before"] == same["transactions"]["after"] == report["transactions"]["before"]
    assert table_counts(settings.db_path) == before


async def test_changed_tickets_are_paged_and_stores_filtered(client: Client) -> None:
    await store_traffic(client)
    await publish(client, draft("2026.12-short", *SHORT_WINDOW), "2026.12-short")
    _, first = await simulate(client, "2026.12-short", limit=5)
    _, second = await simulate(client, "2026.12-short", limit=5, offset=5)
    assert len(first["changed_tickets"]["items"]) == len(second["changed_tickets"]["items"]) == 5
    assert first["changed_tickets"]["total"] == first["changed"]
    assert not {i["ticket_id"] for i in first["changed_tickets"]["items"]} & {
        i["ticket_id"] for i in second["changed_tickets"]["items"]
    }
    _, elsewhere = await simulate(client, "2026.12-short", stores=["09999"])
    assert elsewhere["attempts"] == 0 and elsewhere["changed"] == 0


@pytest.mark.parametrize(
    ("version", "body", "status", "code"),
    [
        ("2026.11-1", {}, 409, "POLICY_ACTIVE"),
        ("missing", {}, 404, "NOT_FOUND"),
        ("2026.12-short", {"from": "2026-13-01"}, 400, "MESSAGE_INVALID"),
        ("2026.12-short", {"to": "2026-10-01"}, 400, "MESSAGE_INVALID"),
        ("2026.12-short", {"stores": "01291"}, 400, "MESSAGE_INVALID"),
        ("2026.12-short", {"limit": -1}, 400, "MESSAGE_INVALID"),
    ],
)
async def test_a_refused_simulation_says_why(
    client: Client, settings: Any, version: str, body: dict[str, Any], status: int, code: str
) -> None:
    await publish(client, draft("2026.12-short", *SHORT_WINDOW), "2026.12-short")
    before = table_counts(settings.db_path)
    answered, text = await simulate(client, version, **body)
    assert answered == status and text["code"] == code
    assert table_counts(settings.db_path) == before


@pytest.mark.both_backends
async def test_the_command_line_simulates_from_the_database_and_from_a_gateway(
    client: Client, settings: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    receipted = await store_traffic(client)
    expected = sum(1 for days in receipted.values() if 15 <= days < 31)
    path = tmp_path / "draft.xml"
    path.write_bytes(draft("2026.12-short", *SHORT_WINDOW))
    day = DAY.isoformat()
    local = ["policy", "simulate", str(path), "--from", day, "--to", day, "--db", str(settings.db_path)]

    assert await asyncio.to_thread(main, [*local, "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["attempts"] == 300 and report["changed"] == expected

    assert await asyncio.to_thread(main, [*local, "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(rows) == expected and {row["after"] for row in rows} == {"ManagerOverrideableDenial 300"}

    assert await asyncio.to_thread(main, local) == 0
    text = capsys.readouterr().out
    assert f"changed: {expected} ({expected} lines)" in text and "DEFAULT-RECEIPTED/window" in text

    url = str(client.server.make_url("/"))
    remote = ["policy", "simulate", str(path), "--from", day, "--to", day, "--url", url, "--format", "json"]
    assert await asyncio.to_thread(main, remote) == 1
    assert "is not published" in capsys.readouterr().err
    await publish(client, path.read_bytes(), "2026.12-short")
    assert await asyncio.to_thread(main, remote) == 0
    assert json.loads(capsys.readouterr().out)["changed"] == expected
    assert await asyncio.to_thread(main, [*remote[:-1], "csv"]) == 0
    assert len(list(csv.DictReader(io.StringIO(capsys.readouterr().out)))) == expected


@pytest.mark.parametrize(
    ("arguments", "status", "message"),
    [
        (["--from", "2026-10-20", "--to", "2026-10-01"], 2, "--to is before --from"),
        (
            ["--from", "2026-10-20", "--to", "2026-10-21", "--db", "/nonexistent/x.db"],
            2,
            "directory /nonexistent does not exist",
        ),
    ],
)
def test_command_line_errors_are_one_line(
    arguments: list[str], status: int, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["policy", "simulate", str(POLICY), *arguments]) == status
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_an_invalid_draft_is_refused_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "bad.xml"
    path.write_text("<PolicySet/>", encoding="utf-8")
    assert main(["policy", "simulate", str(path), "--from", "2026-10-20", "--to", "2026-10-20"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1


async def test_attempts_without_their_request_are_counted_not_guessed(client: Client, settings: Any) -> None:
    await store_traffic(client)
    await publish(client, draft("2026.12-short", *SHORT_WINDOW), "2026.12-short")
    with sqlite3.connect(settings.db_path) as connection:
        connection.execute("UPDATE attempts SET decision_json = json_remove(decision_json, '$.request')")
    assert count(settings.db_path, "SELECT COUNT(*) FROM attempts WHERE decision_json LIKE '%\"request\"%'") == 0
    _, report = await simulate(client, "2026.12-short")
    assert report["re_decided"] == 0 and report["changed"] == 0
    assert list(report["not_rebuilt"].values()) == [300]


async def test_a_decision_keeps_its_rule_inputs_but_shows_no_customer_key(client: Client, settings: Any) -> None:
    line = SaleLine(bought=DAY - timedelta(days=3), sale="S1")
    status, text = await post(client, "/v1/returns/authorize", authorize("KEEP-1", DAY, [line], customer="TX123456"))
    assert status == 200
    ticket = field(text, "TicketId")
    with sqlite3.connect(settings.db_path) as connection:
        stored = json.loads(connection.execute("SELECT decision_json FROM attempts").fetchone()[0])
    assert stored["request"]["positive_id"] is True and len(stored["request"]["customer_key"]) == 64
    assert "TX123456" not in json.dumps(stored)
    shown = await (await client.get(f"/v1/tickets/{ticket}")).json()
    kept = shown["attempts"][0]["decision"]["request"]
    assert "customer_key" not in kept and kept["lines"][0][1] == "100234" and kept["business_date"] == "2026-10-20"

"""Hostile and unusual inputs at the edges of intake, each answered with its exact status and fault code, and
nothing written in any table: over a real socket (headers aiohttp's client would not send), with store-bound
credentials, and through the administration API's JSON bodies."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from aiohttp import web
from lxml import etree

from gateway.app import create_app
from gateway.cli import main
from gateway.http.credentials import new_credential
from gateway.http.schemas import default_registry
from gateway.settings import load_settings
from tests.conftest import EXAMPLES
from tests.dbcounts import changed, every_table
from tests.serverproc import free_port
from tests.serverutil import SOAP12, example, field, soap
from tests.test_hostile_corpus import exchange

TILL, TILL_SECRET = new_credential("till-01292", "api-key", ("01292",), False, "")
OTHER, OTHER_SECRET = new_credential("till-01291", "api-key", ("01291",), False, "")
ADMIN, ADMIN_SECRET = new_credential("admin", "api-key", ("*",), True, "")
KEYS = {"till": f"{TILL.name}.{TILL_SECRET}", "other": f"{OTHER.name}.{OTHER_SECRET}", "admin": f"admin.{ADMIN_SECRET}"}
OFFLINE = "final_result_offline_no_ticket"


@dataclass
class Running:
    port: int
    db: Path

    def send(self, method: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        head = f"{method} {path} HTTP/1.1\r\nHost: gateway\r\n"
        head += "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        request = head.encode("latin-1") + f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
        return exchange(self.port, request + body)

    def post(self, path: str, body: bytes, who: str = "till", **headers: str) -> tuple[int, str]:
        sent = {"Content-Type": "application/xml", "X-API-Key": KEYS[who], **headers}
        status, _, answer = self.send("POST", path, body, sent)
        return status, answer.decode("utf-8")


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A gateway with store-bound till credentials and an admin, over a real socket."""
    db = tmp_path_factory.mktemp("edges") / "gateway.db"
    settings = load_settings(environ={}, db_path=db, credentials=(TILL, OTHER, ADMIN), rate_limit=1e6, rate_burst=1e6)
    loop = asyncio.new_event_loop()
    runner = web.AppRunner(create_app(settings))
    port = free_port()
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield Running(port, db)
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.run_until_complete(runner.cleanup())
        loop.close()


def offline(*changes: tuple[str, str]) -> bytes:
    return example(OFFLINE, *changes)


def code_of(text: str) -> str:
    return field(text, "Code")


def gateway_code(root: etree._Element) -> str:
    """The gateway's fault code inside a SOAP Fault's detail."""
    return str(root.xpath("string(//*[namespace-uri() = 'urn:returns-gateway:messages:v1']/*[local-name() = 'Code'])"))


def problem_of(answer: bytes) -> dict[str, object]:
    found = json.loads(answer)
    assert isinstance(found, dict)
    return found


# --- the same message id for two messages --------------------------------------------------------------------


def test_an_offline_request_under_its_final_results_own_message_id_is_400(gateway: Running) -> None:
    """It used to reach the database twice under one message id: 500, retried for ever by the till."""
    body = offline(("AUTH-OFFLINE-01292-0091", "FINAL-0006-OFFLINE"))
    before = every_table(gateway.db)
    for _ in range(2):
        status, text = gateway.post("/v1/returns/final-result", body)
        assert (status, code_of(text)) == (400, "MESSAGE_INVALID"), text
        assert "message id of its own" in text
    assert changed(before, every_table(gateway.db)) == {}


# --- credentials ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"X-API-Key": "till-01292.\xff\xfe"},
        {"X-API-Key": "till-01292.s\xc3\xa9cret"},
        {"Authorization": "Basic \xe9\xe9\xe9"},
        {"Authorization": "Basic " + base64.b64encode(b"till-01292:\xff\xfe").decode()},
        {"Authorization": "Basic " + base64.b64encode(b"till-01292:\x00\x01").decode()},
    ],
    ids=["api-key-latin1", "api-key-utf8", "basic-not-base64-ascii", "basic-not-utf8", "basic-control"],
)
def test_credentials_that_are_not_text_are_401_not_500(gateway: Running, headers: dict[str, str]) -> None:
    body = soap(example("authorize_receipted_single"), SOAP12)
    before = every_table(gateway.db)
    status, answer_headers, answer = gateway.send(
        "POST", "/v1/messages", body, {"Content-Type": "application/soap+xml", **headers}
    )
    assert status == 401, answer[:300]
    assert answer_headers["content-type"].startswith("application/soap+xml")
    root = etree.fromstring(answer)
    assert gateway_code(root) == "UNAUTHENTICATED"
    assert changed(before, every_table(gateway.db)) == {}


# --- administration API: JSON bodies and path ids ------------------------------------------------------------

PID = {"type": "DriversLicense", "issuer": "TX", "number": "TX77001234"}
WATCH = {
    "watch_id": "W-EDGE",
    "description": "edge",
    "item_id": "100234",
    "purchase_from": "2026-01-01",
    "purchase_to": "2026-12-31",
    "return_from": "2026-01-01",
    "return_to": "2026-12-31",
}


def _json(value: object) -> bytes:
    return json.dumps(value).encode()


ADMIN_REFUSALS = [
    ("deep-nesting", "/v1/admin/overrides", b"[" * 100_000 + b"]" * 100_000, ""),
    ("repeated-key", "/v1/admin/overrides", b'{"positive_id": {"type": "DL", "type": "PP", "issuer": "TX", "number": "1"}, "reason": "r"}', "/positive_id/type"),
    ("repeated-top-key", "/v1/admin/overrides", b'{"positive_id": {"type": "DL", "issuer": "TX", "number": "1"}, "reason": "a", "reason": "b"}', "/reason"),
    ("nan", "/v1/admin/count-overrides", b'{"kind": "reset", "value": NaN, "reason": "r"}', ""),
    ("utf16", "/v1/admin/overrides", json.dumps({"positive_id": PID, "reason": "r"}).encode("utf-16"), ""),
    ("bom", "/v1/admin/overrides", b"\xef\xbb\xbf" + _json({"positive_id": PID, "reason": "r"}), ""),
    ("digits-beyond-python", "/v1/admin/count-overrides", b'{"kind": "reset", "value": ' + b"9" * 5000 + b"}", ""),
    ("issuer-not-a-code", "/v1/admin/overrides", _json({"positive_id": {**PID, "issuer": "T X"}, "reason": "r"}), "/positive_id/issuer"),
    ("number-path", "/v1/admin/overrides", _json({"positive_id": {**PID, "number": "../x"}, "reason": "r"}), "/positive_id/number"),
    ("kind-unknown", "/v1/admin/count-overrides", _json({"positive_id": PID, "kind": "wipe", "value": 0, "reason": "r"}), "/kind"),
    ("week-date", "/v1/admin/count-overrides", _json({"positive_id": PID, "kind": "freeze", "value": 1, "until": "2027-W01-1", "reason": "r"}), "/until"),
    ("basic-date", "/v1/admin/count-overrides", _json({"positive_id": PID, "kind": "freeze", "value": 1, "until": "20270101", "reason": "r"}), "/until"),
    ("watch-id-path", "/v1/admin/pattern-watches", _json({**WATCH, "watch_id": "W 1/../x"}), "/watch_id"),
    ("watch-item-and-node", "/v1/admin/pattern-watches", _json({**WATCH, "node_id": "N1"}), "/item_id"),
    ("watch-reversed", "/v1/admin/pattern-watches", _json({**WATCH, "return_from": "2027-01-01"}), "/return_to"),
    ("simulate-week-date", "/v1/admin/policies/2026.11-1/simulate", _json({"from": "2026-W01-1", "to": "2026-12-31"}), "/from"),
    ("simulate-store-not-an-id", "/v1/admin/policies/2026.11-1/simulate", _json({"from": "2026-01-01", "to": "2026-12-31", "stores": ["01291", "' OR 1=1 --"]}), "/stores/1"),
    ("simulate-too-many-stores", "/v1/admin/policies/2026.11-1/simulate", _json({"from": "2026-01-01", "to": "2026-12-31", "stores": [f"S{n}" for n in range(1001)]}), "/stores"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "body", "location"), [case[1:] for case in ADMIN_REFUSALS], ids=[case[0] for case in ADMIN_REFUSALS]
)
def test_admin_json_bodies_are_read_strictly(gateway: Running, path: str, body: bytes, location: str) -> None:  # fmt: skip
    before = every_table(gateway.db)
    status, headers, answer = gateway.send(
        "POST", path, body, {"Content-Type": "application/json", "X-API-Key": KEYS["admin"]}
    )
    assert status == 400, answer[:300]
    assert headers["content-type"].startswith("application/problem+json")
    problem = problem_of(answer)
    assert problem["code"] == "MESSAGE_INVALID"
    issues = problem["issues"]
    assert isinstance(issues, list) and issues and issues[0]["xpath"] == location, problem
    assert changed(before, every_table(gateway.db)) == {}


@pytest.mark.parametrize(
    "path",
    [
        "/v1/admin/cashiers/" + "E" * 41 + "/history",
        "/v1/admin/policies/" + "v" * 41,
        "/v1/admin/cashiers/E%201/history",
    ],
)
def test_admin_path_ids_are_refused_not_cut_short(gateway: Running, path: str) -> None:
    status, _, answer = gateway.send("GET", path, b"", {"X-API-Key": KEYS["admin"]})
    assert status == 400, answer[:300]
    assert problem_of(answer)["code"] == "PARAMETER_INVALID"


def _ticket_of_01291(gateway: Running, message_id: str) -> str:
    body = example("authorize_receipted_single", ("AUTH-0001-20261120-001", message_id))
    status, text = gateway.post("/v1/messages", body, who="other")
    assert status == 200, text
    return field(text, "TicketId")


def _with_inner_ticket(ticket: str, tag: str) -> bytes:
    """The offline example (store 01292) whose OfflineRequest refers to `ticket`."""
    return offline(
        ("FINAL-0006-OFFLINE", f"FINAL-{tag}"),
        ("AUTH-OFFLINE-01292-0091", f"AUTH-{tag}"),
        ("01292-03-20261119-0660", f"RT-{tag}"),
        ("<TransactionType>Return</TransactionType>", f"<TransactionType>Return</TransactionType><TicketId>{ticket}</TicketId>"),
    )  # fmt: skip


def test_an_offline_request_referring_to_another_stores_ticket_is_403(gateway: Running) -> None:
    """Before, the ticket was looked up first: 409 STORE_MISMATCH told a till of 01292 that the ticket exists."""
    ticket = _ticket_of_01291(gateway, "EDGE-INNER-1")
    before = every_table(gateway.db)
    status, text = gateway.post("/v1/returns/final-result", _with_inner_ticket(ticket, "INNER-1"))
    assert (status, code_of(text)) == (403, "FORBIDDEN") and ticket in text
    member = (
        _with_inner_ticket(ticket, "INNER-2")
        .split(b"?>", 1)[1]
        .replace(b' xmlns="urn:returns-gateway:messages:v1"', b"")
    )
    batch = b'<MessageBatch xmlns="urn:returns-gateway:messages:v1">' + member + b"</MessageBatch>"
    status, text = gateway.post("/v1/returns/final-results", batch)
    assert status == 200 and text.count('status="403"') == 1, text
    assert changed(before, every_table(gateway.db)) == {}
    unknown = _with_inner_ticket("O01292-20261119-000000000000", "INNER-3")
    status, text = gateway.post("/v1/returns/final-result", unknown)
    assert (status, code_of(text)) == (404, "TICKET_NOT_FOUND")
    assert changed(before, every_table(gateway.db)) == {}


# --- query parameters ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "parameter"),
    [
        ("limit=%D9%A5", "limit"),  # an Arabic-Indic five: Python's \d and int() took it for 5
        ("offset=%EF%BC%91", "offset"),  # a fullwidth one
        ("from=%D9%A2%D9%A0%D9%A2%D9%A6-01-01", "from"),
        ("from=2026-12-01&to=2026-01-01", "to"),  # a range that ends before it starts found nothing, silently
    ],
)
def test_ticket_search_parameters_are_ascii_and_in_order(gateway: Running, query: str, parameter: str) -> None:
    status, _, answer = gateway.send("GET", f"/v1/tickets?{query}", b"", {"X-API-Key": KEYS["admin"]})
    assert status == 400, answer[:300]
    problem = problem_of(answer)
    issues = problem["issues"]
    assert problem["code"] == "PARAMETER_INVALID" and isinstance(issues, list) and issues[0]["xpath"] == parameter


def test_expect_100_continue_still_reaches_the_message(gateway: Running) -> None:
    body = example("authorize_receipted_single", ("AUTH-0001-20261120-001", "EDGE-CONTINUE"), ("01291", "01292"))
    status, _, answer = gateway.send(
        "POST",
        "/v1/messages",
        body,
        {"Content-Type": "application/xml", "X-API-Key": KEYS["till"], "Expect": "100-continue"},
    )
    assert status == 100 and b"200 OK" in answer, answer[:300]


# --- every refusal names its place ---------------------------------------------------------------------------


def _issue_paths(text: str) -> list[str]:
    root = etree.fromstring(text.encode())
    return [str(path) for path in root.xpath("//*[local-name() = 'Issue']/@xpath")]


def test_domain_refusals_name_the_element_they_concern(gateway: Running) -> None:
    """Conflicts, unknown tickets and store mismatches used to come without any location."""
    first = example("authorize_receipted_single", ("AUTH-0001-20261120-001", "EDGE-PLACE-1"), ("01291", "01292"))
    status, text = gateway.post("/v1/messages", first)
    assert status == 200, text
    before = every_table(gateway.db)
    conflicting = first.replace(b"<Quantity>1</Quantity>", b"<Quantity>2</Quantity>")
    status, text = gateway.post("/v1/messages", conflicting)
    assert (status, code_of(text)) == (409, "DUPLICATE_CONFLICT")
    assert _issue_paths(text) == ["/AuthorizeReturnRequest/MessageId"]
    inner_conflict = offline(("AUTH-OFFLINE-01292-0091", "EDGE-PLACE-1"), ("FINAL-0006-OFFLINE", "EDGE-PLACE-2"))
    status, text = gateway.post("/v1/returns/final-result", inner_conflict)
    assert (status, code_of(text)) == (409, "DUPLICATE_CONFLICT")
    assert _issue_paths(text) == ["/ReturnFinalResult/OfflineRequest/MessageId"]
    unknown = example(
        "final_result_approved", ("T01291-20261120-000001", "T01292-20261120-000000000000"), ("01291", "01292")
    )
    status, text = gateway.post("/v1/returns/final-result", unknown)
    assert (status, code_of(text)) == (404, "TICKET_NOT_FOUND")
    assert _issue_paths(text) == ["/ReturnFinalResult/TicketId"]
    member = unknown.split(b"?>", 1)[1].replace(b' xmlns="urn:returns-gateway:messages:v1"', b"")
    batch = b'<MessageBatch xmlns="urn:returns-gateway:messages:v1">' + member + b"</MessageBatch>"
    status, text = gateway.post("/v1/returns/final-results", batch)
    assert status == 200 and 'status="404"' in text and "/ReturnFinalResult/TicketId" in text, text
    assert changed(before, every_table(gateway.db)) == {}


# --- the command line ----------------------------------------------------------------------------------------


def test_validate_reads_a_value_the_gateway_cannot_hold_as_the_gateway_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """validate said OK where the gateway answers 400 VALUE_OUT_OF_RANGE; a FIFO in a directory hung it."""
    queue = tmp_path / "queue"
    queue.mkdir()
    (queue / "late.xml").write_bytes(
        example("authorize_receipted_single", ("2026-11-20T10:15:00Z", "9999-12-31T23:59:59-14:00"))
    )
    os.mkfifo(queue / "pipe.xml")
    assert main(["validate", str(queue)]) == 1
    out = capsys.readouterr().out
    assert "/AuthorizeReturnRequest/Timestamp" in out and "[VALUE_OUT_OF_RANGE]" in out
    assert "pipe.xml" not in out


def test_evaluate_reports_values_out_of_range_and_bad_histories_without_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    request = tmp_path / "late.xml"
    request.write_bytes(example("authorize_receipted_single", ("2026-11-20T10:15:00Z", "0001-01-01T00:00:00+14:00")))
    assert main(["evaluate", str(request)]) == 1
    assert "[VALUE_OUT_OF_RANGE]" in capsys.readouterr().err
    good = tmp_path / "good.xml"
    good.write_bytes(example("authorize_receipted_single"))
    history = tmp_path / "history.json"
    for document in (
        '{"customer_returns": [{"date": "2026-11-02", "amount": "NaN"}]}',
        '{"customer_returns": [{"date": "2026-11-02", "items": 1e400}]}',
        '{"customer_purchases": [{"date": "2026-11-08", "items": -2}]}',
        '{"overrides_available": Infinity}',
        '{"returned_quantities": [{"sale": "s", "item": "i", "quantity": "sNaN"}]}',
        "[]",
        '{"count_override": []}',
        "[" * 50_000 + "]" * 50_000,
    ):
        history.write_text(document, encoding="utf-8")
        assert main(["evaluate", str(good), "--history", str(history)]) == 2, document[:80]
        err = capsys.readouterr().err
        assert "is not a history document" in err and "Traceback" not in err, err


def test_replay_resumed_does_not_skip_another_message_under_a_recorded_id(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The journal knew message ids only: a different message under an id it recorded was skipped, exit 0."""
    queue, db = tmp_path / "queue", tmp_path / "gateway.db"
    queue.mkdir()
    first = example("authorize_receipted_single", ("AUTH-0001-20261120-001", "EDGE-REPLAY"))
    (queue / "a.xml").write_bytes(first)
    assert main(["replay", str(queue), "--db", str(db)]) == 0
    (queue / "b.xml").write_bytes(first.replace(b"<Quantity>1</Quantity>", b"<Quantity>2</Quantity>"))
    before = every_table(db)
    assert main(["replay", str(queue), "--db", str(db), "--resume"]) == 1
    out = capsys.readouterr().out
    assert "0 applied, 0 duplicates, 1 rejected, 0 failed, 1 skipped" in out, out
    assert "DUPLICATE_CONFLICT" in (tmp_path / "queue.rejects" / "000001-b.xml.error.txt").read_text(encoding="utf-8")
    assert changed(before, every_table(db)) == {}


def test_replay_resumes_from_a_journal_with_torn_and_garbage_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A journal line that is not UTF-8 crashed the resumed run; a torn last line swallowed the next entry."""
    queue, db = tmp_path / "queue", tmp_path / "gateway.db"
    queue.mkdir()
    for number in range(2):
        body = example("authorize_receipted_single", ("AUTH-0001-20261120-001", f"EDGE-JOURNAL-{number}"))
        (queue / f"{number}.xml").write_bytes(body)
    journal = tmp_path / "queue.journal"
    journal.write_bytes(b'\xff\xfe\x00garbage\n\xef\xbb\xbf{"id": "nobody"}\n\x00\x00\n{"id": "EDGE-JOURNAL-0", "outc')
    assert main(["replay", str(queue), "--db", str(db), "--resume"]) == 0
    assert "2 applied" in capsys.readouterr().out
    lines = journal.read_bytes().splitlines()
    assert [json.loads(line)["id"] for line in lines[-2:]] == ["EDGE-JOURNAL-0", "EDGE-JOURNAL-1"]
    assert main(["replay", str(queue), "--db", str(db), "--resume"]) == 0
    assert "0 applied, 0 duplicates, 0 rejected, 0 failed, 2 skipped" in capsys.readouterr().out


# --- loyalty activity ------------------------------------------------------------------------------------------


def test_a_purchase_whose_acknowledgement_could_not_carry_the_account_is_400(gateway: Running) -> None:
    """Each value was within its type, but the acknowledgement answered points beyond its own (14 digits)."""
    purchase = (EXAMPLES.parent / "loyalty" / "purchase_two_ties.xml").read_bytes()
    line = b'<Line><LineNumber>2</LineNumber><ItemId>X</ItemId><Quantity>1</Quantity><Amount>999999999999.99</Amount><Points account="base" source="Economy">999999999999.99</Points></Line>'
    body = purchase.replace(b"LOY-PURCHASE-0001", b"EDGE-LOY-1").replace(b"LY-0048812", b"LY-EDGE-1")
    before = every_table(gateway.db)
    status, text = gateway.post("/v1/loyalty/activity", body.replace(b"</Line>", b"</Line>" + line * 2, 1))
    assert (status, code_of(text)) == (400, "VALUE_OUT_OF_RANGE"), text
    assert _issue_paths(text) == ["/LoyaltyActivity"]
    assert changed(before, every_table(gateway.db)) == {}
    status, text = gateway.post("/v1/loyalty/activity", body)
    assert status == 200, text
    default_registry().validate(etree.fromstring(text.encode()))


@pytest.mark.parametrize(
    "argv",
    [
        ["send", "--to", "http://[::1", "m.xml"],
        ["send", "--to", "http://gateway:port", "m.xml"],
        ["send", "--to", "http://a b/", "m.xml"],
        ["send", "--to", "", "m.xml"],
        ["send", "--wait", "nan", "m.xml"],
        ["send", "--wait", "1e999", "m.xml"],
        ["replay", "--to", "://nohost", "queue"],
        ["admin", "--url", "http://127.0.0.1:99999", "policy", "list"],
    ],
)
def test_commands_refuse_a_malformed_gateway_address_as_a_usage_error(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """These crashed with ValueError or InvalidURL (exit 1, as if the gateway had refused), or waited for ever."""
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert "error: argument" in err and "Traceback" not in err and "ValueError" not in err


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'<!DOCTYPE x [<!ENTITY a "b">]><PolicySet/>', "XML_DTD_FORBIDDEN"),
        (b"", "XML_MALFORMED"),
        (b'<PolicySet xmlns="urn:returns-gateway:policy:v1" ' + b"a" * 2000 + b'="1"/>', "XML_NAME_TOO_LONG"),
    ],
    ids=["dtd", "empty", "long-name"],
)
def test_a_policy_refused_as_a_document_still_names_where(gateway: Running, body: bytes, code: str) -> None:
    """Refusals of the whole document came with no issue at all, so no location."""
    before = every_table(gateway.db)
    status, _, answer = gateway.send(
        "PUT", "/v1/admin/policies/edge-1", body, {"Content-Type": "application/xml", "X-API-Key": KEYS["admin"]}
    )
    assert status == 400, answer[:300]
    problem = problem_of(answer)
    issues = problem["issues"]
    assert problem["code"] == "POLICY_INVALID" and isinstance(issues, list) and issues, problem
    assert issues[0]["line"] == 1 and f"[{code}]" in issues[0]["message"]
    assert changed(before, every_table(gateway.db)) == {}

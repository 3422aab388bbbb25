"""`returns-gateway evaluate` and `policy check` as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.http.schemas import default_registry
from gateway.http.xmlio import parse_xml
from handlers.xml import response_xml
from tests.conftest import EXAMPLES, POLICY

AUTHORIZE_EXAMPLES = sorted(EXAMPLES.glob("authorize_*.xml"))
AUTHORIZE_REQUESTS = [path for path in AUTHORIZE_EXAMPLES if "response" not in path.stem]


@pytest.mark.parametrize("path", AUTHORIZE_REQUESTS, ids=lambda p: p.stem)
def test_evaluate_prints_a_schema_valid_response_and_explains(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(path), "--policy", str(POLICY), "--explain"]) == 0
    captured = capsys.readouterr()
    data = captured.out.encode("utf-8")
    root = parse_xml(data)
    assert default_registry().validate(root, data).name == "AuthorizeReturnResponse"
    response = response_xml.from_xml(root)
    for line in response.lines:
        assert (
            f"line {line.line_number}: {line.response.response_type.value} {line.response.code}, policy {line.policy_id}"
            in captured.err
        )
        for reason in line.reasons:
            if reason.question != "CustomerServiceOverride":
                assert f"rule {reason.rule} {reason.question}: input " in captured.err
                assert f"-> answer {reason.answer}," in captured.err
        if line.refund_split:
            part = line.refund_split[0]
            assert f"  paid as {part.tender.value} {part.amount}" in captured.err
    assert "chosen: " in captured.err


def test_evaluate_with_history_and_today(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    history = tmp_path / "history.json"
    history.write_text(
        json.dumps({"customer_returns": [{"date": "2026-11-01", "receipted": False}] * 3, "overrides_available": 0})
    )
    request = EXAMPLES / "authorize_nonreceipted_with_positive_id.xml"
    assert main(["evaluate", str(request), "--history", str(history), "--today", "2026-11-20"]) == 0
    response = response_xml.from_xml(parse_xml(capsys.readouterr().out.encode()))
    assert (response.response.code, response.lines[0].policy_id) == ("410", "AUSTIN-NONRECEIPTED")


def test_evaluate_without_positive_id_asks_for_customer_information(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["evaluate", str(EXAMPLES / "authorize_nonreceipted_without_positive_id.xml")]) == 0
    response = response_xml.from_xml(parse_xml(capsys.readouterr().out.encode()))
    assert response.customer_information_required and response.response.code == "330"


def test_evaluate_refuses_an_invalid_request(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text((EXAMPLES / "authorize_gift_receipt.xml").read_text().replace("USD", "usd"))
    assert main(["evaluate", str(bad)]) == 1
    assert "[SCHEMA_INVALID]" in capsys.readouterr().err


def test_evaluate_missing_file_exits_two(tmp_path: Path) -> None:
    assert main(["evaluate", str(tmp_path / "nothing.xml")]) == 2


def test_policy_check_summary(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy", "check", str(POLICY)]) == 0
    out = capsys.readouterr().out
    assert "policy set 2026.11-1: OK" in out and "6 exception" in out and "pattern watches: 1" in out


def test_policy_check_lists_problems_with_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text(POLICY.read_text().replace('code="405" messages="CS-PHONE"/>', 'code="999"/>', 1))
    assert main(["policy", "check", str(broken)]) == 1
    out = capsys.readouterr().out
    assert "unknown response code '999'" in out
    line = next(n for n, text in enumerate(broken.read_text().splitlines(), 1) if 'code="999"' in text)
    assert f"{broken}:{line}:" in out


AUSTIN, TV_CHAIN = 'id="AUSTIN-NONRECEIPTED"', 'id="TV-CHAIN"'


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


@pytest.mark.parametrize("namespace", ["v1", "v2"])
def test_policy_check_refuses_an_exception_policy_without_receipted(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], namespace: str
) -> None:
    text = POLICY.read_text().replace(':policy:v2"', f':policy:{namespace}"')
    unsaid = tmp_path / "unsaid.xml"
    unsaid.write_text(
        text.replace(
            '<Policy id="AUSTIN-NONRECEIPTED" kind="Exception" receipted="false"',
            '<Policy id="AUSTIN-NONRECEIPTED" kind="Exception"',
        )
    )
    assert main(["policy", "check", str(unsaid)]) == 1
    out = capsys.readouterr().out
    assert f"{unsaid}:{_line_of(unsaid, AUSTIN)}:" in out and "receipted" in out


def test_policy_check_refuses_a_top_node_policy_that_ties_with_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pair = (
        '<Policy id="TV-EVERYWHERE" kind="Exception" receipted="true"><Location all="true"/><Merchandise node="TV"/>'
        '<Rule id="r" question="ReceiptPresent"><Answer otherwise="true"/></Rule></Policy>\n'
        '<Policy id="TV-CHAIN" kind="Exception" receipted="true"><Location node="CHAIN"/><Merchandise node="TV"/>'
        '<Rule id="r" question="ReceiptPresent"><Answer otherwise="true"/></Rule></Policy>\n'
    )
    tie = tmp_path / "tie.xml"
    tie.write_text(POLICY.read_text().replace("</Policies>", pair + "</Policies>"))
    assert main(["policy", "check", str(tie)]) == 1
    out = capsys.readouterr().out
    assert f"{tie}:{_line_of(tie, TV_CHAIN)}: exception policies 'TV-EVERYWHERE' and 'TV-CHAIN' tie" in out


def test_policy_check_reads_version_1_with_an_upgrade_note(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "old.xml"
    old.write_text(POLICY.read_text().replace(':policy:v2"', ':policy:v1"').replace(' receipted="true">', ">", 1))
    assert main(["policy", "check", str(old)]) == 0
    assert "note: written in urn:returns-gateway:policy:v1" in capsys.readouterr().out

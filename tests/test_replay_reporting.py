"""Replay never hides a problem: a resumed run counts what the journal recorded as rejected, and an undelivered
message says why (connection refused, timeout, status and fault code), in text and in JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.replay import replay_targets
from tests.conftest import EXAMPLES
from tests.test_replay_http import fake_gateway

MESSAGES = 12


@pytest.fixture
def rejected_queue(tmp_path: Path) -> Path:
    """Schema-valid final results for tickets that do not exist: the gateway rejects each (404)."""
    folder = tmp_path / "queue"
    folder.mkdir()
    approved = (EXAMPLES / "final_result_approved.xml").read_text(encoding="utf-8")
    for number in range(MESSAGES):
        body = approved.replace("FINAL-0001-APPROVED", f"FINAL-MISSING-{number}").replace(
            "T01291-20261120-000001", f"T01291-20261120-{number:06d}"
        )
        body = body.replace("<ReturnTransactionId>", f"<ReturnTransactionId>X{number}-", 1)
        (folder / f"{number:03d}.xml").write_text(body, encoding="utf-8")
    return folder


@pytest.mark.both_backends
def test_a_resumed_run_counts_what_the_journal_rejected(
    rejected_queue: Path, db_location: str, capsys: pytest.CaptureFixture[str]
) -> None:
    db = db_location
    assert main(["replay", str(rejected_queue), "--db", str(db)]) == 1
    first = capsys.readouterr().out
    assert f"{MESSAGES} rejected" in first
    assert main(["replay", str(rejected_queue), "--db", str(db), "--resume"]) == 1
    text = capsys.readouterr().out
    assert f"0 applied, 0 duplicates, {MESSAGES} rejected, 0 failed, {MESSAGES} skipped" in text
    assert f"{MESSAGES} rejected in an earlier run" in text
    assert main(["replay", str(rejected_queue), "--db", str(db), "--resume", "--format", "json"]) == 1
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert (summary["rejected"], summary["earlier_rejected"], summary["skipped"]) == (MESSAGES, MESSAGES, MESSAGES)


def test_an_unreachable_gateway_is_reported_with_its_reason(
    rejected_queue: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(replay_targets, "RETRY_DELAYS", (0.01,))
    assert main(["replay", str(rejected_queue), "--to", "http://127.0.0.1:1"]) == 1
    text = capsys.readouterr().out
    assert f"{MESSAGES} failed" in text
    assert "cannot connect to 127.0.0.1:1" in text and "(2 tries)" in text
    assert main(["replay", str(rejected_queue), "--to", "http://127.0.0.1:1", "--format", "json"]) == 1
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["failed"] == MESSAGES
    [(reason, count)] = summary["failures"].items()
    assert reason.startswith("cannot connect to 127.0.0.1:1") and count == MESSAGES


def test_a_failing_gateway_is_reported_with_status_and_fault_code(
    rejected_queue: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(replay_targets, "RETRY_DELAYS", (0.01,))
    with fake_gateway(failures=100, status=503) as (url, seen):
        assert main(["replay", str(rejected_queue), "--to", url, "--format", "json"]) == 1
    summary = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert summary["failed"] == MESSAGES and len(seen) >= 2
    assert any(reason.startswith("HTTP 503") for reason in summary["failures"])


def test_fault_codes_are_read_from_faults() -> None:
    body = b'<Fault xmlns="urn:returns-gateway:messages:v1"><Code>INTERNAL</Code><Message>m</Message></Fault>'
    assert replay_targets.fault_code(body) == "INTERNAL"
    assert replay_targets.fault_code(b"not xml") == ""

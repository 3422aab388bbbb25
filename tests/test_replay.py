"""`returns-gateway replay`: exactly once, resumable after SIGKILL, nothing lost, business order, HTTP mode."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.make_queue import generate
from gateway.cli import main
from tests.conftest import EXAMPLES, ROOT
from tests.dbaccess import commit_order, database
from tests.serverproc import serving

NONRECEIPTED = "SELECT subject, COUNT(*) FROM exceptions WHERE subject_kind = ? AND exception_type = 'nonreceipted-return' AND reversed_at IS NULL GROUP BY subject"
pytestmark = pytest.mark.both_backends


def replay_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, float]]:
    code = main(["replay", *args, "--format", "json"])
    return code, json.loads(capsys.readouterr().out.strip().splitlines()[-1])


def counts_by_subject(db: str, kind: str) -> dict[str, int]:
    with database(db) as connection:
        return {subject: number for subject, number in connection.execute(NONRECEIPTED, (kind,))}


def expected_cashiers(db: str, expected: dict[str, dict[str, int]]) -> None:
    assert counts_by_subject(db, "cashier") == expected["cashiers"]
    with database(db) as connection:
        assert connection.execute(
            "SELECT COUNT(DISTINCT subject) FROM exceptions WHERE subject_kind = 'customer'"
        ).fetchone()[0] == len(expected["customers"])
        assert sorted(counts_by_subject(db, "customer").values()) == sorted(expected["customers"].values())
        assert connection.execute("SELECT COUNT(*) FROM customer_returns").fetchone()[0] == sum(
            expected["customers"].values()
        )


def test_ten_thousand_replayed_twice(tmp_path: Path, db_location: str, capsys: pytest.CaptureFixture[str]) -> None:
    expected = generate(tmp_path / "queue", 10_000)
    db = db_location
    code, first = replay_json(capsys, str(tmp_path / "queue"), "--db", str(db))
    assert code == 0 and (first["applied"], first["duplicates"]) == (10_000, 0)
    code, second = replay_json(capsys, str(tmp_path / "queue"), "--db", str(db))
    assert code == 0 and (second["applied"], second["duplicates"]) == (0, 10_000)
    expected_cashiers(db, expected)
    assert len(list((tmp_path / "queue").rglob("*.xml"))) == 10_000


def test_killed_part_way_then_resumed(tmp_path: Path, db_location: str, capsys: pytest.CaptureFixture[str]) -> None:
    expected = generate(tmp_path / "queue", 10_000)
    db, journal = db_location, tmp_path / "queue.journal"
    command = [
        sys.executable,
        "-m",
        "gateway",
        "replay",
        str(tmp_path / "queue"),
        "--db",
        str(db),
        "--batch-size",
        "50",
    ]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not journal.exists() or len(journal.read_bytes().splitlines()) < 1500):
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    done_before = len(journal.read_bytes().splitlines())
    assert 0 < done_before < 10_000
    code, summary = replay_json(capsys, str(tmp_path / "queue"), "--db", str(db), "--resume")
    assert code == 0
    assert summary["skipped"] >= done_before - 1
    assert summary["applied"] + summary["duplicates"] + summary["skipped"] == 10_000
    expected_cashiers(db, expected)


def _offline(number: int, stamp: str, request_stamp: str = "2026-11-19T07:00:00Z") -> str:
    text = (EXAMPLES / "final_result_offline_no_ticket.xml").read_text()
    text = text.replace("FINAL-0006-OFFLINE", f"FINAL-ORDER-{number}").replace(
        "01292-03-20261119-0660", f"RT-ORDER-{number}"
    )
    text = text.replace("AUTH-OFFLINE-01292-0091", f"AUTH-ORDER-{number}").replace(
        "2026-11-19T17:55:12Z", request_stamp
    )
    return text.replace("2026-11-19T17:58:00Z", stamp)


def _authorize_of(offline: str) -> str:
    """The authorize request a till queued before the final result that carries a copy of it."""
    inner = offline[offline.index("<OfflineRequest>") + len("<OfflineRequest>") : offline.index("</OfflineRequest>")]
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<AuthorizeReturnRequest xmlns="urn:returns-gateway:messages:v1">{inner}</AuthorizeReturnRequest>\n'


def test_bad_and_out_of_order_queue(tmp_path: Path, db_location: str, capsys: pytest.CaptureFixture[str]) -> None:
    queue = tmp_path / "queue"
    (queue / "nested" / "deeper").mkdir(parents=True)
    (queue / "a-latest.xml").write_text(_offline(1, "2026-11-19T19:00:00Z"))
    (queue / "b-earliest.xml").write_text(_offline(2, "2026-11-19T08:00:00Z"))
    middle = _offline(3, "2026-11-19T12:00:00Z", "2026-11-19T11:00:00Z")
    (queue / "nested" / "c-middle.xml").write_text(middle)
    (queue / "nested" / "deeper" / "z-authorize.xml").write_text(_authorize_of(middle))
    (queue / "broken.xml").write_text("<ReturnFinalResult><oops")
    (queue / "dtd.xml").write_bytes((ROOT / "tests" / "corpus" / "invalid" / "billion_laughs.xml").read_bytes())
    (queue / "invalid.xml").write_text(
        _offline(4, "2026-11-19T10:00:00Z").replace("<Currency>USD</Currency>", "<Currency>usd</Currency>", 1)
    )
    before = sorted(path.read_bytes() for path in queue.rglob("*.xml"))
    db = db_location
    code, summary = replay_json(capsys, str(queue), "--db", str(db), "--batch-size", "1")
    assert code == 1 and (summary["applied"], summary["rejected"]) == (4, 3)
    rejects = tmp_path / "queue.rejects"
    reasons = {path.name: path.read_text() for path in rejects.glob("*.error.txt")}
    assert len(reasons) == 3
    assert any("XML_MALFORMED" in text for text in reasons.values())
    assert any("XML_DTD_FORBIDDEN" in text for text in reasons.values())
    assert any("SCHEMA_INVALID" in text and "Currency" in text for text in reasons.values())
    assert sorted(path.read_bytes() for path in queue.rglob("*.xml")) == before
    with database(db) as connection:
        order = [row[0] for row in connection.execute(f"SELECT message_id FROM messages ORDER BY {commit_order(db)}")]
        linked = connection.execute(
            "SELECT t.origin FROM final_results f JOIN tickets t USING (ticket_id) WHERE f.message_id = 'FINAL-ORDER-3'"
        ).fetchone()
    assert order == ["AUTH-ORDER-2", "FINAL-ORDER-2", "AUTH-ORDER-3", "FINAL-ORDER-3", "AUTH-ORDER-1", "FINAL-ORDER-1"]
    assert linked == ("online",)


def test_batch_document_and_stdin(
    tmp_path: Path, db_location: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = db_location
    code, summary = replay_json(
        capsys, str(EXAMPLES / "batch_offline_queue.xml"), "--db", str(db), "--journal", str(tmp_path / "j")
    )
    assert code == 0 and summary["applied"] == 2
    import io

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO((EXAMPLES / "batch_offline_queue.xml").read_bytes())))
    monkeypatch.chdir(tmp_path)
    code, summary = replay_json(capsys, "-", "--db", str(db))
    assert code == 0 and summary["duplicates"] == 2


def test_rejected_names_cannot_escape_the_rejects_directory() -> None:
    from gateway.replay.replay_run import safe_name

    assert safe_name("../../etc/passwd", 3) == "000003-passwd"
    assert safe_name("C:\\queue\\..\\evil.xml#2", 7) == "000007-evil.xml_2"
    assert "/" not in safe_name("/", 1) and safe_name("..", 1) == "000001-message"


def test_http_mode_against_a_running_gateway(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    generate(tmp_path / "queue", 300)
    with serving(tmp_path, "--db", "served.db") as (base, _):
        code, first = replay_json(
            capsys, str(tmp_path / "queue"), "--to", base, "--batch-size", "40", "--concurrency", "3"
        )
        assert code == 0 and first["applied"] == 300
        code, second = replay_json(capsys, str(tmp_path / "queue"), "--to", base)
        assert code == 0 and second["duplicates"] == 300

"""`returns-gateway send`: answers on stdout, a line per message on stderr, the exit code by outcome."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.conftest import EXAMPLES
from tests.serverproc import free_port, serving


def send(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway", "send", *args], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def test_a_refused_message_exits_1_with_its_fault(tmp_path: Path) -> None:
    with serving(tmp_path) as (base, _):
        result = send(tmp_path, str(EXAMPLES / "final_result_approved.xml"), "--to", base)
        authorized = send(tmp_path, str(EXAMPLES / "authorize_receipted_single.xml"), "--to", base)
    assert result.returncode == 1
    assert "<Code>TICKET_NOT_FOUND</Code>" in result.stdout
    assert result.stderr.strip().endswith("final_result_approved.xml: 404 Fault TICKET_NOT_FOUND")
    assert authorized.returncode == 0 and "200 AuthorizeReturnResponse Authorization" in authorized.stderr


def test_ticket_from_an_answer_without_a_ticket(tmp_path: Path) -> None:
    (tmp_path / "answer.xml").write_text('<Fault xmlns="urn:returns-gateway:messages:v1"><Code>X</Code></Fault>')
    result = send(tmp_path, str(EXAMPLES / "final_result_approved.xml"), "--ticket-from", "answer.xml")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (
        "error: --ticket-from answer.xml holds no TicketId; give the saved answer of an authorize request"
    )


def test_no_gateway_is_a_one_line_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    result = send(tmp_path, str(EXAMPLES / "authorize_receipted_single.xml"), "--to", url)
    assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1
    assert f"cannot reach {url}" in result.stderr

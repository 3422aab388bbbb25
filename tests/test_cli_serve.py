"""`returns-gateway serve` as a newcomer runs it: no set-up, a file database, the shipped policy, clean shutdown."""

from __future__ import annotations

import gc
import signal
import urllib.request
from pathlib import Path

import pytest
from aiohttp import web

from gateway.commands.cli_serve import settle_heap
from gateway.heap import YOUNG_OBJECTS
from gateway.http.schemas import default_registry
from gateway.http.xmlio import parse_xml
from tests.conftest import EXAMPLES
from tests.serverproc import serving


def post(base: str, path: str, body: bytes) -> bytes:
    request = urllib.request.Request(f"{base}{path}", data=body, headers={"Content-Type": "application/xml"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return bytes(response.read())


def test_serve_on_embedded_defaults_answers_an_example(tmp_path: Path) -> None:
    with serving(tmp_path) as (base, process):
        answer = post(base, "/v1/returns/authorize", (EXAMPLES / "authorize_receipted_single.xml").read_bytes())
        root = parse_xml(answer)
        assert default_registry().validate(root, answer).name == "AuthorizeReturnResponse"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    assert (tmp_path / "returns-gateway.db").exists()
    assert "POST /v1/returns/authorize 200" in (tmp_path / "server.log").read_text()


def test_serve_with_two_workers_and_json_logs(tmp_path: Path) -> None:
    with serving(tmp_path, "--workers", "2", "--db", "two.db", "--log-format", "json") as (base, process):
        bodies = [
            (EXAMPLES / "authorize_gift_receipt.xml").read_bytes().replace(b"AUTH-0003-GIFT", f"AUTH-W-{n}".encode())
            for n in range(20)
        ]
        answers = [post(base, "/v1/messages", body) for body in bodies]
        assert all(b"<Type>Authorization</Type>" in answer for answer in answers)
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    log = (tmp_path / "server.log").read_text()
    assert '"path": "/v1/messages"' in log and '"status": 200' in log


def test_serve_refuses_a_broken_policy_before_listening(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from gateway.cli import main

    broken = tmp_path / "policy.xml"
    broken.write_text((EXAMPLES.parent / "policies" / "chain.xml").read_text().replace('code="405"', 'code="999"', 1))
    assert main(["serve", "--policy", str(broken), "--db", str(tmp_path / "g.db")]) == 2
    err = capsys.readouterr().err
    assert "unknown response code '999'" in err and "Traceback" not in err
    assert not (tmp_path / "g.db").exists()


async def test_a_started_worker_keeps_what_it_loaded_out_of_later_collections() -> None:
    threshold = gc.get_threshold()
    try:
        await settle_heap(web.Application())
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_OBJECTS, *threshold[1:])
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)

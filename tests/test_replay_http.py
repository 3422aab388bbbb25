"""Replay over HTTP against an unreliable or unwelcoming gateway: 5xx and network errors are retried, 401 stops."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from aiohttp import web
from lxml import etree

from gateway.cli import main
from tests.conftest import EXAMPLES
from tests.serverproc import free_port

NS = "urn:returns-gateway:messages:v1"
ACK = f'<FinalResultAck xmlns="{NS}"><RequestMessageId>M</RequestMessageId><TicketId>T1</TicketId><ReturnTransactionId>R</ReturnTransactionId><Status>Recorded</Status></FinalResultAck>'


@contextmanager
def fake_gateway(failures: int, status: int) -> Iterator[tuple[str, list[int]]]:
    """A stand-in gateway: answers `status` to the first `failures` batches, then acknowledges every member."""
    seen: list[int] = []

    async def batch(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append(len(seen))
        if len(seen) <= failures:
            return web.Response(status=status, text="not now")
        members = len(etree.fromstring(body))
        results = "".join(
            f'<Result index="{n}" status="200" duplicate="false">{ACK}</Result>' for n in range(1, members + 1)
        )
        return web.Response(
            body=f'<MessageBatchResult xmlns="{NS}">{results}</MessageBatchResult>', content_type="application/xml"
        )

    loop = asyncio.new_event_loop()
    app = web.Application()
    app.router.add_post("/v1/returns/final-results", batch)
    runner = web.AppRunner(app)
    port = free_port()
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(5)
        loop.run_until_complete(runner.cleanup())
        loop.close()


@pytest.fixture
def queue(tmp_path: Path) -> Path:
    folder = tmp_path / "queue"
    folder.mkdir()
    (folder / "one.xml").write_bytes((EXAMPLES / "final_result_offline_no_ticket.xml").read_bytes())
    return folder


def test_server_errors_are_retried_until_the_gateway_answers(queue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with fake_gateway(failures=2, status=503) as (url, seen):
        assert main(["replay", str(queue), "--to", url, "--format", "json"]) == 0
    assert len(seen) == 3
    assert '"applied": 1' in capsys.readouterr().out


def test_refused_credentials_stop_the_run(queue: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with fake_gateway(failures=100, status=401) as (url, seen):
        assert main(["replay", str(queue), "--to", url, "--api-key", "till.wrong"]) == 2
    assert len(seen) == 1
    assert "stopped: the gateway refused the credentials (HTTP 401)" in capsys.readouterr().err


def test_unreachable_gateway_leaves_messages_failed_for_a_later_run(
    queue: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("gateway.replay.replay_targets.RETRY_DELAYS", (0.01, 0.01))
    assert main(["replay", str(queue), "--to", f"http://127.0.0.1:{free_port()}", "--format", "json"]) == 1
    assert '"failed": 1' in capsys.readouterr().out
    assert "one.xml" in {path.name for path in queue.iterdir()}

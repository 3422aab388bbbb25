"""`returns-gateway serve` as a newcomer runs it: no set-up, a file database, the shipped policy, clean shutdown."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from gateway.schemas import default_registry
from gateway.xmlio import parse_xml
from tests.conftest import EXAMPLES


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(cwd: Path, *options: str) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A gateway subprocess on a free port; its output goes to cwd/server.log."""
    port = free_port()
    with (cwd / "server.log").open("wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gateway", "serve", "--port", str(port), *options],
            cwd=cwd,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(base, process, cwd / "server.log")
            yield base, process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=30)


def _wait_ready(base: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(log.read_text())
        try:
            with urllib.request.urlopen(f"{base}/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.1)
    raise AssertionError("server did not become ready")


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

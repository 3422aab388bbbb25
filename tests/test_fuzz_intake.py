"""Property-based fuzzing of the HTTP intake: mutated valid messages (plain, with a prefixed namespace, in SOAP 1.1
and 1.2 envelopes, and offline final results) and random bytes never cause a 5xx or a partial write.
FUZZ_CASES sets the number of cases (bench/fuzz_intake.py runs 20,000); FUZZ_REPORT names a JSON file for the
figures (answers by status)."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sqlite3
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gateway.app import create_app
from gateway.settings import load_settings
from tests.conftest import EXAMPLES

CASES = int(os.environ.get("FUZZ_CASES", "600"))
NAMESPACE = b' xmlns="urn:returns-gateway:messages:v1"'


def prefixed(data: bytes) -> bytes:
    """The same message with its namespace bound to a prefix, as some tills write it: <m:ReturnFinalResult ...>."""
    bound = data.replace(NAMESPACE, NAMESPACE.replace(b"xmlns=", b"xmlns:m="), 1)
    return re.sub(rb"<(/?)(?=[A-Za-z])", rb"<\1m:", bound)


def enveloped(data: bytes, namespace: str) -> bytes:
    inner = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
    return f'<s:Envelope xmlns:s="{namespace}"><s:Body>'.encode() + inner + b"</s:Body></s:Envelope>"


SOAP11, SOAP12 = "http://schemas.xmlsoap.org/soap/envelope/", "http://www.w3.org/2003/05/soap-envelope"
EXAMPLE_BODIES = [path.read_bytes() for path in sorted(EXAMPLES.glob("*.xml"))]
OFFLINE = [body for body in EXAMPLE_BODIES if b"<OfflineRequest>" in body]
SAMPLES = (
    [(body, "application/xml") for body in EXAMPLE_BODIES + [prefixed(body) for body in EXAMPLE_BODIES] + OFFLINE * 4]
    + [(enveloped(body, SOAP11), "text/xml") for body in EXAMPLE_BODIES + OFFLINE]
    + [(enveloped(body, SOAP12), "application/soap+xml") for body in EXAMPLE_BODIES + OFFLINE]
)
PATHS = ("/v1/messages", "/v1/returns/authorize", "/v1/returns/final-result", "/v1/returns/final-results")


@st.composite
def mutated(draw: st.DrawFn) -> tuple[bytes, str]:
    """A valid example with none to a few random edits: byte flips, cuts, duplicated runs, inserted bytes or text.

    Unedited examples keep the valid path (parse, validate, decide, store) in every run, whatever the edits hit.
    """
    sample, content_type = draw(st.sampled_from(SAMPLES))
    data = bytearray(sample)
    for _ in range(draw(st.integers(0, 4))):
        at = draw(st.integers(0, len(data) - 1))
        size = draw(st.integers(1, 40))
        edit = draw(st.sampled_from(("flip", "cut", "repeat", "insert", "text")))
        if edit == "flip":
            data[at] ^= draw(st.integers(1, 255))
        elif edit == "cut":
            del data[at : at + size]
        elif edit == "repeat":
            data[at:at] = data[at : at + size]
        elif edit == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=size))
        else:
            data[at:at] = draw(st.text(max_size=size)).encode("utf-8")
        if not data:
            break
    return bytes(data), content_type


payloads = st.one_of(mutated(), st.tuples(st.binary(max_size=3000), st.just("application/xml")))


def _invariants(db: Path) -> None:
    """Nothing half-written: every answered message stored its answer, every attempt its decision."""
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM messages WHERE response IS NULL").fetchone()[0] == 0
        assert connection.execute("SELECT COUNT(*) FROM attempts WHERE responded_at IS NULL").fetchone()[0] == 0
        orphans = "SELECT COUNT(*) FROM final_results WHERE message_id NOT IN (SELECT message_id FROM messages)"
        assert connection.execute(orphans).fetchone()[0] == 0
        offline = (
            "SELECT COUNT(*) FROM tickets WHERE origin = 'offline'"
            " AND ticket_id NOT IN (SELECT ticket_id FROM final_results)"
        )
        assert connection.execute(offline).fetchone()[0] == 0, "an offline ticket without its final result"


@pytest.mark.slow
def test_fuzzed_intake_never_fails_the_server(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    client = TestClient(TestServer(create_app(load_settings(environ={}, db_path=tmp_path / "fuzz.db"))), loop=loop)
    loop.run_until_complete(client.start_server())
    statuses: list[int] = []

    async def send(path: str, body: bytes, content_type: str) -> int:
        response = await client.post(path, data=body, headers={"Content-Type": content_type})
        await response.read()
        return response.status

    @settings(max_examples=CASES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(path=st.sampled_from(PATHS), payload=payloads)
    def case(path: str, payload: tuple[bytes, str]) -> None:
        body, content_type = payload
        status = loop.run_until_complete(send(path, body, content_type))
        statuses.append(status)
        assert status < 500, body[:200]

    try:
        case()
        assert loop.run_until_complete(client.get("/healthz")).status == 200
    finally:
        loop.run_until_complete(client.close())
        loop.close()
    _invariants(tmp_path / "fuzz.db")
    assert len(statuses) >= min(CASES, 100) and any(status == 200 for status in statuses)
    if report := os.environ.get("FUZZ_REPORT"):
        by_status = {str(status): statuses.count(status) for status in sorted(set(statuses))}
        Path(report).write_text(json.dumps({"cases": len(statuses), "by_status": by_status}), encoding="utf-8")

"""Two gateways on two hosts, PostgreSQL on a third, tills on a fourth: network namespaces on this machine joined
by a bridge. While the tills post a stream of authorizes and final results to both gateways, one gateway is killed
with SIGKILL and started again, and PostgreSQL restarts; afterwards every message a till saw acknowledged is in
the database exactly once, and every other one at most once.

Needs root (namespaces) and PostgreSQL: skips with the reason otherwise, and fails instead when
RETURNS_GATEWAY_TEST_REQUIRE names netns (namespaces) or postgresql, as CI's does.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from gateway.http.credentials import new_credential, to_toml
from tests.netns import Host, network, unavailable
from tests.pgcluster import PgCluster, free_port, require_postgresql
from tests.policyutil import policy_xml
from tests.raceutil import Answer, Call, Database, send
from tests.serverutil import field as xml_field
from tests.tillutil import AUTH, FINAL, Back, Line, Sale, authorize, customer, final_result

TILLS = 8
SETTLE_SECONDS = 3.0  # traffic before the first fault and after the last
TEST_NETWORK = "10.231."


@pytest.fixture(autouse=True)
def no_remote_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Loopback and the test's own network of namespaces (10.231.0.0/16), nothing else."""
    original = socket.socket.connect

    def guarded(self: socket.socket, address: object) -> None:
        host = address[0] if isinstance(address, tuple) else str(address)
        allowed = host.startswith(("127.", TEST_NETWORK)) or host in ("::1", "localhost")
        if isinstance(host, str) and not allowed:
            raise OSError(f"tests may not connect to {host}")
        original(self, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guarded)
    yield


class NamespacedCluster(PgCluster):
    """A durable (fsync on) throwaway cluster whose server runs inside a namespace and listens on its address."""

    def __init__(self, host: Host, subnet: str) -> None:
        super().__init__(durable=True, listen=host.address, trusted_networks=(subnet,))
        self.host = host.address
        self.where = host

    def _command(self, program: str, *arguments: str) -> list[str]:
        return self.where.command(*super()._command(program, *arguments))


@dataclass
class Gateway:
    """A `serve` process on a host; started again on the same address after a kill."""

    host: Host
    port: int
    folder: Path
    options: list[str]
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://{self.host.address}:{self.port}"

    def start(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, "-m", "gateway", "serve", "--host", self.host.address, "--port", str(self.port)]
        with (self.folder / "server.log").open("ab") as log:
            self.process = subprocess.Popen(
                self.host.command(*command, *self.options), cwd=self.folder, stdout=log, stderr=subprocess.STDOUT
            )

    async def ready(self) -> None:
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline:
            assert self.process is not None
            if self.process.poll() is not None:
                raise AssertionError((self.folder / "server.log").read_text(errors="replace"))
            with contextlib.suppress(OSError, asyncio.TimeoutError, ValueError, IndexError):
                if (await send(Call(self.base, "/readyz", method="GET"), timeout=2)).status == 200:
                    return
            await asyncio.sleep(0.2)
        raise AssertionError(f"{self.base} did not become ready")

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@dataclass
class Ledger:
    """What the tills sent and what they were told: per message id, whether a 2xx came back."""

    kinds: dict[str, str] = field(default_factory=dict)
    acknowledged: dict[str, bytes] = field(default_factory=dict)  # message id: the answer's body
    statuses: Counter[int] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)


async def deliver(
    gateways: list[Gateway], first: int, path: str, body: bytes, key: str, ledger: Ledger
) -> Answer | None:
    """Post as a till does: on no answer or 503, try again (the other gateway next); the 2xx answer, or None."""
    message = xml_field(body.decode(), "MessageId")
    ledger.kinds[message] = path
    for attempt in range(12):
        target = gateways[(first + attempt) % len(gateways)]
        try:
            answer = await send(Call(target.base, path, body, headers=(("X-API-Key", key),)), timeout=8)
        except (TimeoutError, OSError, ValueError, IndexError):
            answer = Answer(0, b"")
        ledger.statuses[answer.status] += 1
        if 200 <= answer.status < 300:
            ledger.acknowledged[message] = answer.body
            return answer
        if answer.status == 503 and "retry-after" not in answer.headers:
            ledger.problems.append(f"503 without Retry-After: {answer.text[:200]}")
        elif answer.status not in (0, 503):
            ledger.problems.append(f"{answer.status} for {message}: {answer.text[:300]}")
            return None
        await asyncio.sleep(0.3)
    return None


async def till(number: int, gateways: list[Gateway], key: str, done: asyncio.Event, ledger: Ledger) -> None:
    sequence = 0
    while not done.is_set():
        sequence += 1
        sale = Sale("01291", "01", "2026-11-02", f"{number:02d}{sequence:04d}")
        who = customer(number=f"DL{number % 3:06d}")
        body = authorize(
            Line(1, "123456", "1", "25.00", sale=sale, bought="1"), store="01291", day="2026-11-20", who=who
        )
        answer = await deliver(gateways, number, AUTH, body, key, ledger)
        if answer is None:
            continue
        ticket = xml_field(answer.text, "TicketId")
        result = final_result(ticket, Back(1, "123456", "1", sale=sale), store="01291", day="2026-11-20")
        await deliver(gateways, number + 1, FINAL, result, key, ledger)


async def chaos(gateways: list[Gateway], cluster: PgCluster, events: list[str], done: asyncio.Event) -> None:
    """Under the tills' traffic: kill one gateway, start it again, restart PostgreSQL; then let the tills stop."""
    await asyncio.sleep(SETTLE_SECONDS)
    gateways[0].kill()
    events.append("gateway killed")
    await asyncio.sleep(1.5)
    gateways[0].start()
    await gateways[0].ready()
    events.append("gateway back")
    await asyncio.sleep(2)
    await asyncio.to_thread(cluster.restart, "fast")
    events.append("postgresql restarted")
    await asyncio.sleep(SETTLE_SECONDS)
    done.set()


@pytest.fixture
def hosts_available() -> None:
    reason = unavailable()
    if reason is not None:
        if "netns" in os.environ.get("RETURNS_GATEWAY_TEST_REQUIRE", ""):
            pytest.fail(f"RETURNS_GATEWAY_TEST_REQUIRE names netns but {reason}")
        pytest.skip(reason)
    require_postgresql()


async def test_acknowledged_messages_survive_a_killed_gateway_and_a_database_restart(
    hosts_available: None, tmp_path: Path
) -> None:
    credential, secret = new_credential("till-chain", "api-key", ("*",), False, "")
    key = f"till-chain.{secret}"
    config = tmp_path / "gateway.toml"
    config.write_text(to_toml(credential), encoding="utf-8")
    policy = tmp_path / "policy.xml"
    policy.write_bytes(policy_xml())
    with network(("db", "gw1", "gw2")) as net, contextlib.ExitStack() as stack:
        cluster = NamespacedCluster(net.hosts["db"], net.subnet)
        stack.callback(cluster.remove)
        cluster.start()
        url = cluster.create_database("multihost")
        options = ["--db", url, "--config", str(config), "--policy", str(policy)]
        gateways = [Gateway(net.hosts[name], free_port(), tmp_path / name, options) for name in ("gw1", "gw2")]
        for gateway in gateways:
            stack.callback(gateway.stop)
            gateway.start()
        await asyncio.gather(*(gateway.ready() for gateway in gateways))

        ledger, events = Ledger(), list[str]()
        done = asyncio.Event()
        await asyncio.wait_for(
            asyncio.gather(
                chaos(gateways, cluster, events, done), *(till(n, gateways, key, done, ledger) for n in range(TILLS))
            ),
            timeout=180,
        )
        assert events == ["gateway killed", "gateway back", "postgresql restarted"]
        assert not ledger.problems, ledger.problems[:10]
        assert ledger.statuses[200] > 50, ledger.statuses
        database = Database(url)
        stored = dict(database.rows("SELECT message_id, COUNT(*) FROM messages GROUP BY message_id"))
        answers = dict(database.rows("SELECT message_id, response FROM messages"))
        attempts = dict(database.rows("SELECT message_id, COUNT(*) FROM attempts GROUP BY message_id"))
        finals = dict(database.rows("SELECT message_id, COUNT(*) FROM final_results GROUP BY message_id"))
        unknown = set(stored) - set(ledger.kinds)
        assert not unknown, sorted(unknown)[:10]
        for message, path in ledger.kinds.items():
            recorded = attempts if path == AUTH else finals
            if message in ledger.acknowledged:
                assert (stored.get(message), recorded.get(message)) == (1, 1), message
                assert bytes(answers[message]) == ledger.acknowledged[message], message
            else:
                assert stored.get(message, 0) <= 1 and recorded.get(message, 0) == stored.get(message, 0), message
        tickets = database.value("SELECT COUNT(*) FROM tickets")
        assert tickets == sum(1 for message, path in ledger.kinds.items() if path == AUTH and message in stored)
        for gateway in gateways:
            log = (gateway.folder / "server.log").read_text(errors="replace")
            assert "Traceback" not in log, log[-3000:]
        print(
            f"{len(ledger.kinds)} messages, {len(ledger.acknowledged)} acknowledged; "
            f"answers {dict(ledger.statuses)}; {', '.join(events)}"
        )

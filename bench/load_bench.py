"""Load benchmark: the gateway against a bare aiohttp server, same workers, same client, same mix, one run.

Prints requests/s, p50/p99 latency and server CPU per request for three servers: the bare server, the floor
(bench/floor_server.py: the hardened parse, the schema and one durable group-committed row a request, no domain
work; the fastest any gateway doing that work could answer here) and the gateway; then the ratios gateway/bare,
floor/bare and gateway/floor. Then the authorize latency on an empty database and on one holding 1,000,000
tickets; and resident memory per worker.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bench.fill_db import fill
from bench.load_client import Connection, ProtocolError
from bench.traffic import Traffic

ROOT = Path(__file__).resolve().parent.parent
TICK = os.sysconf("SC_CLK_TCK")
LARGE_ROUNDS = 5


@dataclass
class Result:
    name: str
    requests: int
    seconds: float
    latencies: list[float]
    cpu_seconds: float
    rss_mb: list[tuple[float, float]]
    failures: int

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def line(self) -> str:
        ordered = sorted(self.latencies)
        p50 = statistics.median(ordered) * 1000
        p99 = ordered[int(len(ordered) * 0.99) - 1] * 1000
        cpu = self.cpu_seconds / self.requests * 1000
        rss = " ".join(f"{private:.0f}+{mapped:.0f}" for private, mapped in self.rss_mb)
        return (
            f"{self.name:8} {self.rate:9,.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms"
            f"   server CPU {cpu:5.2f} ms/req   RSS MB per worker (private+mapped): {rss}"
            f"   non-2xx answers: {self.failures}"
        )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    process = subprocess.Popen(
        [*command, "--port", str(port)],
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=None if env is None else {**os.environ, **env},
    )
    base = f"http://127.0.0.1:{port}"
    asyncio.run(_wait(base))
    return process, base


async def _wait(base: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(300):
            try:
                async with session.get(f"{base}/readyz") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"{base} did not start")


def processes(root_pid: int) -> list[int]:
    """The server process and every descendant (its workers), from every process's parent id."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parents[int(stat.parent.name)] = int(fields[1])
    found, pending = [], [root_pid]
    while pending:
        pid = pending.pop()
        found.append(pid)
        pending.extend(child for child, parent in parents.items() if parent == pid)
    return found


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / TICK


def rss_mb(pids: list[int]) -> list[tuple[float, float]]:
    """(private, file-backed) resident MB per process: file-backed is the database mapped into memory."""
    sizes = []
    for pid in pids:
        fields = dict(
            line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line
        )
        sizes.append((int(fields["RssAnon"].split()[0]) / 1024, int(fields["RssFile"].split()[0]) / 1024))
    return sizes


async def load(
    base: str, seconds: float, connections: int, seed: int, rate: float | None = None
) -> tuple[int, list[float], int]:
    """`connections` clients for `seconds`, 70% authorize and 30% final results: in a closed loop (each sends its
    next request when the last is answered), or paced at `rate` requests/s in all, each latency then counted from
    the time the request was due (so a server falling behind is charged for the wait)."""
    traffic = Traffic(f"LB{seed}", seed)
    rng = random.Random(seed)
    latencies: list[float] = []
    failures = 0
    host, port = _address(base)
    begin = time.perf_counter()
    deadline = begin + seconds

    async def client(number: int) -> None:
        nonlocal failures
        connection = await Connection.open(host, port)
        sent = 0
        while time.perf_counter() < deadline:
            final = traffic.final_result() if rng.random() < 0.3 else None
            body, path = (final, "final-result") if final else (traffic.authorize(), "authorize")
            started = time.perf_counter()
            if rate is not None:
                started = begin + (sent * connections + number) / rate
                sent += 1
                await asyncio.sleep(max(0.0, started - time.perf_counter()))
            try:
                status, answer = await connection.post(f"/v1/returns/{path}", body)
            except ProtocolError:  # a closed connection counts as a failed request, and the till reconnects
                status, answer = 0, b""
                connection = await Connection.open(host, port)
            if not 200 <= status < 300:
                failures += 1
            latencies.append(time.perf_counter() - started)
            if path == "authorize":
                traffic.remember(answer, body.count(b"<LineNumber>"))
        connection.close()

    await asyncio.gather(*(client(number) for number in range(connections)))
    return len(latencies), latencies, failures


def _address(base: str) -> tuple[str, int]:
    host, _, port = base.removeprefix("http://").partition(":")
    return host, int(port)


def measure(name: str, process: subprocess.Popen[bytes], base: str, args: argparse.Namespace) -> Result:
    asyncio.run(load(base, 2.0, args.connections, 99))  # warm-up
    pids = processes(process.pid)
    before = cpu_seconds(pids)
    started = time.perf_counter()
    count, latencies, failures = asyncio.run(load(base, args.seconds, args.connections, 1))
    elapsed = time.perf_counter() - started
    workers = pids[1:] or pids
    return Result(name, count, elapsed, latencies, cpu_seconds(pids) - before, rss_mb(workers), failures)


def stop(process: subprocess.Popen[bytes]) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=60)


async def authorize_latency(base: str, count: int) -> float:
    traffic = Traffic("LAT", 5)
    timings = []
    connection = await Connection.open(*_address(base))
    for _ in range(count):
        body = traffic.authorize()
        started = time.perf_counter()
        await connection.post("/v1/returns/authorize", body)
        timings.append(time.perf_counter() - started)
    connection.close()
    return statistics.median(timings) * 1000


def gateway(work: Path, db: str, workers: int) -> list[str]:
    return [sys.executable, "-m", "gateway", "serve", "--db", str(work / db), "--workers", str(workers)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--tickets", type=int, default=1_000_000, help="tickets for the large-database check (0 skips)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        bare_process, bare_base = start(
            [sys.executable, "-m", "bench.bare_server", "--workers", str(args.workers)], ROOT
        )
        bare = measure("bare", bare_process, bare_base, args)
        stop(bare_process)
        floor_command = [sys.executable, "-m", "bench.floor_server", "--workers", str(args.workers)]
        floor_process, floor_base = start(floor_command, ROOT, {"FLOOR_DB": str(work / "floor.db")})
        floor = measure("floor", floor_process, floor_base, args)
        stop(floor_process)
        gw_process, gw_base = start(gateway(work, "load.db", args.workers), ROOT)
        gw = measure("gateway", gw_process, gw_base, args)
        paced = _paced(gw_base, args, gw.rate / 2)
        stop(gw_process)
        setup = f"workers {args.workers}, {args.connections} connections, {args.seconds:.0f}s each"
        print(f"{setup}, mix 70% authorize / 30% final result")
        print(bare.line())
        print(floor.line())
        print(gw.line())
        print(f"ratio floor/bare: {floor.rate / bare.rate:.3f} (the ceiling for any gateway on this stack)")
        print(f"ratio gateway/bare: {gw.rate / bare.rate:.3f}   gateway/floor: {gw.rate / floor.rate:.3f}")
        print(paced)
        if args.tickets:
            _large_database(work, args.tickets)


def _paced(base: str, args: argparse.Namespace, rate: float) -> str:
    """Latency below saturation: the same mix offered at a fixed rate (half the gateway's closed-loop peak)."""
    count, latencies, failures = asyncio.run(load(base, args.seconds, args.connections, 2, rate))
    ordered = sorted(latencies)
    p50, p99 = statistics.median(ordered) * 1000, ordered[int(len(ordered) * 0.99) - 1] * 1000
    return (
        f"gateway paced at {rate:,.0f} req/s offered (half its peak), {args.connections} connections: "
        f"{count / args.seconds:,.0f} req/s   p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   non-2xx answers: {failures}"
    )


def _large_database(work: Path, tickets: int) -> None:
    """Median one-at-a-time authorize latency, alternating a fresh database and a copy of a filled one, LARGE_ROUNDS
    times: on this noisy host one round can be a third off or more, so one or two rounds decide nothing."""
    started = time.perf_counter()
    fill(work / "filled.db", tickets)
    print(f"filled a database with {tickets:,} tickets in {time.perf_counter() - started:.0f}s")
    timings: dict[str, list[float]] = {"empty": [], "large": []}
    for round_number in range(LARGE_ROUNDS):
        for kind in timings:
            name = f"{kind}-{round_number}.db"
            if kind == "large":
                shutil.copy(work / "filled.db", work / name)
            process, base = start(gateway(work, name, 1), ROOT)
            timings[kind].append(asyncio.run(authorize_latency(base, 300)))
            stop(process)
            (work / name).unlink()
    empty, large = statistics.median(timings["empty"]), statistics.median(timings["large"])
    rounds = " ".join(f"{b / a:.2f}" for a, b in zip(timings["empty"], timings["large"], strict=True))
    figures = f"empty {empty:.2f} ms, {tickets:,} tickets {large:.2f} ms, ratio {large / empty:.2f}"
    print(f"authorize p50 latency, one at a time (median of {LARGE_ROUNDS} alternating runs): {figures}")
    print(f"  ratio in each round: {rounds}")


if __name__ == "__main__":
    main()

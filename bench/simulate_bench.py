"""Policy simulation speed: attempts re-decided per second under a draft, on one core, with a profile summary.

    python -m bench.simulate_bench [--attempts 100000] [--db PATH] [--profile] [--compare]

Fills PATH (default: a temporary file) with stored attempts through the returns service (realistic tills: 1 to 10
lines, 500 customers, 50 cashiers, final results for about half of the tickets) unless it already holds them, then
simulates the shipped policy with a shorter electronics window over all of them. The fill is not timed; the read (one
bulk read transaction) and the re-deciding are timed apart. `--compare` first re-decides the same attempts the
reference way (every attempt with its full trace, nothing shared), checks both reports agree and prints both figures.
A figure to report, not a gate.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import sqlite3
import tempfile
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

from bench.traffic import Traffic
from gateway.admin.policies import EXAMPLE_POLICY, load_policy_bytes, load_policy_file
from gateway.http.xmlio import parse_xml
from handlers.models import AuthorizeRequest
from handlers.service import PolicyHolder, ReturnsService
from handlers.simulation.report import SimulationReport
from handlers.simulation.run import simulate
from handlers.xml import authorize_xml, final_result_xml
from store.simulation_sql import SimulationInputs
from store.sqlite import SqliteStore

DAY = date(2026, 11, 20)
CONCURRENCY = 64


async def fill(path: Path, attempts: int) -> None:
    """`attempts` authorize requests, and a final result for about every other ticket, through the service."""
    store = SqliteStore(path)
    await store.open()
    try:
        service = ReturnsService(store, PolicyHolder(load_policy_file(EXAMPLE_POLICY)), b"k" * 32)
        traffic = Traffic("SIM", seed=5)
        done = 0
        while done < attempts:
            batch = [traffic.authorize() for _ in range(min(CONCURRENCY, attempts - done))]
            answers = await asyncio.gather(*(service.authorize(_request(body)) for body in batch))
            for body, answer in zip(batch, answers, strict=True):
                traffic.remember(answer.body, body.count(b"<Line>"))
            finals = [body for body in (traffic.final_result() for _ in range(len(batch) // 2)) if body]
            await asyncio.gather(*(service.final_result(final_result_xml.from_xml(parse_xml(f))) for f in finals))
            done += len(batch)
    finally:
        await store.close()


def _request(body: bytes) -> AuthorizeRequest:
    return authorize_xml.from_xml(parse_xml(body))


def draft() -> bytes:
    """The shipped policy with the electronics window one day shorter: the traffic's electronics lines, bought 15
    days before, move from approval to a manager overrideable denial."""
    text = EXAMPLE_POLICY.read_text(encoding="utf-8").replace('version="2026.11-1"', 'version="bench-draft"')
    for old, new in (
        ('<Answer below="16" code="100"/>', '<Answer below="15" code="100"/>'),
        ('<Answer from="16" below="31" code="300"', '<Answer from="15" below="31" code="300"'),
    ):
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    return text.encode()


async def read(path: Path) -> SimulationInputs:
    store = SqliteStore(path, background_checkpoints=False)
    await store.open()
    try:
        return await store.simulation_inputs(date(2000, 1, 1), date(2099, 12, 31))
    finally:
        await store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attempts", type=int, default=100_000)
    parser.add_argument("--db", type=Path)
    parser.add_argument("--profile", action="store_true", help="print the 20 most expensive functions")
    parser.add_argument("--compare", action="store_true", help="also time the reference path (full trace, no sharing)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = args.db or Path(folder) / "simulate.db"
        stored = _stored(path)
        if stored < args.attempts:
            started = time.perf_counter()
            asyncio.run(fill(path, args.attempts - stored))
            print(f"filled {args.attempts - stored} attempts in {time.perf_counter() - started:.1f}s")
        started = time.perf_counter()
        attempts, rows = asyncio.run(read(path))
        reading = time.perf_counter() - started
        window = (date(2000, 1, 1), date(2099, 12, 31), ())
        reference = None
        if args.compare:
            policy = load_policy_bytes(draft())
            started = time.perf_counter()
            reference = simulate(policy, attempts, rows, window, quick=False)
            _figure("reference (full trace, nothing shared)", reference, reading, time.perf_counter() - started)
        policy = load_policy_bytes(draft())
        profile = cProfile.Profile() if args.profile else None
        started = time.perf_counter()
        if profile is not None:
            profile.enable()
        report = simulate(policy, attempts, rows, window)
        if profile is not None:
            profile.disable()
        _figure("quick (trace only when changed, lines shared)", report, reading, time.perf_counter() - started)
        if reference is not None:
            same = replace(reference, shared=report.shared) == report
            print("the two reports agree" if same else "THE TWO REPORTS DIFFER")
        if profile is not None:
            out = io.StringIO()
            pstats.Stats(profile, stream=out).sort_stats("tottime").print_stats(20)
            print(out.getvalue())


def _figure(name: str, report: SimulationReport, reading: float, deciding: float) -> None:
    print(
        f"{name}: {report.attempts} attempts: read in {reading:.2f}s, re-decided in {deciding:.2f}s = "
        f"{report.attempts / deciding:,.0f} attempts/s ({report.attempts / (reading + deciding):,.0f}/s with the "
        f"read); {report.shared} shared, {report.changed} changed, {sum(report.not_rebuilt.values())} not rebuilt"
    )


def _stored(path: Path) -> int:
    if not path.exists():
        return 0
    with sqlite3.connect(path) as connection:
        return int(connection.execute("SELECT COUNT(*) FROM attempts").fetchone()[0])


if __name__ == "__main__":
    main()

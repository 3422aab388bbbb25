"""Replay throughput on this machine: a generated queue of offline final results, direct (--db) and over HTTP (--to).

First the floor (bench/replay_floor.py: the same queue read, parsed, validated and stored as one row a message, no
domain work), the most any replay could apply on this machine in the same run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from bench.load_bench import ROOT, gateway, start, stop
from bench.make_queue import generate
from bench.replay_floor import replay_floor


def replay(queue: Path, *target: str) -> dict[str, float]:
    command = [sys.executable, "-m", "gateway", "replay", str(queue), *target, "--format", "json"]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, default=1, help="worker processes of the gateway replayed to over HTTP")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        generate(work / "direct", args.count)
        generate(work / "http", args.count, seed=11)
        floor = asyncio.run(replay_floor(work / "direct", work / "floor.db"))
        print(f"floor (parse, validate, one row each): {_figures(floor)}")
        direct = replay(work / "direct", "--db", str(work / "direct.db"))
        print(f"direct (--db):  {_figures(direct)}")
        process, base = start(gateway(work, "served.db", args.workers), ROOT)
        over_http = replay(work / "http", "--to", base)
        stop(process)
        print(f"HTTP (--to), gateway with {args.workers} worker(s): {_figures(over_http)}")


def _figures(summary: dict[str, float]) -> str:
    return f"{summary['total']:,.0f} final results in {summary['seconds']:.1f}s = {summary['rate']:,.0f}/s"


if __name__ == "__main__":
    main()

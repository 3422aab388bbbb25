"""Load benchmark on PostgreSQL: the gateway on a throwaway PostgreSQL 15 cluster (fsync on) against the gateway on
SQLite (synchronous=FULL), same client, same mix, one run; with one gateway process and with two.

Prints, for each, the load benchmark's summary line (requests/s, p50/p99 latency, the gateway's CPU per request,
memory), the ratio PostgreSQL/SQLite, and a profile hint: the PostgreSQL server's own CPU per stored message (its
postmaster and every backend), which the gateway's CPU figure does not include, and the ratio the CPU figures
predict where the gateway and PostgreSQL share one machine's cores (steadier than throughput on a busy host). The
runs alternate (SQLite, then PostgreSQL, for one process and then for two) so that a machine getting busier weighs
on both.

    python -m bench.pg_bench --seconds 15
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.load_bench import ROOT, Result, cpu_seconds, gateway, measure, processes, start, stop
from tests.pgcluster import PgCluster, missing
from tests.raceutil import Database


@dataclass
class Figures:
    gateway: Result
    database_cpu_ms: float | None = None  # PostgreSQL server CPU per stored message, ms


def postmaster_pid(cluster: PgCluster) -> int:
    return int((cluster.data / "postmaster.pid").read_text().split()[0])


def server_cpu(cluster: PgCluster) -> dict[int, float]:
    """CPU seconds of the PostgreSQL server's every process (postmaster, backends, writers), by process id."""
    found = {}
    for pid in processes(postmaster_pid(cluster)):
        with contextlib.suppress(OSError):
            found[pid] = cpu_seconds([pid])
    return found


def on_sqlite(work: Path, workers: int, args: argparse.Namespace) -> Figures:
    process, base = start(gateway(work, f"load-{workers}.db", workers), ROOT)
    try:
        return Figures(measure(f"sqlite-{workers}", process, base, args))
    finally:
        stop(process)


def on_postgresql(cluster: PgCluster, workers: int, args: argparse.Namespace) -> Figures:
    url = cluster.create_database(f"load_{workers}")
    command = [sys.executable, "-m", "gateway", "serve", "--db", url, "--workers", str(workers)]
    process, base = start(command, ROOT)
    try:
        before = server_cpu(cluster)
        result = measure(f"pg-{workers}", process, base, args)
        after = server_cpu(cluster)
    finally:
        stop(process)
    # A backend started after the first sample (a pool growing under load) counts whole; one that ended is lost.
    spent = sum(seconds - before.get(pid, 0.0) for pid, seconds in after.items())
    stored = int(Database(url).value("SELECT COUNT(*) FROM messages"))  # warm-up and measured messages alike
    return Figures(result, spent / max(1, stored) * 1000)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2], help="gateway processes (default: 1 2)")
    args = parser.parse_args()
    reason = missing()
    if reason is not None:
        raise SystemExit(f"error: {reason}")
    rows: list[tuple[int, Figures, Figures]] = []
    with PgCluster(durable=True) as cluster, tempfile.TemporaryDirectory() as folder:
        for workers in args.workers:
            sqlite = on_sqlite(Path(folder), workers, args)
            postgresql = on_postgresql(cluster, workers, args)
            rows.append((workers, sqlite, postgresql))
    print(
        f"{args.connections} connections, {args.seconds:.0f}s each, mix 70% authorize / 30% final result; "
        "SQLite synchronous=FULL, PostgreSQL 15 fsync on, same run"
    )
    for workers, sqlite, postgresql in rows:
        print(sqlite.gateway.line())
        print(postgresql.gateway.line())
        ratio = postgresql.gateway.rate / sqlite.gateway.rate
        print(f"ratio postgresql/sqlite, {workers} gateway process(es): {ratio:.3f}")
    for workers, sqlite, postgresql in rows:
        cpu = {
            name: f.gateway.cpu_seconds / f.gateway.requests * 1000 for name, f in (("s", sqlite), ("p", postgresql))
        }
        server = postgresql.database_cpu_ms or 0.0
        print(
            f"profile, {workers} process(es): gateway CPU {cpu['s']:.2f} ms/req on SQLite, {cpu['p']:.2f} ms/req on "
            f"PostgreSQL; PostgreSQL server CPU {server:.2f} ms per stored message; CPU-bound ratio on one machine "
            f"(SQLite CPU / gateway and server CPU on PostgreSQL): {cpu['s'] / (cpu['p'] + server):.3f}"
        )


if __name__ == "__main__":
    main()

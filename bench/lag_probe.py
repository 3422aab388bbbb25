"""Where a request's time goes at ordinary load: the gateway (one worker, SQLite) paced at a fixed rate, with an
event-loop lag probe and timings of every group-commit batch and every request, taken inside the server.

    python -m bench.lag_probe --rate 200 --seconds 10

Prints the client's p50/p99, then inside the server: the time from the request's arrival to its answer; how long
each write job waited in the queue before its batch began, how long its batch's jobs held the event loop, and
how long its batch's commit (the fsync) took; the lag of a 1 ms timer on the event loop (a stall of the loop delays
every request in flight); and the batches' sizes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.load_bench import ROOT, load, start, stop

TICK = 0.001


def _quantiles(values: list[float]) -> str:
    if not values:
        return "none"
    ordered = sorted(values)
    p99 = ordered[max(0, int(len(ordered) * 0.99) - 1)]
    return (
        f"p50 {statistics.median(ordered) * 1000:6.2f}  p99 {p99 * 1000:6.2f}  max {ordered[-1] * 1000:6.2f} ms"
        f"  (n={len(ordered)})"
    )


def serve(out: Path, argv: list[str]) -> None:
    """The gateway's own `serve`, instrumented; the figures are written to `out` when it stops."""
    import fcntl

    from aiohttp import web

    import gateway.app
    import store.sqlite.checkpoint as checkpoint
    import store.sqlite.writer as writer
    from gateway import cli

    figures: dict[str, list[float]] = {
        "lag": [],
        "server": [],
        "queued": [],
        "jobs": [],
        "commit": [],
        "size": [],
        "lock_wait": [],
        "checkpoint_locked": [],
    }

    class TimedLock:
        """The checkpoint module's fcntl: times how long the checkpoint thread holds the write lock."""

        LOCK_EX, LOCK_UN, LOCK_NB = fcntl.LOCK_EX, fcntl.LOCK_UN, fcntl.LOCK_NB

        def __init__(self) -> None:
            self.taken: float | None = None

        def flock(self, fd: int, operation: int) -> None:
            fcntl.flock(fd, operation)
            if operation == fcntl.LOCK_UN and self.taken is not None:
                figures["checkpoint_locked"].append(time.perf_counter() - self.taken)
                self.taken = None
            elif operation & fcntl.LOCK_EX:
                self.taken = time.perf_counter()

    checkpoint.fcntl = TimedLock()  # type: ignore[assignment]
    original_begin = writer.GroupWriter._begin

    def _begin(self: Any) -> Any:
        started = time.perf_counter()
        connection = original_begin(self)
        figures["lock_wait"].append(time.perf_counter() - started)
        return connection

    writer.GroupWriter._begin = _begin  # type: ignore[method-assign]
    original_apply = writer.GroupWriter._apply
    original_end = writer.GroupWriter._end
    original_run = writer.GroupWriter.run
    batch: dict[str, float] = {}

    async def _apply(self: Any, loop: Any, queued: list[Any]) -> Any:
        batch.clear()
        begun = batch["begun"] = time.perf_counter()
        outcomes = await original_apply(self, loop, queued)
        figures["size"].append(len(queued))
        for job, _ in queued:
            figures["queued"].append(max(0.0, begun - getattr(job, "queued_at", begun)))
            figures["jobs"].append(batch.get("jobs_done", begun) - begun)
            figures["commit"].append(batch.get("commit", 0.0))
        return outcomes

    def _end(self: Any, statement: str) -> float:
        batch["jobs_done"] = time.perf_counter()
        seconds = original_end(self, statement)
        batch["commit"] = seconds
        return seconds

    async def run(self: Any, job: Any) -> Any:
        def timed_job(connection: Any) -> Any:
            return job(connection)

        timed_job.queued_at = time.perf_counter()  # type: ignore[attr-defined]
        return await original_run(self, timed_job)

    writer.GroupWriter._apply = _apply  # type: ignore[method-assign]
    writer.GroupWriter._end = _end  # type: ignore[method-assign]
    writer.GroupWriter.run = run  # type: ignore[method-assign]

    @web.middleware
    async def timed(request: web.Request, handler: Any) -> web.StreamResponse:
        started = time.perf_counter()
        response = await handler(request)
        if request.method == "POST":
            figures["server"].append(time.perf_counter() - started)
        return response

    async def probe(app: web.Application) -> Any:
        async def tick() -> None:
            while True:
                due = time.perf_counter() + TICK
                await asyncio.sleep(TICK)
                figures["lag"].append(max(0.0, time.perf_counter() - due))

        task = asyncio.create_task(tick())
        yield
        task.cancel()
        out.write_text(json.dumps(figures))

    create_app = gateway.app.create_app

    def instrumented(settings: Any) -> web.Application:
        app = create_app(settings)
        app.middlewares.insert(0, timed)
        app.cleanup_ctx.append(probe)
        return app

    gateway.app.create_app = instrumented
    import gateway.commands.cli_serve

    gateway.commands.cli_serve.create_app = instrumented  # type: ignore[attr-defined]
    sys.exit(cli.main(argv))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second offered")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--serve", nargs=2, metavar=("OUT", "DB"), help=argparse.SUPPRESS)
    args, rest = parser.parse_known_args()
    if args.serve:
        out, db = args.serve
        serve(Path(out), ["serve", "--db", db, *rest])
        return
    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        out = work / "figures.json"
        command = [sys.executable, "-m", "bench.lag_probe", "--serve", str(out), str(work / "probe.db")]
        process, base = start(command, ROOT)
        asyncio.run(load(base, 2.0, args.connections, 99, args.rate))  # warm-up
        count, latencies, failures = asyncio.run(load(base, args.seconds, args.connections, 2, args.rate))
        stop(process)
        figures = json.loads(out.read_text())
        for name in ("lag", "server", "queued", "jobs", "commit"):
            # only the measured run: the warm-up's figures came first
            figures[name] = figures[name][-count:] if name != "lag" else figures[name]
    print(f"paced at {args.rate:,.0f} req/s offered, {args.connections} connections, pid {os.getpid()}:")
    print(f"client latency          {_quantiles(latencies)}   non-2xx answers: {failures}")
    print(f"server, arrival->answer {_quantiles(figures['server'])}")
    print(f"write job queued        {_quantiles(figures['queued'])}")
    print(f"its batch's jobs        {_quantiles(figures['jobs'])}")
    print(f"its batch's commit      {_quantiles(figures['commit'])}")
    print(f"event-loop lag (1 ms)   {_quantiles(figures['lag'])}")
    print(f"write lock found taken  {_quantiles(figures['lock_wait'])}")
    print(f"checkpoint holding lock {_quantiles(figures['checkpoint_locked'])}")
    sizes = figures["size"]
    print(f"batches: {len(sizes)}, mean size {statistics.mean(sizes):.1f}, max {max(sizes)}")


if __name__ == "__main__":
    main()

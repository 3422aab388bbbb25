"""`returns-gateway replay`: apply queued messages exactly once, to a running gateway or straight into its database."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
from pathlib import Path
from typing import TextIO

from gateway.commands.cli_checks import gateway_url
from gateway.heap import settled
from gateway.replay.replay_journal import Journal
from gateway.replay.replay_queue import Queued, read_queue
from gateway.replay.replay_run import Summary, replay
from gateway.replay.replay_targets import DirectTarget, HttpTarget, ReplayStopped, Target
from gateway.settings import load_settings

OK, PROBLEMS, USAGE = 0, 1, 2


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "replay",
        help="apply queued final results (and authorize requests) exactly once",
        description=(
            "Replay a queue: a directory of message files (any depth), a MessageBatch document, or - for stdin. "
            "Messages are applied in business order (timestamp, then queue order; authorize requests before the "
            "final results that refer to them), each exactly once: a second run changes nothing. Rejected "
            "messages are copied to the rejects directory with a .error.txt; the queue is never changed. "
            "Exit 0 when everything was applied or was a duplicate, 1 when anything was rejected or failed, "
            "2 on usage errors or a refused credential."
        ),
    )
    parser.add_argument("queue", metavar="QUEUE", help="directory, batch document, or - for stdin")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument(
        "--to", metavar="URL", type=gateway_url, help="post to a running gateway, e.g. http://127.0.0.1:8080"
    )
    where.add_argument(
        "--db", metavar="DB", help="apply straight into this gateway database (a SQLite file or postgresql:// URL)"
    )
    parser.add_argument("--config", type=Path, help="gateway TOML settings (direct mode: policy, secret)")
    parser.add_argument("--policy", type=Path, help="policy set for direct mode (default: the settings' policy)")
    parser.add_argument("--concurrency", type=int, default=4, help="HTTP batches in flight (default 4)")
    parser.add_argument("--batch-size", type=int, default=250, help="messages per HTTP batch or commit window")
    parser.add_argument("--api-key", default=os.environ.get("RETURNS_GATEWAY_API_KEY"), help="API key for --to")
    parser.add_argument("--journal", type=Path, help="progress journal (default: QUEUE.journal)")
    parser.add_argument("--resume", action="store_true", help="skip messages the journal already records")
    parser.add_argument("--rejects", type=Path, help="where rejected messages go (default: QUEUE.rejects)")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="summary format")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    base = Path("replay") if args.queue == "-" else Path(args.queue.rstrip("/"))
    journal_path = args.journal or base.with_name(base.name + ".journal")
    rejects = args.rejects or base.with_name(base.name + ".rejects")
    try:
        queue = read_queue(args.queue)
        journal = Journal(journal_path, args.resume)
    except OSError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return USAGE
    try:
        summary = asyncio.run(_replay(args, queue, journal, rejects))
    except ReplayStopped as exc:
        print(f"stopped: {exc}", file=sys.stderr)
        return USAGE
    finally:
        journal.close()
    _print_summary(summary, args.format)
    return OK if summary.ok else PROBLEMS


async def _replay(args: argparse.Namespace, queue: list[Queued], journal: Journal, rejects: Path) -> Summary:
    target = await _target(args)
    window = args.batch_size * (args.concurrency if args.to else 1)
    try:
        with settled():  # the queue and its messages live until the end: collections need not walk them each time
            return await replay(queue, target, journal, rejects, window, Progress(sys.stderr))
    finally:
        await target.close()


async def _target(args: argparse.Namespace) -> Target:
    if args.to:
        headers = {"X-API-Key": args.api_key} if args.api_key else {}
        return HttpTarget(args.to, args.concurrency, headers)
    settings = load_settings(args.config, db_path=args.db, policy_path=args.policy)
    return await DirectTarget.open(settings)


class Progress:
    """A bar with rate and estimate on a terminal; a plain line every few seconds otherwise."""

    def __init__(self, stream: TextIO, every: float = 5.0) -> None:
        self._stream, self._every = stream, every
        self._tty = stream.isatty()
        self._started = self._last = time.monotonic()

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if not self._tty and now - self._last < self._every and done < total:
            return
        self._last = now
        rate = done / max(now - self._started, 1e-6)
        eta = (total - done) / rate if rate else 0.0
        if self._tty:
            filled = int(30 * done / total) if total else 30
            bar = "#" * filled + "." * (30 - filled)
            end = "\n" if done >= total else ""
            self._stream.write(f"\r[{bar}] {done}/{total} {rate:,.0f} msg/s ETA {eta:,.0f}s{end}")
        else:
            self._stream.write(f"replay: {done}/{total} messages, {rate:,.0f} msg/s, about {eta:,.0f}s left\n")
        self._stream.flush()


def _print_summary(summary: Summary, output_format: str) -> None:
    if output_format == "json":
        print(json.dumps(summary.as_dict()))
        return
    figures = summary.as_dict()
    earlier = _earlier(summary)
    print(
        f"{summary.total} messages: {summary.applied} applied, {summary.duplicates} duplicates, "
        f"{summary.rejected} rejected, {summary.failed} failed, {summary.skipped} skipped (journal{earlier}) "
        f"in {summary.seconds:.1f}s ({figures['rate']:,} msg/s)"
    )
    for reason, count in sorted(summary.failures.items(), key=lambda item: -item[1]):
        print(f"  {count} failed: {reason}")


def _earlier(summary: Summary) -> str:
    """What the skipped messages were, when the journal recorded problems for them."""
    parts = [
        f"{count} {label} in an earlier run"
        for count, label in ((summary.earlier_rejected, "rejected"), (summary.earlier_failed, "failed"))
        if count
    ]
    return f": {', '.join(parts)}" if parts else ""

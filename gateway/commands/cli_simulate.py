"""`returns-gateway policy simulate DRAFT.xml`: what a draft policy set would have decided differently, over a
period of stored attempts, from a gateway database (--db) or a running gateway (--url). Writes nothing.

Exit 0 with the report, 1 when the draft is invalid or the gateway refuses, 2 on usage or I/O errors; every error
is one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import urllib.error
import urllib.parse
from datetime import date
from pathlib import Path
from typing import Any, TextIO

from gateway.admin.policies import load_policy_file
from gateway.commands.cli_checks import DB_HELP
from gateway.commands.cli_remote import Remote
from handlers.errors import PolicyInvalid
from handlers.policy.policy_model import PolicySet
from handlers.simulation.render import to_csv, to_text
from handlers.simulation.report import SimulationReport, report_from_json
from handlers.simulation.service import simulate_policy
from store.open import open_store, parse_location

PAGE = 1000


class Refused(Exception):
    """The gateway or the input refused the simulation: one line for the user, exit 1."""


def add_action(actions: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `simulate` action of the `policy` command."""
    parser = actions.add_parser(
        "simulate",
        help="what a draft policy set would have decided differently over stored attempts",
        description=(
            "Decide every stored authorize attempt of tickets dated FROM to TO again under DRAFT.xml, against each "
            "customer's and cashier's history as it stood at that attempt, and report what changes. Reads a gateway "
            "database (--db) or asks a running gateway (--url, the draft published there). Writes nothing."
        ),
    )
    parser.add_argument("draft", type=Path, metavar="DRAFT.xml", help="the draft policy set document")
    parser.add_argument(
        "--from", dest="first", required=True, type=_date, metavar="DATE", help="first business day (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--to", dest="last", required=True, type=_date, metavar="DATE", help="last business day (YYYY-MM-DD)"
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--db", help=DB_HELP)
    where.add_argument("--url", help="a running gateway, e.g. http://127.0.0.1:8080")
    parser.add_argument("--api-key", default=os.environ.get("RETURNS_GATEWAY_API_KEY"), help="admin NAME.SECRET")
    parser.add_argument("--store", action="append", default=[], help="only these stores (repeat, or comma-separated)")
    parser.add_argument("--format", choices=("text", "json", "csv"), default="text", help="report format")
    parser.add_argument("--limit", type=int, default=20, help="changed lines shown (text, json)")
    parser.add_argument("--offset", type=int, default=0, help="first changed line shown (text, json)")
    parser.set_defaults(run=run_simulate)


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def run_simulate(args: argparse.Namespace) -> int:
    stores = tuple(part.strip() for value in args.store for part in value.split(",") if part.strip())
    if args.last < args.first:
        return _fail("--to is before --from", 2)
    if args.limit < 0 or args.offset < 0:
        return _fail("--limit and --offset are 0 or more", 2)
    try:
        draft = load_policy_file(args.draft)
        if args.url:
            report, answered = _remote(args, draft, stores)
        else:
            report, answered = _local(args.db or "returns-gateway.db", draft, args.first, args.last, stores), None
    except PolicyInvalid as exc:
        problems = "; ".join(f"line {p.line or 0}: {p.message}" for p in exc.problems[:3])
        return _fail(f"{args.draft}: {exc.message}" + (f" ({problems})" if problems else ""), 1)
    except Refused as exc:
        return _fail(str(exc), 1)
    except (OSError, ValueError, urllib.error.URLError) as exc:
        return _fail(str(exc), 2)
    if args.format == "json":
        print(json.dumps(answered or report.to_json(args.limit, args.offset), indent=2))
    elif args.format == "csv":
        sys.stdout.write(to_csv(report))
    else:
        print(to_text(report, args.limit, 0 if args.url else args.offset))
    return 0


def _fail(message: str, status: int) -> int:
    print(f"error: {message}", file=sys.stderr)
    return status


def _local(db: str, draft: PolicySet, first: date, last: date, stores: tuple[str, ...]) -> SimulationReport:
    location = parse_location(db)
    if location.path is not None and not location.path.is_file():
        raise OSError(f"no gateway database at {db}")
    return asyncio.run(_simulate_db(db, draft, first, last, stores))


async def _simulate_db(db: str, draft: PolicySet, first: date, last: date, stores: tuple[str, ...]) -> SimulationReport:
    store = open_store(db, background_checkpoints=False, pool_size=2)
    await store.open()
    try:
        bar = _Bar(sys.stderr) if sys.stderr.isatty() else None
        report = await simulate_policy(store, draft, first, last, stores, bar.show if bar else None)
        if bar is not None:
            bar.done()
        return report
    finally:
        await store.close()


class _Bar:
    """A progress bar on a terminal: attempts re-decided of all."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def show(self, done: int, total: int) -> None:
        width = 30
        filled = width * done // total if total else width
        self.stream.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} attempts")
        self.stream.flush()

    def done(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def _remote(
    args: argparse.Namespace, draft: PolicySet, stores: tuple[str, ...]
) -> tuple[SimulationReport, dict[str, Any]]:
    """Ask a running gateway, where the draft must be published (and not active): the report (every changed line
    for CSV, else the page asked for) and the gateway's JSON answer."""
    remote = Remote(args.url, args.api_key)
    version = urllib.parse.quote(draft.version, safe="")
    published = remote.call("GET", f"/v1/admin/policies/{version}")
    if published.status == 404:
        raise Refused(
            f"policy version {draft.version} is not published at {args.url}; "
            f"publish it first: returns-gateway admin --url {args.url} policy publish {args.draft}"
        )
    if published.status == 200 and published.body != args.draft.read_bytes():
        raise Refused(f"the gateway's policy version {draft.version} differs from {args.draft}")
    limit = PAGE if args.format == "csv" else args.limit
    offset = 0 if args.format == "csv" else args.offset
    found = _ask(remote, version, args.first, args.last, stores, limit, offset)
    report = report_from_json(found)
    while args.format == "csv" and len(report.changes) < found["changed_tickets"]["total"]:
        more = _ask(remote, version, args.first, args.last, stores, PAGE, len(report.changes))
        report = report_from_json(found, report.changes + report_from_json(more).changes)
    return report, found


def _ask(
    remote: Remote, version: str, first: date, last: date, stores: tuple[str, ...], limit: int, offset: int
) -> dict[str, Any]:
    payload = {"from": first.isoformat(), "to": last.isoformat(), "stores": list(stores), "limit": limit}
    reply = remote.json("POST", f"/v1/admin/policies/{version}/simulate", payload | {"offset": offset})
    if reply.status != 200:
        raise Refused(f"the gateway answered {reply.status}: {_refusal(reply.body)}")
    found: dict[str, Any] = json.loads(reply.body)
    return found


def _refusal(body: bytes) -> str:
    text = body.decode("utf-8", "replace")
    start, end = text.find("<Message>"), text.find("</Message>")
    return text[start + 9 : end] if 0 <= start < end else text[:200].replace("\n", " ")

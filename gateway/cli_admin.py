"""Local administration commands: `credentials add`, `purge` of old personal data, and `loyalty` maintenance."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from gateway.credentials import KINDS, new_credential, to_toml
from gateway.policies import load_loyalty_program
from gateway.settings import DEFAULT_CONFIG, load_settings
from handlers.loyalty_service import LoyaltyService
from store.sqlite import SqliteStore

T = TypeVar("T")


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    credentials = commands.add_parser("credentials", help="manage caller credentials")
    actions = credentials.add_subparsers(dest="credentials_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="create a credential",
        description=(
            "Create a credential and append it to the settings file as a salted hash. The secret is printed "
            "once: give it to the till (X-API-Key: NAME.SECRET, or HTTP Basic NAME / SECRET). A cert credential "
            "names the client certificate's subject instead, e.g. CN=till-01291."
        ),
    )
    add.add_argument("name", help="the caller's name, e.g. till-01291")
    add.add_argument("--stores", required=True, help="stores it may speak for, comma-separated, or *")
    add.add_argument("--admin", action="store_true", help="may use /v1/admin and /metrics")
    add.add_argument("--kind", choices=KINDS, default="api-key")
    add.add_argument("--subject", default="", help="client certificate subject for --kind cert")
    add.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="settings file to append to")
    add.set_defaults(run=run_add)

    purge = commands.add_parser(
        "purge",
        help="remove personal data from old tickets",
        description=(
            "Remove personal data (positive ID display, customer id, masked and sealed customer details) from "
            "tickets older than DAYS. Exception counts and return history stay, keyed by the positive ID hash, "
            "so policies keep working."
        ),
    )
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS")
    purge.add_argument("--db", type=Path, default=Path("returns-gateway.db"), help="gateway database")
    purge.set_defaults(run=run_purge)

    loyalty = commands.add_parser("loyalty", help="loyalty accounts and tier maintenance, on a gateway database")
    actions = loyalty.add_subparsers(dest="loyalty_command", required=True, metavar="ACTION")
    maintain = actions.add_parser(
        "maintain-tiers",
        help="demote accounts below their tier's maintenance threshold",
        description="Tier maintenance: the only place where customers are demoted. Prints each demotion.",
    )
    show = actions.add_parser("account", help="an account's balances, tier and entries as JSON")
    show.add_argument("account_id")
    for parser in (maintain, show):
        parser.add_argument("--db", type=Path, default=Path("returns-gateway.db"), help="gateway database")
        parser.add_argument("--config", type=Path, help="gateway TOML settings (the loyalty program)")
    maintain.set_defaults(run=run_maintain)
    show.set_defaults(run=run_account)


def run_add(args: argparse.Namespace) -> int:
    stores = tuple(store.strip() for store in args.stores.split(",") if store.strip())
    if args.kind == "cert" and not args.subject:
        print("error: --kind cert needs --subject", file=sys.stderr)
        return 2
    credential, secret = new_credential(args.name, args.kind, stores, args.admin, args.subject)
    with args.config.open("a", encoding="utf-8") as handle:
        handle.write("\n" + to_toml(credential))
    print(f"added credential {credential.name} to {args.config}")
    if secret:
        print(f"API key (X-API-Key): {credential.name}.{secret}")
        print(f"HTTP Basic: user {credential.name}, password {secret}")
        print("This secret is shown once; only its salted hash is kept.")
    return 0


def run_purge(args: argparse.Namespace) -> int:
    if args.older_than < 0 or not args.db.exists():
        print("error: --older-than must be 0 or more and --db must exist", file=sys.stderr)
        return 2
    cutoff = (datetime.now(UTC) - timedelta(days=args.older_than)).date()
    purged = asyncio.run(_purge(args.db, cutoff.isoformat()))
    print(f"removed personal data from {purged} tickets with a business date before {cutoff}")
    return 0


async def _purge(db: Path, before: str) -> int:
    store = SqliteStore(db)
    await store.open()
    try:
        return await store.purge_personal_data(before)
    finally:
        await store.close()


async def _with_loyalty(args: argparse.Namespace, action: Callable[[LoyaltyService], Awaitable[T]]) -> T:
    """Run `action` with the loyalty service over the database of `args`, closing the store afterwards."""
    settings = load_settings(args.config, db_path=args.db)
    store = SqliteStore(settings.db_path)
    await store.open()
    try:
        return await action(LoyaltyService(store, load_loyalty_program(settings.loyalty_program_path)))
    finally:
        await store.close()


def run_maintain(args: argparse.Namespace) -> int:
    demoted = asyncio.run(_with_loyalty(args, LoyaltyService.maintain_tiers))
    for account_id, tier in demoted:
        print(f"{account_id}: demoted to {tier}")
    print(f"tier maintenance: {len(demoted)} demotion(s)")
    return 0


def run_account(args: argparse.Namespace) -> int:
    found = asyncio.run(_with_loyalty(args, lambda service: service.account(args.account_id)))
    if found is None:
        print(f"error: loyalty account {args.account_id} has no activity", file=sys.stderr)
        return 1
    print(json.dumps(found, indent=2))
    return 0

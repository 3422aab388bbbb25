"""Local administration commands: `credentials add`, `purge` of old personal data, and `loyalty` maintenance."""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
import tomllib
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from gateway.admin.policies import load_loyalty_program
from gateway.commands.cli_checks import DB_HELP, CliError, database
from gateway.http.credentials import KINDS, new_credential, to_toml
from gateway.settings import DEFAULT_CONFIG, load_settings
from handlers.loyalty.loyalty_service import LoyaltyService
from store.open import open_store

T = TypeVar("T")


MAX_AGE_DAYS = 36_500  # a century: older than that, nothing was ever recorded


def _credentials_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    credentials = commands.add_parser("credentials", help="manage caller credentials")
    actions = credentials.add_subparsers(dest="credentials_command", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="create a credential",
        description=(
            "Create a credential and append it to the settings file as a salted hash. The secret is printed "
            "once: give it to the till (X-API-Key: NAME.SECRET, or HTTP Basic NAME / SECRET). A cert credential "
            "names the client certificate's subject instead, in RFC 4514 form: CN=till-01291 or "
            "CN=till-01291,O=Example Retail (commonName=... and /CN=.../O=... are accepted too; attributes match in "
            "any order). A name already in the file is refused unless --replace, which rotates its secret."
        ),
    )
    add.add_argument("name", help="the caller's name: letters, digits, '.', '_', '-', e.g. till-01291")
    add.add_argument("--stores", required=True, help="stores it may speak for, comma-separated, or *")
    add.add_argument("--admin", action="store_true", help="may use /v1/admin and /metrics")
    add.add_argument("--kind", choices=KINDS, default="api-key", help="how the caller authenticates")
    add.add_argument("--subject", default="", help="client certificate subject for --kind cert, e.g. CN=till-01291")
    add.add_argument("--replace", action="store_true", help="replace the credential of that name (rotate it)")
    add.add_argument("--config", type=Path, default=DEFAULT_CONFIG, help="settings file to append to")
    add.set_defaults(run=run_add)


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    _credentials_commands(commands)
    purge = commands.add_parser(
        "purge",
        help="remove personal data from old tickets",
        description=(
            "Remove personal data (positive ID display, customer id, masked and sealed customer details) from "
            "tickets older than DAYS. Exception counts and return history stay, keyed by the positive ID hash, "
            "so policies keep working."
        ),
    )
    purge.add_argument("--older-than", type=int, required=True, metavar="DAYS", help="age of the tickets to purge")
    purge.add_argument("--db", default="returns-gateway.db", help=DB_HELP)
    purge.set_defaults(run=run_purge)

    loyalty = commands.add_parser("loyalty", help="loyalty accounts and tier maintenance, on a gateway database")
    actions = loyalty.add_subparsers(dest="loyalty_command", required=True, metavar="ACTION")
    maintain = actions.add_parser(
        "maintain-tiers",
        help="demote accounts below their tier's maintenance threshold",
        description="Tier maintenance: the only place where customers are demoted. Prints each demotion.",
    )
    show = actions.add_parser("account", help="an account's balances, tier and entries as JSON")
    show.add_argument("account_id", help="the loyalty account id")
    for parser in (maintain, show):
        parser.add_argument("--db", default="returns-gateway.db", help=DB_HELP)
        parser.add_argument("--config", type=Path, help="gateway TOML settings (the loyalty program)")
    maintain.set_defaults(run=run_maintain)
    show.set_defaults(run=run_account)


def run_add(args: argparse.Namespace) -> int:
    stores = tuple(store.strip() for store in args.stores.split(",") if store.strip())
    if args.kind == "cert" and not args.subject:
        raise CliError("--kind cert needs --subject, e.g. --subject CN=till-01291")
    try:
        credential, secret = new_credential(args.name, args.kind, stores, args.admin, args.subject)
    except ValueError as exc:
        raise CliError(str(exc)) from None
    text = args.config.read_text(encoding="utf-8") if args.config.exists() else ""
    if args.name in _credential_names(args.config, text):
        if not args.replace:
            raise CliError(f"{args.config} already has a credential {args.name}; add --replace to rotate it")
        text = without_credential(text, args.name)
    args.config.write_text(text.rstrip("\n") + ("\n\n" if text.strip() else "") + to_toml(credential), "utf-8")
    print(f"{'replaced' if args.replace else 'added'} credential {credential.name} in {args.config}")
    if secret:
        print(f"API key (X-API-Key): {credential.name}.{secret}")
        print(f"HTTP Basic: user {credential.name}, password {secret}")
        print("This secret is shown once; only its salted hash is kept.")
    return 0


def _credential_names(config: Path, text: str) -> set[str]:
    try:
        tables = tomllib.loads(text).get("gateway", {}).get("credentials", [])
    except tomllib.TOMLDecodeError as exc:
        raise CliError(f"settings file {config} is not valid TOML: {exc}; fix it first", 1) from None
    return {str(table.get("name")) for table in tables if isinstance(table, dict)}


def without_credential(text: str, name: str) -> str:
    """The settings text without the [[gateway.credentials]] table of that name (other tables kept as written)."""
    blocks = re.split(r"(?m)^(?=\[)", text)
    wanted = re.compile(rf"(?m)^\s*name\s*=\s*[\"']{re.escape(name)}[\"']\s*$")
    kept = [b for b in blocks if not (b.startswith("[[gateway.credentials]]") and wanted.search(b))]
    return "".join(kept)


def run_purge(args: argparse.Namespace) -> int:
    if not 0 <= args.older_than <= MAX_AGE_DAYS:
        raise CliError(f"--older-than {args.older_than}: give 0 to {MAX_AGE_DAYS} days")
    database(args.db, must_exist=True)
    cutoff = (datetime.now(UTC) - timedelta(days=args.older_than)).date()
    purged = asyncio.run(_purge(args.db, cutoff.isoformat()))
    print(f"removed personal data from {purged} tickets with a business date before {cutoff}")
    return 0


async def _purge(db: str, before: str) -> int:
    store = open_store(db)
    await store.open()
    try:
        return await store.purge_personal_data(before)
    finally:
        await store.close()


async def _with_loyalty(args: argparse.Namespace, action: Callable[[LoyaltyService], Awaitable[T]]) -> T:
    """Run `action` with the loyalty service over the database of `args` (which must exist: looking never creates
    one), closing the store afterwards."""
    database(args.db, must_exist=True)
    if args.config is not None and not args.config.is_file():
        raise CliError(f"--config {args.config}: no such file")
    try:
        settings = load_settings(args.config, db_path=args.db)
    except (OSError, ValueError) as exc:
        raise CliError(f"settings file {args.config}: {exc}") from None
    store = open_store(settings.db_path, pool_size=2, pool_timeout=settings.db_pool_timeout)
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

"""`returns-gateway admin ...`: the administration API from the command line, against a running gateway."""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.admin.policies import load_policy_file
from gateway.commands.cli_checks import CliError, gateway_url
from handlers.errors import PolicyInvalid


@dataclass(frozen=True)
class Reply:
    status: int
    body: bytes
    etag: str | None


class Remote:
    """A few HTTP calls with the admin API key; no third-party client needed."""

    def __init__(self, url: str, api_key: str | None) -> None:
        self.url, self.api_key = url.rstrip("/"), api_key

    def call(self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Reply:
        sent = {"X-API-Key": self.api_key} if self.api_key else {}
        request = urllib.request.Request(self.url + path, data=body, method=method, headers={**sent, **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return Reply(response.status, response.read(), response.headers.get("ETag"))
        except urllib.error.HTTPError as error:
            return Reply(error.code, error.read(), error.headers.get("ETag"))

    def json(self, method: str, path: str, payload: dict[str, Any] | None = None, **headers: str) -> Reply:
        body = json.dumps(payload).encode() if payload is not None else None
        return self.call(method, path, body, {"Content-Type": "application/json", **headers})


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "admin",
        help="administration API of a running gateway",
        description="Call a running gateway's administration API with an admin credential. Prints JSON; exit 0 on "
        "success, 1 when the gateway refused (its fault is printed), 2 on usage or connection errors.",
    )
    parser.add_argument(
        "--url",
        type=gateway_url,
        default=os.environ.get("RETURNS_GATEWAY_URL", "http://127.0.0.1:8080"),
        help="the gateway (default: RETURNS_GATEWAY_URL, else http://127.0.0.1:8080)",
    )
    parser.add_argument(
        "--api-key",
        default=os.environ.get("RETURNS_GATEWAY_API_KEY"),
        help="an admin credential's NAME.SECRET (default: RETURNS_GATEWAY_API_KEY)",
    )
    areas = parser.add_subparsers(dest="area", required=True, metavar="AREA")
    _policy(areas.add_parser("policy", help="publish, list and activate policy versions"))
    _override(areas.add_parser("override", help="customer service overrides"))
    count = areas.add_parser("count", help="freeze or reset a customer's cumulative exception count")
    _customer(count)
    count.add_argument("kind", choices=("freeze", "reset"), help="freeze the count until a day, or reset it")
    count.add_argument("value", type=int, help="the count to hold or to start again from")
    count.add_argument("--until", help="YYYY-MM-DD: the day a freeze ends (needed by freeze)")
    count.add_argument("--reason", required=True, help="why, for the audit log")
    _watch(areas.add_parser("watch", help="return pattern watches"))
    history = areas.add_parser("history", help="a customer's (by positive ID) or a cashier's history")
    history.add_argument("--cashier", help="a cashier id (else the customer named by --type/--issuer/--number)")
    _customer(history, required=False)
    areas.add_parser("audit", help="the audit log")
    parser.set_defaults(run=run)


def _customer(parser: argparse.ArgumentParser, required: bool = True) -> None:
    for name in ("type", "issuer", "number"):
        parser.add_argument(f"--{name}", required=required, help=f"positive ID {name}")


def _policy(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    publish = actions.add_parser("publish", help="upload a policy file (checked first) and optionally activate it")
    publish.add_argument("file", type=Path, help="the policy set XML")
    publish.add_argument("--activate", action="store_true", help="activate it once uploaded")
    actions.add_parser("list", help="policy versions")
    activate = actions.add_parser("activate", help="activate a stored version")
    activate.add_argument("version", help="a stored policy version")


def _override(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    grant = actions.add_parser("grant", help="grant an override to a positive ID")
    _customer(grant)
    grant.add_argument("--reason", required=True, help="why, for the audit log")
    listing = actions.add_parser("list", help="overrides (of one customer, with --type/--issuer/--number)")
    _customer(listing, required=False)
    revoke = actions.add_parser("revoke", help="revoke an override")
    revoke.add_argument("override_id", type=int, help="the override id (see override list)")


def _watch(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser("add", help="create a pattern watch")
    add.add_argument("watch_id", help="a name for the watch")
    add.add_argument("--item", help="the item watched (or --node)")
    add.add_argument("--node", help="the merchandise node watched (or --item)")
    for name in ("purchase-from", "purchase-to", "return-from", "return-to", "description"):
        add.add_argument(f"--{name}", required=True, help="YYYY-MM-DD" if name != "description" else "what and why")
    actions.add_parser("list", help="pattern watches")
    retire = actions.add_parser("retire", help="retire a pattern watch")
    retire.add_argument("watch_id", help="the watch to retire")


def run(args: argparse.Namespace) -> int:
    remote = Remote(args.url, args.api_key)
    try:
        reply = _dispatch(remote, args)
    except (urllib.error.URLError, OSError) as exc:
        print(f"error: cannot reach {args.url}: {exc}", file=sys.stderr)
        return 2
    except PolicyInvalid as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    text = reply.body.decode("utf-8", "replace")
    print(json.dumps(json.loads(text), indent=2) if text.startswith(("{", "[")) else text)
    return 0 if reply.status < 400 else 1


def _positive_id(args: argparse.Namespace) -> dict[str, str]:
    return {"type": args.type, "issuer": args.issuer, "number": args.number}


def _query(args: argparse.Namespace) -> str:
    if not args.number:
        return ""
    names = {"positive_id_type": args.type, "positive_id_issuer": args.issuer, "positive_id_number": args.number}
    return "?" + urllib.parse.urlencode(names)


def _dispatch(remote: Remote, args: argparse.Namespace) -> Reply:
    if args.area == "policy":
        return _policy_call(remote, args)
    if args.area == "override":
        if args.action == "grant":
            return remote.json(
                "POST", "/v1/admin/overrides", {"positive_id": _positive_id(args), "reason": args.reason}
            )
        if args.action == "revoke":
            return remote.json("POST", f"/v1/admin/overrides/{args.override_id}/revoke", {})
        return remote.call("GET", "/v1/admin/overrides" + _query(args))
    if args.area == "count":
        if args.kind == "freeze" and not args.until:
            raise CliError("admin count freeze needs --until YYYY-MM-DD (the day the freeze ends)")
        payload = {"positive_id": _positive_id(args), "kind": args.kind, "value": args.value, "reason": args.reason}
        return remote.json("POST", "/v1/admin/count-overrides", payload | ({"until": args.until} if args.until else {}))
    if args.area == "watch":
        return _watch_call(remote, args)
    if args.area == "history":
        if args.cashier:
            return remote.call("GET", f"/v1/admin/cashiers/{urllib.parse.quote(args.cashier)}/history")
        return remote.call("GET", "/v1/admin/customers/history" + _query(args))
    return remote.call("GET", "/v1/admin/audit")


def _watch_call(remote: Remote, args: argparse.Namespace) -> Reply:
    if args.action == "add":
        watch = {
            "watch_id": args.watch_id,
            "item_id": args.item,
            "node_id": args.node,
            "purchase_from": args.purchase_from,
            "purchase_to": args.purchase_to,
            "return_from": args.return_from,
            "return_to": args.return_to,
            "description": args.description,
        }
        return remote.json("POST", "/v1/admin/pattern-watches", watch)
    if args.action == "retire":
        return remote.json("POST", f"/v1/admin/pattern-watches/{urllib.parse.quote(args.watch_id)}/retire", {})
    return remote.call("GET", "/v1/admin/pattern-watches")


def _policy_call(remote: Remote, args: argparse.Namespace) -> Reply:
    if args.action == "list":
        return remote.call("GET", "/v1/admin/policies")
    if args.action == "activate":
        return _activate(remote, args.version)
    version = load_policy_file(args.file).version
    current = remote.call("GET", f"/v1/admin/policies/{urllib.parse.quote(version)}")
    headers = {"Content-Type": "application/xml"} | (
        {"If-Match": current.etag} if current.status == 200 and current.etag else {}
    )
    uploaded = remote.call("PUT", f"/v1/admin/policies/{urllib.parse.quote(version)}", args.file.read_bytes(), headers)
    if uploaded.status >= 400 or not args.activate:
        return uploaded
    return _activate(remote, version)


def _activate(remote: Remote, version: str) -> Reply:
    active = remote.call("GET", "/v1/admin/policies/active")
    return remote.json("PUT", "/v1/admin/policies/active", {"version": version}, **{"If-Match": active.etag or ""})

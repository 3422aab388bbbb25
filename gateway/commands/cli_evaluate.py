"""`returns-gateway evaluate` and `policy check`: dry-run the engine and check policy documents offline."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from gateway.admin.policies import EXAMPLE_POLICY, load_policy_file
from gateway.commands import cli_simulate
from gateway.commands.cli_checks import CliError
from gateway.http.dispatch import AUTHORIZE, read_model
from gateway.http.errors import GatewayError
from gateway.http.schemas import default_registry
from gateway.http.xmlio import parse_xml
from handlers.errors import PolicyInvalid
from handlers.history.history import EMPTY_HISTORY, History
from handlers.history.history_json import history_from_json
from handlers.models import AuthorizeRequest
from handlers.policy.engine import evaluate
from handlers.policy.explain import explain
from handlers.policy.policy_model import PolicyKind, PolicySet
from handlers.policy.respond import authorize_response
from handlers.xml import response_xml

DRY_RUN_TICKET = "DRY-RUN"


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="decide an authorize request offline and print the response",
        description=(
            "Evaluate an Authorize Items for Return request against a policy set, with no server and no "
            "database. Prints the authorize response XML on stdout; --explain writes the decision trace "
            "to stderr. Exit 0 on success, 1 when the request or policy is invalid, 2 on usage or I/O errors."
        ),
    )
    parser.add_argument("request", type=Path, metavar="REQUEST.xml", help="an AuthorizeReturnRequest message")
    parser.add_argument("--policy", type=Path, default=EXAMPLE_POLICY, help="policy set (default: the shipped policy)")
    parser.add_argument(
        "--history",
        type=Path,
        help="JSON file with the customer's and cashier's history, as docs/history.schema.json describes "
        "(example: examples/history.json; default: no history)",
    )
    parser.add_argument("--today", type=date.fromisoformat, help="return date (default: the business date)")
    parser.add_argument("--explain", action="store_true", help="write the decision trace to stderr")
    parser.set_defaults(run=run_evaluate)

    policy = commands.add_parser("policy", help="work with policy documents")
    actions = policy.add_subparsers(dest="policy_command", required=True, metavar="ACTION")
    check = actions.add_parser(
        "check",
        help="check a policy document",
        description="Check a policy set. Prints a summary, or every problem with its line. Exit 0 or 1.",
    )
    check.add_argument("policy", type=Path, metavar="POLICY.xml", help="the policy set document")
    check.set_defaults(run=run_check)
    cli_simulate.add_action(actions)


def run_evaluate(args: argparse.Namespace) -> int:
    data = _read(args.request, "REQUEST.xml")
    history = _history(args.history)
    try:
        policy_set = load_policy_file(args.policy)
    except OSError as exc:
        raise CliError(f"--policy {args.policy} cannot be read: {exc.strerror}") from None
    except PolicyInvalid as exc:
        _print_problems(args.policy, exc)
        return 1
    try:
        root = parse_xml(data)
        schema = default_registry().validate(root, data)
        request = read_model(schema.name, root) if schema.name == AUTHORIZE else None
    except GatewayError as exc:
        print(f"{args.request}: {exc.message} [{exc.code}]", file=sys.stderr)
        for issue in exc.issues:
            print(f"  {issue}", file=sys.stderr)
        return 1
    if not isinstance(request, AuthorizeRequest):
        raise CliError(f"{args.request} is a {schema.name}; evaluate takes an AuthorizeReturnRequest")
    evaluation = evaluate(request, policy_set, history, args.today or request.header.business_date)
    response = authorize_response(
        evaluation, request.header.message_id, DRY_RUN_TICKET, policy_set.version, history.overrides_available
    )
    sys.stdout.write(response_xml.to_bytes(response).decode("utf-8") + "\n")
    if args.explain:
        print(explain(evaluation), file=sys.stderr)
    return 0


def _read(path: Path, what: str) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise CliError(f"{what} {path} cannot be read: {exc.strerror}") from None


def _history(path: Path | None) -> History:
    """The --history document (see HISTORY_SCHEMA), or one line saying what is wrong with it."""
    if path is None:
        return EMPTY_HISTORY
    try:
        data = json.loads(_read(path, "--history").decode("utf-8"), parse_constant=_not_json)
        return history_from_json(data)
    except RecursionError:
        raise CliError(f"--history {path} is not a history document: it nests too deeply") from None
    except (ValueError, KeyError, TypeError, AttributeError, ArithmeticError) as exc:
        raise CliError(f"--history {path} is not a history document: {exc} (see `evaluate --help`)") from None


def _not_json(name: str) -> None:
    raise ValueError(f"{name} is not JSON")


def run_check(args: argparse.Namespace) -> int:
    try:
        policy_set = load_policy_file(args.policy)
    except OSError as exc:
        raise CliError(f"{args.policy} cannot be read: {exc.strerror}") from None
    except PolicyInvalid as exc:
        _print_problems(args.policy, exc)
        return 1
    print(summary(policy_set))
    return 0


def _print_problems(path: Path, exc: PolicyInvalid) -> None:
    print(f"{path}: {exc.message}", file=sys.stderr)
    for problem in exc.problems:
        print(f"{path}:{problem.line or 0}: {problem.message}")


def summary(policy_set: PolicySet) -> str:
    """A few lines describing a valid policy set."""
    exceptions = sum(1 for p in policy_set.policies if p.kind is PolicyKind.EXCEPTION)
    rules = sum(len(p.rules) for p in policy_set.policies)
    return "\n".join(
        [
            f"policy set {policy_set.version}: OK",
            f"policies: {len(policy_set.policies)} (2 default, {exceptions} exception), rules: {rules}",
            f"response codes: {len(policy_set.codes)}, receipt messages: {len(policy_set.messages)}, "
            f"tenders: {len(policy_set.tenders)}, dispositions: {len(policy_set.dispositions)}",
            f"stores: {len(policy_set.stores.leaf_parents)} in {len(policy_set.stores.parents)} nodes, "
            f"store groups: {len(policy_set.store_groups)}",
            f"items: {len(policy_set.merchandise.leaf_parents)} in {len(policy_set.merchandise.parents)} nodes, "
            f"pattern watches: {len(policy_set.pattern_watches)}",
            *(f"note: {note}" for note in policy_set.notes),
        ]
    )

"""`returns-gateway validate`: check message files against the contract without a server."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gateway.http.dispatch import AUTHORIZE, FINAL_RESULT, read_model
from gateway.http.errors import GatewayError, Issue
from gateway.http.schemas import default_registry
from gateway.http.xmlio import parse_xml

OK, INVALID, USAGE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Verdict:
    """The outcome of validating one input."""

    source: str
    message_type: str | None
    code: str | None = None
    reason: str | None = None
    issues: tuple[Issue, ...] = ()

    @property
    def valid(self) -> bool:
        return self.code is None


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "validate",
        help="validate message files against the XSD contract",
        description=(
            "Validate messages: files, directories (every *.xml below, recursively) or - for stdin. "
            "Prints 'PATH: OK TYPE' for a valid message, or one line per problem as "
            "'PATH:LINE:COLUMN: XPATH: REASON [FAULT_CODE]'. "
            "Exit 0 when all are valid, 1 when any is invalid, 2 on usage or I/O errors."
        ),
    )
    parser.add_argument("paths", nargs="+", metavar="PATH", help="file, directory, or - for stdin")
    parser.add_argument("--format", choices=("text", "json"), default="text", help="output format")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    verdicts: list[Verdict] = []
    io_errors = 0
    for source, data in _inputs(args.paths):
        if isinstance(data, str):
            io_errors += 1
            print(f"{source}: cannot read: {data}", file=sys.stderr)
            continue
        verdicts.append(validate_bytes(source, data))
    _print(verdicts, args.format)
    if io_errors:
        return USAGE
    return OK if all(verdict.valid for verdict in verdicts) else INVALID


def validate_bytes(source: str, data: bytes) -> Verdict:
    """Parse and validate one message, returning its type or its fault."""
    registry = default_registry()
    try:
        root = parse_xml(data)
        schema = registry.validate(root, data)
        if schema.name in (AUTHORIZE, FINAL_RESULT):
            read_model(schema.name, root)  # as the gateway reads it: a value it cannot hold is VALUE_OUT_OF_RANGE
    except GatewayError as exc:
        return Verdict(source, None, exc.code, exc.message, exc.issues)
    return Verdict(source, schema.name)


def _inputs(paths: list[str]) -> Iterator[tuple[str, bytes | str]]:
    """Each input's bytes, or why it cannot be read."""
    for name in paths:
        if name == "-":
            yield "<stdin>", sys.stdin.buffer.read()
            continue
        path = Path(name)
        # below a directory, regular files only: a FIFO or device named *.xml would be read for ever
        files = sorted(file for file in path.rglob("*.xml") if file.is_file()) if path.is_dir() else [path]
        for file in files:
            try:
                yield str(file), file.read_bytes()
            except OSError as exc:
                yield str(file), exc.strerror or str(exc)


def _print(verdicts: list[Verdict], output_format: str) -> None:
    if output_format == "json":
        print(json.dumps([_as_json(verdict) for verdict in verdicts], indent=2))
        return
    for verdict in verdicts:
        for line in format_verdict(verdict):
            print(line)


def format_verdict(verdict: Verdict) -> list[str]:
    if verdict.valid:
        return [f"{verdict.source}: OK {verdict.message_type}"]
    issues = verdict.issues or (Issue(verdict.reason or ""),)
    lines = []
    for issue in issues:
        position = "".join(f":{part}" for part in (issue.line, issue.column) if part is not None)
        path = f" {issue.xpath}:" if issue.xpath else ""
        lines.append(f"{verdict.source}{position}:{path} {issue.message} [{verdict.code}]")
    return lines


def _as_json(verdict: Verdict) -> dict[str, Any]:
    return {
        "file": verdict.source,
        "valid": verdict.valid,
        "type": verdict.message_type,
        "code": verdict.code,
        "message": verdict.reason,
        "issues": [
            {"line": i.line, "column": i.column, "xpath": i.xpath, "message": i.message} for i in verdict.issues
        ],
    }

"""Every option of every command explains itself and names its default."""

from __future__ import annotations

import argparse
from collections.abc import Iterator

import pytest

from gateway.cli import build_parser


def parsers(
    parser: argparse.ArgumentParser, name: str = "returns-gateway"
) -> Iterator[tuple[str, argparse.ArgumentParser]]:
    yield name, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for command, child in action.choices.items():
                yield from parsers(child, f"{name} {command}")


def options() -> Iterator[tuple[str, argparse.ArgumentParser, argparse.Action]]:
    for name, parser in parsers(build_parser()):
        for action in parser._actions:
            if not isinstance(action, (argparse._HelpAction, argparse._VersionAction, argparse._SubParsersAction)):
                yield name, parser, action


@pytest.mark.parametrize(
    ("command", "parser", "action"), list(options()), ids=lambda value: value if isinstance(value, str) else ""
)
def test_every_option_has_help_and_its_default(
    command: str, parser: argparse.ArgumentParser, action: argparse.Action
) -> None:
    assert action.help, f"{command} {action.dest} has no help"
    shown = parser._get_formatter()._expand_help(action) if action.option_strings else action.help
    has_default = action.default not in (None, False) and not isinstance(action, argparse._StoreTrueAction)
    if has_default:
        assert "default" in shown, f"{command} {action.option_strings} does not show its default"


def test_secrets_from_the_environment_never_appear_in_help(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETURNS_GATEWAY_API_KEY", "admin.very-secret")
    for _, parser in parsers(build_parser()):
        assert "very-secret" not in parser.format_help()

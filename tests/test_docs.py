"""The README documents every command the CLI offers, and its walkthrough runs as written."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import build_parser
from tests.conftest import ROOT
from tests.serverproc import free_port

README = (ROOT / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    parser = build_parser()
    actions = [action for action in parser._actions if isinstance(action, argparse._SubParsersAction)]
    return sorted(actions[0].choices)


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_in_the_readme(command: str) -> None:
    assert f"returns-gateway {command}" in README


def walkthrough() -> str:
    """The README's walkthrough block, exactly as written."""
    after = README.split("<!-- walkthrough", 1)[1]
    return after.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_walkthrough_runs_as_written(tmp_path: Path) -> None:
    """Against a fresh serve, on a free port instead of 8080: authorize, complete, void, replay twice."""
    shutil.copytree(ROOT / "examples", tmp_path / "examples", ignore=shutil.ignore_patterns("__pycache__"))
    port = str(free_port())
    script = walkthrough().replace("8080", port)
    environment = {key: value for key, value in os.environ.items() if not key.startswith("RETURNS_GATEWAY_")}
    environment |= {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{environment.get('PATH', '')}",
        "RETURNS_GATEWAY_PORT": port,
        "RETURNS_GATEWAY_URL": f"http://127.0.0.1:{port}",
    }
    result = subprocess.run(
        ["bash", "-e", "-c", "trap 'kill $(jobs -p) 2>/dev/null || true' EXIT\n" + script],
        cwd=tmp_path,
        env=environment,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "<AuthorizeReturnResponse" in (tmp_path / "answer.xml").read_text()
    assert "<Status>Recorded</Status>" in result.stdout and "<Status>Voided</Status>" in result.stdout
    ticket = (tmp_path / "answer.xml").read_text().split("<TicketId>")[1].split("<")[0]
    assert result.stdout.count(f"<TicketId>{ticket}</TicketId>") == 2
    assert "2 messages: 2 applied" in result.stdout + result.stderr
    assert "0 applied, 2 duplicates" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr

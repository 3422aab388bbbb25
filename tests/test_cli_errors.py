"""Every command a user can get wrong answers with one line on stderr and the right exit code, never a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.http.credentials import new_credential, to_toml
from tests.conftest import EXAMPLES
from tests.serverproc import free_port

USAGE, FAILURE = 2, 1


def run(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "gateway", *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def assert_one_line(result: subprocess.CompletedProcess[str], code: int, *words: str) -> None:
    """One line on stderr naming what is wrong, the exit code, and no traceback anywhere."""
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert result.returncode == code, result.stderr
    for word in words:
        assert word in lines[0]


@pytest.fixture
def not_a_database(tmp_path: Path) -> Path:
    path = tmp_path / "notes.db"
    path.write_text("these are notes, not a database\n")
    return path


def test_serve_on_a_busy_port(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        result = run(tmp_path, "serve", "--port", str(port))
    assert_one_line(result, FAILURE, f"127.0.0.1:{port}", "in use", "--port")


@pytest.mark.parametrize("port", ["99999", "0", "-1"])
def test_serve_on_an_impossible_port(tmp_path: Path, port: str) -> None:
    assert_one_line(run(tmp_path, "serve", "--port", port), USAGE, f"--port {port}", "65535")


def test_serve_on_an_address_not_on_this_machine(tmp_path: Path) -> None:
    credential, _ = new_credential("till", "api-key", ("*",), False, "")
    (tmp_path / "gateway.toml").write_text(to_toml(credential))
    result = run(tmp_path, "serve", "--config", "gateway.toml", "--host", "192.0.2.1", "--port", str(free_port()))
    assert_one_line(result, USAGE, "--host 192.0.2.1", "not an address of this machine")


def test_serve_with_a_database_in_a_missing_directory(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", "--db", "nowhere/gateway.db", "--port", str(free_port()))
    assert_one_line(result, USAGE, "--db nowhere/gateway.db", "does not exist")
    assert "listening" not in result.stderr


@pytest.mark.parametrize(
    "command",
    [
        ("serve", "--port", "0"),  # the database is checked before the port
        ("purge", "--older-than", "30"),
        ("loyalty", "account", "L-1"),
        ("loyalty", "maintain-tiers"),
        ("replay", str(EXAMPLES / "batch_offline_queue.xml")),
    ],
    ids=lambda command: command[0] + ("-" + command[1] if command[0] == "loyalty" else ""),
)
def test_a_file_that_is_not_a_database(tmp_path: Path, not_a_database: Path, command: tuple[str, ...]) -> None:
    if command[0] == "serve":
        command = ("serve", "--port", str(free_port()))
    result = run(tmp_path, *command, "--db", str(not_a_database))
    assert_one_line(result, USAGE, f"--db {not_a_database}", "not a gateway database")
    assert not_a_database.read_text() == "these are notes, not a database\n"


def test_missing_tls_files_are_named(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", "--tls-cert", "server.pem", "--tls-key", "server.key", "--port", str(free_port()))
    assert_one_line(result, USAGE, "--tls-cert server.pem", "no such file")
    (tmp_path / "server.pem").write_text("not a certificate\n")
    result = run(tmp_path, "serve", "--tls-cert", "server.pem", "--port", str(free_port()))
    assert_one_line(result, USAGE, "--tls-cert server.pem", "cannot load")


def test_serve_refuses_no_workers(tmp_path: Path) -> None:
    assert_one_line(run(tmp_path, "serve", "--workers", "0"), USAGE, "--workers 0")


def test_evaluate_given_a_final_result(tmp_path: Path) -> None:
    result = run(tmp_path, "evaluate", str(EXAMPLES / "final_result_approved.xml"))
    assert_one_line(result, USAGE, "is a ReturnFinalResult", "AuthorizeReturnRequest")


def test_loyalty_account_on_a_missing_database_creates_nothing(tmp_path: Path) -> None:
    result = run(tmp_path, "loyalty", "account", "L-1", "--db", "missing.db")
    assert_one_line(result, USAGE, "--db missing.db", "does not exist")
    assert list(tmp_path.iterdir()) == []


def test_validate_says_why_it_cannot_read(tmp_path: Path) -> None:
    assert_one_line(run(tmp_path, "validate", "missing.xml"), USAGE, "missing.xml", "No such file or directory")


def test_usage_errors_are_one_line(tmp_path: Path) -> None:
    assert_one_line(run(tmp_path, "serve", "--no-such-option"), USAGE, "--no-such-option", "--help")


def test_a_settings_file_error_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "broken.toml").write_text('[gateway]\nport = "eighty"\n')
    assert_one_line(run(tmp_path, "serve", "--config", "broken.toml"), USAGE, "broken.toml", "port")


def test_version(tmp_path: Path) -> None:
    result = run(tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.startswith("returns-gateway ")
    assert result.stdout.split()[1][0].isdigit()


def test_credentials_refuse_a_second_block_of_one_name(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    first = run(tmp_path, "credentials", "add", "till-1", "--stores", "01291", "--config", str(config))
    assert first.returncode == 0
    assert_one_line(
        run(tmp_path, "credentials", "add", "till-1", "--stores", "01291", "--config", str(config)),
        USAGE,
        "already has a credential till-1",
        "--replace",
    )
    rotated = run(tmp_path, "credentials", "add", "till-1", "--stores", "01292", "--replace", "--config", str(config))
    assert rotated.returncode == 0
    text = config.read_text()
    assert text.count("[[gateway.credentials]]") == 1 and '"01292"' in text
    new_key = rotated.stdout.split("X-API-Key): ")[1].split()[0]
    assert new_key.startswith("till-1.")


def test_credentials_refuse_names_a_settings_file_cannot_carry(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    result = run(tmp_path, "credentials", "add", 'till"1', "--stores", "01291", "--config", str(config))
    assert_one_line(result, USAGE, "credential name", "letters, digits")
    assert not config.exists()

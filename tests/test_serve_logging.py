"""What serve tells its operator: the settings file and credentials at start-up, where the active policy came from,
every access with the caller's address, and its shutdown; and that it will not start without its schemas."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from gateway.http.credentials import new_credential, to_toml
from gateway.http.schemas import SchemaRegistry, SchemasMissing
from tests.conftest import EXAMPLES, POLICY
from tests.serverproc import serving


def test_start_up_access_and_shutdown_are_logged(tmp_path: Path) -> None:
    credential, secret = new_credential("till", "api-key", ("*",), False, "")
    (tmp_path / "gateway.toml").write_text(to_toml(credential))
    with serving(tmp_path, "--config", "gateway.toml") as (base, _):
        body = (EXAMPLES / "authorize_receipted_single.xml").read_bytes()
        headers = {"Content-Type": "application/xml", "X-API-Key": f"till.{secret}"}
        request = urllib.request.Request(f"{base}/v1/returns/authorize", data=body, headers=headers)
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200
    log = (tmp_path / "server.log").read_text()
    assert "settings from gateway.toml; 1 credential(s) loaded" in log
    assert f"serving policy set 2026.11-1 from file {POLICY}" in log
    assert "127.0.0.1 POST /v1/returns/authorize 200" in log
    assert "shutting down" in log and log.rstrip().endswith("stopped")


def test_the_active_policy_is_said_to_come_from_the_database(tmp_path: Path) -> None:
    newer = tmp_path / "newer.xml"
    newer.write_text(POLICY.read_text().replace('version="2026.11-1"', 'version="2026.12-1"'))
    for options in ((), ("--policy", str(newer)), ()):
        with serving(tmp_path, "--db", "gateway.db", *options):
            pass
        log = (tmp_path / "server.log").read_text()
    assert "serving policy set 2026.12-1 from the database (the active version; 2026.11-1 is file" in log


def test_missing_schemas_are_refused_with_one_line(tmp_path: Path) -> None:
    with pytest.raises(SchemasMissing, match="no message schemas"):
        SchemaRegistry(tmp_path)
    code = (
        "import sys, gateway.http.schemas as schemas; schemas.XSD_PACKAGE = 'gateway.nowhere'; "
        "from gateway.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, "validate", str(EXAMPLES / "authorize_receipted_single.xml")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == "error: the schemas (gateway.nowhere) are not installed; reinstall returns-gateway"

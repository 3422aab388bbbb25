"""schemathesis, run against the served OpenAPI description of the administration API, finds no 5xx."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gateway.credentials import new_credential, to_toml
from tests.serverproc import serving


def test_schemathesis_finds_no_server_error(tmp_path: Path) -> None:
    credential, secret = new_credential("admin", "api-key", ("*",), True, "")
    (tmp_path / "returns-gateway.toml").write_text(to_toml(credential))
    with serving(tmp_path) as (base, _):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "schemathesis.cli",
                "run",
                f"{base}/v1/admin/openapi.json",
                "--checks",
                "not_a_server_error",
                "--max-examples",
                "25",
                "--seed",
                "20261123",
                "-H",
                f"X-API-Key: admin.{secret}",
            ],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "unexpected error" not in (tmp_path / "server.log").read_text()

"""The OpenAPI description matches the server: schemathesis checks every operation's status, content type, headers
and body schema, for generated valid and invalid requests alike (so refusals, as problem+json, are checked too)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from gateway.http.credentials import new_credential, to_toml
from tests.serverproc import serving

CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
)


def test_schemathesis_finds_the_server_as_described(tmp_path: Path) -> None:
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
                CHECKS,
                "--mode",
                "all",
                "--max-examples",
                "20",
                "--seed",
                "20261123",
                "-H",
                f"X-API-Key: admin.{secret}",
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
            cwd=tmp_path,
        )
    assert result.returncode == 0, result.stdout[-6000:]
    assert "unexpected error" not in (tmp_path / "server.log").read_text()

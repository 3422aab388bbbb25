"""`returns-gateway admin ...` against a running gateway, as loss prevention staff would use it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway.cli import main
from gateway.http.credentials import new_credential, to_toml
from tests.conftest import POLICY
from tests.serverproc import serving


def test_admin_commands_against_a_running_gateway(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    credential, secret = new_credential("lp", "api-key", ("*",), True, "")
    (tmp_path / "returns-gateway.toml").write_text(to_toml(credential))
    newer = tmp_path / "newer.xml"
    newer.write_text(POLICY.read_text().replace('version="2026.11-1"', 'version="2026.12-1"'))
    customer = ["--type", "DriversLicense", "--issuer", "TX", "--number", "TX1234567"]
    with serving(tmp_path) as (base, _):

        def admin(*args: str) -> tuple[int, str]:
            code = main(["admin", "--url", base, "--api-key", f"lp.{secret}", *args])
            return code, capsys.readouterr().out

        assert admin("policy", "publish", str(newer), "--activate")[0] == 0
        code, listing = admin("policy", "list")
        assert code == 0 and {v["version"]: v["active"] for v in json.loads(listing)["policies"]} == {
            "2026.11-1": False,
            "2026.12-1": True,
        }
        assert admin("policy", "publish", str(newer))[0] == 0
        assert admin("policy", "activate", "2026.11-1")[0] == 0
        code, granted = admin("override", "grant", *customer, "--reason", "stolen ID")
        assert code == 0 and json.loads(granted)["status"] == "active"
        assert json.loads(admin("override", "list", *customer)[1])["overrides"][0]["reason"] == "stolen ID"
        assert admin("override", "revoke", str(json.loads(granted)["override_id"]))[0] == 0
        assert admin("count", *customer, "reset", "0", "--reason", "reviewed")[0] == 0
        watch = [
            "--node",
            "TV",
            "--purchase-from",
            "2027-01-31",
            "--purchase-to",
            "2027-02-06",
            "--return-from",
            "2027-02-08",
            "--return-to",
            "2027-02-14",
            "--description",
            "big game",
        ]
        assert admin("watch", "add", "BIG-GAME", *watch)[0] == 0
        assert admin("watch", "add", "BIG-GAME", *watch)[0] == 1
        assert "BIG-GAME" in admin("watch", "list")[1]
        assert admin("watch", "retire", "BIG-GAME")[0] == 0
        assert json.loads(admin("history", *customer)[1])["count_override"]["kind"] == "reset"
        assert json.loads(admin("history", "--cashier", "E1042")[1])["exceptions"] == []
        actions = [entry["action"] for entry in json.loads(admin("audit")[1])["entries"]]
        assert actions[:2] == ["policy.upload", "policy.activate"] and "watch.retire" in actions
    assert main(["admin", "--url", "http://127.0.0.1:9", "audit"]) == 2

"""`returns-gateway validate` as a user runs it: output lines, JSON, stdin, and exit codes 0/1/2."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway.cli import main
from tests.conftest import CORPUS, EXAMPLES, ROOT


def test_examples_directory_is_all_valid(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(EXAMPLES)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == len(list(EXAMPLES.glob("*.xml")))
    assert all(": OK " in line for line in lines)
    assert any(line.endswith("OK AuthorizeReturnRequest") for line in lines)
    assert any(line.endswith("OK ReturnFinalResult") for line in lines)


def test_invalid_file_prints_location_and_code(capsys: pytest.CaptureFixture[str]) -> None:
    path = CORPUS / "invalid" / "negative_quantity.xml"
    assert main(["validate", str(path)]) == 1
    first = capsys.readouterr().out.splitlines()[0]
    assert first.startswith(f"{path}:19:7: /AuthorizeReturnRequest/Lines/Line/Quantity: ")
    assert first.endswith("[SCHEMA_INVALID]")


def test_mixed_inputs_exit_one(capsys: pytest.CaptureFixture[str]) -> None:
    valid = EXAMPLES / "final_result_voided.xml"
    invalid = CORPUS / "invalid" / "dtd.xml"
    assert main(["validate", str(valid), str(invalid)]) == 1
    out = capsys.readouterr().out
    assert "OK ReturnFinalResult" in out and "[XML_DTD_FORBIDDEN]" in out


def test_missing_file_exits_two(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(tmp_path / "absent.xml")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_usage_error_exits_two() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["validate"])
    assert caught.value.code == 2


def test_json_format(capsys: pytest.CaptureFixture[str]) -> None:
    path = CORPUS / "invalid" / "bad_currency_case.xml"
    assert main(["validate", "--format", "json", str(path)]) == 1
    [report] = json.loads(capsys.readouterr().out)
    assert report["valid"] is False and report["code"] == "SCHEMA_INVALID"
    assert report["issues"][0]["xpath"] == "/AuthorizeReturnRequest/Currency"
    assert report["issues"][0]["line"] == 9


def test_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    data = (EXAMPLES / "authorize_gift_receipt.xml").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    assert main(["validate", "-"]) == 0
    assert capsys.readouterr().out.strip() == "<stdin>: OK AuthorizeReturnRequest"


def test_many_errors_still_exit_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = (EXAMPLES / "authorize_receipted_single.xml").read_text()
    for old, new in [("USD", "usd"), ("Unopened", "Mint"), ("<Quantity>1<", "<Quantity>-1<"), ("true", "yes")]:
        bad = bad.replace(old, new)
    path = tmp_path / "bad.xml"
    path.write_text(bad)
    assert main(["validate", str(path)]) == 1
    assert len(capsys.readouterr().out.splitlines()) >= 4


def test_console_script_and_module_entry_point() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gateway", "validate", "--help"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    text = " ".join(result.stdout.split())
    assert "Exit 0 when all are valid, 1 when any is invalid, 2 on usage or I/O errors" in text
    assert "- for stdin" in text

"""`returns-gateway policy check` on documents that mean something other than they say: exception policies that do
not say receipted (version 1 and 2, first or later in the list) and location targets that cover every store at
different depths of the hierarchy, or as a store group."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.cli import main
from tests.policyutil import policy_xml

RULE = '<Rule id="r" question="ReceiptPresent"><Answer otherwise="true"/></Rule>'
KEPT = f'<Policy id="KITCHEN-NR" kind="Exception" receipted="false"><Merchandise node="KITCHEN"/>{RULE}</Policy>'


def policy(kind: str, location: str, merchandise: str = '<Merchandise node="TV"/>', extra: str = "") -> str:
    return f'<Policy id="{kind}" kind="Exception" receipted="true"{extra}>{location}{merchandise}{RULE}</Policy>\n'


def write(tmp_path: Path, exceptions: str, namespace: str = "v2") -> Path:
    path = tmp_path / "policy.xml"
    text = policy_xml(exceptions=exceptions).decode().replace(":policy:v2", f":policy:{namespace}")
    path.write_text(text)
    return path


def line_of(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text().splitlines(), 1) if needle in text)


def check(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = main(["policy", "check", str(path)])
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.mark.parametrize("namespace", ["v1", "v2"])
def test_the_second_exception_policy_without_receipted_is_refused_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], namespace: str
) -> None:
    unsaid = '<Policy id="TV-UNSAID" kind="Exception">\n<Merchandise node="TV"/>' + RULE + "</Policy>\n"
    path = write(tmp_path, KEPT + "\n" + unsaid, namespace)
    code, out = check(path, capsys)
    assert code == 1 and f"{path}:{line_of(path, 'TV-UNSAID')}:" in out and "receipted" in out


def test_version_1_saying_receipted_everywhere_is_read(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, KEPT + policy("TV-R", '<Location node="DALLAS"/>'), "v1")
    code, out = check(path, capsys)
    assert code == 0 and "note:" in out


@pytest.mark.parametrize(
    "location",
    [
        '<Location node="ALL-STORES"/>',
        '<Location node="TEXAS"/>',
        '<Location storeGroup="EVERY-STORE"/>',
    ],
)
def test_a_target_covering_every_store_ties_with_all(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], location: str
) -> None:
    exceptions = policy("TV-ALL", '<Location all="true"/>') + policy("TV-WIDE", location)
    path = write(tmp_path, exceptions)
    text = path.read_text().replace(
        '<StoreGroup id="FLAGSHIPS"',
        '<StoreGroup id="EVERY-STORE" stores="01291 01292 00455"/><StoreGroup id="FLAGSHIPS"',
    )
    path.write_text(text)
    code, out = check(path, capsys)
    assert code == 1
    assert f"{path}:{line_of(path, 'TV-WIDE')}: exception policies 'TV-ALL' and 'TV-WIDE' tie" in out


def test_two_nodes_that_both_cover_every_store_tie(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(
        tmp_path, policy("TV-TOP", '<Location node="ALL-STORES"/>') + policy("TV-TX", '<Location node="TEXAS"/>')
    )
    code, out = check(path, capsys)
    assert code == 1 and "'TV-TOP' and 'TV-TX' tie" in out


def test_a_node_that_covers_some_stores_does_not_tie(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    exceptions = (
        policy("TV-ALL", '<Location all="true"/>')
        + policy("TV-DALLAS", '<Location node="DALLAS"/>')
        + policy("TV-TOP-LATER", '<Location node="ALL-STORES"/>', extra=' effective="2027-01-01"')
        + policy("TV-ALL-UNTIL", '<Location all="true"/>', '<Merchandise item="200100"/>', ' expires="2026-12-31"')
        + policy(
            "TV-TOP-ITEM", '<Location node="ALL-STORES"/>', '<Merchandise item="200100"/>', ' effective="2027-01-01"'
        )
    )
    code, out = check(write(tmp_path, exceptions), capsys)
    assert "TV-DALLAS" not in out and "TV-TOP-ITEM" not in out
    assert code == 1 and "'TV-ALL' and 'TV-TOP-LATER' tie" in out

"""The built wheel works wherever it is installed: schemas, shipped policy and loyalty program travel inside it.

The wheel is built from a copy of the source tree and installed into a fresh virtual environment whose only view
of the test environment is its third-party packages (a .pth line), never the source tree; every command then runs
from an empty directory.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.serverproc import _wait_ready, free_port

SOURCES = ("pyproject.toml", "README.md", "gateway", "handlers", "store", "xsd", "examples")


def _run(*command: str | Path, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(part) for part in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the wheel (built offline, with the test environment's setuptools)."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "source"
    source.mkdir()
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy2(origin, source / name)
    built = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", base / "dist", source, cwd=base
    )
    assert built.returncode == 0, built.stderr
    venv = base / "venv"
    created = _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=base)
    assert created.returncode == 0, created.stderr
    purelib = Path(
        _run(
            venv / "bin" / "python", "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=base
        ).stdout.strip()
    )
    (purelib / "test-dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    wheel = next((base / "dist").glob("returns_gateway-*.whl"))
    pip = (sys.executable, "-m", "pip", "--python", venv / "bin" / "python", "install", "--no-index", wheel)
    installing = _run(*pip, cwd=base)
    assert installing.returncode == 0, installing.stderr
    return venv


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    directory = tmp_path / "empty"
    directory.mkdir()
    return directory


def _environment(**extra: str) -> dict[str, str]:
    """The caller's environment without anything pointing at the source tree or the test venv."""
    names = ("PYTHONPATH", "VIRTUAL_ENV", "RETURNS_GATEWAY_URL")
    return {key: value for key, value in os.environ.items() if key not in names} | extra


def test_the_wheel_is_what_gets_imported(installed: Path, empty: Path) -> None:
    code = "import gateway.http.schemas, gateway.admin.policies; print(gateway.http.schemas.xsd_dir()); print(gateway.admin.policies.EXAMPLE_POLICY)"
    shown = _run(installed / "bin" / "python", "-c", code, cwd=empty, env=_environment())
    assert shown.returncode == 0, shown.stderr
    xsd, policy = (Path(line) for line in shown.stdout.splitlines())
    assert xsd.is_relative_to(installed) and (xsd / "authorize_request.xsd").is_file()
    assert policy.is_relative_to(installed) and policy.is_file()


def test_the_postgresql_migrations_travel_inside_the_wheel(installed: Path, empty: Path) -> None:
    code = "import store.postgres.migrate as m; print(m.__file__); print(*(x.name for x in m.available()))"
    shown = _run(installed / "bin" / "python", "-c", code, cwd=empty, env=_environment())
    assert shown.returncode == 0, shown.stderr
    module, names = shown.stdout.splitlines()
    assert Path(module).is_relative_to(installed)
    shipped = sorted(path.stem.split("_", 1)[1] for path in (ROOT / "store/postgres/migrations").glob("*.sql"))
    assert sorted(names.split()) == shipped


def test_validate_every_example_from_an_empty_directory(installed: Path, empty: Path) -> None:
    examples = sorted((ROOT / "examples").rglob("*.xml"))
    result = _run(installed / "bin" / "returns-gateway", "validate", *examples, cwd=empty, env=_environment())
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count(": OK ") == len(examples)


def test_policy_check_of_the_shipped_policy(installed: Path, empty: Path) -> None:
    code = "import gateway.admin.policies; print(gateway.admin.policies.EXAMPLE_POLICY)"
    policy = _run(installed / "bin" / "python", "-c", code, cwd=empty, env=_environment()).stdout.strip()
    result = _run(installed / "bin" / "returns-gateway", "policy", "check", policy, cwd=empty, env=_environment())
    assert result.returncode == 0, result.stderr
    assert ": OK" in result.stdout.splitlines()[0]


def test_serve_with_no_options_and_authorize(installed: Path, empty: Path) -> None:
    port = free_port()
    env = _environment(RETURNS_GATEWAY_PORT=str(port))
    with (empty / "server.log").open("wb") as log:
        server = subprocess.Popen(
            [installed / "bin" / "returns-gateway", "serve"], cwd=empty, env=env, stdout=log, stderr=log
        )
        try:
            base = f"http://127.0.0.1:{port}"
            _wait_ready(base, server, empty / "server.log", None)
            body = (ROOT / "examples" / "messages" / "authorize_receipted_single.xml").read_bytes()
            request = urllib.request.Request(
                f"{base}/v1/returns/authorize", data=body, headers={"Content-Type": "application/xml"}
            )
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 200
                answer = response.read()
        finally:
            server.terminate()
            server.wait(timeout=30)
    assert b"<AuthorizeReturnResponse" in answer and b"<TicketId>T01291-" in answer
    assert (empty / "returns-gateway.db").is_file()
    assert f"from file {installed}" in (empty / "server.log").read_text()

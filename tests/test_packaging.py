"""Every Python package of the source tree is listed for the wheel, so an installed gateway imports what the
source tree does (the wheel test proves the rest, more slowly)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_source_package_is_built_into_the_wheel() -> None:
    setup = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    listed = set(setup["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for top in ("gateway", "handlers", "store")
        for init in (ROOT / top).rglob("__init__.py")
    }
    assert found <= listed, f"packages missing from pyproject.toml: {sorted(found - listed)}"
    mapped = set(setup["package-dir"])
    assert listed - found <= mapped, f"listed packages with no source: {sorted(listed - found - mapped)}"

"""The installed package's version, for --version and the start-up log."""

from __future__ import annotations

import importlib.metadata


def version() -> str:
    try:
        return importlib.metadata.version("returns-gateway")
    except importlib.metadata.PackageNotFoundError:
        return "unknown (not installed)"

"""Settings: defaults, the TOML file, environment overrides and explicit options, in that order."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from gateway.settings import Settings, load_settings


def test_defaults_need_no_setup() -> None:
    settings = load_settings(environ={})
    assert settings == Settings()
    assert settings.db_path == "returns-gateway.db" and settings.policy_path.name == "chain.xml"


def test_file_then_environment_then_options(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text(
        '[gateway]\nport = 9000\nworkers = 2\ndb_path = "/srv/a.db"\ntracked_exceptions = ["manager-override"]\n'
    )
    environ = {"RETURNS_GATEWAY_PORT": "9100", "RETURNS_GATEWAY_HIGH_VALUE_RETURN": "250.50"}
    settings = load_settings(config, environ, workers=4)
    assert (settings.port, settings.workers, settings.db_path) == (9100, 4, "/srv/a.db")
    assert settings.tracked_exceptions == ("manager-override",)
    assert settings.high_value_return == Decimal("250.50")


def test_environment_list_is_comma_separated() -> None:
    settings = load_settings(environ={"RETURNS_GATEWAY_TRACKED_EXCEPTIONS": "tender-override, manager-override"})
    assert settings.tracked_exceptions == ("tender-override", "manager-override")


def test_unknown_and_bad_settings_are_refused(tmp_path: Path) -> None:
    config = tmp_path / "gateway.toml"
    config.write_text("[gateway]\nprot = 1\n")
    with pytest.raises(ValueError, match="prot"):
        load_settings(config, {})
    with pytest.raises(ValueError):
        load_settings(environ={"RETURNS_GATEWAY_PORT": "eighty"})

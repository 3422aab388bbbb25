"""Settings: a TOML file plus RETURNS_GATEWAY_* environment overrides, read here and nowhere else."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from gateway.admin.policies import EXAMPLE_LOYALTY, EXAMPLE_POLICY
from gateway.http.credentials import Credential, from_table
from handlers.history.exceptions import EXCEPTION_TYPES

ENV_PREFIX = "RETURNS_GATEWAY_"
DEFAULT_CONFIG = Path("returns-gateway.toml")


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything the gateway can be told; every field has a working embedded default.

    db_path: the database: a SQLite file path or sqlite:///PATH (created and migrated on start), or a PostgreSQL URL
    postgresql://user@host:port/db?sslmode=... (env RETURNS_GATEWAY_DB too).  db_pool_size, db_pool_timeout:
    PostgreSQL connections per worker process, and seconds to wait for one before answering 503.
    db_prepared_statements: false behind PgBouncer in transaction mode (server-side prepared statements off).
    policy_path: the policy set to serve.
    loyalty_program_path: the loyalty program settings (earn rate, rewards, return treatment, tiers).
    host, port, workers: where and how many processes listen.  secret: key for hashing positive IDs (hex);
    when empty, a random key is made once and kept in the database.  max_body_bytes: largest accepted message;
    max_batch_bytes: largest accepted batch.
    log_format: "text" or "json" (JSON lines).  tracked_exceptions: exception types recorded on final results.
    high_value_return: amount above which a returned line is a high-value-return exception.
    credentials: callers, as [[gateway.credentials]] tables (see `returns-gateway credentials add`); with none,
    the gateway listens on loopback only.  rate_limit, rate_burst: requests per second and burst per caller.
    body_timeout: seconds a request body may take to arrive.  override_days, max_overrides: how long a customer
    service override lasts, and how many a customer may be granted.  tls_cert, tls_key, client_ca: PEM files to serve
    HTTPS and accept client certificates.  console_idle_minutes: a console session ends after this long unused.
    console_locale: the locale of dates and money in the console (en-US, en-CA, fr-CA, en-GB, fr-FR, de-DE);
    console_store_locales: other locales of some stores, as "STORE=LOCALE" items.
    """

    db_path: str = "returns-gateway.db"
    db_pool_size: int = 10
    db_pool_timeout: float = 5.0
    db_prepared_statements: bool = True
    policy_path: Path = EXAMPLE_POLICY
    loyalty_program_path: Path = EXAMPLE_LOYALTY
    host: str = "127.0.0.1"
    port: int = 8080
    workers: int = 1
    secret: str = ""
    max_body_bytes: int = 1_000_000
    max_batch_bytes: int = 50_000_000
    log_format: str = "text"
    tracked_exceptions: tuple[str, ...] = EXCEPTION_TYPES
    high_value_return: Decimal = Decimal(500)
    credentials: tuple[Credential, ...] = ()
    rate_limit: float = 1000.0
    rate_burst: float = 2000.0
    body_timeout: float = 15.0
    override_days: int = 30
    max_overrides: int = 2
    tls_cert: str = ""
    tls_key: str = ""
    client_ca: str = ""
    console_idle_minutes: int = 15
    console_locale: str = "en-US"
    console_store_locales: tuple[str, ...] = ()


def load_settings(config: Path | None = None, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
    """Defaults, then the TOML file's [gateway] table, then the environment, then explicit overrides."""
    values: dict[str, Any] = {}
    if config is not None:
        with config.open("rb") as handle:
            values.update(tomllib.load(handle).get("gateway", {}))
    environ = os.environ if environ is None else environ
    for field in dataclasses.fields(Settings):
        raw = environ.get(ENV_PREFIX + field.name.upper())
        if raw is None and field.name == "db_path":
            raw = environ.get(ENV_PREFIX + "DB")
        if raw is not None:
            values[field.name] = raw
    values.update({name: value for name, value in overrides.items() if value is not None})
    unknown = set(values) - {field.name for field in dataclasses.fields(Settings)}
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    return Settings(**{name: _checked(name, value) for name, value in values.items()})


def _checked(name: str, value: Any) -> Any:
    try:
        return _cast(name, value)
    except (ValueError, ArithmeticError) as exc:
        raise ValueError(f"{name} = {value!r} is not valid: {exc}") from None


def _cast(name: str, value: Any) -> Any:
    """Coerce a TOML or environment value to the field's type; a bad value raises ValueError."""
    if name == "credentials":
        if not isinstance(value, (list, tuple)):
            raise ValueError("credentials must be a list of [[gateway.credentials]] tables")
        return tuple(item if isinstance(item, Credential) else from_table(item) for item in value)
    default = getattr(Settings(), name)
    if isinstance(default, Path):
        return Path(value)
    if isinstance(default, bool):
        return str(value).lower() in ("1", "true", "yes")
    if isinstance(default, float):
        return float(value)
    if isinstance(default, int):
        return int(value)
    if isinstance(default, Decimal):
        return Decimal(str(value))
    if isinstance(default, tuple):
        items = value.split(",") if isinstance(value, str) else list(value)
        return tuple(item.strip() for item in items if item.strip())
    return str(value)

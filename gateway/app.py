"""create_app(settings): the one place the gateway is assembled; resources open and close in cleanup_ctx."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiohttp import web

from gateway.admin.admin_views import routes as admin_routes
from gateway.admin.loyalty_views import routes as loyalty_routes
from gateway.admin.policies import load_loyalty_program, load_policy_bytes
from gateway.admin.simulate_views import routes as simulate_routes
from gateway.admin.views import routes
from gateway.console import setup_console
from gateway.http.auth import GUARD, Guard, auth_middleware
from gateway.http.faults import fault_middleware
from gateway.http.framing import install as answer_framing_errors_with_faults
from gateway.http.keys import ADMIN, LOYALTY, SCHEMAS, SERVICE, SETTINGS, STORE
from gateway.http.problems import expecting_faults, problem_middleware
from gateway.http.schemas import default_registry
from gateway.http.wsdl import routes as wsdl_routes
from gateway.http.wsdl import soap_address_middleware
from gateway.metrics import METRICS, Metrics, metrics_middleware
from gateway.settings import Settings
from handlers.admin import AdminService, policy_etag
from handlers.history.exceptions import ExceptionSettings
from handlers.loyalty.loyalty_service import LoyaltyService
from handlers.policy.policy_model import PolicySet
from handlers.service import PolicyHolder, ReturnsService
from store.open import open_store, parse_location

LOG = logging.getLogger("returns_gateway")


def _now() -> str:
    return datetime.now(UTC).isoformat()


def create_app(settings: Settings) -> web.Application:
    """The gateway application; nothing is opened until it starts."""
    largest = max(settings.max_body_bytes, settings.max_batch_bytes)
    middlewares = [metrics_middleware, fault_middleware, problem_middleware, soap_address_middleware, auth_middleware]
    app = web.Application(client_max_size=largest, middlewares=middlewares)
    app[SETTINGS] = settings
    app[GUARD] = Guard(settings.credentials, settings.rate_limit, settings.rate_burst)
    app[METRICS] = Metrics()
    app[SCHEMAS] = default_registry()
    answer_framing_errors_with_faults(app)
    app.cleanup_ctx.append(_resources)
    app.add_routes(expecting_faults(routes))
    app.add_routes(expecting_faults(admin_routes))
    app.add_routes(expecting_faults(loyalty_routes))
    setup_console(app)
    app.add_routes(expecting_faults(wsdl_routes))
    app.add_routes(expecting_faults(simulate_routes))
    return app


def _log_policy_source(policy_set: PolicySet, served: PolicySet, settings: Settings) -> None:
    """Say whether the policy in force is the file's or a version activated earlier and kept in the database."""
    if policy_set is served:
        LOG.info("serving policy set %s from file %s", policy_set.version, settings.policy_path)
        return
    LOG.info(
        "serving policy set %s from the database (the active version; %s is file %s)",
        policy_set.version,
        served.version,
        settings.policy_path,
    )


async def _resources(app: web.Application) -> AsyncIterator[None]:
    """Open the store and load the policy; on shutdown, close the store after in-flight requests finished."""
    settings, schemas = app[SETTINGS], app[SCHEMAS]
    content = settings.policy_path.read_bytes()
    served = load_policy_bytes(content, schemas)
    store = open_store(
        settings.db_path,
        pool_size=settings.db_pool_size,
        pool_timeout=settings.db_pool_timeout,
        prepared_statements=settings.db_prepared_statements,
    )
    await store.open()
    secret = bytes.fromhex(settings.secret) if settings.secret else await store.secret()
    active = await store.register_policy(served.version, content, policy_etag(content), _now())
    policy_set = served if active["version"] == served.version else load_policy_bytes(active["content"], schemas)

    async def policy_source(version: str) -> PolicySet:
        stored = await store.get_policy(version)
        return load_policy_bytes(bytes(stored["content"]), schemas) if stored else policy_set

    holder = PolicyHolder(policy_set)
    program = load_loyalty_program(settings.loyalty_program_path, schemas)
    app[STORE] = store
    app[SERVICE] = ReturnsService(
        store,
        holder,
        secret,
        ExceptionSettings(frozenset(settings.tracked_exceptions), settings.high_value_return),
        policy_source=policy_source,
        loyalty_program=program,
    )
    app[LOYALTY] = LoyaltyService(store, program)
    app[ADMIN] = AdminService(store, holder, secret, settings.override_days, settings.max_overrides)
    _log_policy_source(policy_set, served, settings)
    LOG.info("database %s open", parse_location(settings.db_path).describe())
    try:
        yield
    finally:
        LOG.info("in-flight requests finished; closing database %s", parse_location(settings.db_path).describe())
        await store.close()

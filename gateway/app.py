"""create_app(settings): the one place the gateway is assembled; resources open and close in cleanup_ctx."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

from aiohttp import web

from gateway.auth import GUARD, Guard, auth_middleware
from gateway.faults import fault_middleware
from gateway.keys import SCHEMAS, SERVICE, SETTINGS, STORE
from gateway.metrics import METRICS, Metrics, metrics_middleware
from gateway.policies import load_policy_file
from gateway.schemas import default_registry
from gateway.settings import Settings
from gateway.views import routes
from handlers.exceptions import ExceptionSettings
from handlers.service import PolicyHolder, ReturnsService
from store.sqlite import SqliteStore

LOG = logging.getLogger("returns_gateway")


def create_app(settings: Settings) -> web.Application:
    """The gateway application; nothing is opened until it starts."""
    largest = max(settings.max_body_bytes, settings.max_batch_bytes)
    middlewares = [metrics_middleware, fault_middleware, auth_middleware]
    app = web.Application(client_max_size=largest, middlewares=middlewares)
    app[SETTINGS] = settings
    app[GUARD] = Guard(settings.credentials, settings.rate_limit, settings.rate_burst)
    app[METRICS] = Metrics()
    app[SCHEMAS] = default_registry()
    app.cleanup_ctx.append(_resources)
    app.add_routes(routes)
    return app


async def _resources(app: web.Application) -> AsyncIterator[None]:
    """Open the store and load the policy; on shutdown, close the store after in-flight requests finished."""
    settings = app[SETTINGS]
    policy_set = load_policy_file(settings.policy_path, app[SCHEMAS])
    store = SqliteStore(settings.db_path)
    await store.open()
    secret = bytes.fromhex(settings.secret) if settings.secret else await store.secret()
    app[STORE] = store
    app[SERVICE] = ReturnsService(
        store,
        PolicyHolder(policy_set),
        secret,
        ExceptionSettings(frozenset(settings.tracked_exceptions), settings.high_value_return),
    )
    LOG.info("serving policy set %s from %s on database %s", policy_set.version, settings.policy_path, settings.db_path)
    try:
        yield
    finally:
        await store.close()

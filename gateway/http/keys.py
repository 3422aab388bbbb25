"""Typed application keys for what create_app puts on the aiohttp application."""

from __future__ import annotations

from aiohttp import web

from gateway.http.schemas import SchemaRegistry
from gateway.settings import Settings
from handlers.admin import AdminService
from handlers.loyalty.loyalty_service import LoyaltyService
from handlers.service import ReturnsService
from store.base import Store

SETTINGS = web.AppKey("settings", Settings)
SCHEMAS = web.AppKey("schemas", SchemaRegistry)
STORE: web.AppKey[Store] = web.AppKey("store")
SERVICE = web.AppKey("service", ReturnsService)
ADMIN = web.AppKey("admin", AdminService)
LOYALTY = web.AppKey("loyalty", LoyaltyService)

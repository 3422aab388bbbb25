"""Who is calling: API key, HTTP Basic or TLS client certificate; admin-only paths; rate limits per caller."""

from __future__ import annotations

import base64
import math
import time
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Handler

from gateway.http.credentials import Credential, subject_key
from gateway.http.errors import GatewayError, Issue

OPEN_PATHS = frozenset({"/healthz", "/readyz"})
CONSOLE_PREFIX = "/console/"  # the console signs its users in itself (gateway.console)
# The published contract (the WSDL and the schemas it imports) is no secret: client generators fetch it unsigned.
CONTRACT_PREFIXES = ("/v1/returns/soap", "/v1/returns/schemas/")
ADMIN_PREFIXES = ("/v1/admin", "/metrics")
LOCAL = Credential("local", "loopback", ("*",), admin=True)


class Unauthenticated(GatewayError):
    code = "UNAUTHENTICATED"
    http_status = 401


class Forbidden(GatewayError):
    code = "FORBIDDEN"
    http_status = 403


class RateLimited(GatewayError):
    code = "RATE_LIMITED"
    http_status = 429

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


IDENTITY = web.RequestKey("identity", Credential)


@dataclass
class Bucket:
    tokens: float
    stamp: float


@dataclass
class Guard:
    """The configured credentials and per-caller token buckets (rate per second, burst)."""

    credentials: tuple[Credential, ...]
    rate: float
    burst: float
    buckets: dict[str, Bucket] = field(default_factory=dict)
    verified: dict[tuple[str, str], bool] = field(default_factory=dict)

    @property
    def open(self) -> bool:
        """No credential configured: the gateway answers only on loopback, and every caller is local."""
        return not self.credentials

    def identify(self, request: web.Request) -> Credential:
        if self.open:
            return LOCAL
        found = self._from_certificate(request) or self._from_secret(request)
        if found is None:
            raise Unauthenticated("send an API key (X-API-Key), HTTP Basic credentials or a client certificate")
        return found

    def _from_secret(self, request: web.Request) -> Credential | None:
        presented = _presented(request)
        if presented is None:
            return None
        name, secret = presented
        for credential in self.credentials:
            if credential.name == name and credential.kind != "cert" and self._check(credential, secret):
                return credential
        raise Unauthenticated("the credentials are not valid")

    def _check(self, credential: Credential, secret: str) -> bool:
        """Salted-hash check, remembered per (name, secret) so that a busy till does not pay it every time."""
        key = (credential.name, secret)
        if key not in self.verified:
            if len(self.verified) > 10_000:
                self.verified.clear()
            self.verified[key] = credential.matches(secret)
        return self.verified[key]

    def _from_certificate(self, request: web.Request) -> Credential | None:
        transport = request.transport
        peer = transport.get_extra_info("peercert") if transport is not None else None
        if not peer:
            return None
        subject = subject_key(pair for part in peer.get("subject", ()) for pair in part)
        return next((c for c in self.credentials if c.kind == "cert" and c.key == subject), None)

    def admit(self, name: str) -> None:
        """Take a token from the caller's bucket, or refuse with the seconds until one is back."""
        now = time.monotonic()
        bucket = self.buckets.setdefault(name, Bucket(self.burst, now))
        bucket.tokens = min(self.burst, bucket.tokens + (now - bucket.stamp) * self.rate)
        bucket.stamp = now
        if bucket.tokens < 1:
            wait = math.ceil((1 - bucket.tokens) / self.rate)
            raise RateLimited(f"rate limit of {self.rate:g} requests per second exceeded", wait)
        bucket.tokens -= 1


def _presented(request: web.Request) -> tuple[str, str] | None:
    """(name, secret) from an API key 'NAME.SECRET' or from HTTP Basic."""
    key = request.headers.get("X-API-Key")
    if key:
        if not key.isascii() or not key.isprintable():
            raise Unauthenticated("malformed API key: send NAME.SECRET in printable ASCII")
        name, _, secret = key.partition(".")
        return name, secret
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
        except ValueError:  # not base64 (binascii.Error), not ASCII, or not UTF-8 (UnicodeDecodeError)
            raise Unauthenticated("malformed Basic credentials") from None
        if not decoded.isprintable():
            raise Unauthenticated("malformed Basic credentials")
        name, _, secret = decoded.partition(":")
        return name, secret
    return None


GUARD = web.AppKey("guard", Guard)


@web.middleware
async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Identify the caller, keep admin paths for admins, and apply the caller's rate limit.

    With no credential configured the gateway only listens on loopback, and nothing is rate limited.
    """
    if (
        request.path in OPEN_PATHS
        or request.path.startswith(CONSOLE_PREFIX)
        or request.path == "/console"
        or (request.method == "GET" and request.path.startswith(CONTRACT_PREFIXES))
    ):
        return await handler(request)
    guard = request.app[GUARD]
    identity = guard.identify(request)
    if request.path.startswith(ADMIN_PREFIXES) and not identity.admin:
        raise Forbidden(f"{request.path} needs an admin credential")
    if not guard.open:
        guard.admit(identity.name)
    request[IDENTITY] = identity
    return await handler(request)


def require_store(request: web.Request, store_id: str) -> None:
    """Refuse a message or ticket of a store the caller may not speak for."""
    identity = request[IDENTITY]
    if not identity.may_speak_for(store_id):
        issue = Issue(f"credential {identity.name} speaks for {', '.join(identity.stores)}")
        raise Forbidden(f"credential {identity.name} may not speak for store {store_id}", (issue,))

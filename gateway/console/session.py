"""Console sessions: a signed cookie with idle expiry, CSRF tokens bound to it, and sealed form values.

The cookie carries the credential name, a random session id and the moment it was last used, signed with a key
derived from the gateway's secret, so every worker process accepts it. Each request refreshes the moment; a cookie
idle for longer than the limit is refused, and so is a signed-out one: the sign-out is recorded in the database,
which every worker asks (see gateway.console.base.live_session), and remembered here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

COOKIE = "rg_console"
PRE_COOKIE = "rg_console_signin"
DEFAULT_IDLE_SECONDS = 15 * 60


@dataclass(frozen=True, slots=True)
class Session:
    """A signed-in console user: the admin credential's name and this session's id."""

    name: str
    session_id: str


@dataclass
class Keeper:
    """Issues and checks session cookies and CSRF tokens with one key; `clock` gives seconds (tests move it)."""

    key: bytes
    idle_seconds: int = DEFAULT_IDLE_SECONDS
    clock: Callable[[], float] = time.time
    signed_out: set[str] = field(default_factory=set)

    def _sign(self, text: str) -> str:
        return hmac.new(self.key, text.encode("utf-8"), hashlib.sha256).hexdigest()

    def issue(self, name: str, session_id: str | None = None) -> tuple[Session, str]:
        """A session (new unless `session_id` is given) and its cookie value stamped now."""
        session = Session(name, session_id or secrets.token_hex(16))
        body = f"{session.session_id}|{int(self.clock())}|{name}"
        return session, base64.urlsafe_b64encode(f"{body}|{self._sign(body)}".encode()).decode("ascii")

    def read(self, cookie: str | None) -> Session | None:
        """The session of a valid, unexpired, not signed-out cookie; None otherwise."""
        if not cookie:
            return None
        try:
            session_id, stamp, name, signature = base64.urlsafe_b64decode(cookie).decode("utf-8").split("|", 3)
            last_used = int(stamp)
        except ValueError:
            return None
        if not hmac.compare_digest(signature, self._sign(f"{session_id}|{stamp}|{name}")):
            return None
        if self.clock() - last_used > self.idle_seconds or session_id in self.signed_out:
            return None
        return Session(name, session_id)

    def sign_out(self, session: Session) -> None:
        self.signed_out.add(session.session_id)

    def csrf(self, session_id: str) -> str:
        """The CSRF token of a session (or of a sign-in form's nonce)."""
        return self._sign(f"csrf|{session_id}")

    def csrf_ok(self, session_id: str, token: str) -> bool:
        return bool(token) and token.isascii() and hmac.compare_digest(self.csrf(session_id), token)

    def seal(self, text: str) -> str:
        """Text encrypted for a hidden form field (a typed positive ID is never echoed in clear)."""
        nonce = os.urandom(12)
        sealed = AESGCM(self.key).encrypt(nonce, text.encode("utf-8"), b"console form")
        return base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def unseal(self, token: str) -> str | None:
        try:
            raw = base64.urlsafe_b64decode(token)
            return AESGCM(self.key).decrypt(raw[:12], raw[12:], b"console form").decode("utf-8")
        except (ValueError, InvalidTag):
            return None


def console_key(secret: bytes) -> bytes:
    """The console's own key, derived from the gateway secret (never the secret itself)."""
    return hmac.new(secret, b"returns-gateway console v1", hashlib.sha256).digest()

"""Credentials: tills and admins, kept in settings only as salted hashes; made by `credentials add`."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

ITERATIONS = 60_000
KINDS = ("api-key", "basic", "cert")


@dataclass(frozen=True, slots=True)
class Credential:
    """One caller: its name, how it authenticates, the stores it may speak for, and whether it is an admin."""

    name: str
    kind: str
    stores: tuple[str, ...]
    admin: bool = False
    salt: str = ""
    hash: str = ""
    subject: str = ""

    def may_speak_for(self, store_id: str) -> bool:
        return "*" in self.stores or store_id in self.stores

    def matches(self, secret: str) -> bool:
        """Constant-time check of a presented secret against the stored salted hash."""
        return bool(self.hash) and hmac.compare_digest(hash_secret(secret, self.salt), self.hash)


def hash_secret(secret: str, salt: str) -> str:
    return hashlib.pbkdf2_hmac("sha256", secret.encode("utf-8"), bytes.fromhex(salt), ITERATIONS).hex()


def from_table(table: dict[str, Any]) -> Credential:
    """A credential from its TOML table; ValueError for a malformed one."""
    kind = str(table.get("kind", "api-key"))
    if kind not in KINDS:
        raise ValueError(f"credential {table.get('name')!r}: kind must be one of {', '.join(KINDS)}")
    stores = table.get("stores", [])
    if not table.get("name") or not isinstance(stores, list) or not stores:
        raise ValueError('a credential needs a name and a non-empty list of stores (or ["*"])')
    if kind == "cert" and not table.get("subject"):
        raise ValueError(f"certificate credential {table['name']!r} needs the certificate subject")
    if kind != "cert" and not (table.get("salt") and table.get("hash")):
        raise ValueError(f"credential {table['name']!r} needs salt and hash")
    return Credential(
        name=str(table["name"]),
        kind=kind,
        stores=tuple(str(store) for store in stores),
        admin=bool(table.get("admin", False)),
        salt=str(table.get("salt", "")),
        hash=str(table.get("hash", "")),
        subject=str(table.get("subject", "")),
    )


def new_credential(name: str, kind: str, stores: tuple[str, ...], admin: bool, subject: str) -> tuple[Credential, str]:
    """A credential and the secret to hand to its owner (shown once, never stored in clear)."""
    if kind == "cert":
        return Credential(name, kind, stores, admin, subject=subject), ""
    secret, salt = secrets.token_urlsafe(32), secrets.token_hex(16)
    return Credential(name, kind, stores, admin, salt, hash_secret(secret, salt)), secret


def to_toml(credential: Credential) -> str:
    stores = ", ".join(f'"{store}"' for store in credential.stores)
    lines = [
        "[[gateway.credentials]]",
        f'name = "{credential.name}"',
        f'kind = "{credential.kind}"',
        f"stores = [{stores}]",
        f"admin = {'true' if credential.admin else 'false'}",
    ]
    if credential.kind == "cert":
        lines.append(f'subject = "{credential.subject}"')
    else:
        lines += [f'salt = "{credential.salt}"', f'hash = "{credential.hash}"']
    return "\n".join(lines) + "\n"

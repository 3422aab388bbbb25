"""Credentials: tills and admins, kept in settings only as salted hashes; made by `credentials add`."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

ITERATIONS = 60_000
KINDS = ("api-key", "basic", "cert")
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
STORE = re.compile(r"\*|[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
# RFC 4514 short names and the long names Python's ssl module reports in a peer certificate.
_ATTRIBUTES = {
    "CN": "commonName",
    "O": "organizationName",
    "OU": "organizationalUnitName",
    "C": "countryName",
    "L": "localityName",
    "ST": "stateOrProvinceName",
    "STREET": "streetAddress",
    "DC": "domainComponent",
    "UID": "userId",
    "EMAILADDRESS": "emailAddress",
    "SERIALNUMBER": "serialNumber",
}
_SHORT = {long.lower(): short for short, long in _ATTRIBUTES.items()}
_VALUE = re.compile(r"[^,+/\\\"<>;=]+")


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

    @property
    def key(self) -> frozenset[tuple[str, str]]:
        """The certificate subject to match, whatever the order of its attributes."""
        return subject_key(tuple(part.split("=", 1)) for part in self.subject.split(",") if "=" in part)  # type: ignore[misc]

    def may_speak_for(self, store_id: str) -> bool:
        return "*" in self.stores or store_id in self.stores

    def matches(self, secret: str) -> bool:
        """Constant-time check of a presented secret against the stored salted hash."""
        return bool(self.hash) and hmac.compare_digest(hash_secret(secret, self.salt), self.hash)


def subject_key(pairs: Iterable[tuple[str, str]]) -> frozenset[tuple[str, str]]:
    """A certificate subject as a set of (short name, value): the order of its attributes does not matter."""
    return frozenset((_SHORT.get(name.lower(), name.upper()), value) for name, value in pairs)


def parse_subject(text: str) -> str:
    """A subject in RFC 4514 form (CN=till-01291,O=Example Retail), also accepting long attribute names
    (commonName=...) and the OpenSSL form (/CN=.../O=...); returned in the RFC 4514 form, or ValueError."""
    separator = "/" if text.startswith("/") else ","
    parts = []
    for part in text.strip(separator).split(separator):
        name, equals, value = part.partition("=")
        name, value = name.strip(), value.strip()
        short = _SHORT.get(name.lower(), name.upper())
        if not equals or short not in _ATTRIBUTES or not _VALUE.fullmatch(value):
            raise ValueError(f"subject {text!r}: give attributes as CN=till-01291,O=Example Retail")
        parts.append(f"{short}={value}")
    return ",".join(parts)


def check_name(name: str) -> str:
    if not NAME.fullmatch(name):
        raise ValueError(f"credential name {name!r}: use letters, digits, '.', '_' and '-' (at most 64)")
    return name


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
    subject = parse_subject(str(table["subject"])) if kind == "cert" else ""
    if kind != "cert" and not (table.get("salt") and table.get("hash")):
        raise ValueError(f"credential {table['name']!r} needs salt and hash")
    return Credential(
        name=str(table["name"]),
        kind=kind,
        stores=tuple(str(store) for store in stores),
        admin=bool(table.get("admin", False)),
        salt=str(table.get("salt", "")),
        hash=str(table.get("hash", "")),
        subject=subject,
    )


def new_credential(name: str, kind: str, stores: tuple[str, ...], admin: bool, subject: str) -> tuple[Credential, str]:
    """A credential and the secret to hand to its owner (shown once, never stored in clear); ValueError for a
    name, store or subject that a settings file could not carry safely."""
    check_name(name)
    for store in stores:
        if not STORE.fullmatch(store):
            raise ValueError(f"store {store!r}: use letters, digits, '.', '_' and '-', or * for every store")
    if kind == "cert":
        return Credential(name, kind, stores, admin, subject=parse_subject(subject)), ""
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

"""Personal data: positive IDs become keyed hashes plus the last four; names and phones are masked, and sealed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from handlers.models import Customer, PositiveId


def positive_id_hash(secret: bytes, positive_id: PositiveId) -> str:
    """HMAC-SHA256 of type, issuer and number: the same document always gives the same key, never the number."""
    material = f"{positive_id.id_type.upper()}|{positive_id.issuer.upper()}|{positive_id.number.upper()}"
    return hmac.new(secret, material.encode("utf-8"), hashlib.sha256).hexdigest()


def positive_id_display(positive_id: PositiveId) -> str:
    """Type, issuer and the last four characters: 'DriversLicense/TX ****5678'."""
    return f"{positive_id.id_type}/{positive_id.issuer} ****{positive_id.number[-4:]}"


def mask_text(text: str) -> str:
    """Keep the first character of each word: 'Dana Whitfield' -> 'D*** W********'."""
    return " ".join(word[:1] + "*" * (len(word) - 1) for word in text.split())


def mask_phone(phone: str) -> str:
    digits = [c for c in phone if c.isdigit()]
    return "***" + "".join(digits[-4:])


def _seal_key(secret: bytes) -> AESGCM:
    return AESGCM(hmac.new(secret, b"returns-gateway personal data seal v1", hashlib.sha256).digest())


def sealed_customer(secret: bytes, customer: Customer | None) -> str | None:
    """Name, address, phone and customer id encrypted (AES-256-GCM) for admins; None when there are none."""
    if customer is None:
        return None
    clear = {
        "name": f"{customer.name.first} {customer.name.last}" if customer.name else None,
        "address": [*customer.address.lines, customer.address.city] if customer.address else None,
        "postal_code": customer.address.postal_code if customer.address else None,
        "phone": customer.phone,
        "customer_id": customer.customer_id,
    }
    kept = {key: value for key, value in clear.items() if value is not None}
    if not kept:
        return None
    nonce = os.urandom(12)
    sealed = _seal_key(secret).encrypt(nonce, json.dumps(kept, sort_keys=True).encode("utf-8"), None)
    return base64.b64encode(nonce + sealed).decode("ascii")


def unseal(secret: bytes, sealed: str) -> dict[str, object]:
    """The clear customer details of a sealed value (admins only)."""
    raw = base64.b64decode(sealed)
    clear = _seal_key(secret).decrypt(raw[:12], raw[12:], None)
    return dict(json.loads(clear))


def masked_customer(customer: Customer | None) -> str | None:
    """The customer as JSON with every personal field masked; None when there is nothing to keep."""
    if customer is None:
        return None
    masked = {
        "name": mask_text(f"{customer.name.first} {customer.name.last}") if customer.name else None,
        "city": customer.address.city if customer.address else None,
        "region": customer.address.region if customer.address else None,
        "country": customer.address.country if customer.address else None,
        "phone": mask_phone(customer.phone) if customer.phone else None,
        "loyalty_account_id": customer.loyalty_account_id,
    }
    kept = {key: value for key, value in masked.items() if value is not None}
    return json.dumps(kept, sort_keys=True) if kept else None

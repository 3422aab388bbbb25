"""The hostile request corpus: every file of the invalid corpus plus attacks that only exist over HTTP."""

from __future__ import annotations

import gzip
import zlib
from dataclasses import dataclass, field

from tests.conftest import CORPUS, EXAMPLES

XML = "application/xml"
VALID = (EXAMPLES / "authorize_receipted_single.xml").read_bytes()
ID_FIELDS = ("MessageId", "StoreId", "RegisterId", "CashierId", "ItemId", "TransactionSequence")


@dataclass(frozen=True)
class Hostile:
    name: str
    body: bytes
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": XML})
    statuses: tuple[int, ...] = (400,)


def _swap(old: bytes, new: bytes) -> bytes:
    assert old in VALID, old
    return VALID.replace(old, new, 1)


def _with_id(field_name: str) -> bytes:
    start = VALID.index(f"<{field_name}>".encode()) + len(field_name) + 2
    end = VALID.index(f"</{field_name}>".encode(), start)
    return VALID[:start] + b"1' OR '1'='1; DROP TABLE tickets;--" + VALID[end:]


def _soap(inner: bytes) -> bytes:
    return (
        b'<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>' + inner + b"</s:Body></s:Envelope>"
    )


def hostile_requests() -> list[Hostile]:
    body = VALID.split(b"?>", 1)[1]
    found = [Hostile(f"corpus-{path.stem}", path.read_bytes()) for path in sorted((CORPUS / "invalid").glob("*.xml"))]
    found += [Hostile(f"sql-in-{name}", _with_id(name)) for name in ID_FIELDS]
    bomb = b"<a>" + b" " * 30_000_000 + b"</a>"
    found += [
        Hostile("gzip-bomb", gzip.compress(bomb), {"Content-Type": XML, "Content-Encoding": "gzip"}, (413,)),
        Hostile("deflate-bomb", zlib.compress(bomb), {"Content-Type": XML, "Content-Encoding": "deflate"}, (413,)),
        Hostile("broken-gzip", b"\x1f\x8b\x08\x00garbage" * 20, {"Content-Type": XML, "Content-Encoding": "gzip"}),
        Hostile(
            "very-large-body", VALID.replace(b"<Lines>", b"<!--" + b"x" * 3_000_000 + b"--><Lines>"), statuses=(413,)
        ),
        Hostile(
            "schema-location-hint",
            _swap(
                b'xmlns="urn:returns-gateway:messages:v1"',
                b'xmlns="urn:returns-gateway:messages:v1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="urn:returns-gateway:messages:v1 http://127.0.0.1:9/evil.xsd"',
            ),
        ),
        Hostile(
            "no-namespace-schema-hint",
            _swap(
                b'xmlns="urn:returns-gateway:messages:v1"',
                b'xmlns="urn:returns-gateway:messages:v1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:noNamespaceSchemaLocation="file:///etc/passwd"',
            ),
        ),
        Hostile(
            "quadratic-blowup", b'<!DOCTYPE r [<!ENTITY a "' + b"x" * 50_000 + b'">]><r>' + b"&a;" * 5_000 + b"</r>"
        ),
        Hostile("out-of-band-entity", b'<!DOCTYPE r [<!ENTITY % dtd SYSTEM "ftp://127.0.0.1:9/x.dtd"> %dtd;]><r/>'),
        Hostile(
            "too-many-elements",
            b'<AuthorizeReturnRequest xmlns="urn:returns-gateway:messages:v1">'
            + b"<x/>" * 30_000
            + b"</AuthorizeReturnRequest>",
        ),
        Hostile("mixed-encodings", _swap(b"Men's oxford shirt", b"Men\xe9s \xff\xfe\x00s\x00h\x00i\x00r\x00t")),
        Hostile("nul-bytes", _swap(b"39.99", b"39\x00.99")),
        Hostile("absurd-quantity", _swap(b"<Quantity>1</Quantity>", b"<Quantity>99999999999999999999</Quantity>")),
        Hostile("absurd-line-number", _swap(b"<LineNumber>1</LineNumber>", b"<LineNumber>0</LineNumber>")),
        Hostile(
            "ancient-date",
            _swap(b"<PurchaseDate>2026-11-08</PurchaseDate>", b"<PurchaseDate>0001-01-01</PurchaseDate>"),
        ),
        Hostile(
            "duplicate-currency",
            _swap(b"<Currency>USD</Currency>", b"<Currency>USD</Currency><Currency>EUR</Currency>"),
        ),
        Hostile("path-separators-in-id", _swap(b"AUTH-0001-20261120-001", b"../../etc/passwd")),
        Hostile("soap-with-two-messages", _soap(body + body), {"Content-Type": "text/xml"}),
        Hostile("soap-with-dtd", b"<!DOCTYPE s>" + _soap(body), {"Content-Type": "text/xml"}),
        Hostile("wrong-content-type", VALID, {"Content-Type": "application/json"}, (415,)),
        Hostile("no-content-type", VALID, {"Content-Type": ""}, (415,)),
    ]
    return found

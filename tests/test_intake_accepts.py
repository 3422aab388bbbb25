"""What the stricter intake still accepts: every listed encoding, and SOAP header blocks the gateway need not
understand (no mustUnderstand, mustUnderstand 0, or addressed to another role)."""

from __future__ import annotations

import pytest

from tests.serverutil import SOAP11, SOAP12, Client, example, field, post

AUTHORIZE = example("authorize_receipted_single").decode("utf-8")


def declared(encoding: str) -> str:
    return AUTHORIZE.replace('encoding="UTF-8"', f'encoding="{encoding}"')


@pytest.mark.parametrize(
    ("name", "body"),
    [
        ("utf-8", AUTHORIZE.encode("utf-8")),
        ("utf-8 with its mark", b"\xef\xbb\xbf" + AUTHORIZE.encode("utf-8")),
        ("no declaration", AUTHORIZE.split("?>", 1)[1].strip().encode("utf-8")),
        ("utf-16 little-endian", b"\xff\xfe" + declared("UTF-16").encode("utf-16-le")),
        ("utf-16 big-endian", b"\xfe\xff" + declared("UTF-16").encode("utf-16-be")),
        ("us-ascii", declared("US-ASCII").encode("ascii")),
        ("iso-8859-1", declared("ISO-8859-1").replace("Men's", "Men\u00e9s").encode("latin-1")),
    ],
)
async def test_every_listed_encoding_is_accepted(client: Client, name: str, body: bytes) -> None:
    status, text = await post(client, "/v1/messages", body)
    assert status == 200, (name, text[:300])
    assert field(text, "TicketId")


@pytest.mark.parametrize(
    ("namespace", "content_type", "header"),
    [
        (SOAP11, "text/xml", '<t:Trace xmlns:t="urn:till">1</t:Trace>'),
        (SOAP11, "text/xml", '<t:Trace xmlns:t="urn:till" s:mustUnderstand="0">1</t:Trace>'),
        (SOAP11, "text/xml", '<t:Trace xmlns:t="urn:till" s:actor="urn:another-node" s:mustUnderstand="1">1</t:Trace>'),
        (SOAP12, "application/soap+xml", '<t:Trace xmlns:t="urn:till" s:mustUnderstand="false">1</t:Trace>'),
        (
            SOAP12,
            "application/soap+xml",
            '<t:Trace xmlns:t="urn:till" s:role="http://www.w3.org/2003/05/soap-envelope/role/none"'
            ' s:mustUnderstand="true">1</t:Trace>',
        ),
    ],
)
async def test_header_blocks_the_gateway_need_not_understand_are_ignored(
    client: Client, namespace: str, content_type: str, header: str
) -> None:
    inner = AUTHORIZE.split("?>", 1)[1]
    envelope = f'<s:Envelope xmlns:s="{namespace}"><s:Header>{header}</s:Header><s:Body>{inner}</s:Body></s:Envelope>'
    status, text = await post(client, "/v1/messages", envelope.encode("utf-8"), content_type)
    assert status == 200, text[:400]
    assert f'xmlns:soap="{namespace}"' in text and field(text, "TicketId")

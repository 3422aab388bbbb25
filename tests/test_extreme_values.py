"""Schema-valid (and just-invalid) documents with extreme values, posted through the real HTTP app: never a 5xx,
and every 2xx is a well-formed answer that its own schema accepts.

Each case takes a shipped example (plain, or in a SOAP 1.1 or 1.2 envelope), gives a few of its simple-typed
elements and attributes values at and beyond the facets of their XSD type (tests/extreme_values.py), and posts it.
PROPERTY_CASES sets the number of cases.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sqlite3
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import xmlschema
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from gateway.app import create_app
from gateway.http.errors import SchemaInvalid, UnknownMessage
from gateway.http.schemas import default_registry
from gateway.settings import load_settings
from tests.conftest import EXAMPLES, ROOT
from tests.extreme_values import values_for
from tests.serverutil import SOAP11, SOAP12

CASES = int(os.environ.get("PROPERTY_CASES", "400"))
XSD = ROOT / "xsd"
TEMPLATES = {
    "authorize_receipted_single": ("authorize_request.xsd", "/v1/messages"),
    "authorize_split_tender": ("authorize_request.xsd", "/v1/returns/authorize"),
    "authorize_multilanguage_gold": ("authorize_request.xsd", "/v1/messages"),
    "authorize_nonreceipted_with_positive_id": ("authorize_request.xsd", "/v1/messages"),
    "authorize_gift_receipt": ("authorize_request.xsd", "/v1/messages"),
    "final_result_offline_no_ticket": ("final_result.xsd", "/v1/returns/final-result"),
    "final_result_manager_override": ("final_result.xsd", "/v1/messages"),
    "batch_offline_queue": ("batch.xsd", "/v1/returns/final-results"),
}
LOYALTY = {"purchase_two_ties": ("loyalty.xsd", "/v1/loyalty/activity")}


@dataclass(frozen=True)
class Leaf:
    path: str
    attribute: str | None
    simple_type: Any


@dataclass(frozen=True)
class Template:
    name: str
    body: bytes
    path: str
    leaves: tuple[Leaf, ...]


def _simple(xsd_type: Any) -> Any | None:
    if xsd_type.is_simple():
        return xsd_type
    return xsd_type.content if xsd_type.has_simple_content() else None


@cache
def _schema(file: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(str(XSD / file))


MEMBER_SCHEMAS = {"ReturnFinalResult": "final_result.xsd", "AuthorizeReturnRequest": "authorize_request.xsd"}


def _leaves(document: etree._ElementTree, schema: xmlschema.XMLSchema) -> tuple[Leaf, ...]:
    """Every simple-typed element and attribute of a document, with its XSD type (a batch's by its members')."""
    root = document.getroot()
    if etree.QName(root).localname == "MessageBatch":
        return tuple(
            leaf
            for member in root
            if isinstance(member.tag, str)
            for leaf in _leaves_under(document, member, _schema(MEMBER_SCHEMAS[etree.QName(member).localname]))
        )
    return _leaves_under(document, root, schema)


def _leaves_under(document: etree._ElementTree, top: etree._Element, schema: xmlschema.XMLSchema) -> tuple[Leaf, ...]:
    found = []
    for element in top.iter():
        if not isinstance(element.tag, str):
            continue
        steps = [element, *element.iterancestors()][::-1]
        steps = steps[steps.index(top) :]
        qualified = "/" + "/".join(f"{{{etree.QName(step).namespace}}}{etree.QName(step).localname}" for step in steps)
        declaration: Any = schema.find(qualified)
        if declaration is None:
            continue
        simple = _simple(declaration.type)
        path = document.getpath(element)
        if simple is not None and len(element) == 0:
            found.append(Leaf(path, None, simple))
        for name in element.attrib:
            attribute = declaration.type.attributes.get(name)
            if attribute is not None:
                found.append(Leaf(path, name, attribute.type))
    return tuple(found)


def _templates() -> list[Template]:
    made = []
    for folder, table in ((EXAMPLES, TEMPLATES), (EXAMPLES.parent / "loyalty", LOYALTY)):
        for name, (xsd, path) in table.items():
            body = (folder / f"{name}.xml").read_bytes()
            made.append(Template(name, body, path, _leaves(etree.ElementTree(etree.fromstring(body)), _schema(xsd))))
    return made


TEMPLATE_LIST = _templates()
UNIQUE = itertools.count()


def test_the_templates_reach_every_simple_type_the_till_messages_use() -> None:
    used = {leaf.simple_type.local_name or "anonymous" for template in TEMPLATE_LIST for leaf in template.leaves}
    expected = {
        "MessageIdType", "IdType", "CodeType", "ShortTextType", "CurrencyType", "LanguageType", "TimestampType",
        "DateType", "MoneyType", "PositiveQuantityType", "PointsType", "LineNumberType", "boolean",
        "TenderTypeType", "TransactionTypeType", "ItemConditionType", "PointsSourceType", "FinalDecisionType",
    }  # fmt: skip
    assert expected <= used, expected - used


@st.composite
def documents(draw: st.DrawFn) -> tuple[str, bytes, str]:
    """(URL path, body, content type) of an example with extreme values in a few of its leaves."""
    template = draw(st.sampled_from(TEMPLATE_LIST))
    root = etree.fromstring(template.body)
    tree = etree.ElementTree(root)
    chosen = draw(st.lists(st.sampled_from(template.leaves), min_size=1, max_size=5))
    touched = set()
    for leaf in chosen:
        element = tree.xpath(leaf.path)[0]
        value = draw(values_for(leaf.simple_type))
        if leaf.attribute is None:
            element.text = value
        else:
            element.set(leaf.attribute, value)
        touched.add(leaf.path)
    for element in root.iter("{*}MessageId", "{*}ReturnTransactionId"):
        if tree.getpath(element) not in touched:
            element.text = f"P{next(UNIQUE)}-{element.text}"[:40]
    body = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    wrap = draw(st.sampled_from(("plain", "plain", SOAP11, SOAP12)))
    if wrap == "plain":
        return template.path, body, "application/xml"
    envelope = f'<s:Envelope xmlns:s="{wrap}"><s:Body>'.encode() + body.split(b"?>", 1)[1] + b"</s:Body></s:Envelope>"
    return template.path, envelope, "text/xml" if wrap == SOAP11 else "application/soap+xml"


def _answer_is_well_formed(body: bytes, content_type: str) -> None:
    root = etree.fromstring(body)
    if content_type != "application/xml":
        assert etree.QName(root).localname == "Envelope"
        body_element = root.find("{*}Body")
        assert body_element is not None
        root = next(child for child in body_element if isinstance(child.tag, str))
    try:
        default_registry().validate(root)
    except UnknownMessage:
        assert etree.QName(root).localname.endswith(("Ack", "Response", "Result"))
    except SchemaInvalid as invalid:
        raise AssertionError(f"{[str(issue) for issue in invalid.issues]} in {body.decode()[:3000]}") from None


def _nothing_half_written(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        assert connection.execute("SELECT COUNT(*) FROM messages WHERE response IS NULL").fetchone()[0] == 0
        assert connection.execute("SELECT COUNT(*) FROM attempts WHERE responded_at IS NULL").fetchone()[0] == 0
        offline = (
            "SELECT COUNT(*) FROM tickets WHERE origin = 'offline'"
            " AND ticket_id NOT IN (SELECT ticket_id FROM final_results)"
        )
        assert connection.execute(offline).fetchone()[0] == 0


@pytest.mark.slow
def test_extreme_values_never_give_a_5xx(tmp_path: Path) -> None:
    loop = asyncio.new_event_loop()
    client = TestClient(TestServer(create_app(load_settings(environ={}, db_path=tmp_path / "g.db"))), loop=loop)
    loop.run_until_complete(client.start_server())
    statuses: dict[int, int] = {}

    async def send(path: str, body: bytes, content_type: str) -> tuple[int, bytes]:
        response = await client.post(path, data=body, headers={"Content-Type": content_type})
        return response.status, await response.read()

    @settings(max_examples=CASES, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    @given(document=documents())
    def case(document: tuple[str, bytes, str]) -> None:
        path, body, content_type = document
        status, answer = loop.run_until_complete(send(path, body, content_type))
        statuses[status] = statuses.get(status, 0) + 1
        assert status < 500, (status, answer[:600], body[:3000])
        if status < 300:
            _answer_is_well_formed(answer, content_type)

    try:
        case()
    finally:
        loop.run_until_complete(client.close())
        loop.close()
    _nothing_half_written(tmp_path / "g.db")
    assert statuses.get(200, 0) > 0 and statuses.get(400, 0) > 0, statuses

"""The text writer of responses writes what lxml would: same escaping, same empty elements, same document."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from gateway.admin.policies import load_policy_file
from handlers.history.history import EMPTY_HISTORY
from handlers.models import AckStatus, FinalResultAck
from handlers.policy.engine import evaluate
from handlers.policy.respond import authorize_response
from handlers.service import serialize
from handlers.xml import authorize_xml, final_result_xml, response_xml
from handlers.xml.xmltext import container, document, leaf, opt_leaf
from tests.conftest import EXAMPLES, POLICY

# Characters XML 1.0 allows, which is all a validated message or policy can carry.
XML_TEXT = st.text(
    st.characters(
        blacklist_categories=["Cs"], blacklist_characters=[chr(c) for c in range(32) if c not in (9, 10, 13)]
    ).filter(lambda c: c not in "\ufffe\uffff")
)


def lxml_element(name: str, text: str | None, **attributes: str) -> bytes:
    element = etree.Element(name, attributes)
    element.text = text
    return etree.tostring(element, encoding="UTF-8")


@given(XML_TEXT, XML_TEXT)
def test_leaf_escapes_text_and_attributes_as_lxml_does(value: str, attribute: str) -> None:
    assert leaf("Value", value).encode() == lxml_element("Value", value)
    assert leaf("Value", value, kind=attribute).encode() == lxml_element("Value", value, kind=attribute)


def test_values_take_the_contract_lexical_form() -> None:
    assert leaf("Amount", Decimal("12.50")) == "<Amount>12.50</Amount>"
    assert leaf("Flag", True) == "<Flag>true</Flag>"
    assert leaf("Count", 0) == "<Count>0</Count>"
    assert opt_leaf("Missing", None) == ""


def test_empty_container_closes_itself_and_none_attributes_are_left_out() -> None:
    assert container("Reasons") == "<Reasons/>"
    assert container("Reason", rule="R1", code=None) == '<Reason rule="R1"/>'
    assert container("Lines", "<Line/>") == "<Lines><Line/></Lines>"


def test_document_matches_lxml_serialization_of_the_same_tree() -> None:
    written = document("FinalResultAck", leaf("Status", "Recorded"))
    parsed = etree.fromstring(written)
    assert serialize(parsed) == written
    assert parsed.nsmap == {None: "urn:returns-gateway:messages:v1"}


def test_ack_written_as_text_reads_back_to_the_same_value() -> None:
    ack = FinalResultAck("M-1", "T-1", "RT <&> 1", AckStatus("Recorded"))
    assert final_result_xml.ack_from_xml(final_result_xml.ack_to_xml(ack)) == ack
    assert final_result_xml.ack_to_bytes(ack) == serialize(final_result_xml.ack_to_xml(ack))


def test_shipped_response_example_is_written_as_lxml_would_write_it() -> None:
    response = response_xml.from_xml(etree.parse(EXAMPLES / "authorize_response_mixed.xml").getroot())
    written = response_xml.to_bytes(response)
    assert serialize(etree.fromstring(written)) == written
    assert response_xml.from_xml(etree.fromstring(written)) == response


REQUESTS = sorted(path for path in EXAMPLES.glob("authorize_*.xml") if "response" not in path.name)


@pytest.mark.parametrize("path", REQUESTS, ids=lambda path: path.stem)
def test_evaluated_example_requests_answer_in_lxml_form(path: Path) -> None:
    request = authorize_xml.from_xml(etree.parse(path).getroot())
    policy_set = load_policy_file(POLICY)
    evaluation = evaluate(request, policy_set, EMPTY_HISTORY, request.header.business_date)
    response = authorize_response(evaluation, request.header.message_id, "T-1", policy_set.version, 2)
    written = response_xml.to_bytes(response)
    assert serialize(etree.fromstring(written)) == written
    assert response_xml.to_bytes(response_xml.from_xml(etree.fromstring(written))) == written

"""Mapping of the message batch: a MessageBatch holds authorize requests and final results, in queue order."""

from __future__ import annotations

from typing import Any

from handlers.models import AuthorizeRequest, FinalResult
from handlers.xml import authorize_xml, final_result_xml
from handlers.xml.xmlcommon import Element, q, root

ROOT = "MessageBatch"


def from_xml(element: Element) -> tuple[AuthorizeRequest | FinalResult, ...]:
    return tuple(_read(child) for child in element if isinstance(child.tag, str))


def _read(element: Element) -> AuthorizeRequest | FinalResult:
    if element.tag == q(authorize_xml.ROOT):
        return authorize_xml.from_xml(element)
    return final_result_xml.from_xml(element)


def to_xml(messages: tuple[Any, ...]) -> Element:
    element = root(ROOT)
    for message in messages:
        if isinstance(message, AuthorizeRequest):
            element.append(authorize_xml.to_xml(message))
        else:
            element.append(final_result_xml.to_xml(message))
    return element

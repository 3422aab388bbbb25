"""The message catalogue: for each root element, how to read it into a model and write it back."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from handlers.xml import authorize_xml, batch_xml, fault_xml, final_result_xml, response_xml
from handlers.xml.xmlcommon import NS


@dataclass(frozen=True, slots=True)
class Codec:
    """How one message type maps between XML and its model."""

    name: str
    read: Callable[[etree._Element], Any]
    write: Callable[[Any], etree._Element]


CODECS: dict[str, Codec] = {
    f"{{{NS}}}{codec.name}": codec
    for codec in (
        Codec(authorize_xml.ROOT, authorize_xml.from_xml, authorize_xml.to_xml),
        Codec(response_xml.ROOT, response_xml.from_xml, response_xml.to_xml),
        Codec(final_result_xml.ROOT, final_result_xml.from_xml, final_result_xml.to_xml),
        Codec(final_result_xml.ACK_ROOT, final_result_xml.ack_from_xml, final_result_xml.ack_to_xml),
        Codec(fault_xml.ROOT, fault_xml.from_xml, fault_xml.to_xml),
        Codec(batch_xml.ROOT, batch_xml.from_xml, batch_xml.to_xml),
    )
}


def codec_for(element: etree._Element) -> Codec:
    """The codec of a validated element; KeyError for a root with no codec."""
    return CODECS[str(element.tag)]

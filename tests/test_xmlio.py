"""The hardened parser refuses every hostile shape with its own fault code."""

from __future__ import annotations

import gzip

import pytest

from gateway.http.errors import (
    AttributeTooLong,
    BadEncoding,
    DtdForbidden,
    EntityForbidden,
    MalformedXml,
    NamespaceTooLong,
    NameTooLong,
    SchemaHintForbidden,
    TooDeep,
    TooLarge,
    TooManyElements,
    TooManyNamespaces,
    XIncludeForbidden,
)
from gateway.http.xmlio import ParseLimits, parse_xml


def test_plain_document_parses() -> None:
    root = parse_xml(b"<a><b>text</b></a>")
    assert root.findtext("b") == "text"


@pytest.mark.parametrize(
    ("data", "error"),
    [
        (b"", MalformedXml),
        (b"   \n", MalformedXml),
        (b"<a>", MalformedXml),
        (b"<!DOCTYPE a><a/>", DtdForbidden),
        (b'<!DOCTYPE a [<!ENTITY e "x">]><a>&e;</a>', DtdForbidden),
        (b"<a>&undeclared;</a>", EntityForbidden),
        (b'<a xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="/etc/hosts"/></a>', XIncludeForbidden),
        (b'<?xml version="1.0" encoding="UTF-8"?><a>\xff</a>', BadEncoding),
        (b'<?xml version="1.0" encoding="nope"?><a/>', BadEncoding),
        (b"<a>" * 30 + b"</a>" * 30, TooDeep),
    ],
)
def test_hostile_shapes_are_refused(data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error):
        parse_xml(data)


def test_doctype_in_utf16_is_refused() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE a><a/>'.encode("utf-16")
    with pytest.raises(DtdForbidden):
        parse_xml(data)


def test_declared_utf16_is_honoured() -> None:
    data = '<?xml version="1.0" encoding="UTF-16"?><a>é</a>'.encode("utf-16")
    assert parse_xml(data).text == "é"


def test_latin1_declaration_is_honoured() -> None:
    data = '<?xml version="1.0" encoding="ISO-8859-1"?><a>é</a>'.encode("latin-1")
    assert parse_xml(data).text == "é"


def test_size_cap_applies_before_parsing() -> None:
    with pytest.raises(TooLarge):
        parse_xml(b"<a>" + b"x" * 2000 + b"</a>", ParseLimits(max_bytes=1000))


def test_element_count_cap() -> None:
    with pytest.raises(TooManyElements):
        parse_xml(b"<a>" + b"<b/>" * 50 + b"</a>", ParseLimits(max_elements=20))


def test_attribute_length_cap() -> None:
    with pytest.raises(AttributeTooLong):
        parse_xml(b'<a b="' + b"x" * 300 + b'"/>', ParseLimits(max_attribute_length=100))


def test_compressed_bytes_are_not_xml() -> None:
    with pytest.raises(MalformedXml):
        parse_xml(gzip.compress(b"<a/>"))


def test_syntax_errors_carry_line_and_column() -> None:
    with pytest.raises(MalformedXml) as caught:
        parse_xml(b"<a>\n  <b></a>")
    issue = caught.value.issues[0]
    assert (issue.line, issue.column) == (2, 10)
    assert "mismatch" in issue.message


# --- the byte checks: wherever they skip a check of the tree, the tree holds nothing that check would refuse ---

CAP = ParseLimits(max_attribute_length=100, max_namespaces=3, max_elements=20)
NAME = "n" * 101
WIDE_NAME = "\u00e9" * 60  # 120 bytes in UTF-8, 60 characters: within the cap
SHAPES = [
    (f"<a><{NAME}/></a>", NameTooLong),
    (f"<p:{'n' * 99} xmlns:p='u'/>", NameTooLong),
    (f"<a {NAME}='1'/>", NameTooLong),
    (f"<a><{WIDE_NAME}/></a>", None),
    ("<a>" + "x" * 500 + "</a>", None),
    ('<a xmlns:a="1" xmlns:b="2" xmlns:c="3"/>', None),
    ('<a xmlns:a="1" xmlns:b="2" xmlns:c="3" xmlns:d="4"/>', TooManyNamespaces),
    ('<a xmlns:a="1"><b>xmlns xmlns xmlns xmlns</b></a>', None),
    ('<a xmlns:p="' + "&#x61;" * 90 + '"/>', None),
    ('<a xmlns:p="' + "&#x61;" * 101 + '"/>', NamespaceTooLong),
    ('<a xmlns:p="' + "u" * 60 + '" xmlns:' + "q" * 50 + '="v"/>', None),
    ("<a xmlns:" + "p" * 50 + '="' + "u" * 60 + '"/>', NamespaceTooLong),
    ('<a xmlns:x="http://www.w3.org/2001/XMLSchema-instance" x:schemaLocation="u v"/>', SchemaHintForbidden),
    (
        '<a xmlns:x="http://www.w3.org/2001/XMLSchema&#x2D;instance" x:noNamespaceSchemaLocation="u"/>',
        SchemaHintForbidden,
    ),
    ("<a>" + "<b/>" * 19 + "</a>", None),
    ("<a>" + "<b/>" * 20 + "</a>", TooManyElements),
    ("<a><b>" + "&lt;" * 30 + "</b></a>", None),
]


@pytest.mark.parametrize(("document", "error"), SHAPES)
@pytest.mark.parametrize("encoding", ["UTF-8", "ISO-8859-1", "UTF-16"])
def test_byte_checks_refuse_what_the_tree_checks_refuse(
    document: str, error: type[Exception] | None, encoding: str
) -> None:
    """The bytes are checked first in UTF-8 and ISO-8859-1, only the tree in UTF-16: all give the same verdict."""
    data = f'<?xml version="1.0" encoding="{encoding}"?>{document}'.encode(encoding.replace("UTF-16", "utf-16"))
    if error is None:
        assert parse_xml(data, CAP) is not None
    else:
        with pytest.raises(error):
            parse_xml(data, CAP)

"""Which byte encodings a message may come in: UTF-8, UTF-16 (with its byte-order mark), US-ASCII, ISO-8859-1.

Everything else (UTF-7, UTF-32, EBCDIC code pages, a byte-order mark that contradicts the declaration, wide
characters without a byte-order mark) is refused before the parser sees the bytes: such encodings are a way to slip
content past filters, and no till uses them.
"""

from __future__ import annotations

import re

from gateway.http.errors import BadEncoding, Issue

ACCEPTED = ("UTF-8", "UTF-16", "US-ASCII", "ISO-8859-1")
_ALIASES = {
    "UTF-8": "UTF-8",
    "UTF8": "UTF-8",
    "UTF-16": "UTF-16",
    "UTF16": "UTF-16",
    "UTF-16LE": "UTF-16",
    "UTF-16BE": "UTF-16",
    "US-ASCII": "US-ASCII",
    "ASCII": "US-ASCII",
    "ISO-8859-1": "ISO-8859-1",
    "ISO8859-1": "ISO-8859-1",
    "ISO_8859-1": "ISO-8859-1",
    "LATIN1": "ISO-8859-1",
    "LATIN-1": "ISO-8859-1",
}
_BOMS = (
    (b"\x00\x00\xfe\xff", "UTF-32"),
    (b"\xff\xfe\x00\x00", "UTF-32"),
    (b"\xef\xbb\xbf", "UTF-8"),
    (b"\xfe\xff", "UTF-16"),
    (b"\xff\xfe", "UTF-16"),
    (b"+/v", "UTF-7"),
)
_BYTE_ORDERS = {"UTF-16LE": "UTF-16", "UTF-16BE": "UTF-16"}
_ASCII_COMPATIBLE = frozenset({"UTF-8", "US-ASCII", "ISO-8859-1"})
_EBCDIC = b"\x4c\x6f\xa7\x94"  # "<?xm" in the EBCDIC code pages
_DECLARATION = re.compile(r"<\?xml[^>]*?encoding\s*=\s*[\"']([^\"']*)[\"']")


def check_encoding(data: bytes) -> str:
    """The encoding the document is in, by its byte-order mark and declaration; BadEncoding when not accepted."""
    marked = next((name for bom, name in _BOMS if data.startswith(bom)), None)
    if marked in ("UTF-32", "UTF-7"):
        raise _refused(f"{marked} is not accepted")
    if marked == "UTF-16":
        codec = "utf-16-be" if data.startswith(b"\xfe\xff") else "utf-16-le"
        declared = _declared(data[2:400].decode(codec, "replace"))
        order = "UTF-16BE" if codec == "utf-16-be" else "UTF-16LE"
        if declared is not None and declared.upper().replace("_", "-") in _BYTE_ORDERS.keys() - {order}:
            raise _refused(f"the byte-order mark says {order} but the document declares {declared}")
        return _agree("UTF-16", declared)
    if b"\x00" in data[:4] and b"<" in data[:4]:
        raise _refused("wide characters without a byte-order mark (UTF-16 needs its BOM; UTF-32 is not accepted)")
    if data.startswith(_EBCDIC):
        raise _refused("EBCDIC is not accepted")
    declared = _declared(data[3 if marked else 0 : 400].decode("latin-1"))
    if marked == "UTF-8":
        return _agree("UTF-8", declared)
    if declared is None:
        return "UTF-8"
    name = _ALIASES.get(declared.upper())
    if name is None or name == "UTF-16":
        raise _refused(f"encoding {declared!r} is not accepted (without a byte-order mark); send one of {_listed()}")
    return name


def check_charset(charset: str | None) -> None:
    """A charset parameter of the Content-Type, when given, must be an accepted encoding too."""
    if charset and charset.upper() not in _ALIASES:
        raise _refused(f"charset {charset!r} is not accepted; send one of {_listed()}")


def check_charset_agrees(charset: str | None, data: bytes) -> None:
    """A charset parameter must name the encoding the document is in (by its byte-order mark and declaration).

    Encodings that write ASCII alike (UTF-8, US-ASCII, ISO-8859-1) agree on a document of ASCII bytes only.
    """
    if not charset:
        return
    check_charset(charset)
    said, found = _ALIASES[charset.upper()], check_encoding(data)
    if said == found or ({said, found} <= _ASCII_COMPATIBLE and data.isascii()):
        return
    raise _refused(f"the Content-Type says charset {charset} but the document is in {found}")


def _declared(head: str) -> str | None:
    found = _DECLARATION.match(head)
    return None if found is None else found.group(1)


def _agree(marked: str, declared: str | None) -> str:
    """A byte-order mark and a declaration must name the same encoding."""
    if declared is not None and _ALIASES.get(declared.upper(), declared.upper()) != marked:
        raise _refused(f"the byte-order mark says {marked} but the document declares {declared}")
    return marked


def _listed() -> str:
    return ", ".join(ACCEPTED)


def _refused(message: str) -> BadEncoding:
    return BadEncoding(message, (Issue(f"accepted encodings: {_listed()}", 1, 1),))

"""Contract XML written straight as text, escaped as lxml serializes it: the fast path for responses."""

from __future__ import annotations

from handlers.xml.xmlcommon import NS, format_value

_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTRIBUTE = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)
DECLARATION = "<?xml version='1.0' encoding='UTF-8'?>\n"


def _attributes(attributes: dict[str, object]) -> str:
    return "".join(
        f' {name}="{format_value(value).translate(_ATTRIBUTE)}"'
        for name, value in attributes.items()
        if value is not None
    )


def _text(value: object) -> str:
    written = value if type(value) is str else format_value(value)
    if "&" in written or "<" in written or ">" in written or "\r" in written:
        return written.translate(_TEXT)
    return written


def leaf(name: str, value: object, /, **attributes: object) -> str:
    """An element holding one value (always written with start and end tags, as lxml does for a text value)."""
    if attributes:
        return f"<{name}{_attributes(attributes)}>{_text(value)}</{name}>"
    return f"<{name}>{_text(value)}</{name}>"


def opt_leaf(name: str, value: object) -> str:
    return "" if value is None else leaf(name, value)


def container(name: str, content: str = "", /, **attributes: object) -> str:
    """An element holding other elements; empty, it closes itself. Attributes of value None are left out."""
    opening = f"{name}{_attributes(attributes)}" if attributes else name
    return f"<{opening}>{content}</{name}>" if content else f"<{opening}/>"


def document(root: str, content: str) -> bytes:
    """A whole message: declaration, root element in the contract's namespace, UTF-8."""
    return f'{DECLARATION}<{root} xmlns="{NS}">{content}</{root}>'.encode()

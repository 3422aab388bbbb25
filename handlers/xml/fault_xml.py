"""Mapping of the fault message: Fault <-> XML."""

from __future__ import annotations

import re

from handlers.decision import Fault
from handlers.xml.xmlcommon import Element, child, children, root, sub, text

ROOT = "Fault"


_NOT_XML = re.compile("[^\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def clean(text: str) -> str:
    """Text that XML can carry: characters XML forbids (NUL, controls, lone surrogates) become U+FFFD."""
    return _NOT_XML.sub("\ufffd", text)[:1000]


def to_xml(fault: Fault) -> Element:
    element = root(ROOT)
    sub(element, "Code", fault.code)
    sub(element, "Message", clean(fault.message) or fault.code)
    if fault.issues:
        holder = sub(element, "Issues")
        for message, line, column, xpath in fault.issues[:100]:
            attributes = {
                name: clean(str(value))
                for name, value in (("line", line), ("column", column), ("xpath", xpath))
                if value is not None
            }
            sub(holder, "Issue", clean(message) or "issue", **attributes)
    return element


def from_xml(element: Element) -> Fault:
    holder = child(element, "Issues")
    issues = tuple(
        (
            (issue.text or "").strip(),
            _opt_int(issue.get("line")),
            _opt_int(issue.get("column")),
            issue.get("xpath"),
        )
        for issue in (children(holder, "Issue") if holder is not None else [])
    )
    return Fault(text(element, "Code"), text(element, "Message"), issues)


def _opt_int(value: str | None) -> int | None:
    return None if value is None else int(value)

"""Mapping of the fault message: Fault <-> XML."""

from __future__ import annotations

from handlers.decision import Fault
from handlers.xmlcommon import Element, child, children, root, sub, text

ROOT = "Fault"


def to_xml(fault: Fault) -> Element:
    element = root(ROOT)
    sub(element, "Code", fault.code)
    sub(element, "Message", fault.message[:1000] or fault.code)
    if fault.issues:
        holder = sub(element, "Issues")
        for message, line, column, xpath in fault.issues[:100]:
            attributes = {
                name: str(value)
                for name, value in (("line", line), ("column", column), ("xpath", xpath))
                if value is not None
            }
            sub(holder, "Issue", message[:1000] or "issue", **attributes)
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

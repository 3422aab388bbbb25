"""JSON request bodies of the administration API, read strictly: one UTF-8 JSON object, every key once.

A refusal is MESSAGE_INVALID (400) with the field at fault as a JSON pointer (RFC 6901) in the issue's location:
JSON that Python would read leniently (a repeated key, NaN or Infinity, UTF-16 bytes, a byte-order mark) or could
not read at all (nesting too deep, an integer of thousands of digits) is refused rather than guessed at.
"""

from __future__ import annotations

import json
from typing import Any

from gateway.http.errors import ContentInvalid, Issue


def pointer(*parts: str) -> str:
    """The JSON pointer of a field: pointer("positive_id", "type") is /positive_id/type."""
    return "".join("/" + part.replace("~", "~0").replace("/", "~1") for part in parts)


def field_issue(*parts: str) -> Issue:
    """An issue naming a field of the body (its name as the message, its JSON pointer as the location)."""
    return Issue(parts[-1] if parts else "the body", xpath=pointer(*parts) or "")


class _Object(dict[str, Any]):
    """A JSON object as read, remembering a key it had more than once."""

    repeated: str | None = None


def _object(pairs: list[tuple[str, Any]]) -> _Object:
    found = _Object()
    for key, value in pairs:
        if key in found and found.repeated is None:
            found.repeated = key
        found[key] = value
    return found


def _repeated(value: Any, path: tuple[str, ...] = ()) -> tuple[str, ...] | None:
    """The path of the first key given twice in an object, or None."""
    if isinstance(value, _Object) and value.repeated is not None:
        return (*path, value.repeated)
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        found = _repeated(item, (*path, str(key)))
        if found is not None:
            return found
    return None


def _constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_object(data: bytes) -> dict[str, Any]:
    """The body as a JSON object ({} for an empty body); ContentInvalid naming what is wrong otherwise."""
    if not data:
        return {}
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ContentInvalid("the body is not UTF-8 JSON", (field_issue(),)) from None
    if text.startswith("\ufeff"):
        raise ContentInvalid("the body starts with a byte-order mark; send UTF-8 JSON without one", (field_issue(),))
    try:
        body = json.loads(text, object_pairs_hook=_object, parse_constant=_constant)
        repeated = _repeated(body)
    except RecursionError:
        raise ContentInvalid("the body nests too deeply", (field_issue(),)) from None
    except json.JSONDecodeError as exc:
        raise ContentInvalid("the body is not JSON", (Issue(exc.msg, exc.lineno, exc.colno, ""),)) from None
    except ValueError as exc:  # NaN or Infinity, an integer beyond Python's digit limit
        raise ContentInvalid(f"the body is not JSON: {exc}", (field_issue(),)) from None
    if repeated is not None:
        message = f"key {repeated[-1]!r} is given more than once"
        raise ContentInvalid(message, (Issue(message, xpath=pointer(*repeated)),))
    if not isinstance(body, dict):
        raise ContentInvalid("the body must be a JSON object", (field_issue(),))
    return body

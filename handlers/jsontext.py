"""Compact JSON text for the records the write path keeps, byte for byte what `json.dumps(value,
separators=(",", ":"))` writes, at a fraction of its cost.

orjson writes the same text for the values kept here (strings, integers, booleans, None, lists, tuples and dicts
with string keys) as long as the text is printable ASCII; where it is not (json.dumps escapes every character
outside it) or the value holds something orjson does not take, the standard library writes it.
"""

from __future__ import annotations

import json
from typing import Any

import orjson


def compact(value: Any) -> str:
    """`value` as compact JSON text, identical to the standard library's."""
    try:
        text = orjson.dumps(value, default=_sequence)
    except TypeError:
        return json.dumps(value, separators=(",", ":"))
    if text.isascii() and b"\x7f" not in text:
        return text.decode("ascii")
    return json.dumps(value, separators=(",", ":"))


def _sequence(value: Any) -> list[Any]:
    """A tuple subclass (a named tuple, such as a trace step) as the list json.dumps writes for it."""
    if isinstance(value, tuple):
        return list(value)
    raise TypeError(f"{type(value).__name__} is not JSON")

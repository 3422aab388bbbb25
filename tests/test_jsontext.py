"""Compact JSON text: byte for byte the standard library's compact form, whatever the value holds."""

from __future__ import annotations

import json
from typing import NamedTuple

import pytest

from handlers.jsontext import compact


class Step(NamedTuple):
    rule: str
    code: str | None
    changed: bool


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": [True, False, None], "c": {"d": "e"}},
        {"steps": [Step("window", None, True), Step("over-return", "100", False)]},
        {"text": "caf\u00e9 \u2603 \U0001f600", "quote": 'say "hi"\n\t\\'},
        {"control": "\x00\x1f\x7f", "slash": "a/b", "html": "<&>"},
        {"big": 2**70, "negative": -(2**63), "zero": 0},
        [["x", "1.50"], ("y", "2.00")],
        {},
    ],
)
def test_compact_is_the_standard_librarys_compact_text(value: object) -> None:
    assert compact(value) == json.dumps(value, separators=(",", ":"))


def test_a_value_json_cannot_hold_is_refused_as_json_refuses_it() -> None:
    with pytest.raises(TypeError):
        compact({"at": object()})

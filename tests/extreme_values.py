"""Values at and beyond the facets of every simple type the message schemas use, for the property tests.

`values_for(type)` gives a strategy of lexical values for an XSD simple type: boundaries, lexical corner cases that
XML Schema admits (24:00:00, -00:00 zones, leading zeros and signs, huge integers) and some it refuses (leap
seconds, year 0000, zones beyond 14 hours, exponents, -0 for unsigned types).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

DATETIMES = (
    "2026-11-20T24:00:00Z",
    "2026-12-31T24:00:00+14:00",
    "9999-12-31T23:59:59Z",
    "9999-12-31T23:59:59-14:00",
    "9999-12-31T24:00:00Z",
    "0001-01-01T00:00:00Z",
    "0001-01-01T00:00:00+14:00",
    "0001-01-01T09:59:59+10:00",
    "0000-01-01T00:00:00Z",
    "2026-12-31T23:59:60Z",
    "2026-11-20T10:15:00-00:00",
    "2026-11-20T10:15:00+14:00",
    "2026-11-20T10:15:00-14:00",
    "2026-11-20T10:15:00+14:01",
    "2026-11-20T10:15:00+15:00",
    "2026-02-29T10:15:00Z",
    "2024-02-29T10:15:00Z",
    "2026-11-20T24:00:01Z",
    "2026-11-20T10:15:00.5Z",
    "-2026-11-20T10:15:00Z",
    "12026-11-20T10:15:00Z",
)
DATES = (
    "1900-01-01",
    "2199-12-31",
    "1899-12-31",
    "2200-01-01",
    "0000-01-01",
    "0001-01-01",
    "9999-12-31",
    "2024-02-29",
    "2026-02-29",
    "2026-11-20Z",
    "2026-11-20+14:00",
)
DECIMALS = (
    "0",
    "-0",
    "+0",
    "0.000",
    "-0.00",
    "00000000000000000000000000000001",
    "0.001",
    "0.0001",
    "1E3",
    "1e-2",
    "INF",
    "NaN",
    ".5",
    "5.",
    "+1",
    "-1",
    "99999",
    "99999.999",
    "100000",
    "999999999999.999",
    "9999999999999.99",
    "999999999999999",
    "1000000000000000",
    "9" * 400,
    "0." + "0" * 300 + "1",
)
INTEGERS = ("0", "1", "+1", "-0", "-1", "0001", "999", "1000", "9999", "10000", "9" * 400, "1.0", "1E2", " 7 ")
BOOLEANS = ("true", "false", "1", "0", " true ", "TRUE", "yes")
LANGUAGES = ("en", "fr-CA", "x-klingon", "i-enochian", "abcdefgh-12345678", "en-", "e", "zh-Hant-TW")
STRINGS = ("A", "A" * 40, "A" * 41, "A" * 120, "A" * 121, "é", "\U0001d11e", "a b", "-x", "0", " padded ")
TEXTS = ("x", "x" * 120, "x" * 121, "x" * 1000, "x" * 1001, "\U0001d11e" * 60, "  ", "<&>", "\u200b")


def values_for(simple_type: Any) -> st.SearchStrategy[str]:
    """Lexical values for an xmlschema simple type, from its enumeration, name and primitive type."""
    enumeration = getattr(simple_type, "enumeration", None)
    if enumeration:
        return st.sampled_from([*map(str, enumeration), str(enumeration[0]).lower(), "Other"])
    primitive = getattr(getattr(simple_type, "primitive_type", None), "local_name", "string")
    name = simple_type.local_name or ""
    if primitive == "dateTime":
        return st.sampled_from(DATETIMES)
    if primitive == "date":
        return st.sampled_from(DATES)
    if primitive == "boolean":
        return st.sampled_from(BOOLEANS)
    if primitive == "decimal":
        whole = name in ("LineNumberType", "CountType") or "Integer" in name or _is_integer(simple_type)
        return st.sampled_from(INTEGERS if whole else DECIMALS) | st.decimals(allow_nan=False, places=3).map(str)
    if "language" in name.lower() or _derives(simple_type, "language"):
        return st.sampled_from(LANGUAGES)
    if "Text" in name:
        return st.sampled_from(TEXTS)
    return st.sampled_from(STRINGS) | st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._:\-]{0,45}", fullmatch=True)


def _is_integer(simple_type: Any) -> bool:
    return _derives(simple_type, "integer")


def _derives(simple_type: Any, builtin: str) -> bool:
    current = simple_type
    while current is not None:
        if getattr(current, "local_name", None) == builtin:
            return True
        current = getattr(current, "base_type", None)
    return False

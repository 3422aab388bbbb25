"""Query parameters of the GET endpoints: each endpoint names the ones it accepts and how each is read.

An unknown parameter, a repeated one, or a value not of its form is refused with PARAMETER_INVALID (400), naming
the parameter and what it accepts; nothing is silently ignored, clamped or defaulted from a bad value.
"""

from __future__ import annotations

import re
from datetime import date

from aiohttp import web

from gateway.http.errors import ParameterInvalid

DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,39}")
CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-]{0,19}")
ORIGINAL_SALE = re.compile(
    r"(?:[A-Za-z0-9][A-Za-z0-9._\-]{0,39}/){2}\d{4}-\d{2}-\d{2}/[A-Za-z0-9][A-Za-z0-9._\-]{0,39}"
)
ID_TEXT = "an identifier: a letter or digit, then up to 39 letters, digits, '.', '_' or '-'"
CODE_TEXT = "a code: a letter or digit, then up to 19 letters, digits, '_' or '-'"


class Params:
    """The query of one request, checked against the parameters its endpoint accepts."""

    def __init__(self, request: web.Request, *accepted: str) -> None:
        self.query = request.query
        for name in self.query:
            if name not in accepted:
                listed = ", ".join(accepted) if accepted else "no query parameters"
                raise ParameterInvalid(name, f"one this endpoint accepts ({listed})")
            if len(self.query.getall(name)) > 1:
                raise ParameterInvalid(name, "given at most once")

    def has(self, name: str) -> bool:
        return name in self.query

    def text(self, name: str, pattern: re.Pattern[str] = ID, accepts: str = ID_TEXT) -> str | None:
        value = self.query.get(name)
        if value is None:
            return None
        if not pattern.fullmatch(value):
            raise ParameterInvalid(name, accepts)
        return value

    def choice(self, name: str, choices: tuple[str, ...]) -> str | None:
        value = self.query.get(name)
        if value is not None and value not in choices:
            raise ParameterInvalid(name, f"one of {', '.join(choices)}")
        return value

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        value = self.query.get(name)
        if value is None:
            return default
        if not re.fullmatch(r"[0-9]{1,10}", value) or not low <= int(value) <= high:
            raise ParameterInvalid(name, f"a whole number from {low} to {high}")
        return int(value)

    def day(self, name: str) -> date | None:
        value = self.query.get(name)
        if value is None:
            return None
        try:
            if not DAY.fullmatch(value):
                raise ValueError(value)
            return date.fromisoformat(value)
        except ValueError:
            raise ParameterInvalid(name, "a date YYYY-MM-DD") from None

    def together(self, *names: str) -> bool:
        """Whether a group of parameters that only make sense together is given; some without the rest is refused."""
        given = [name for name in names if name in self.query]
        if given and len(given) < len(names):
            missing = next(name for name in names if name not in self.query)
            raise ParameterInvalid(missing, f"given with {', '.join(given)} ({' + '.join(names)}, all or none)")
        return bool(given)


def path_id(request: web.Request, name: str) -> str:
    """A part of the path that names something by its id; refused (not cut short) when it is not of that form."""
    value = request.match_info[name]
    if not ID.fullmatch(value):
        raise ParameterInvalid(name, ID_TEXT)
    return value


def no_parameters(request: web.Request) -> None:
    """An endpoint that takes no query parameters refuses any."""
    Params(request)

"""Helpers for tests that race several gateway processes on one database: requests written to every gateway at
the same instant over raw HTTP/1.1, and the database read back afterwards with the backend's own driver."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Sequence
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

HEAD_END = b"\r\n\r\n"


@dataclass(frozen=True, slots=True)
class Call:
    """One HTTP request to one gateway."""

    base: str
    path: str
    body: bytes = b""
    method: str = "POST"
    content_type: str = "application/xml"
    headers: tuple[tuple[str, str], ...] = ()

    def raw(self) -> bytes:
        host = urlsplit(self.base).netloc
        lines = [f"{self.method} {self.path} HTTP/1.1", f"Host: {host}", "Connection: close"]
        if self.method in ("POST", "PUT"):
            lines += [f"Content-Type: {self.content_type}", f"Content-Length: {len(self.body)}"]
        lines += [f"{name}: {value}" for name, value in self.headers]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


@dataclass(frozen=True, slots=True)
class Answer:
    """A gateway's answer: status 0 when the connection failed or closed before an answer arrived."""

    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self) -> Any:
        return json.loads(self.body)


def json_call(base: str, method: str, path: str, value: Any, *headers: tuple[str, str]) -> Call:
    return Call(base, path, json.dumps(value).encode(), method, "application/json", headers)


async def fire(calls: Sequence[Call], timeout: float = 90.0) -> list[Answer]:
    """Open one connection per call, then write every request before reading any answer, so that the gateways
    receive them all at once; the answers come back in the order of the calls."""

    async def opened(call: Call) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
        parts = urlsplit(call.base)
        return await asyncio.open_connection(parts.hostname, parts.port, limit=2**22)

    async def answer(stream: tuple[asyncio.StreamReader, asyncio.StreamWriter]) -> Answer:
        reader, writer = stream
        try:
            return parse(await reader.read())
        finally:
            writer.close()

    async def run() -> list[Answer]:
        streams = await asyncio.gather(*(opened(call) for call in calls))
        for (_, writer), call in zip(streams, calls, strict=True):
            writer.write(call.raw())
        return list(await asyncio.gather(*(answer(stream) for stream in streams)))

    return await asyncio.wait_for(run(), timeout)


async def send(call: Call, timeout: float = 30.0) -> Answer:
    return (await fire([call], timeout))[0]


def parse(received: bytes) -> Answer:
    """An HTTP/1.1 answer read to the end of its connection (Content-Length or chunked)."""
    end = received.find(HEAD_END)
    if end < 0:
        return Answer(0, received)
    status_line, *lines = received[:end].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    body = received[end + len(HEAD_END) :]
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = _unchunked(body)
    elif "content-length" in headers:
        body = body[: int(headers["content-length"])]
    return Answer(int(status_line.split(" ", 2)[1]), body, headers)


def _unchunked(body: bytes) -> bytes:
    out, rest = bytearray(), body
    while rest:
        size_line, _, rest = rest.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out += rest[:size]
        rest = rest[size + 2 :]
    return bytes(out)


@dataclass(frozen=True, slots=True)
class Database:
    """The database the gateways share: `target` is what `--db` takes (a SQLite file or a postgresql:// URL); rows
    reads it back directly, with ? placeholders on either backend."""

    target: str

    @property
    def postgresql(self) -> bool:
        return self.target.startswith(("postgresql://", "postgres://"))

    def rows(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        if self.postgresql:
            import psycopg

            with psycopg.connect(self.target, autocommit=True) as connection:
                return list(connection.execute(sql.replace("?", "%s").encode(), params).fetchall())
        with closing(sqlite3.connect(self.target)) as connection:
            return list(connection.execute(sql, params).fetchall())

    def value(self, sql: str, *params: object) -> Any:
        return self.rows(sql, *params)[0][0]

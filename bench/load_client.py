"""A lean HTTP/1.1 load client: one kept-alive connection, one request at a time, little CPU a request.

The load benchmark compares the gateway with a bare server able to answer over 10,000 requests/s on one core; a
general-purpose client spends more per request than that server does, and would measure itself instead (here an
aiohttp session took about 210 us of CPU a request, this client about 90, both on one connection to the bare server).
This one writes each request in one call and reads the answer by its Content-Length, nothing more.
"""

from __future__ import annotations

import asyncio

HEAD_END = b"\r\n\r\n"


class ProtocolError(Exception):
    """An answer this client does not read: no Content-Length (chunked, or closed by the server)."""


class Connection(asyncio.Protocol):
    """A keep-alive connection to one server; `post` sends a request and returns (status, body)."""

    def __init__(self) -> None:
        self._received = bytearray()
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[tuple[int, bytes]] | None = None
        self._host = ""

    @classmethod
    async def open(cls, host: str, port: int) -> Connection:
        _, connection = await asyncio.get_running_loop().create_connection(cls, host, port)
        connection._host = f"{host}:{port}"
        return connection

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        self._received += data
        self._answer()

    def connection_lost(self, exc: Exception | None) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(ProtocolError(f"the server closed the connection ({exc})"))

    async def post(self, path: str, body: bytes, content_type: str = "application/xml") -> tuple[int, bytes]:
        if self._transport is None or self._transport.is_closing():
            raise ProtocolError("the connection is closed")
        self._waiter = asyncio.get_running_loop().create_future()
        head = (
            f"POST {path} HTTP/1.1\r\nHost: {self._host}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        )
        self._transport.write(head.encode() + body)
        return await self._waiter

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def _answer(self) -> None:
        """Complete the waiting request once its whole answer has arrived."""
        waiter = self._waiter
        end = self._received.find(HEAD_END)
        if waiter is None or waiter.done() or end < 0:
            return
        head = bytes(self._received[:end])
        try:
            status, length = _status_and_length(head)
        except ProtocolError as error:
            waiter.set_exception(error)
            return
        total = end + len(HEAD_END) + length
        if len(self._received) < total:
            return
        body = bytes(self._received[end + len(HEAD_END) : total])
        del self._received[:total]
        waiter.set_result((status, body))


def _status_and_length(head: bytes) -> tuple[int, int]:
    status_line, *fields = head.split(b"\r\n")
    for field in fields:
        name, _, value = field.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(status_line.split(b" ", 2)[1]), int(value)
    raise ProtocolError(f"an answer without Content-Length: {status_line.decode(errors='replace')}")

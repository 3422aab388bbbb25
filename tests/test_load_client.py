"""The load benchmark's lean HTTP client reads answers as a server sends them, on one kept-alive connection."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bench.load_bench import load
from bench.load_client import Connection, ProtocolError

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
LARGE = b"<Line>ok</Line>" * 20_000


async def _echo(request: web.Request) -> web.Response:
    body = await request.read()
    if body == b"large":
        return web.Response(body=LARGE)
    status = 400 if body == b"refuse" else 200
    return web.Response(status=status, body=body[::-1])


async def _chunked(request: web.Request) -> web.StreamResponse:
    await request.read()
    response = web.StreamResponse()
    response.enable_chunked_encoding()
    await response.prepare(request)
    await response.write(b"part")
    await response.write_eof()
    return response


async def _close(request: web.Request) -> web.Response:
    await request.read()
    assert request.transport is not None
    request.transport.close()
    return web.Response(body=b"never sent")


@pytest.fixture
async def connection(aiohttp_server: ServerFactory) -> Any:
    app = web.Application()
    app.router.add_post("/echo", _echo)
    app.router.add_post("/chunked", _chunked)
    app.router.add_post("/close", _close)
    server = await aiohttp_server(app)
    assert server.port is not None
    opened = await Connection.open(server.host, server.port)
    yield opened
    opened.close()


async def test_answers_arrive_in_turn_on_one_connection(connection: Connection) -> None:
    assert await connection.post("/echo", b"abc") == (200, b"cba")
    assert await connection.post("/echo", b"refuse") == (400, b"esufer")
    assert await connection.post("/echo", b"large") == (200, LARGE)
    assert await connection.post("/echo", b"") == (200, b"")


async def test_an_answer_without_length_is_refused_by_name(connection: Connection) -> None:
    with pytest.raises(ProtocolError, match="without Content-Length"):
        await connection.post("/chunked", b"x")


async def test_a_closed_connection_fails_the_waiting_request(connection: Connection) -> None:
    with pytest.raises(ProtocolError, match="closed"):
        await connection.post("/close", b"x")
    with pytest.raises(ProtocolError, match="closed"):
        await connection.post("/echo", b"again")


async def test_the_load_benchmark_counts_a_dropped_request_as_failed_and_goes_on(aiohttp_server: ServerFactory) -> None:
    served = 0

    async def every_third_dropped(request: web.Request) -> web.Response:
        nonlocal served
        served += 1
        if served % 3 == 0:
            return await _close(request)
        await request.read()
        return web.Response(body=b"<Answer/>")

    app = web.Application()
    app.router.add_post("/v1/returns/{kind}", every_third_dropped)
    server = await aiohttp_server(app)
    count, latencies, failures = await load(f"http://{server.host}:{server.port}", 0.3, 2, seed=1)
    assert count == len(latencies) == served > 6
    assert failures == served // 3

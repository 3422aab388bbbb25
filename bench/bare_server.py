"""The bare baseline: an aiohttp server that only reads the body and returns a fixed ~3 KB XML response."""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import socket
from collections.abc import Callable

from aiohttp import web

RESPONSE = b'<?xml version="1.0" encoding="UTF-8"?>\n<Fixed xmlns="urn:bench">' + b"<Line>ok</Line>" * 200 + b"</Fixed>"


async def answer(request: web.Request) -> web.Response:
    await request.read()
    return web.Response(body=RESPONSE, content_type="application/xml")


def bare_app() -> web.Application:
    app = web.Application()
    app.router.add_post("/{tail:.*}", answer)
    return app


def serve(port: int, reuse: bool, make_app: Callable[[], web.Application]) -> None:
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if reuse:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    app = make_app()
    app.router.add_get("/readyz", lambda _: web.json_response({"ok": True}))  # type: ignore[arg-type, return-value]
    web.run_app(app, sock=sock, access_log=None, print=None)


def run_workers(make_app: Callable[[], web.Application], description: str | None) -> None:
    """Serve `make_app()` on --port with --workers processes sharing the port."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args()
    if args.workers == 1:
        serve(args.port, False, make_app)
        return
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=serve, args=(args.port, True, make_app)) for _ in range(args.workers)]
    for process in workers:
        process.start()

    def stop(_signum: int, _frame: object) -> None:
        """Stopping the parent stops its workers (they would otherwise outlive it, still listening)."""
        for process in workers:
            process.terminate()

    signal.signal(signal.SIGTERM, stop)
    for process in workers:
        process.join()


if __name__ == "__main__":
    run_workers(bare_app, __doc__)

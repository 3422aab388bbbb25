"""The floor: what any XML gateway on this stack must do, and nothing of the returns domain.

Each request is read, parsed by the gateway's hardened parser, validated against its compiled schema, and its body
stored durably as one row through the gateway's own group-commit store (WAL, synchronous=FULL, background
checkpoints); then the bare server's fixed response is returned, naming a ticket so that the load mix goes on
sending final results. No model, no policy, no history, no decision: the gateway cannot be faster than this. The
database is the file named by the FLOOR_DB environment variable, shared by every worker.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from aiohttp import web

from bench.bare_server import RESPONSE, run_workers
from gateway.http.intake import read_body
from gateway.http.schemas import MESSAGES_NS, SchemaRegistry, default_registry
from gateway.http.xmlio import ParseLimits, parse_xml
from store.db import Db
from store.sqlite import SqliteStore

STORE = web.AppKey("store", SqliteStore)
SCHEMAS = web.AppKey("schemas", SchemaRegistry)
LIMITS = ParseLimits()
_TICKETS = itertools.count(1)


Row = tuple[str, bytes]


def insert_rows(rows: list[Row]) -> Callable[[Db], None]:
    """A write job storing (message id, body) rows in the floor's one table."""

    def job(connection: Db) -> None:
        connection.executemany("INSERT INTO floor_messages VALUES (?, ?)", rows)

    return job


def create_table(connection: Db) -> None:
    connection.execute("CREATE TABLE IF NOT EXISTS floor_messages (message_id TEXT PRIMARY KEY, body BLOB NOT NULL)")


async def answer(request: web.Request) -> web.Response:
    body = await read_body(request, LIMITS.max_bytes, 30.0)
    root = parse_xml(body, LIMITS)
    request.app[SCHEMAS].validate(root, body)
    message_id = root.findtext(f"{{{MESSAGES_NS}}}MessageId") or ""
    await request.app[STORE]._write(insert_rows([(message_id, body)]))
    store_id = root.findtext(f"{{{MESSAGES_NS}}}StoreId") or "0"
    ticket = f"<TicketId>T{store_id}-{os.getpid()}-{next(_TICKETS)}</TicketId>".encode()
    return web.Response(body=RESPONSE.replace(b"</Fixed>", ticket + b"</Fixed>"), content_type="application/xml")


async def _store(app: web.Application) -> AsyncIterator[None]:
    store = SqliteStore(Path(os.environ["FLOOR_DB"]))
    await store.open()
    await store._write(create_table)
    app[STORE] = store
    try:
        yield
    finally:
        await store.close()


def floor_app() -> web.Application:
    app = web.Application()
    app[SCHEMAS] = default_registry()
    app.cleanup_ctx.append(_store)
    app.router.add_post("/{tail:.*}", answer)
    return app


if __name__ == "__main__":
    run_workers(floor_app, __doc__)

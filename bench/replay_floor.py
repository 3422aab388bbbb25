"""The replay floor: read a queue, parse and validate every message as replay does, store each as one durable row.

No model, no policy, no history, no decision: a direct replay (`--db`) cannot apply messages faster than this on
the same machine. Rows are written a window at a time through the gateway's own group-commit store.
"""

from __future__ import annotations

import time
from pathlib import Path

from bench.floor_server import Row, create_table, insert_rows
from gateway.http.dispatch import validate_member
from gateway.http.schemas import MESSAGES_NS, default_registry
from gateway.http.xmlio import DEFAULT_LIMITS, parse_xml
from gateway.replay.replay_queue import read_queue
from store.sqlite import SqliteStore

WINDOW = 250


async def replay_floor(queue: Path, database: Path) -> dict[str, float]:
    """Messages per second from reading the queue to the last commit; the summary has replay's own keys."""
    started = time.perf_counter()
    registry = default_registry()
    rows: list[Row] = []
    for queued in read_queue(str(queue)):
        element = parse_xml(queued.data, DEFAULT_LIMITS)
        validate_member(registry, element, queued.data)
        rows.append((element.findtext(f"{{{MESSAGES_NS}}}MessageId") or "", queued.data))
    store = SqliteStore(database)
    await store.open()
    try:
        await store._write(create_table)
        for at in range(0, len(rows), WINDOW):  # one window after another, as a direct replay commits them
            await store._write(insert_rows(rows[at : at + WINDOW]))
    finally:
        await store.close()
    seconds = time.perf_counter() - started
    return {"total": len(rows), "seconds": seconds, "rate": len(rows) / seconds}

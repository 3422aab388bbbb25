"""What a group commit writes: the load benchmark's mix through the handlers, then WAL pages by table and index.

Every commit writes each page its batch changed to the write-ahead log and syncs it; a checkpoint later copies the
pages into the database file. The pages per message, and which tables and indexes they belong to, set how long a
commit holds the database's one write lock.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import struct
import tempfile
from collections import Counter
from pathlib import Path

from bench.traffic import Traffic
from gateway.admin.policies import EXAMPLE_POLICY, load_policy_file
from gateway.http.dispatch import apply_message
from gateway.http.schemas import SchemaRegistry, default_registry
from gateway.http.xmlio import parse_xml
from handlers.history.exceptions import ExceptionSettings
from handlers.service import PolicyHolder, ReturnsService
from store.sqlite import SqliteStore

WAL_HEADER, FRAME_HEADER = 32, 24


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=3_000)
    parser.add_argument("--concurrency", type=int, default=17, help="messages in flight (they share commits)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pages.db"
        commits, latency, pages = asyncio.run(_run(path, args.messages, args.concurrency))
    total = sum(pages.values())
    print(f"{args.messages:,} messages (70% authorize, 30% final result), {args.concurrency} in flight")
    print(f"{commits:,} commits, {args.messages / commits:.1f} messages a commit, mean commit {latency * 1000:.2f} ms")
    print(f"WAL pages: {total / commits:.0f} a commit, {total / args.messages:.1f} a message")
    print("pages a commit, by table or index:")
    for owner, count in pages.most_common(15):
        print(f"  {count / commits:7.1f}  {owner}")


async def _run(path: Path, messages: int, concurrency: int) -> tuple[int, float, Counter[str]]:
    """Apply the mix with checkpoints off (background and automatic), so that the WAL keeps every frame, and read it
    before closing (the last connection to close empties it): commits, mean commit seconds, and pages by owner."""
    store = SqliteStore(path, background_checkpoints=False)
    await store.open()
    await store.execute(lambda connection: connection.execute("PRAGMA wal_autocheckpoint=0"))
    service = ReturnsService(store, PolicyHolder(load_policy_file(EXAMPLE_POLICY)), b"k" * 32, ExceptionSettings())
    registry, traffic, rng = default_registry(), Traffic("PAGES"), random.Random(7)
    latency = store.stats.commit_latency
    before, waited = latency.count, latency.total
    for _ in range(messages // concurrency):
        await asyncio.gather(*(_one(service, registry, traffic, rng) for _ in range(concurrency)))
    commits = latency.count - before
    pages = _pages_by_owner(path)
    await store.close()
    return commits, (latency.total - waited) / max(commits, 1), pages


async def _one(service: ReturnsService, registry: SchemaRegistry, traffic: Traffic, rng: random.Random) -> None:
    final = traffic.final_result() if rng.random() < 0.3 else None
    body = final or traffic.authorize()
    root = parse_xml(body)
    answer = await apply_message(service, registry.validate(root, body).name, root)
    if final is None:
        traffic.remember(answer.body, body.count(b"<LineNumber>"))


def _pages_by_owner(path: Path) -> Counter[str]:
    """The table or index of every page in the WAL (one count per frame), through SQLite's dbstat table."""
    data = path.with_name(path.name + "-wal").read_bytes()
    page_size = struct.unpack(">I", data[8:12])[0]
    frame = FRAME_HEADER + page_size
    numbers = [
        struct.unpack(">I", data[start : start + 4])[0] for start in range(WAL_HEADER, len(data) - frame + 1, frame)
    ]
    with sqlite3.connect(path) as connection:
        owners = dict(connection.execute("SELECT pageno, name FROM dbstat").fetchall())
    return Counter(str(owners.get(number, "(free)")) for number in numbers)


if __name__ == "__main__":
    main()

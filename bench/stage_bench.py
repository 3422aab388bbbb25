"""CPU per message of the gateway's own stages, in-process, on the load benchmark's mix of authorize requests.

    python -m bench.stage_bench --messages 400 --rounds 5

Each stage runs over the same messages `rounds` times; the figure is CPU time (the process's, not the wall
clock's), so a busy machine weighs on it far less than on a throughput figure: the best round and the median.
Then the whole path without HTTP: parse, validate, read the model and apply it through the service to a SQLite
store (group commit, synchronous=FULL), 70% authorize and 30% final results, as CPU per message.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.traffic import Traffic
from gateway.admin.policies import load_policy_bytes
from gateway.http.dispatch import apply_message, read_model
from gateway.http.schemas import default_registry
from gateway.http.xmlio import parse_xml
from gateway.settings import Settings
from handlers.decision_json import decision_json
from handlers.history.history import History
from handlers.history.kept_records import line_records
from handlers.policy.engine import evaluate
from handlers.policy.respond import authorize_response
from handlers.service import PolicyHolder, ReturnsService, digest
from handlers.xml import response_xml
from store.open import open_store

SECRET = b"stage-bench-secret-of-32-bytes!!"


def _timed(rounds: int, count: int, run: Callable[[int], object]) -> tuple[float, float]:
    """(best, median) CPU microseconds per call of run(i) over i in range(count)."""
    figures = []
    for _ in range(rounds):
        started = time.process_time()
        for index in range(count):
            run(index)
        figures.append((time.process_time() - started) / count * 1e6)
    return min(figures), statistics.median(figures)


def stages(messages: int, rounds: int) -> None:
    registry = default_registry()
    policy_set = load_policy_bytes(Settings().policy_path.read_bytes(), registry)
    traffic = Traffic("STAGE", 3)
    bodies = [traffic.authorize() for _ in range(messages)]
    roots = [parse_xml(body) for body in bodies]
    for root, body in zip(roots, bodies, strict=True):
        registry.validate(root, body)
    models = [read_model("AuthorizeReturnRequest", root) for root in roots]
    history = History()
    evaluations = [evaluate(model, policy_set, history, model.header.business_date) for model in models]
    runs: dict[str, Callable[[int], object]] = {
        "parse (with the caps)": lambda i: parse_xml(bodies[i]),
        "validate": lambda i: registry.validate(roots[i], bodies[i]),
        "read the model": lambda i: read_model("AuthorizeReturnRequest", roots[i]),
        "fingerprint": lambda i: digest(SECRET, models[i]),
        "evaluate (empty history)": lambda i: evaluate(models[i], policy_set, history, models[i].header.business_date),
        "response XML": lambda i: response_xml.to_bytes(authorize_response(evaluations[i], "M", "T", "v", 0)),
        "decision trace JSON": lambda i: decision_json(evaluations[i], models[i], "customer"),
        "line records": lambda i: line_records(models[i], evaluations[i], policy_set, policy_set.pattern_watches),
    }
    print(f"{messages} authorize requests of the load mix, {rounds} rounds; CPU us a message, best (median)")
    for name, run in runs.items():
        best, median = _timed(rounds, messages, run)
        print(f"  {name:26} {best:7.1f} ({median:7.1f})")


async def whole_path(messages: int) -> None:
    """Parse, validate, model and apply each message through the service to SQLite, 64 in flight (the replay's and
    the served worker's concurrency), as CPU per message; the fsyncs are waited for, not counted."""
    registry = default_registry()
    policy_set = load_policy_bytes(Settings().policy_path.read_bytes(), registry)
    traffic = Traffic("WHOLE", 5)
    with tempfile.TemporaryDirectory() as folder:
        store = open_store(Path(folder) / "stage.db")
        await store.open()
        service = ReturnsService(store, PolicyHolder(policy_set), SECRET)

        async def apply(body: bytes) -> bytes:
            root = parse_xml(body)
            name = registry.validate(root, body).name
            answer = await apply_message(service, name, root)
            return answer.body

        async def wave(count: int) -> float:
            started = time.process_time()
            done = 0
            while done < count:
                batch = []
                for _ in range(min(64, count - done)):
                    final = traffic.final_result() if len(traffic.open_tickets) > 64 and done % 10 < 3 else None
                    batch.append((final, 0) if final else (traffic.authorize(), 1))
                answers = await asyncio.gather(*(apply(body) for body, _ in batch))
                for (body, is_authorize), answer in zip(batch, answers, strict=True):
                    if is_authorize:
                        traffic.remember(answer, body.count(b"<LineNumber>"))
                done += len(batch)
            return (time.process_time() - started) / count * 1e6

        await wave(min(messages, 200))  # warm-up: caches, statements, a first history
        figures = [await wave(messages) for _ in range(3)]
        await store.close()
    print(
        f"whole path without HTTP (parse, validate, model, service, SQLite): {min(figures):,.0f} us CPU a message"
        f" (best of 3 waves of {messages}; {', '.join(f'{f:,.0f}' for f in figures)})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    stages(args.messages, args.rounds)
    asyncio.run(whole_path(args.messages * 2))


if __name__ == "__main__":
    main()

"""The replay run: check every queued message, apply the good ones in business order, keep every rejection."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from gateway.http.errors import GatewayError
from gateway.http.schemas import default_registry
from gateway.http.xmlio import parse_xml
from gateway.replay.replay_journal import Journal
from gateway.replay.replay_queue import Queued, Ready, Refused, check
from gateway.replay.replay_targets import Delivery, Target, Undelivered, fault_code
from handlers.replay_order import business_order, ordering, windows
from handlers.xml import fault_xml

Progress = Callable[[int, int], None]


@dataclass(slots=True)
class Summary:
    """What a run did. `rejected` and `failed` include what the journal recorded so in an earlier run (also counted
    in `earlier_rejected` / `earlier_failed`), so a resumed run never reports a queue with problems as clean;
    `failures` counts each reason a message could not be delivered."""

    total: int = 0
    applied: int = 0
    duplicates: int = 0
    rejected: int = 0
    failed: int = 0
    skipped: int = 0
    earlier_rejected: int = 0
    earlier_failed: int = 0
    seconds: float = 0.0
    failures: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.rejected == 0 and self.failed == 0

    def as_dict(self) -> dict[str, object]:
        return {**asdict(self), "rate": round(self.total / self.seconds, 1) if self.seconds else 0.0}

    def fail(self, reason: str) -> None:
        self.failed += 1
        self.failures[reason] = self.failures.get(reason, 0) + 1

    def skip(self, recorded: str) -> None:
        """A message the journal already records, counted as the problem it was if it was one."""
        self.skipped += 1
        if recorded == "rejected":
            self.rejected += 1
            self.earlier_rejected += 1
        elif recorded == "failed":
            self.failed += 1
            self.earlier_failed += 1


async def replay(
    queue: list[Queued], target: Target, journal: Journal, rejects: Path, window_size: int, progress: Progress
) -> Summary:
    """Apply a queue once; messages already in the journal are skipped, rejections copied to `rejects`."""
    started, summary = time.perf_counter(), Summary(total=len(queue))
    registry = default_registry()
    ready: list[Ready] = []
    for item in queue:
        checked = check(item, registry)
        if isinstance(checked, Refused):
            _reject(rejects, item, checked.error.http_status, _describe(checked.error))
            summary.rejected += 1
        elif (recorded := journal.outcome(checked.message_id, checked.digest)) is not None:
            summary.skip(recorded)
        else:
            ready.append(checked)
    done = summary.rejected + summary.skipped - summary.earlier_rejected
    progress(done, summary.total)
    orderings = [ordering(item.model, index) for index, item in enumerate(ready)]
    ordered = [orderings[index] for index in business_order(orderings)]
    for window in windows(ordered, window_size):
        members = [ready[item.position] for item in window]
        outcomes = await target.apply(members)
        journal.record(_tally(summary, rejects, members, outcomes))
        done += len(members)
        progress(done, summary.total)
    summary.seconds = time.perf_counter() - started
    return summary


def _tally(
    summary: Summary, rejects: Path, members: list[Ready], outcomes: list[Delivery]
) -> list[tuple[str, str, str]]:
    finished = []
    for member, outcome in zip(members, outcomes, strict=True):
        if isinstance(outcome, Undelivered):
            summary.fail(outcome.reason)
            continue
        if outcome.status >= 500:
            summary.fail(f"HTTP {outcome.status} {fault_code(outcome.body)}".strip())
            continue
        if outcome.status >= 400:
            _reject(rejects, member.queued, outcome.status, _fault_text(outcome.body))
            summary.rejected += 1
            finished.append((member.message_id, member.digest, "rejected"))
        elif outcome.duplicate:
            summary.duplicates += 1
            finished.append((member.message_id, member.digest, "duplicate"))
        else:
            summary.applied += 1
            finished.append((member.message_id, member.digest, "applied"))
    return finished


def safe_name(source: str, position: int) -> str:
    """A file name for a rejected message that cannot climb out of the rejects directory."""
    base = re.sub(r"[^A-Za-z0-9._-]", "_", source.replace("\\", "/").split("/")[-1]).lstrip(".") or "message"
    return f"{position:06d}-{base[:100]}"


def _reject(rejects: Path, item: Queued, status: int, reason: str) -> None:
    """Copy the message as it was, with a .error.txt beside it; the queue itself is never touched."""
    rejects.mkdir(parents=True, exist_ok=True)
    name = safe_name(item.source, item.position)
    if not name.endswith(".xml"):
        name += ".xml"
    (rejects / name).write_bytes(item.data)
    (rejects / f"{name}.error.txt").write_text(f"source: {item.source}\nstatus: {status}\n{reason}\n", encoding="utf-8")


def _describe(error: GatewayError) -> str:
    lines = [f"fault: {error.code}", f"message: {error.message}"]
    lines += [f"issue: {issue}" for issue in error.issues]
    return "\n".join(lines)


def _fault_text(body: bytes) -> str:
    try:
        fault = fault_xml.from_xml(parse_xml(body))
    except (GatewayError, ValueError):
        return body.decode("utf-8", "replace")
    issues = [f"issue: {line}:{column} {xpath or ''} {message}" for message, line, column, xpath in fault.issues]
    return "\n".join([f"fault: {fault.code}", f"message: {fault.message}", *issues])

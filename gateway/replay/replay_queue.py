"""Reading a replay queue: a directory of message files (any depth), a batch document, or stdin."""

from __future__ import annotations

import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from gateway.http.dispatch import read_model, validate_member
from gateway.http.errors import GatewayError
from gateway.http.schemas import MESSAGES_NS, SchemaRegistry
from gateway.http.xmlio import DEFAULT_LIMITS, ParseLimits, parse_xml
from handlers.models import AuthorizeRequest, FinalResult

BATCH_TAG = f"{{{MESSAGES_NS}}}MessageBatch"
BATCH_LIMITS = ParseLimits(max_bytes=500_000_000, max_elements=50_000_000)


@dataclass(frozen=True, slots=True)
class Queued:
    """One message as found in the queue: where it came from, its bytes, and its queue position."""

    position: int
    source: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Ready:
    """A valid message ready to apply."""

    queued: Queued
    name: str
    model: AuthorizeRequest | FinalResult

    @property
    def message_id(self) -> str:
        return self.model.header.message_id

    @property
    def digest(self) -> str:
        """A fingerprint of the message's content (not its layout): the same id with other content differs."""
        return hashlib.sha256(repr(self.model).encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Refused:
    """A message that cannot be applied, and why."""

    queued: Queued
    error: GatewayError


def read_queue(spec: str) -> list[Queued]:
    """Every message of the queue in the queue's own order; OSError for a queue that cannot be read."""
    if spec == "-":
        return _split("<stdin>", sys.stdin.buffer.read(), 0)
    path = Path(spec)
    if not path.exists():
        raise FileNotFoundError(f"queue {spec} does not exist")
    files = sorted(p for p in path.rglob("*.xml") if p.is_file()) if path.is_dir() else [path]
    found: list[Queued] = []
    for file in files:
        found.extend(_split(str(file), file.read_bytes(), len(found)))
    return found


def _split(source: str, data: bytes, start: int) -> list[Queued]:
    """A batch document becomes its members; anything else is one message (valid or not, judged later)."""
    try:
        root = parse_xml(data, BATCH_LIMITS) if b"MessageBatch" in data[:2000] else None
    except GatewayError:
        root = None
    if root is None or root.tag != BATCH_TAG:
        return [Queued(start, source, data)]
    members = [child for child in root if isinstance(child.tag, str)]
    return [
        Queued(start + index, f"{source}#{index + 1}", etree.tostring(child, xml_declaration=True, encoding="UTF-8"))
        for index, child in enumerate(members)
    ]


def check(queued: Queued, registry: SchemaRegistry) -> Ready | Refused:
    """Parse and validate one queued message as the server would."""
    try:
        element = parse_xml(queued.data, DEFAULT_LIMITS)
        name = validate_member(registry, element, queued.data)
        model = read_model(name, element)
    except GatewayError as error:
        return Refused(queued, error)
    return Ready(queued, name, model)

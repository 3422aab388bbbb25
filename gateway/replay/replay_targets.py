"""Where replayed messages go: straight into a gateway database, or to a running gateway over HTTP."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Protocol

import aiohttp
from lxml import etree

from gateway.admin.policies import load_policy_file
from gateway.http.dispatch import Outcome, apply_safely
from gateway.http.errors import GatewayError
from gateway.http.schemas import MESSAGES_NS
from gateway.http.xmlio import parse_xml
from gateway.replay.replay_queue import BATCH_LIMITS, Ready
from gateway.settings import Settings
from handlers.history.exceptions import ExceptionSettings
from handlers.service import PolicyHolder, ReturnsService, serialize
from store.base import Store
from store.open import open_store

BATCH_PATH = "/v1/returns/final-results"
RETRY_DELAYS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)


class ReplayStopped(Exception):
    """The target refused our credentials (401/403): going on would only fail every message."""


@dataclass(frozen=True, slots=True)
class Undelivered:
    """A message that could not be delivered (retried on resume), and why: connection, timeout, status and fault."""

    reason: str


Delivery = Outcome | Undelivered


class Target(Protocol):
    async def apply(self, window: list[Ready]) -> list[Delivery]:
        """One outcome per message, Undelivered where it could not be delivered (to be retried on resume)."""
        ...

    async def close(self) -> None: ...


class DirectTarget:
    """The same handlers the server uses, on a gateway database; concurrent messages share group commits."""

    def __init__(self, store: Store, service: ReturnsService) -> None:
        self._store, self._service = store, service

    @classmethod
    async def open(cls, settings: Settings) -> DirectTarget:
        policy_set = load_policy_file(settings.policy_path)
        store = open_store(
            settings.db_path,
            pool_size=settings.db_pool_size,
            pool_timeout=settings.db_pool_timeout,
            prepared_statements=settings.db_prepared_statements,
        )
        await store.open()
        secret = bytes.fromhex(settings.secret) if settings.secret else await store.secret()
        exceptions = ExceptionSettings(frozenset(settings.tracked_exceptions), settings.high_value_return)
        return cls(store, ReturnsService(store, PolicyHolder(policy_set), secret, exceptions))

    async def apply(self, window: list[Ready]) -> list[Delivery]:
        return list(await asyncio.gather(*(apply_safely(self._service, ready.model) for ready in window)))

    async def close(self) -> None:
        await self._store.close()


class HttpTarget:
    """Batches of messages posted to a gateway's batch endpoint, `concurrency` batches at a time."""

    def __init__(self, base_url: str, concurrency: int, headers: dict[str, str]) -> None:
        self._url = base_url.rstrip("/") + BATCH_PATH
        self._concurrency = max(concurrency, 1)
        self._session = aiohttp.ClientSession(headers=headers, timeout=aiohttp.ClientTimeout(total=120))

    async def apply(self, window: list[Ready]) -> list[Delivery]:
        size = -(-len(window) // self._concurrency)
        chunks = [window[start : start + size] for start in range(0, len(window), size)]
        results = await asyncio.gather(*(self._post(chunk) for chunk in chunks))
        return [outcome for chunk in results for outcome in chunk]

    async def _post(self, chunk: list[Ready]) -> list[Delivery]:
        batch = etree.Element(f"{{{MESSAGES_NS}}}MessageBatch", nsmap={None: MESSAGES_NS})
        batch.extend(etree.fromstring(ready.queued.data) for ready in chunk)
        body = serialize(batch)
        failure = Undelivered("not sent")
        for delay in (*RETRY_DELAYS, None):
            answer = await self._send(body)
            if not isinstance(answer, Undelivered):
                return _outcomes(answer, len(chunk))
            failure = answer
            if delay is None:
                break
            await asyncio.sleep(delay)
        tries = len(RETRY_DELAYS) + 1
        return [Undelivered(f"{failure.reason} ({tries} tries)")] * len(chunk)

    async def _send(self, body: bytes) -> bytes | Undelivered:
        """The batch result, or why it did not come: a network error, a timeout, or a 5xx or 429 worth retrying."""
        try:
            async with self._session.post(self._url, data=body, headers={"Content-Type": "application/xml"}) as reply:
                if reply.status in (401, 403):
                    raise ReplayStopped(f"the gateway refused the credentials (HTTP {reply.status})")
                if reply.status >= 500 or reply.status == 429:
                    return Undelivered(f"HTTP {reply.status} {fault_code(await reply.read())}".strip())
                return await reply.read()
        except aiohttp.ClientConnectorError as exc:
            return Undelivered(f"cannot connect to {exc.host}:{exc.port}: {exc.strerror or exc.os_error}")
        except TimeoutError:
            return Undelivered(f"no answer within {self._session.timeout.total:g} s (timeout)")
        except aiohttp.ClientError as exc:
            return Undelivered(f"{type(exc).__name__}: {exc}")

    async def close(self) -> None:
        await self._session.close()


def fault_code(body: bytes) -> str:
    """The fault code of an answer, when it is a Fault (or a SOAP Fault carrying one)."""
    try:
        root = parse_xml(body, BATCH_LIMITS)
    except GatewayError:
        return ""
    return str(root.findtext(f".//{{{MESSAGES_NS}}}Code") or "")


def _outcomes(answer: bytes, expected: int) -> list[Delivery]:
    """Per-member outcomes from a MessageBatchResult (or the batch's own fault applied to every member)."""
    try:
        root = parse_xml(answer, BATCH_LIMITS)
    except GatewayError:
        return [Undelivered("the answer is not XML")] * expected
    if root.tag != f"{{{MESSAGES_NS}}}MessageBatchResult":
        return [Outcome(400, answer)] * expected
    outcomes: list[Delivery] = []
    for result in root:
        answer_element = next(iter(result), None)
        body = serialize(answer_element) if answer_element is not None else b""
        outcomes.append(Outcome(int(result.get("status", "500")), body, result.get("duplicate") == "true"))
    if len(outcomes) != expected:
        return [Undelivered(f"the answer has {len(outcomes)} results for {expected} messages")] * expected
    return outcomes

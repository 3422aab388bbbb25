"""GET /metrics in the Prometheus text format: requests, latency, decisions, database commits."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.typedefs import Handler

from store.stats import LATENCY_BOUNDS, Histogram

MESSAGE_PATHS = {
    "/v1/returns/authorize": "authorize",
    "/v1/returns/final-result": "final_result",
    "/v1/returns/final-results": "batch",
    "/v1/messages": "message",
}


@dataclass(slots=True)
class Metrics:
    """Counters and histograms of one worker process."""

    requests: Counter[tuple[str, str]] = field(default_factory=Counter)
    latency: dict[tuple[str, str], Histogram] = field(default_factory=dict)
    decisions: Counter[str] = field(default_factory=Counter)

    def observe(self, kind: str, outcome: str, seconds: float) -> None:
        self.requests[(kind, outcome)] += 1
        self.latency.setdefault((kind, outcome), Histogram(LATENCY_BOUNDS)).observe(seconds)


METRICS = web.AppKey("metrics", Metrics)
DECISION_HEADER = "X-Returns-Response-Type"


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Time every message request; count decisions by response type (the views set a header for it)."""
    kind = MESSAGE_PATHS.get(request.path)
    if kind is None:
        return await handler(request)
    started = time.perf_counter()
    response = await handler(request)
    metrics = request.app[METRICS]
    metrics.observe(kind, str(response.status), time.perf_counter() - started)
    decision = response.headers.get(DECISION_HEADER)
    if decision:
        metrics.decisions[decision] += 1
    return response


def render(metrics: Metrics, commit_latency: Histogram, batch_size: Histogram) -> str:
    lines = _header("returns_gateway_requests_total", "Message requests by type and HTTP status.", "counter")
    for (kind, outcome), number in sorted(metrics.requests.items()):
        lines.append(f'returns_gateway_requests_total{{type="{kind}",status="{outcome}"}} {number}')
    lines += _header("returns_gateway_request_seconds", "Message request latency.", "histogram")
    for (kind, outcome), histogram in sorted(metrics.latency.items()):
        lines += _histogram("returns_gateway_request_seconds", histogram, f'type="{kind}",status="{outcome}"')
    lines += _header("returns_gateway_decisions_total", "Authorize decisions by response type.", "counter")
    for response_type, number in sorted(metrics.decisions.items()):
        lines.append(f'returns_gateway_decisions_total{{response_type="{response_type}"}} {number}')
    lines += _header("returns_gateway_commit_seconds", "Database group-commit latency.", "histogram")
    lines += _histogram("returns_gateway_commit_seconds", commit_latency, "")
    lines += _header("returns_gateway_commit_batch_size", "Write jobs per commit.", "histogram")
    lines += _histogram("returns_gateway_commit_batch_size", batch_size, "")
    return "\n".join(lines) + "\n"


def _header(name: str, text: str, kind: str) -> list[str]:
    return [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]


def _histogram(name: str, histogram: Histogram, labels: str) -> list[str]:
    joiner = "," if labels else ""
    lines = [f'{name}_bucket{{{labels}{joiner}le="{bound}"}} {number}' for bound, number in histogram.cumulative()]
    suffix = f"{{{labels}}}" if labels else ""
    lines += [f"{name}_sum{suffix} {histogram.total}", f"{name}_count{suffix} {histogram.count}"]
    return lines

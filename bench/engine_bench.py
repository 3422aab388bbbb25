"""Line evaluations per second of the pure engine on the shipped policy (target: 50,000 on one core)."""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from decimal import Decimal
from pathlib import Path

from gateway.admin.policies import EXAMPLE_POLICY, load_policy_file
from gateway.http.xmlio import parse_xml
from handlers.history.history import History, PriorReturn
from handlers.models import AuthorizeRequest
from handlers.policy.engine import evaluate
from handlers.policy.policy_model import PolicySet
from handlers.xml import authorize_xml

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "messages"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0, help="how long to measure")
    args = parser.parse_args()
    policy_set = load_policy_file(EXAMPLE_POLICY)
    requests = [
        authorize_xml.from_xml(parse_xml(path.read_bytes()))
        for path in sorted(EXAMPLES.glob("authorize_*.xml"))
        if "response" not in path.stem
    ]
    history = History(customer_returns=(PriorReturn(date(2026, 11, 1), False, Decimal(1), Decimal(20)),) * 5)
    lines_per_round = sum(len(request.lines) for request in requests)
    for today in (date(2026, 10, 20), date(2026, 11, 20)):
        rates = [_rate(requests, policy_set, history, today, args.seconds / 5, lines_per_round) for _ in range(5)]
        print(
            f"return date {today}: median {statistics.median(rates):,.0f} line evaluations/s "
            f"(best {max(rates):,.0f}, worst {min(rates):,.0f}; 5 runs of {args.seconds / 5:.1f}s)"
        )


def _rate(
    requests: list[AuthorizeRequest], policy_set: PolicySet, history: History, today: date, seconds: float, size: int
) -> float:
    rounds, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds:
        for request in requests:
            evaluate(request, policy_set, history, today)
        rounds += 1
    return rounds * size / (time.perf_counter() - started)


if __name__ == "__main__":
    main()

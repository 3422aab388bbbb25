"""A simulation report as text for people, or as CSV of the changed lines for spreadsheets (JSON: to_json)."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from handlers.simulation.report import SimulationReport


def to_text(report: SimulationReport, limit: int = 20, offset: int = 0) -> str:
    """A summary, the counts before and after, the ranked rules and a page of changed lines."""
    out = [
        f"policy {report.version} over {report.first} .. {report.last}"
        + (f" (stores {', '.join(report.stores_filter)})" if report.stores_filter else ""),
        f"attempts: {report.attempts}, re-decided: {report.re_decided} ({report.shared} shared), "
        f"changed: {report.changed} ({report.changed_lines} lines)",
    ]
    for reason, count in report.not_rebuilt.items():
        out.append(f"  not re-decided: {count}: {reason}")
    out += _counts("transactions", report.transactions, report.transaction_moves)
    out += _counts("lines", report.lines, report.line_moves)
    out.append("refund value: " + _sides(report.refunds))
    out.append("tender mix: " + _sides(report.tenders))
    out.append(
        "by store (changed of attempts): "
        + ", ".join(f"{store} {c.get('changed', 0)} of {c['attempts']}" for store, c in report.stores.items())
    )
    out.append(
        "by policy (lines before -> after, changed): "
        + ", ".join(
            f"{policy} {c.get('lines_before', 0)} -> {c.get('lines_after', 0)}, {c.get('changed_lines', 0)}"
            for policy, c in report.policies.items()
        )
    )
    if report.rules:
        out.append("rules causing changes:")
        out += [f"  {count:6d}  {rule}" for rule, count in report.rules]
    page = report.changes[offset : offset + limit]
    if page:
        out.append(f"changed lines {offset + 1}-{offset + len(page)} of {report.changed_lines}:")
        out += [
            f"  {c.ticket_id} #{c.attempt_no} line {c.line_number}: {c.before} -> {c.after}"
            f" ({c.refund_before} -> {c.refund_after}): {c.reason}"
            for c in page
        ]
    return "\n".join(out)


def _counts(title: str, sides: dict[str, dict[str, int]], moves: dict[str, int]) -> list[str]:
    kinds = sorted(set(sides["before"]) | set(sides["after"]))
    found = [f"{title} by response type (before -> after):"]
    found += [f"  {kind}: {sides['before'].get(kind, 0)} -> {sides['after'].get(kind, 0)}" for kind in kinds]
    found += [f"  {count:6d}  {move}" for move, count in moves.items()]
    return found


def _sides(sides: dict[str, dict[str, Decimal]]) -> str:
    return " | ".join(
        f"{side}: " + (", ".join(f"{key} {value}" for key, value in values.items()) or "-")
        for side, values in sides.items()
    )


CSV_FIELDS = ("ticket_id", "attempt", "store_id", "line", "before", "after", "refund_before", "refund_after", "reason")


def to_csv(report: SimulationReport) -> str:
    """Every changed line, one row each, with a header row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_FIELDS)
    for c in report.changes:
        writer.writerow(
            (
                c.ticket_id,
                c.attempt_no,
                c.store_id,
                c.line_number,
                c.before,
                c.after,
                c.refund_before,
                c.refund_after,
                c.reason,
            )
        )
    return buffer.getvalue()

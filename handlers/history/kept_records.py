"""What the handlers hand the store to keep: decided lines, a final result as JSON, the acknowledgement renderer."""

from __future__ import annotations

from collections.abc import Callable

from handlers.jsontext import compact
from handlers.loyalty.loyalty_returns import summary
from handlers.models import AckStatus, AuthorizeRequest, FinalResult, FinalResultAck
from handlers.policy.engine import Evaluation
from handlers.policy.policy_model import PatternWatch, PolicySet
from handlers.policy.questions import pattern_watch_hits
from handlers.policy.selection import item_nodes
from handlers.xml import final_result_xml
from store.records import LineRecord, LoyaltyOutcome


def line_records(
    request: AuthorizeRequest, evaluation: Evaluation, policy_set: PolicySet, watches: tuple[PatternWatch, ...]
) -> tuple[LineRecord, ...]:
    """What the store keeps of each decided line, with whether it falls in a pattern watch."""
    today = request.header.business_date
    records = []
    for line, decision in zip(request.lines, evaluation.lines, strict=True):
        bought = line.purchase_date
        watch = bought is not None and bool(
            pattern_watch_hits(watches, line.item_id, item_nodes(policy_set, line), bought, today)
        )
        records.append(
            LineRecord(
                line_number=line.line_number,
                item_id=line.item_id,
                original_sale=line.original_sale.key if line.original_sale else None,
                receipted=line.receipted,
                gift_receipt=bool(line.gift_receipt),
                quantity=line.quantity,
                unit_price=line.unit_price_paid,
                response_type=decision.response.response_type.value,
                response_code=decision.response.code,
                approved_quantity=decision.approved_quantity,
                refund_amount=decision.refund_amount,
                policy_id=decision.policy_id,
                pattern_watch=watch,
            )
        )
    return tuple(records)


def ack_renderer(result: FinalResult) -> Callable[[str, str, LoyaltyOutcome | None], bytes]:
    """The acknowledgement of a final result, once the store knows its ticket, status and loyalty outcome."""

    def render(ticket_id: str, status: str, loyalty: LoyaltyOutcome | None) -> bytes:
        header = result.header
        ack = FinalResultAck(
            header.message_id, ticket_id, result.return_transaction_id, AckStatus(status), summary(loyalty)
        )
        return final_result_xml.ack_to_bytes(ack)

    return render


def result_json(result: FinalResult) -> str:
    """The final result as the ticket keeps it."""
    return compact(
        {
            "message_id": result.header.message_id,
            "store_id": result.header.store_id,
            "cashier_id": result.header.cashier_id,
            "offline_date": result.offline_date.isoformat() if result.offline_date else None,
            "voided": result.is_void,
            "lines": [
                {
                    "line_number": line.line_number,
                    "item_id": line.item_id,
                    "decision": line.decision.value,
                    "quantity_returned": str(line.quantity_returned),
                    "final_result_code": line.final_result_code,
                    "manager_override": bool(line.override and line.override.override_obtained),
                    "tender_override": bool(line.override and line.override.tender_override),
                    "refund_tenders": [{"type": t.tender.value, "amount": str(t.amount)} for t in line.refund_tenders],
                }
                for line in result.lines
            ],
        }
    )

"""Realistic till traffic for benchmarks: authorize requests of 1 to 10 lines and final results for their tickets."""

from __future__ import annotations

import random
import re

ITEMS = ("100234", "100235", "100300", "100301", "200100", "200200", "200300", "123456", "900001")
STORES = ("01291", "01292", "00455", "02001", "02002")
TICKET = re.compile(rb"<TicketId>(T([0-9]+)-[^<]+)</TicketId>")

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="urn:returns-gateway:messages:v1">
  <MessageId>{message}</MessageId><StoreId>{store}</StoreId><RegisterId>01</RegisterId><CashierId>{cashier}</CashierId>
  <BusinessDate>2026-11-20</BusinessDate><Timestamp>2026-11-20T10:00:00Z</Timestamp><Currency>USD</Currency>"""

LINE = """<Line><LineNumber>{n}</LineNumber><ItemId>{item}</ItemId><Description>Item {item}</Description>
<Quantity>1</Quantity><UnitPricePaid>{price}</UnitPricePaid><TaxPaid>1.50</TaxPaid><ItemCondition>New</ItemCondition>
<ReasonCode>NOT-WANTED</ReasonCode><Receipted>{receipted}</Receipted>{sale}</Line>"""

SALE = """<OriginalSale><StoreId>{store}</StoreId><RegisterId>02</RegisterId><BusinessDate>2026-11-05</BusinessDate>
<TransactionSequence>{sequence}</TransactionSequence></OriginalSale><PurchaseDate>2026-11-05</PurchaseDate>
<OriginalQuantity>2</OriginalQuantity><OriginalTenders><Tender type="Credit" amount="100.00"/></OriginalTenders>"""


class Traffic:
    """Unique message ids; a pool of customers who build up history; final results for earlier tickets."""

    def __init__(self, prefix: str, seed: int = 1) -> None:
        self._rng = random.Random(seed)
        self._prefix, self._count = prefix, 0
        self.open_tickets: list[tuple[bytes, bytes, int]] = []

    def _next_id(self) -> str:
        self._count += 1
        return f"{self._prefix}-{self._count}"

    def authorize(self) -> bytes:
        rng = self._rng
        store = rng.choice(STORES)
        lines = []
        for n in range(1, rng.randint(1, 10) + 1):
            receipted = rng.random() < 0.7
            sale = SALE.format(store=store, sequence=rng.randrange(10**6)) if receipted else ""
            price = f"{rng.randrange(500, 20000) / 100:.2f}"
            lines.append(
                LINE.format(n=n, item=rng.choice(ITEMS), price=price, receipted=str(receipted).lower(), sale=sale)
            )
        customer = f"<Customer><PositiveId><Type>DriversLicense</Type><Issuer>TX</Issuer><Number>TX{rng.randrange(500):06d}</Number></PositiveId></Customer>"
        head = HEADER.format(
            root="AuthorizeReturnRequest", message=self._next_id(), store=store, cashier=f"E{rng.randrange(50)}"
        )
        body = f"{head}<TransactionType>Return</TransactionType>{customer}<Lines>{''.join(lines)}</Lines></AuthorizeReturnRequest>"
        return body.encode()

    def remember(self, answer: bytes, lines: int) -> None:
        found = TICKET.search(answer)
        if found:
            self.open_tickets.append((found.group(1), found.group(2), lines))

    def final_result(self) -> bytes | None:
        if not self.open_tickets:
            return None
        ticket, store, lines = self.open_tickets.pop(self._rng.randrange(len(self.open_tickets)))
        message = self._next_id()
        head = HEADER.format(root="ReturnFinalResult", message=message, store=store.decode(), cashier="E1")
        finals = "".join(
            f"<Line><LineNumber>{n}</LineNumber><ItemId>100234</ItemId><FinalDecision>Returned</FinalDecision>"
            f"<QuantityReturned>1</QuantityReturned></Line>"
            for n in range(1, lines + 1)
        )
        body = f"{head}<TicketId>{ticket.decode()}</TicketId><ReturnTransactionId>RT-{message}</ReturnTransactionId><Lines>{finals}</Lines></ReturnFinalResult>"
        return body.encode()

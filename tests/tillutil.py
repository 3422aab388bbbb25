"""Building till messages from parts (lines, customer, sale keys) rather than from the shipped examples, so that
end-to-end cases can use their own stores, items, quantities, prices and dates."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from itertools import count

from tests.serverutil import Client, field, post

AUTH, FINAL, LOYALTY = "/v1/returns/authorize", "/v1/returns/final-result", "/v1/loyalty/activity"
_NUMBERS = count(1)


@dataclass(frozen=True, slots=True)
class Sale:
    """An original sale: store, register, business day, sequence."""

    store: str
    register: str
    day: str
    sequence: str

    def xml(self, tag: str = "OriginalSale") -> str:
        return (
            f"<{tag}><StoreId>{self.store}</StoreId><RegisterId>{self.register}</RegisterId>"
            f"<BusinessDate>{self.day}</BusinessDate><TransactionSequence>{self.sequence}</TransactionSequence></{tag}>"
        )


@dataclass(frozen=True, slots=True)
class Line:
    """One request line: receipted when it names its sale."""

    number: int
    item: str
    quantity: str
    price: str
    sale: Sale | None = None
    bought: str | None = None
    tax: str | None = None
    loyalty: str = ""
    tender: str = "Credit"

    def xml(self) -> str:
        receipted = self.sale is not None
        parts = [
            f"<Line><LineNumber>{self.number}</LineNumber><ItemId>{self.item}</ItemId>",
            f"<Quantity>{self.quantity}</Quantity><UnitPricePaid>{self.price}</UnitPricePaid>",
            f"<TaxPaid>{self.tax}</TaxPaid>" if self.tax else "",
            f"<Receipted>{str(receipted).lower()}</Receipted>",
        ]
        if self.sale is not None:
            paid = Decimal(self.price) * Decimal(self.quantity)
            parts += [
                "<ReceiptFound>true</ReceiptFound>",
                self.sale.xml(),
                f"<PurchaseDate>{self.sale.day}</PurchaseDate>",
                f"<OriginalQuantity>{self.bought}</OriginalQuantity>" if self.bought else "",
                f'<OriginalTenders><Tender type="{self.tender}" amount="{paid}"/></OriginalTenders>',
                self.loyalty,
            ]
        return "".join(parts) + "</Line>"


def customer(account: str | None = None, number: str | None = None, kind: str | None = None) -> str:
    parts = [f"<CustomerType>{kind}</CustomerType>" if kind else ""]
    if number:
        parts.append(
            f"<PositiveId><Type>DriversLicense</Type><Issuer>OK</Issuer><Number>{number}</Number></PositiveId>"
        )
    if account:
        parts.append(f"<LoyaltyAccountId>{account}</LoyaltyAccountId>")
    return f"<Customer>{''.join(parts)}</Customer>"


def authorize(
    *lines: Line, store: str = "00455", day: str = "2026-11-27", who: str = "", kind: str = "Return"
) -> bytes:
    number = next(_NUMBERS)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<AuthorizeReturnRequest xmlns="urn:returns-gateway:messages:v1">
  <MessageId>IND-AUTH-{number:05d}</MessageId><StoreId>{store}</StoreId><RegisterId>07</RegisterId>
  <CashierId>E7781</CashierId><BusinessDate>{day}</BusinessDate><Timestamp>{day}T16:40:00Z</Timestamp>
  <Currency>USD</Currency><TransactionType>{kind}</TransactionType>{who}
  <Lines>{"".join(line.xml() for line in lines)}</Lines>
</AuthorizeReturnRequest>""".encode()


@dataclass(frozen=True, slots=True)
class Back:
    """One line of a final result: what the till took back of a request line."""

    number: int
    item: str
    quantity: str
    sale: Sale | None = None
    decision: str = "Returned"

    def xml(self) -> str:
        sale = self.sale.xml() if self.sale else ""
        return (
            f"<Line><LineNumber>{self.number}</LineNumber><ItemId>{self.item}</ItemId>"
            f"<FinalDecision>{self.decision}</FinalDecision><QuantityReturned>{self.quantity}</QuantityReturned>"
            f"{sale}</Line>"
        )


def final_result(
    ticket: str, *lines: Back, store: str = "00455", day: str = "2026-11-27", who: str = "", voided: bool = False
) -> bytes:
    number = next(_NUMBERS)
    void = "<Voided>true</Voided>" if voided else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<ReturnFinalResult xmlns="urn:returns-gateway:messages:v1">
  <MessageId>IND-FINAL-{number:05d}</MessageId><StoreId>{store}</StoreId><RegisterId>07</RegisterId>
  <CashierId>E7781</CashierId><BusinessDate>{day}</BusinessDate><Timestamp>{day}T16:45:00Z</Timestamp>
  <Currency>USD</Currency><TicketId>{ticket}</TicketId><ReturnTransactionId>IND-RT-{number:05d}</ReturnTransactionId>
  {void}{who}<Lines>{"".join(line.xml() for line in lines)}</Lines>
</ReturnFinalResult>""".encode()


def purchase(account: str, sale: Sale, *lines: tuple[str, str, str, str], offer: str = "") -> bytes:
    """A loyalty purchase: lines of (item, quantity, amount, points elements), and an offer element."""
    number = next(_NUMBERS)
    body = "".join(
        f"<Line><LineNumber>{index}</LineNumber><ItemId>{item}</ItemId><Quantity>{quantity}</Quantity>"
        f"<Amount>{amount}</Amount>{points}</Line>"
        for index, (item, quantity, amount, points) in enumerate(lines, start=1)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<LoyaltyActivity xmlns="urn:returns-gateway:loyalty:v1">
  <MessageId>IND-LOY-{number:05d}</MessageId><AccountId>{account}</AccountId><Timestamp>{sale.day}T12:00:00Z</Timestamp>
  <Purchase>{sale.xml("Sale")}{body}{offer}</Purchase>
</LoyaltyActivity>""".encode()


def points(economy: str, campaign: str | None = None, offer: str = "FALL-PROMO") -> str:
    found = f'<Points account="base" source="Economy">{economy}</Points>'
    if campaign is not None:
        found += f'<Points account="base" source="Campaign" campaign="{offer}">{campaign}</Points>'
    return found


async def answer(client: Client, body: bytes) -> str:
    status, text = await post(client, AUTH, body)
    assert status == 200, text
    return text


async def finish(client: Client, ticket_answer: str, *lines: Back, **options: object) -> str:
    body = final_result(field(ticket_answer, "TicketId"), *lines, **options)  # type: ignore[arg-type]
    status, text = await post(client, FINAL, body)
    assert status == 200, text
    return text


def lines_of(text: str) -> list[str]:
    """Each line of an authorize response, in order."""
    return [part.split("</Line>")[0] for part in text.split("<Line>")[1:]]


def approved(text: str) -> list[str]:
    return [field(line, "ApprovedQuantity") for line in lines_of(text)]

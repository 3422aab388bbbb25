"""Generate a replay queue of offline Return Final Results, and the exception counts it must produce.

Each message is a final result the till queued while offline (no ticket id, the request inside), for one of a
few hundred customers and a few dozen cashiers. Every returned line is nonreceipted, so with the default
settings each message records exactly one nonreceipted-return exception for its customer and one for its cashier.
"""

from __future__ import annotations

import argparse
import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

TEMPLATE = """<?xml version="1.0" encoding="UTF-8"?>
<ReturnFinalResult xmlns="urn:returns-gateway:messages:v1">
  <MessageId>Q-{n:06d}</MessageId>
  <StoreId>{store}</StoreId>
  <RegisterId>0{register}</RegisterId>
  <CashierId>{cashier}</CashierId>
  <BusinessDate>{day}</BusinessDate>
  <Timestamp>{stamp}</Timestamp>
  <Currency>USD</Currency>
  <OfflineDate>{day}</OfflineDate>
  <OfflineRequest>
    <MessageId>Q-AUTH-{n:06d}</MessageId>
    <StoreId>{store}</StoreId>
    <RegisterId>0{register}</RegisterId>
    <CashierId>{cashier}</CashierId>
    <BusinessDate>{day}</BusinessDate>
    <Timestamp>{stamp}</Timestamp>
    <Currency>USD</Currency>
    <TransactionType>Return</TransactionType>
    <Customer>
      <PositiveId><Type>DriversLicense</Type><Issuer>TX</Issuer><Number>{customer}</Number></PositiveId>
    </Customer>
    <Lines>
      <Line>
        <LineNumber>1</LineNumber>
        <ItemId>{item}</ItemId>
        <Quantity>1</Quantity>
        <UnitPricePaid>{price}</UnitPricePaid>
        <Receipted>false</Receipted>
      </Line>
    </Lines>
  </OfflineRequest>
  <ReturnTransactionId>{store}-RT-{n:06d}</ReturnTransactionId>
  <Lines>
    <Line>
      <LineNumber>1</LineNumber>
      <ItemId>{item}</ItemId>
      <FinalDecision>Returned</FinalDecision>
      <QuantityReturned>1</QuantityReturned>
      <RefundTenders><Tender type="StoreCredit" amount="{price}"/></RefundTenders>
    </Line>
  </Lines>
</ReturnFinalResult>
"""

STORES = ("01291", "01292", "00455", "02001", "02002")
ITEMS = ("100234", "100235", "100300", "100301", "200200")


def generate(directory: Path, count: int, seed: int = 7) -> dict[str, dict[str, int]]:
    """Write `count` messages under `directory` (shuffled into subfolders); return the expected counts."""
    rng = random.Random(seed)
    start = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    customers: Counter[str] = Counter()
    cashiers: Counter[str] = Counter()
    for n in range(count):
        stamp = start + timedelta(minutes=rng.randrange(0, 60 * 24 * 20))
        customer, cashier = f"TX{rng.randrange(300):08d}", f"E{rng.randrange(40):04d}"
        text = TEMPLATE.format(
            n=n,
            store=rng.choice(STORES),
            register=rng.randrange(1, 9),
            cashier=cashier,
            day=stamp.date().isoformat(),
            stamp=stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            customer=customer,
            item=rng.choice(ITEMS),
            price=f"{rng.randrange(500, 9000) / 100:.2f}",
        )
        folder = directory / f"register-{n % 7}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{rng.randrange(10**9):09d}-{n}.xml").write_text(text, encoding="utf-8")
        customers[customer] += 1
        cashiers[cashier] += 1
    return {"customers": dict(customers), "cashiers": dict(cashiers)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    expected = generate(args.directory, args.count)
    (args.directory.parent / f"{args.directory.name}.expected.json").write_text(json.dumps(expected, indent=1))
    print(f"wrote {args.count} messages to {args.directory}")


if __name__ == "__main__":
    main()

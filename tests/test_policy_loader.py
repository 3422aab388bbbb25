"""The policy loader refuses every kind of broken policy set, naming the line of the problem."""

from __future__ import annotations

import pytest

from gateway.admin.policies import EXAMPLE_POLICY, load_policy_bytes, load_policy_file
from handlers.errors import PolicyInvalid
from tests.policyutil import PASS_RULE, policy_xml


def problems_of(document: bytes) -> list[str]:
    with pytest.raises(PolicyInvalid) as caught:
        load_policy_bytes(document)
    return [str(problem) for problem in caught.value.problems]


def at_line(problem: str, document: bytes, policy_id: str) -> bool:
    """Whether a problem names the line of the policy with this id."""
    return problem.startswith(f"line {line_of(document, f'id={chr(34)}{policy_id}{chr(34)}')}:")


def line_of(document: bytes, needle: str) -> int:
    lines = document.decode().splitlines()
    return next(number for number, text in enumerate(lines, 1) if needle in text)


def exception(policy_id: str, assignment: str, attributes: str = 'receipted="true"', rules: str = PASS_RULE) -> str:
    return f'<Policy id="{policy_id}" kind="Exception" {attributes}>\n{assignment}{rules}</Policy>'


def test_shipped_example_loads() -> None:
    policy_set = load_policy_file(EXAMPLE_POLICY)
    assert len(policy_set.policies) >= 8


# (case, document, fragment of the expected message, text on the line it must name)
BROKEN = [
    (
        "unknown code",
        policy_xml('<Rule id="r" question="ReceiptPresent">\n<Answer otherwise="true" code="ZZ9"/></Rule>'),
        "unknown response code 'ZZ9'",
        'code="ZZ9"',
    ),
    (
        "unknown message",
        policy_xml('<Rule id="r" question="ReceiptPresent">\n<Answer otherwise="true" messages="NOPE"/></Rule>'),
        "unknown receipt message 'NOPE'",
        'messages="NOPE"',
    ),
    (
        "tender not accepted",
        policy_xml('<Rule id="r" question="ReceiptPresent">\n<Answer otherwise="true" tenders="Coupon"/></Rule>'),
        "tender 'Coupon' is not an accepted refund tender",
        'tenders="Coupon"',
    ),
    (
        "unknown disposition",
        policy_xml('<Rule id="r" question="ReceiptPresent">\n<Answer otherwise="true" disposition="XX"/></Rule>'),
        "unknown disposition 'XX'",
        'disposition="XX"',
    ),
    (
        "unknown question",
        policy_xml('\n<Rule id="r" question="MoonPhase"><Answer otherwise="true"/></Rule>'),
        "unknown question 'MoonPhase'",
        "MoonPhase",
    ),
    (
        "missing parameter",
        policy_xml('\n<Rule id="r" question="CashierExceptionCount"><Answer from="0"/></Rule>'),
        "parameter 'windowDays' is required",
        "CashierExceptionCount",
    ),
    (
        "bad parameter",
        policy_xml(
            '\n<Rule id="r" question="CashierExceptionCount"><Param name="windowDays" value="x"/><Answer from="0"/></Rule>'
        ),
        "parameter 'windowDays' has a bad value",
        "CashierExceptionCount",
    ),
    (
        "unknown location",
        policy_xml(exceptions=exception("X", '<Location store="99999"/>')),
        "names unknown location '99999'",
        'id="X"',
    ),
    (
        "unknown merchandise",
        policy_xml(exceptions=exception("X", '<Merchandise node="GARDEN"/>')),
        "names unknown merchandise 'GARDEN'",
        'id="X"',
    ),
    (
        "duplicate policy id",
        policy_xml(exceptions=exception("DEFAULT-R", '<Location store="01291"/>')),
        "duplicate policy id 'DEFAULT-R'",
        'id="DEFAULT-R" kind="Exception"',
    ),
    (
        "duplicate rule id",
        policy_xml(PASS_RULE + "\n" + PASS_RULE),
        "duplicate rule id",
        "",
    ),
    (
        "duplicate code",
        policy_xml().replace(b'<Code id="A2"', b'<Code id="A1"'),
        "duplicate response code id 'A1'",
        'type="Authorization" priority="2"',
    ),
    (
        "same type and priority",
        policy_xml().replace(
            b'id="A3" type="Authorization" priority="3"', b'id="A3" type="Authorization" priority="2"'
        ),
        "codes 'A2' and 'A3' are both Authorization with priority 2",
        'id="A3"',
    ),
    (
        "backward continue-at",
        policy_xml(
            '<Rule id="a" question="ReceiptPresent"><Answer otherwise="true"/></Rule>'
            '<Rule id="b" question="ReceiptPresent">\n<Answer otherwise="true" action="ContinueAt" next="a"/></Rule>'
        ),
        "ContinueAt 'a' is not a later rule",
        'next="a"',
    ),
    (
        "cyclic continue-at",
        policy_xml(
            '<Rule id="a" question="ReceiptPresent">\n<Answer otherwise="true" action="ContinueAt" next="a"/></Rule>'
        ),
        "ContinueAt 'a' is not a later rule",
        'next="a"',
    ),
    (
        "missing default",
        policy_xml().replace(b'kind="DefaultNonreceipted" receipted="false"', b'kind="Exception" receipted="false"'),
        "the DefaultNonreceipted default policy is missing",
        "",
    ),
    (
        "overlapping ranges",
        policy_xml(
            '\n<Rule id="r" question="UnitPrice"><Answer below="50"/><Answer from="40" below="80"/><Answer from="80"/></Rule>'
        ),
        "answers overlap at 40..<80",
        'question="UnitPrice"',
    ),
    (
        "range gap",
        policy_xml('\n<Rule id="r" question="UnitPrice"><Answer below="50"/><Answer from="60"/></Rule>'),
        "answers leave a gap from 50 to 60",
        'question="UnitPrice"',
    ),
    (
        "open top",
        policy_xml('\n<Rule id="r" question="UnitPrice"><Answer below="50"/></Rule>'),
        "answers leave a gap from 50 upwards",
        'question="UnitPrice"',
    ),
    (
        "bool gap",
        policy_xml('\n<Rule id="r" question="GiftReceipt"><Answer is="true"/></Rule>'),
        "answers leave a gap: false",
        'question="GiftReceipt"',
    ),
    (
        "enum overlap",
        policy_xml(
            '\n<Rule id="r" question="ItemCondition"><Answer in="New Used"/><Answer in="Used"/>'
            '<Answer otherwise="true"/><Answer missing="true"/></Rule>'
        ),
        "answers overlap on 'Used'",
        'question="ItemCondition"',
    ),
    (
        "missing input not answered",
        policy_xml('\n<Rule id="r" question="DaysSincePurchase"><Answer from="0"/></Rule>'),
        "no answer for a missing input",
        'question="DaysSincePurchase"',
    ),
    (
        "open choice without otherwise",
        policy_xml('\n<Rule id="r" question="ReturnReason"><Answer in="DEFECT"/><Answer missing="true"/></Rule>'),
        "add an otherwise answer",
        'question="ReturnReason"',
    ),
    (
        "tie on store groups",
        policy_xml(
            exceptions=exception("X1", '<Location storeGroup="OUTLETS"/><Merchandise node="KITCHEN"/>')
            + exception("X2", '<Location storeGroup="FLAGSHIPS"/><Merchandise node="KITCHEN"/>')
            + exception(
                "X3",
                '<Location storeGroup="OUTLETS"/><Merchandise node="KITCHEN"/>',
                'receipted="true" effective="2026-01-01"',
            )
        ),
        "exception policies 'X1' and 'X3' tie",
        'id="X3"',
    ),
    (
        "tie with overlapping dates",
        policy_xml(
            exceptions=exception("H1", "", 'receipted="true" effective="2026-11-01" expires="2026-12-31"')
            + exception("H2", "", 'receipted="true" effective="2026-12-15" expires="2027-01-15"')
        ),
        "exception policies 'H1' and 'H2' tie",
        'id="H2"',
    ),
    (
        "schema violation",
        policy_xml().replace(b'priority="1"', b'priority="first"', 1),
        "priority",
        'priority="first"',
    ),
]


@pytest.mark.parametrize(("document", "message", "needle"), [case[1:] for case in BROKEN], ids=[c[0] for c in BROKEN])
def test_broken_policy_is_refused_with_its_line(document: bytes, message: str, needle: str) -> None:
    found = [problem for problem in problems_of(document) if message in problem]
    assert found, problems_of(document)
    if needle:
        assert found[0].startswith(f"line {line_of(document, needle)}:")


def test_no_tie_when_dates_do_not_overlap_or_specificity_differs() -> None:
    document = policy_xml(
        exceptions=exception("H1", "", 'receipted="true" effective="2026-11-01" expires="2026-12-14"')
        + exception("H2", "", 'receipted="true" effective="2026-12-15" expires="2027-01-15"')
        + exception("S1", '<Location store="01291"/>')
        + exception("N1", '<Location node="DALLAS"/>')
        + exception("N2", '<Location node="AUSTIN"/>')
        + exception("G1", "<CustomerTypes>gold</CustomerTypes>")
        + exception("G2", "<CustomerTypes>employee</CustomerTypes>")
        + exception("R0", "", 'receipted="false"')
    )
    assert len(load_policy_bytes(document).policies) == 10


V1 = (b'xmlns="urn:returns-gateway:policy:v2"', b'xmlns="urn:returns-gateway:policy:v1"')


def test_an_exception_policy_must_say_receipted() -> None:
    """Version 2 requires the attribute in the schema; the refusal names the policy's line."""
    document = policy_xml(exceptions=exception("NO-FLAG", '<Location store="01291"/>', attributes=""))
    [problem] = problems_of(document)
    assert at_line(problem, document, "NO-FLAG") and "receipted" in problem


def test_version_1_without_receipted_is_refused_with_line_and_fix() -> None:
    document = policy_xml(exceptions=exception("OLD", '<Location store="01291"/>', attributes="")).replace(*V1)
    [problem] = problems_of(document)
    assert at_line(problem, document, "OLD")
    assert 'add receipted="false" to keep that meaning' in problem and "urn:returns-gateway:policy:v2" in problem


def test_version_1_that_says_receipted_everywhere_is_read_with_an_upgrade_note() -> None:
    document = policy_xml(exceptions=exception("OLD", '<Location store="01291"/>')).replace(*V1)
    document = document.replace(b' receipted="true">', b">", 1).replace(b' receipted="false">', b">", 1)
    policy_set = load_policy_bytes(document)
    assert [p.receipted for p in policy_set.policies] == [True, False, True]
    assert policy_set.notes and "to upgrade, change the namespace" in policy_set.notes[0]


def test_a_default_policy_says_the_receipted_of_its_kind() -> None:
    document = policy_xml().replace(
        b'kind="DefaultReceipted" receipted="true"', b'kind="DefaultReceipted" receipted="false"'
    )
    [problem] = problems_of(document)
    assert problem.startswith(f"line {line_of(document, 'DEFAULT-R')}:") and 'write receipted="true"' in problem


@pytest.mark.parametrize(
    "assignment", ['<Location node="ALL-STORES"/>', '<Location storeGroup="EVERY"/>'], ids=["top node", "every store"]
)
def test_a_location_covering_every_store_ties_with_all(assignment: str) -> None:
    every = b'<StoreGroup id="EVERY" stores="01291 01292 00455"/>'
    document = policy_xml(
        exceptions=exception("ON-ALL", '<Location all="true"/><Merchandise node="TV"/>')
        + exception("ON-TOP", assignment + '<Merchandise node="TV"/>')
    ).replace(b'<StoreGroup id="FLAGSHIPS"', every + b'<StoreGroup id="FLAGSHIPS"')
    [problem] = problems_of(document)
    assert "exception policies 'ON-ALL' and 'ON-TOP' tie" in problem
    assert at_line(problem, document, "ON-TOP")


def test_a_node_below_the_top_is_not_all() -> None:
    document = policy_xml(
        exceptions=exception("ON-ALL", '<Location all="true"/>') + exception("ON-TEXAS", '<Location node="DALLAS"/>')
    )
    policy_set = load_policy_bytes(document)
    assert [p.location.key for p in policy_set.policies[2:]] == ["all:*", "node:DALLAS"]


def test_a_version_1_document_keeps_its_line_numbers_in_later_checks() -> None:
    document = policy_xml(exceptions=exception("A", "") + exception("B", "")).replace(*V1)
    [problem] = problems_of(document)
    assert "exception policies 'A' and 'B' tie" in problem and at_line(problem, document, "B")

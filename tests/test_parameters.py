"""Every query parameter of every GET is checked: unknown, repeated or malformed ones are refused by name."""

from __future__ import annotations

import pytest

from tests.serverutil import Client, example, post

GETS = [
    "/v1/tickets",
    "/v1/tickets/T01291-20261120-000001",
    "/healthz",
    "/readyz",
    "/metrics",
    "/v1/admin/openapi.json",
    "/v1/admin/overrides",
    "/v1/admin/customers/history",
    "/v1/admin/cashiers/E1042/history",
    "/v1/admin/pattern-watches",
    "/v1/admin/policies",
    "/v1/admin/policies/active",
    "/v1/admin/policies/2026.11-1",
    "/v1/admin/audit",
    "/v1/loyalty/accounts/LY-1",
]


async def _refused(client: Client, url: str, parameter: str) -> str:
    response = await client.get(url)
    text = await response.text()
    assert response.status == 400, (url, text)
    assert "PARAMETER_INVALID" in text and parameter in text, text
    assert "invalid literal" not in text and "Traceback" not in text
    return text


@pytest.mark.parametrize("path", GETS)
async def test_an_unknown_parameter_is_refused_on_every_get(client: Client, path: str) -> None:
    await _refused(client, f"{path}?bogus_parameter=1", "bogus_parameter")


@pytest.mark.parametrize(
    ("query", "parameter", "accepts"),
    [
        ("positive_id_type=DriversLicense", "positive_id_issuer", "all or none"),
        ("positive_id_number=TX09876543", "positive_id_type", "all or none"),
        ("status=bogus", "status", "open, decided, completed, voided"),
        ("limit=abc", "limit", "whole number from 1 to 500"),
        ("limit=0", "limit", "whole number from 1 to 500"),
        ("limit=501", "limit", "whole number from 1 to 500"),
        ("limit=-1", "limit", "whole number"),
        ("limit=1e3", "limit", "whole number"),
        ("offset=x", "offset", "whole number"),
        ("from=yesterday", "from", "YYYY-MM-DD"),
        ("to=2026-02-30", "to", "YYYY-MM-DD"),
        ("to=20261120", "to", "YYYY-MM-DD"),
        ("store_id=01291%27%20OR%201=1", "store_id", "identifier"),
        ("customer_id=" + "x" * 41, "customer_id", "identifier"),
        ("original_sale=01291-01-2026-11-08-42", "original_sale", "STORE/REGISTER/YYYY-MM-DD/SEQUENCE"),
        ("status=open&status=voided", "status", "at most once"),
        ("positive_id_type=Drivers%20License&positive_id_issuer=TX&positive_id_number=1", "positive_id_type", "code"),
    ],
)
async def test_ticket_search_parameters_are_checked(client: Client, query: str, parameter: str, accepts: str) -> None:
    text = await _refused(client, f"/v1/tickets?{query}", parameter)
    assert accepts in text


async def test_good_parameters_still_search(client: Client) -> None:
    status, _ = await post(client, "/v1/messages", example("authorize_nonreceipted_with_positive_id"))
    assert status == 200
    query = (
        "positive_id_type=DriversLicense&positive_id_issuer=TX&positive_id_number=TX09876543"
        "&status=decided&from=2026-11-01&to=2026-11-30&limit=500&offset=0"
    )
    found = await (await client.get(f"/v1/tickets?{query}")).json()
    assert len(found["tickets"]) == 1
    assert (await (await client.get("/v1/tickets?status=voided")).json())["tickets"] == []


@pytest.mark.parametrize(
    ("query", "parameter"), [("limit=abc", "limit"), ("offset=-5", "offset"), ("limit=1001", "limit")]
)
async def test_audit_parameters_are_checked(client: Client, query: str, parameter: str) -> None:
    await _refused(client, f"/v1/admin/audit?{query}", parameter)


async def test_a_partial_positive_id_is_refused_by_the_admin_api(client: Client) -> None:
    await _refused(client, "/v1/admin/overrides?positive_id_type=DriversLicense", "positive_id_issuer")

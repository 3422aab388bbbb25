"""Security of the running server: loopback when unconfigured, TLS client certificates, nothing personal in logs."""

from __future__ import annotations

import ssl
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from gateway.http.credentials import new_credential, to_toml
from tests.conftest import EXAMPLES
from tests.serverproc import free_port, serving

PERSONAL = ("TX09876543", "Whitfield", "555-0147", "Barton Springs", "78704", "C-7781204")


def request(
    url: str, body: bytes | None = None, headers: dict[str, str] | None = None, context: ssl.SSLContext | None = None
) -> tuple[int, bytes]:
    call = urllib.request.Request(url, data=body, headers={"Content-Type": "application/xml", **(headers or {})})
    try:
        with urllib.request.urlopen(call, timeout=10, context=context) as response:
            return response.status, bytes(response.read())
    except urllib.error.HTTPError as error:
        return error.code, bytes(error.read())


def test_without_credentials_only_loopback_is_served(tmp_path: Path) -> None:
    with serving(tmp_path, "--host", "0.0.0.0") as (base, _):
        status, _ = request(f"{base}/v1/tickets")
        assert status == 200
    assert "listening on loopback only" in (tmp_path / "server.log").read_text()


def test_logs_of_a_full_session_hold_no_personal_data(tmp_path: Path) -> None:
    body = (EXAMPLES / "authorize_nonreceipted_with_positive_id.xml").read_bytes()
    with serving(tmp_path, "--log-format", "json") as (base, _):
        status, answer = request(f"{base}/v1/returns/authorize", body)
        assert status == 200
        ticket = answer.split(b"<TicketId>")[1].split(b"</TicketId>")[0].decode()
        request(f"{base}/v1/returns/authorize", body.replace(b"USD", b"usd").replace(b"AUTH-0006-ID", b"AUTH-BAD"))
        request(f"{base}/v1/returns/authorize", body.replace(b"39.99", b"29.99"))
        request(f"{base}/v1/tickets/{ticket}")
        request(
            f"{base}/v1/tickets?positive_id_type=DriversLicense&positive_id_issuer=TX&positive_id_number=TX09876543"
        )
        request(f"{base}/v1/returns/final-result", (EXAMPLES / "final_result_partially_approved.xml").read_bytes())
    log = (tmp_path / "server.log").read_text()
    assert '"path": "/v1/returns/authorize"' in log
    for value in PERSONAL:
        assert value not in log


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _certificates(folder: Path) -> None:
    """A private CA, a server certificate for 127.0.0.1 and a till's client certificate."""
    _openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=test-ca",
        cwd=folder,
    )
    for name, subject in (("server", "/CN=127.0.0.1"), ("client", "/CN=till-tls")):
        _openssl(
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            f"{name}.key",
            "-out",
            f"{name}.csr",
            "-subj",
            subject,
            cwd=folder,
        )
        (folder / f"{name}.ext").write_text(
            "subjectAltName=IP:127.0.0.1\n" if name == "server" else "extendedKeyUsage=clientAuth\n"
        )
        _openssl(
            "x509",
            "-req",
            "-in",
            f"{name}.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            f"{name}.pem",
            "-days",
            "2",
            "-extfile",
            f"{name}.ext",
            cwd=folder,
        )


@pytest.mark.skipif(
    subprocess.run(["which", "openssl"], capture_output=True).returncode != 0,
    reason="needs the openssl command to make test certificates",
)
def test_tls_with_client_certificates(tmp_path: Path) -> None:
    _certificates(tmp_path)
    cert, _ = new_credential("till-tls", "cert", ("01291",), False, "CN=till-tls")
    admin, secret = new_credential("admin", "api-key", ("*",), True, "")
    (tmp_path / "returns-gateway.toml").write_text(to_toml(cert) + to_toml(admin))
    options = ("--tls-cert", "server.pem", "--tls-key", "server.key", "--client-ca", "ca.pem")
    port = free_port()
    with serving(tmp_path, *options, scheme="https", port=port, ca=tmp_path / "ca.pem") as (base, _):
        trusted = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        body = (EXAMPLES / "authorize_receipted_single.xml").read_bytes()
        assert request(f"{base}/v1/returns/authorize", body, context=trusted)[0] == 401
        with_cert = ssl.create_default_context(cafile=str(tmp_path / "ca.pem"))
        with_cert.load_cert_chain(str(tmp_path / "client.pem"), str(tmp_path / "client.key"))
        status, answer = request(f"{base}/v1/returns/authorize", body, context=with_cert)
        assert status == 200 and b"<Type>Authorization</Type>" in answer
        other_store = body.replace(b"<StoreId>01291</StoreId>", b"<StoreId>00455</StoreId>", 1)
        assert request(f"{base}/v1/returns/authorize", other_store, context=with_cert)[0] == 403
        status, metrics = request(f"{base}/metrics", headers={"X-API-Key": f"admin.{secret}"}, context=trusted)
        assert status == 200 and b"returns_gateway_requests_total" in metrics
    assert "listening on https" in (tmp_path / "server.log").read_text()

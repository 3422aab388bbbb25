"""Credentials: certificate subjects in the usual RFC 4514 forms, names a settings file can carry, rotation."""

from __future__ import annotations

import tomllib

import pytest

from gateway.commands.cli_admin import without_credential
from gateway.http.credentials import from_table, new_credential, parse_subject, subject_key, to_toml

PEER = ((("countryName", "US"),), (("organizationName", "Example Retail"),), (("commonName", "till-01291"),))


@pytest.mark.parametrize(
    "subject",
    [
        "CN=till-01291,O=Example Retail,C=US",
        "commonName=till-01291, O=Example Retail, C=US",
        "/C=US/O=Example Retail/CN=till-01291",
    ],
)
def test_the_usual_subject_forms_match_the_peer_certificate(subject: str) -> None:
    credential, secret = new_credential("till-01291", "cert", ("01291",), False, subject)
    assert secret == ""
    assert credential.key == subject_key(pair for part in PEER for pair in part)
    assert from_table(tomllib.loads(to_toml(credential))["gateway"]["credentials"][0]).key == credential.key


def test_a_partial_subject_does_not_match() -> None:
    credential, _ = new_credential("till", "cert", ("01291",), False, "CN=till-01291")
    assert credential.key != subject_key(pair for part in PEER for pair in part)


@pytest.mark.parametrize("subject", ['CN=till"1', "till-01291", "XX=1", "CN="])
def test_unsafe_or_unknown_subjects_are_refused(subject: str) -> None:
    with pytest.raises(ValueError, match="CN=till-01291"):
        parse_subject(subject)


@pytest.mark.parametrize(("name", "stores"), [('till"1', ("01291",)), ("till 1", ("01291",)), ("till", ('01"291',))])
def test_names_and_stores_a_settings_file_cannot_carry_are_refused(name: str, stores: tuple[str, ...]) -> None:
    with pytest.raises(ValueError, match="letters, digits"):
        new_credential(name, "api-key", stores, False, "")


def test_rotation_removes_only_the_named_table() -> None:
    first, _ = new_credential("till-1", "api-key", ("01291",), False, "")
    second, _ = new_credential("till-2", "api-key", ("01292",), False, "")
    text = "[gateway]\nport = 8081\n\n" + to_toml(first) + "\n" + to_toml(second)
    kept = tomllib.loads(without_credential(text, "till-1"))
    assert kept["gateway"]["port"] == 8081
    assert [table["name"] for table in kept["gateway"]["credentials"]] == ["till-2"]

"""`returns-gateway send`: post message files to a running gateway and print each answer, as a till would."""

from __future__ import annotations

import argparse
import os
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from lxml import etree

from gateway.commands.cli_checks import FAILURE, USAGE, CliError, gateway_url, seconds
from gateway.http.errors import GatewayError
from gateway.http.schemas import MESSAGES_NS
from gateway.http.soap import Soap
from gateway.http.xmlio import parse_xml

DEFAULT_URL = "http://127.0.0.1:8080"
_TICKET = f"{{{MESSAGES_NS}}}TicketId"
_PATHS = {"MessageBatch": "/v1/returns/final-results", "LoyaltyActivity": "/v1/loyalty/activity"}


def add_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser(
        "send",
        help="send message files to a running gateway and print the answers",
        description=(
            "Send each FILE to a running gateway and print its answer on stdout (a line per answer on stderr: "
            "file, HTTP status, decision). Authorize requests and final results go to /v1/messages, a MessageBatch "
            "to /v1/returns/final-results, loyalty activity to /v1/loyalty/activity; SOAP envelopes are sent as "
            "SOAP. With --ticket-from, the TicketId of an earlier authorize answer replaces the TicketId in each "
            "message, so a final result completes the return the gateway really opened. Exit 0 when every message "
            "was accepted, 1 when any was refused (its fault is printed), 2 on usage or connection errors."
        ),
    )
    parser.add_argument("files", nargs="+", type=Path, metavar="FILE", help="message file to send, in order")
    parser.add_argument(
        "--to",
        metavar="URL",
        type=gateway_url,
        default=os.environ.get("RETURNS_GATEWAY_URL", DEFAULT_URL),
        help=f"the gateway (default: RETURNS_GATEWAY_URL, else {DEFAULT_URL})",
    )
    parser.add_argument(
        "--ticket-from", type=Path, metavar="ANSWER", help="a saved authorize answer whose TicketId the messages carry"
    )
    parser.add_argument(
        "--api-key",
        default=os.environ.get("RETURNS_GATEWAY_API_KEY"),
        help="NAME.SECRET (default: RETURNS_GATEWAY_API_KEY; none when the gateway has no credentials)",
    )
    parser.add_argument(
        "--wait", type=seconds, default=0.0, metavar="SECONDS", help="wait this long for the gateway to be ready"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    ticket = ticket_of(args.ticket_from) if args.ticket_from else None
    bodies = [(path, _prepared(path, ticket)) for path in args.files]
    url = args.to.rstrip("/")
    if args.wait > 0:
        _wait_ready(url, args.wait)
    refused = 0
    for path, (body, root) in bodies:
        status, answer, decision = _post(url, body, root, args.api_key)
        sys.stdout.write(answer.decode("utf-8", "replace").rstrip("\n") + "\n")
        print(f"{path}: {status} {decision}", file=sys.stderr)
        refused += status >= 400
    return FAILURE if refused else 0


def ticket_of(answer: Path) -> str:
    """The TicketId of a saved authorize answer (plain or in a SOAP envelope)."""
    root = _parsed(answer, "--ticket-from")
    ticket = root.findtext(f".//{_TICKET}")
    if not ticket:
        raise CliError(f"--ticket-from {answer} holds no TicketId; give the saved answer of an authorize request")
    return ticket.strip()


def _parsed(path: Path, what: str) -> etree._Element:
    try:
        return parse_xml(path.read_bytes())
    except OSError as exc:
        raise CliError(f"{what} {path} cannot be read: {exc.strerror}") from None
    except GatewayError as exc:
        raise CliError(f"{what} {path} is not well-formed XML: {exc.message} [{exc.code}]") from None


def _prepared(path: Path, ticket: str | None) -> tuple[bytes, etree._Element]:
    """The bytes to send: the file as it is, or with its TicketId replaced."""
    root = _parsed(path, "FILE")
    if ticket is None:
        return path.read_bytes(), root
    message = _message(root)
    found = message.find(_TICKET)
    if found is None:
        raise CliError(f"{path} has no TicketId to replace; --ticket-from applies to final results and re-asks")
    found.text = ticket
    return etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8"), root


def _message(root: etree._Element) -> etree._Element:
    """The message itself, inside a SOAP envelope or not."""
    for soap in Soap:
        if root.tag == f"{{{soap.value}}}Envelope":
            body = root.find(f"{{{soap.value}}}Body")
            children = [child for child in body if isinstance(child.tag, str)] if body is not None else []
            return children[0] if children else root
    return root


def _content_type(root: etree._Element) -> str:
    return next((soap.content_type for soap in Soap if root.tag == f"{{{soap.value}}}Envelope"), "application/xml")


def _summary(answer: bytes) -> str:
    """The answer in a few words: its root element and its decision, status or fault code."""
    try:
        root = _message(parse_xml(answer))
    except GatewayError:
        return "(not XML)"
    detail = root.findtext(f"{{{MESSAGES_NS}}}Response/{{{MESSAGES_NS}}}Type") or ""
    for name in ("Status", "Code"):
        detail = detail or root.findtext(f"{{{MESSAGES_NS}}}{name}") or ""
    return f"{etree.QName(root).localname} {detail}".strip()


def _post(url: str, body: bytes, root: etree._Element, api_key: str | None) -> tuple[int, bytes, str]:
    name = etree.QName(_message(root)).localname
    headers = {"Content-Type": _content_type(root)} | ({"X-API-Key": api_key} if api_key else {})
    request = urllib.request.Request(url + _PATHS.get(name, "/v1/messages"), body, headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            answer = response.read()
            return response.status, answer, _summary(answer)
    except urllib.error.HTTPError as error:
        answer = error.read()
        return error.code, answer, _summary(answer)
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise CliError(f"cannot reach {url}: {reason}; is the gateway running (--to, RETURNS_GATEWAY_URL)?") from None


def _wait_ready(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url + "/readyz", timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        if time.monotonic() > deadline:
            raise CliError(f"{url} was not ready within {seconds:g} seconds", USAGE)
        time.sleep(0.2)

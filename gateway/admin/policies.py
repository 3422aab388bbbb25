"""Loading settings documents: the policy set (with its semantic checks) and the loyalty program."""

from __future__ import annotations

import importlib.resources
from pathlib import Path

from gateway.http.errors import GatewayError
from gateway.http.schemas import SchemaRegistry, default_registry
from gateway.http.xmlio import ParseLimits, parse_xml
from handlers.errors import PolicyInvalid, Problem
from handlers.loyalty.loyalty import Program
from handlers.policy.policy_check import check_policy_set
from handlers.policy.policy_model import PolicySet
from handlers.policy.policy_versions import POLICY_ROOTS
from handlers.policy.selection import index_policies
from handlers.xml.loyalty_xml import read_program
from handlers.xml.policy_xml import read_policy_set

EXAMPLES_PACKAGE = "gateway.examples"


def shipped(name: str) -> Path:
    """A document shipped with the package (package data gateway.examples), e.g. "policies/chain.xml"."""
    return Path(str(importlib.resources.files(EXAMPLES_PACKAGE).joinpath(name)))


EXAMPLE_POLICY = shipped("policies/chain.xml")
EXAMPLE_LOYALTY = shipped("loyalty/program.xml")
POLICY_LIMITS = ParseLimits(max_bytes=20_000_000, max_depth=40, max_elements=2_000_000)


def load_policy_bytes(data: bytes, registry: SchemaRegistry | None = None) -> PolicySet:
    """A checked, indexed policy set, or PolicyInvalid listing every problem with its line."""
    registry = registry or default_registry()
    try:
        root = parse_xml(data, POLICY_LIMITS)
        if root.tag not in POLICY_ROOTS:
            raise PolicyInvalid("the document is not a PolicySet", (Problem(f"root element is {root.tag!r}", 1),))
        registry.validate(root, data)
    except GatewayError as exc:
        found = tuple(Problem(f"{issue.xpath or ''} {issue.message}".strip(), issue.line) for issue in exc.issues)
        # a refusal of the document as a whole (a DTD, an empty body, a parser cap) names it from its first line
        raise PolicyInvalid(exc.message, found or (Problem(f"{exc.message} [{exc.code}]", 1),)) from None
    try:
        policy_set, reading_problems = read_policy_set(root)
    except (ValueError, ArithmeticError) as exc:  # a schema-valid value the model cannot hold (a zoned xs:date)
        problem = Problem(str(exc), None)
        raise PolicyInvalid("the policy set holds a value the gateway cannot read", (problem,)) from None
    problems = reading_problems + check_policy_set(policy_set)
    if problems:
        raise PolicyInvalid(f"the policy set has {len(problems)} problem(s)", tuple(problems))
    return index_policies(policy_set)


def load_policy_file(path: Path, registry: SchemaRegistry | None = None) -> PolicySet:
    return load_policy_bytes(path.read_bytes(), registry)


def load_loyalty_program(path: Path, registry: SchemaRegistry | None = None) -> Program:
    """The loyalty program settings document, validated against xsd/loyalty.xsd."""
    registry = registry or default_registry()
    data = path.read_bytes()
    root = parse_xml(data)
    if registry.validate(root, data).name != "LoyaltyProgram":
        raise ValueError(f"{path} is not a LoyaltyProgram document")
    return read_program(root)

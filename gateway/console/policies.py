"""Policies: stored versions with their check results, a side-by-side difference of two versions, and activation
with the active version's ETag (a page gone stale gets the 412 explained, and nothing changes)."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from gateway.admin.policies import load_policy_bytes
from gateway.console.base import PREFIX, actor, field_text, read_form, render, state
from gateway.console.simulation import simulate_choices
from gateway.http.keys import ADMIN, SCHEMAS
from handlers.errors import PolicyInvalid, PreconditionFailed
from handlers.policy.policy_diff import diff_policy_sets
from handlers.policy.policy_model import PolicySet

routes = web.RouteTableDef()
CHECKED_KEPT = 32


async def _load(request: web.Request, version: str) -> tuple[PolicySet | None, list[str]]:
    """A stored version loaded and checked: the set, or the problems the loader finds (kept by content ETag, so a
    version is parsed and checked once per process)."""
    stored = await request.config_dict[ADMIN].policy(version)
    checked = state(request).checked_policies
    if stored["etag"] not in checked:
        try:
            checked[stored["etag"]] = load_policy_bytes(bytes(stored["content"]), request.config_dict[SCHEMAS]), []
        except PolicyInvalid as error:
            checked[stored["etag"]] = None, [error.message, *(str(problem) for problem in error.problems)]
        while len(checked) > CHECKED_KEPT:
            del checked[next(iter(checked))]
    return checked[stored["etag"]]


async def _versions(request: web.Request) -> list[dict[str, Any]]:
    versions = await request.config_dict[ADMIN].policy_versions()
    for version in versions:
        policy_set, problems = await _load(request, version["version"])
        version["problems"] = problems
        version["policies"] = len(policy_set.policies) if policy_set else 0
        version["rules"] = sum(len(p.rules) for p in policy_set.policies) if policy_set else 0
    return versions[::-1]


def _notice(request: web.Request) -> str:
    if "activated" in request.query:
        return f"Version {request.query['activated'][:40]} is now active."
    if "uploaded" in request.query:
        return (
            f"Version {request.query['uploaded'][:40]} passed every check and is stored; compare it, then activate it."
        )
    return ""


async def _page(request: web.Request, problem: str = "", status: int = 200) -> web.Response:
    versions = await _versions(request)
    active = next((v for v in versions if v["active"]), None)
    context = {
        "title": "Policies",
        "versions": versions,
        "active": active,
        "problem": problem,
        "notice": _notice(request),
        "simulate": simulate_choices(request, [v["version"] for v in versions if not (v["active"] or v["problems"])]),
    }
    return render(request, "policies.html", context, status=status)


@routes.get("/policies")
async def policies_page(request: web.Request) -> web.Response:
    return await _page(request)


@routes.post("/policies/activate")
async def activate(request: web.Request) -> web.StreamResponse:
    """Activate a version; the form carries the ETag of the version that was active when the page was drawn."""
    version, etag = field_text(request, "version", 40), field_text(request, "etag", 100)
    policy_set, problems = await _load(request, version)
    if policy_set is None:
        return await _page(request, f"Version {version} does not pass its checks: {problems[0]}", 409)
    try:
        await request.config_dict[ADMIN].activate(policy_set, etag, actor(request))
    except PreconditionFailed:
        current = await request.config_dict[ADMIN].active_policy()
        problem = (
            f"Not activated (412 Precondition Failed): the active policy changed since this page was drawn. "
            f"Version {current['version']} is active now. Nothing was changed; review the versions below "
            f"(this page is current) and activate again if you still mean to."
        )
        return await _page(request, problem, 412)
    raise web.HTTPSeeOther(f"{PREFIX}/policies?activated={version}")


@routes.post("/policies/upload")
async def upload(request: web.Request) -> web.StreamResponse:
    """Store a new version from a file; the loader checks it first and its problems are shown if it has any."""
    sent = (await read_form(request)).get("policy")
    if not isinstance(sent, web.FileField):
        return await _page(request, "Choose a policy file (XML) to upload.", 400)
    content = sent.file.read()
    try:
        policy_set = load_policy_bytes(content, request.config_dict[SCHEMAS])
    except PolicyInvalid as error:
        found = "; ".join(str(problem) for problem in error.problems[:5])
        return await _page(request, f"Not stored: {error.message}. {found}", 400)
    try:
        await request.config_dict[ADMIN].upload_policy(policy_set, content, None, actor(request))
    except PreconditionFailed:
        return await _page(
            request, f"Version {policy_set.version} is already stored: give the file a new version.", 409
        )
    raise web.HTTPSeeOther(f"{PREFIX}/policies?uploaded={policy_set.version}")


@routes.get("/policies/diff")
async def diff_page(request: web.Request) -> web.Response:
    left_version, right_version = field_text(request, "a", 40), field_text(request, "b", 40)
    versions = [v["version"] for v in await request.config_dict[ADMIN].policy_versions()]
    context: dict[str, Any] = {"title": "Compare policy versions", "versions": versions, "rows": [], "a": left_version}
    context.update(b=right_version, only_changes=request.query.get("all") != "1")
    if left_version and right_version:
        left, left_problems = await _load(request, left_version)
        right, right_problems = await _load(request, right_version)
        if left is None or right is None:
            context["problem"] = "; ".join([*left_problems, *right_problems][:3])
        else:
            rows = diff_policy_sets(left, right)
            context["changed"] = sum(row.change != "same" for row in rows)
            context["rows"] = [row for row in rows if row.change != "same"] if context["only_changes"] else rows
            context["compared"] = True
    return render(request, "policy_diff.html", context)

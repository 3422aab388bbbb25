"""The console in headless Chromium, as an analyst uses it: sign in, find a ticket a till opened, read its trace,
grant an override and see the next denied return use it, activate a policy version, sign out. Every page's
screenshot is kept (see tests/browser.py for where)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from gateway.settings import Settings
from tests.browser import chromium, require_chromium, screenshot_dir
from tests.consoleutil import ADMIN, ADMIN_SECRET, AS_ADMIN, AS_TILL, console_gateway, console_settings
from tests.policyutil import policy_xml
from tests.serverutil import example, field

ServerFactory = Callable[[web.Application], Awaitable[TestServer]]
FRAUD_RULE = (
    '<Rule id="reason" question="ReturnReason"><Answer in="FRAUD" action="Stop" code="D1"/>'
    '<Answer otherwise="true"/><Answer missing="true"/></Rule>'
)

pytestmark = pytest.mark.both_backends


@pytest.fixture
def browser() -> Iterator[Any]:
    require_chromium()
    yield from chromium()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return screenshot_dir(tmp_path_factory)


@pytest.fixture
def settings(tmp_path: Path, db_location: str) -> Settings:
    policy = tmp_path / "policy.xml"
    policy.write_bytes(policy_xml(nonreceipted_rules=FRAUD_RULE))
    return console_settings(tmp_path, db_path=db_location, policy_path=policy)


class Analyst:
    """The browser, driven a step at a time (each step runs in a thread while the gateway serves)."""

    def __init__(self, driver: Any, base: str, shots: Path) -> None:
        self.driver, self.base, self.shots = driver, base, shots

    async def do(self, step: Callable[[], Any]) -> Any:
        return await asyncio.to_thread(step)

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def type(self, field_id: str, text: str) -> None:
        element = self.driver.find_element("id", field_id)
        element.clear()
        element.send_keys(text)

    def click(self, css: str) -> None:
        self.driver.find_element("css selector", css).click()

    def page(self) -> str:
        return str(self.driver.find_element("tag name", "main").text)

    def wait_for(self, text: str) -> None:
        """Wait (after a click) until the page shows `text`; fail with the page shown when it never does."""
        from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        def shown(driver: Any) -> bool:
            try:
                return text in str(driver.find_element("tag name", "body").text)
            except StaleElementReferenceException:
                return False

        try:
            WebDriverWait(self.driver, 15).until(shown)
        except TimeoutException:
            raise AssertionError(f"{text!r} never shown; the page says: {self.page()[:500]}") from None

    def shot(self, name: str) -> None:
        """Save a screenshot of the page once it has loaded; a capture a busy machine let time out is tried again."""
        from selenium.common.exceptions import TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        for attempt in range(3):
            WebDriverWait(self.driver, 15).until(lambda d: d.execute_script("return document.readyState") == "complete")
            try:
                self.driver.save_screenshot(str(self.shots / f"{name}.png"))
                return
            except TimeoutException:
                if attempt == 2:
                    raise


async def till(session: ClientSession, base: str, message_id: str, reason: str) -> str:
    body = example("authorize_nonreceipted_with_positive_id", ("AUTH-0006-ID", message_id), ("WRONG-SIZE", reason))
    async with session.post(f"{base}/v1/returns/authorize", data=body, headers=AS_TILL) as response:
        assert response.status == 200
        return await response.text()


async def test_analyst_journey(aiohttp_server: ServerFactory, settings: Settings, browser: Any, shots: Path) -> None:
    server = await aiohttp_server(console_gateway(settings))
    base = str(server.make_url("")).rstrip("/")
    analyst = Analyst(browser, base, shots)
    async with ClientSession() as session:
        denied = await till(session, base, "AUTH-B-1", "FRAUD")
        assert field(denied, "Type") == "Denial"
        ticket = field(denied, "TicketId")
        second = policy_xml().replace(b'version="test-1"', b'version="test-2"')
        async with session.put(f"{base}/v1/admin/policies/test-2", data=second, headers=AS_ADMIN) as uploaded:
            assert uploaded.status == 201
        await sign_in_and_find(analyst, ticket)
        await grant_override(analyst)
        used = await till(session, base, "AUTH-B-2", "FRAUD")
        assert field(used, "CustomerServiceOverrideUsed") == "true" and field(used, "Type") != "Denial"
        await see_override_used(analyst, field(used, "TicketId"))
        await simulate_the_new_version(analyst, ticket)
        await activate_and_sign_out(analyst)
        async with session.get(f"{base}/v1/admin/policies/active", headers=AS_ADMIN) as active:
            assert (await active.json())["version"] == "test-2"


async def sign_in_and_find(analyst: Analyst, ticket: str) -> None:
    def sign_in() -> None:
        analyst.open("/console/")
        analyst.shot("sign-in")
        analyst.type("name", ADMIN.name)
        analyst.type("secret", ADMIN_SECRET)
        analyst.click("form[action='/console/sign-in'] button[type=submit]")
        analyst.wait_for("Returns per day")
        analyst.shot("today")

    def search() -> None:
        analyst.open("/console/tickets")
        analyst.click("details summary")
        analyst.type("pid_type", "DriversLicense")
        analyst.type("pid_issuer", "TX")
        analyst.type("pid_number", "TX09876543")
        analyst.click("form[aria-label='Search tickets'] button[type=submit]")
        analyst.wait_for("Newest first")
        assert ticket in analyst.page() and "TX09876543" not in analyst.driver.page_source
        analyst.shot("tickets")
        analyst.click(f"a[href='/console/tickets/{ticket}']")
        analyst.wait_for("Rule trace of line 1")
        text = analyst.page()
        assert "Rule trace of line 1" in text and "reason" in text and "D1" in text
        analyst.driver.set_window_size(1280, 1500)
        analyst.shot("ticket")
        analyst.driver.set_window_size(1280, 800)

    await analyst.do(sign_in)
    await analyst.do(search)


async def grant_override(analyst: Analyst) -> None:
    def grant() -> None:
        analyst.open("/console/overrides")
        analyst.type("grant_pid_type", "DriversLicense")
        analyst.type("grant_pid_issuer", "TX")
        analyst.type("grant_pid_number", "TX09876543")
        analyst.type("reason", "identity theft victim")
        analyst.click("form[aria-label='Grant an override'] button[type=submit]")
        analyst.wait_for("The override was granted")
        analyst.shot("overrides")

    await analyst.do(grant)


async def see_override_used(analyst: Analyst, ticket: str) -> None:
    def look() -> None:
        analyst.open(f"/console/tickets/{ticket}")
        assert "customer service override used" in analyst.page()
        for name, path in (
            ("customers", "/console/customers"),
            ("cashier", "/console/cashiers?cashier_id=C-0042"),
            ("watches", "/console/watches"),
            ("audit", "/console/audit"),
        ):
            analyst.open(path)
            analyst.shot(name)
        assert "override.grant" in analyst.page()

    await analyst.do(look)


async def simulate_the_new_version(analyst: Analyst, ticket: str) -> None:
    """Version test-2 has no fraud rule: over the tickets' business day it would not have denied the first one."""

    def simulate() -> None:
        analyst.open("/console/policies")
        analyst.click("a[aria-label='Simulate version test-2']")
        analyst.wait_for("Version to simulate")
        analyst.type("sim_from", "11202026")
        analyst.type("sim_to", "11202026")
        analyst.click("form[aria-label='Simulate a policy version'] button[type=submit]")
        analyst.wait_for("Changed tickets")
        text = analyst.page()
        assert "Denial D1 Authorization" in text and "rule pass asked where reason was" in text, text[-1500:]
        analyst.driver.set_window_size(1280, 1600)
        analyst.shot("simulation")
        analyst.driver.set_window_size(1280, 800)
        analyst.click(f"table[aria-label='Changed tickets'] a[href='/console/tickets/{ticket}']")
        analyst.wait_for("Rule trace of line 1")
        assert analyst.driver.current_url.endswith(f"/console/tickets/{ticket}")

    await analyst.do(simulate)


async def activate_and_sign_out(analyst: Analyst) -> None:
    def activate() -> None:
        analyst.open("/console/policies/diff?a=test-1&b=test-2")
        assert "rule reason" in analyst.page()
        analyst.shot("policy-diff")
        analyst.open("/console/policies")
        analyst.click("button[aria-label='Activate version test-2']")
        analyst.wait_for("Version test-2 is now active")
        analyst.shot("policies")
        analyst.click("form[action='/console/sign-out'] button")
        analyst.wait_for("Sign in with an admin credential")
        analyst.open("/console/tickets")
        assert analyst.driver.current_url.endswith("/console/")

    await analyst.do(activate)


UNLABELLED = """
return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea, button'))
  .filter(e => !(e.id && document.querySelector('label[for="' + e.id + '"]')) && !e.getAttribute('aria-label')
               && !(e.tagName === 'BUTTON' && e.textContent.trim()))
  .map(e => e.outerHTML.slice(0, 80));
"""


async def test_pages_fit_a_tablet_have_labels_and_work_from_the_keyboard(
    aiohttp_server: ServerFactory, settings: Settings, browser: Any, shots: Path
) -> None:
    server = await aiohttp_server(console_gateway(settings))
    base = str(server.make_url("")).rstrip("/")
    analyst = Analyst(browser, base, shots)
    async with ClientSession() as session:
        ticket = field(await till(session, base, "AUTH-K-1", "FRAUD"), "TicketId")
        second = policy_xml().replace(b'version="test-1"', b'version="test-2"')
        async with session.put(f"{base}/v1/admin/policies/test-2", data=second, headers=AS_ADMIN) as uploaded:
            assert uploaded.status == 201

    def fits(name: str) -> None:
        assert analyst.driver.execute_script(UNLABELLED) == [], name
        overflow = analyst.driver.execute_script("return document.body.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{name} is {overflow}px wider than a tablet"
        analyst.shot("tablet-" + name)

    def check() -> None:
        from selenium.webdriver.common.keys import Keys

        analyst.open("/console/")
        analyst.type("name", ADMIN.name)
        analyst.type("secret", ADMIN_SECRET + Keys.ENTER)
        analyst.wait_for("Returns per day")
        analyst.driver.set_window_size(820, 1180)
        for path in (
            "/console/today",
            "/console/tickets",
            f"/console/tickets/{ticket}",
            "/console/customers",
            "/console/overrides",
            "/console/watches",
            "/console/policies",
            "/console/policies/simulate",
            "/console/policies/diff?a=test-1&b=test-2&all=1",
            "/console/cashiers?cashier_id=E1042",
            "/console/audit",
        ):
            analyst.open(path)
            fits(path.strip("/").replace("/", "-").split("?")[0])
        for page, fields, button, shown in (
            ("/console/customers", ("pid_type", "pid_issuer", "pid_number"), "Customer", "Returns"),
            ("/console/policies/simulate?version=test-2", ("sim_from", "sim_to"), "Simulate", "Changed tickets"),
        ):
            analyst.open(page)
            for field_id, text in zip(fields, ("DriversLicense", "TX", "TX09876543"), strict=False):
                analyst.type(field_id, "11202026" if field_id.startswith("sim_") else text)
            analyst.driver.find_element("id", fields[-1]).send_keys(Keys.ENTER)
            analyst.wait_for(shown)
            fits(button.lower() + "-answer")
        body = analyst.driver.find_element("tag name", "body")
        body.send_keys(Keys.TAB)
        assert analyst.driver.switch_to.active_element.text == "Skip to content"
        analyst.open("/console/overrides")
        heading = analyst.driver.find_element("css selector", "th[data-sort] button")
        heading.send_keys(Keys.ENTER)
        assert heading.find_element("xpath", "..").get_attribute("aria-sort") == "ascending"
        analyst.driver.set_window_size(1280, 800)

    await analyst.do(check)


def test_missing_chromium_skips_with_its_reason_unless_required(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from tests import browser as chromium_setup

    monkeypatch.setattr(chromium_setup, "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("RETURNS_GATEWAY_TEST_REQUIRE", raising=False)
    with pytest.raises(pytest.skip.Exception, match="Chromium is not installed"):
        require_chromium()
    monkeypatch.setenv("RETURNS_GATEWAY_TEST_REQUIRE", "postgresql chromium")
    with pytest.raises(pytest.fail.Exception, match="names chromium"):
        require_chromium()

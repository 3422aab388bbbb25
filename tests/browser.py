"""Headless Chromium for browser tests: Debian's chromium and chromium-driver through Selenium, nothing downloaded.

When Chromium is missing the tests skip with that reason, unless RETURNS_GATEWAY_TEST_REQUIRE names "chromium"
(as CI does), when they fail instead. Screenshots go to RETURNS_GATEWAY_SCREENSHOTS when set, else to a
directory under the pytest temporary directory.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--window-size=1280,800",
)


def _missing() -> str | None:
    if not CHROMIUM.exists() or not CHROMEDRIVER.exists():
        return f"Chromium is not installed ({CHROMIUM} and {CHROMEDRIVER}: apt-get install chromium chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "the selenium package is not installed (pip install -e '.[dev]')"
    return None


def require_chromium() -> None:
    """Skip with the reason when Chromium is missing; fail instead when the environment requires it."""
    reason = _missing()
    if reason is None:
        return
    if "chromium" in os.environ.get("RETURNS_GATEWAY_TEST_REQUIRE", ""):
        pytest.fail(f"RETURNS_GATEWAY_TEST_REQUIRE names chromium but {reason}")
    pytest.skip(reason)


def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    named = os.environ.get("RETURNS_GATEWAY_SCREENSHOTS")
    if named:
        Path(named).mkdir(parents=True, exist_ok=True)
        return Path(named)
    return tmp_path_factory.mktemp("console-screenshots")


def chromium() -> Iterator[Any]:
    """A headless Chromium with a fresh profile, quit and removed afterwards."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="rg-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)

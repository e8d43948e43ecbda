"""Browser fixtures: Debian's chromium driven by Playwright (never a downloaded browser), one
context per person, and a screenshot plus the HTML of every open page when a test fails."""

from __future__ import annotations

import os
import re
import shutil
import weakref
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from playwright.async_api import (
    Browser,
    BrowserContext,
    Dialog,
    Page,
    ViewportSize,
    async_playwright,
)

from tests.conftest import IN_CI, ROOT, Server, free_port, sqlite_database, start_server

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "tests" / "artifacts"
# Long enough for a slow CI machine, short enough that a broken test does not hang the run.
DEFAULT_TIMEOUT_MS = 10_000

PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1366, "height": 768}
# A tablet held sideways, or a small laptop: the console is one column there (app.css).
TABLET: ViewportSize = {"width": 1024, "height": 768}
PROJECTOR: ViewportSize = {"width": 1920, "height": 1080}
# Playwright's "Pixel 7": opened with mobile=True, the page is laid out as a phone does it, at
# 980 px unless its viewport meta tag says otherwise.
PIXEL_7: ViewportSize = {"width": 412, "height": 839}

# Who each page belongs to, for the names of the files saved when a test fails.
PAGE_NAMES: weakref.WeakKeyDictionary[Page, str] = weakref.WeakKeyDictionary()
# A refusal (4xx) a test provokes is logged by the browser and by htmx. Anything else, a 5xx
# included, is a failure unless the test names it (`Tabs.provoke`).
PROVOKED = re.compile(
    r"Failed to load resource: the server responded with a status of 4\d\d "
    r"|Response Status Error Code 4\d\d from "
)
PAGE_PARTS = {"script", "stylesheet", "image", "font"}
REPORTS = pytest.StashKey[dict[str, pytest.TestReport]]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Keep each phase's report on the item, so fixtures can tell that the test failed."""
    report = yield
    item.stash.setdefault(REPORTS, {})[report.when] = report
    return report


def failed(item: pytest.Item) -> bool:
    reports = item.stash.get(REPORTS, {})
    return any(r.failed for r in reports.values())


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not CHROMIUM.exists():
        message = (
            f"{CHROMIUM} is missing: the browser tests use Debian's chromium "
            "(`make browser-deps` installs it with apt-get)"
        )
        if IN_CI:
            pytest.fail(f"{message}; it is required under CI=true")
        pytest.skip(message)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            await launched.close()


class Tabs:
    """The browser contexts of one test: each person gets their own cookies and storage.

    Every page's dialogs (alert, confirm...) are recorded and dismissed, and uncaught
    script errors are recorded, so tests can assert that neither happened. Script errors and
    errors in the console (a blocked inline handler, htmx's swap errors) fail any test that
    passed: the CSP blocked markup that htmx had parsed out of an API answer, and only the
    console told."""

    def __init__(self, browser: Browser) -> None:
        self.browser = browser
        self.contexts: list[BrowserContext] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.console: list[str] = []
        self.provoked = [PROVOKED]

    async def open(
        self, name: str, viewport: ViewportSize = DESKTOP, *, mobile: bool = False
    ) -> Page:
        # A phone is a touch screen: its CSS then sees `pointer: coarse`, as a real one does.
        # `mobile` also lays the page out as a phone's browser does (its viewport meta tag).
        context = await self.browser.new_context(
            viewport=viewport,
            locale="en-GB",
            is_mobile=mobile,
            has_touch=mobile or viewport is PHONE,
        )
        context.set_default_timeout(DEFAULT_TIMEOUT_MS)
        self.contexts.append(context)
        page = await context.new_page()
        self.watch(name, page)
        return page

    def watch(self, name: str, page: Page) -> None:
        PAGE_NAMES[page] = name

        async def on_dialog(dialog: Dialog) -> None:
            self.dialogs.append(f"{name}: {dialog.type} {dialog.message!r}")
            await dialog.dismiss()

        page.on("dialog", on_dialog)
        page.on("pageerror", lambda exc: self.errors.append(f"{name}: {exc}"))
        page.on(
            "console",
            lambda m: self.console.append(f"{name}: {m.text}") if m.type == "error" else None,
        )
        # A refused request is routine in a test; a script, style, image or font that does not
        # load is a broken page, whatever the console allows.
        page.on(
            "response",
            lambda r: (
                self.errors.append(f"{name}: {r.status} for {r.request.resource_type} {r.url}")
                if r.status >= 400 and r.request.resource_type in PAGE_PARTS
                else None
            ),
        )

    def provoke(self, pattern: str) -> None:
        """Console errors matching `pattern` are a failure this test causes on purpose."""
        self.provoked.append(re.compile(pattern))

    def problems(self) -> list[str]:
        """What went wrong in the pages, short of the failures the test provokes on purpose."""
        return self.errors + [
            line
            for line in self.console
            if not any(pattern.search(line) for pattern in self.provoked)
        ]

    async def close(self) -> None:
        for context in self.contexts:
            await context.close()
        self.contexts.clear()


async def dump_pages(browser: Browser, target: Path) -> None:
    """A full-page screenshot and the current HTML of every page open in the browser."""
    target.mkdir(parents=True, exist_ok=True)
    for c, context in enumerate(browser.contexts):
        for p, page in enumerate(context.pages):
            stem = f"{c}.{p}-{slugify(PAGE_NAMES.get(page, 'page'))}"
            try:
                (target / f"{stem}.url.txt").write_text(page.url + "\n")
                await page.screenshot(path=target / f"{stem}.png", full_page=True, timeout=5_000)
                (target / f"{stem}.html").write_text(await page.content())
            except Exception as exc:  # a crashed or closed page must not hide the failure
                (target / f"{stem}.error.txt").write_text(repr(exc))


def slugify(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", text).strip("_") or "blank"


@pytest.fixture(scope="session")
def cable_port() -> int:
    """Where a test may put a proxy between a browser and the server (see cable.py)."""
    return free_port()


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory, cable_port: int) -> Iterator[Server]:
    """One real uvicorn process on SQLite for all the browser tests; each test makes its own
    peer assist in it. Starting one per test would cost seconds a test."""
    directory = tmp_path_factory.mktemp("browser-server")
    started = start_server(
        directory,
        sqlite_database(directory),
        extra_env={"ALLOWED_ORIGINS": f"http://127.0.0.1:{cable_port}"},
    )
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
async def tabs(
    browser: Browser, server: Server, request: pytest.FixtureRequest
) -> AsyncIterator[Tabs]:
    opened = Tabs(browser)
    problems: list[str] = []
    try:
        yield opened
    finally:
        problems = [] if failed(request.node) else opened.problems()
        if failed(request.node) or problems:
            target = ARTIFACTS / slugify(request.node.nodeid)
            shutil.rmtree(target, ignore_errors=True)
            await dump_pages(browser, target)
            if server.log.exists():
                shutil.copy(server.log, target / "server.log")
        await opened.close()
    if problems:
        pytest.fail("the pages reported errors:\n" + "\n".join(problems))

"""Accounts in a real browser: the first run, inviting a facilitator, signing in and out, and
single sign-on against a real OpenID Connect provider."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.async_api import Page, expect

from tests.conftest import (
    Server,
    oidc_settings,
    set_oidc_user,
    sqlite_database,
    start_server,
)

from .conftest import Tabs
from .meeting import ROOM_URL, TITLE, wait_live

pytestmark = pytest.mark.browser
SETUP_LINE = re.compile(r"create the admin account at (\S+/setup/\S+)")
PASSWORD = "a long enough password"


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[Server]:
    """A fresh installation as `make run` starts it: no account, no ADMIN_TOKEN."""
    started = start_server(tmp_path, sqlite_database(tmp_path), extra_env={"ADMIN_TOKEN": ""})
    try:
        yield started
    finally:
        started.stop()


def setup_link(server: Server) -> str:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = SETUP_LINE.search(server.log.read_text())
        if found:
            return found.group(1)
        time.sleep(0.1)
    raise AssertionError(f"no setup link printed:\n{server.log.read_text()}")


async def sign_in(page: Page, base_url: str, email: str, target: str) -> None:
    await page.goto(f"{base_url}{target}")
    await page.wait_for_url(re.compile(r"/signin\?next="))
    await page.fill("input[name=email]", email)
    await page.fill("input[name=password]", PASSWORD)
    await page.get_by_role("button", name="Sign in").click()


async def test_first_run_invite_sign_in_and_out(fresh_server: Server, tabs: Tabs) -> None:
    base = fresh_server.base_url
    # 1. The printed setup link creates the admin, once.
    link = setup_link(fresh_server)
    admin = await tabs.open("admin")
    await admin.goto(link)
    await admin.fill("input[name=name]", "Alex Admin")
    await admin.fill("input[name=email]", "alex@example.org")
    await admin.fill("input[name=password]", PASSWORD)
    await admin.get_by_role("button", name="Create the admin account").click()
    await admin.wait_for_url(re.compile(r"/admin$"))
    # 2. The admin invites a facilitator, who sets a password through the link.
    invite = admin.get_by_role("form", name="Invite someone")
    await invite.get_by_label("Name").fill("Fay Facilitator")
    await invite.get_by_label("Email").fill("fay@example.org")
    await invite.get_by_role("button", name="Invite").click()
    invite_link = await admin.get_by_label("One-time link").input_value()
    assert "/welcome/" in invite_link
    fay = await tabs.open("fay")
    await fay.goto(invite_link)
    await fay.fill("input[name=password]", PASSWORD)
    await fay.get_by_role("button", name="Set the password and sign in").click()
    await fay.wait_for_url(re.compile(r"/my$"))
    # 3. She creates a peer assist and finds it in "my peer assists".
    await fay.get_by_role("link", name="Start a new peer assist").click()
    await fay.fill("input[name=title]", TITLE)
    await fay.fill("textarea[name=problem]", "Patients fit to leave wait a day for transport.")
    await fay.check("input[name=aim_is_learning]")
    await fay.fill("input[name=facilitator_name]", "Fay")
    await fay.get_by_role("button", name="Create the peer assist").click()
    await fay.wait_for_url(ROOM_URL)
    workshop_id = fay.url.rstrip("/").rsplit("/", 1)[-1]
    await wait_live(fay)
    await fay.goto(f"{base}/my")
    entry = fay.locator(".peer-assist").filter(has_text=TITLE)
    await expect(entry).to_contain_text("Welcome")
    # 4. She signs out; a new browser cannot reach the console.
    await fay.get_by_role("button", name=re.compile("Sign out")).click()
    await fay.wait_for_url(re.compile(r"/signin$"))
    await fay.goto(f"{base}/my")
    await fay.wait_for_url(re.compile(r"/signin\?next="))
    elsewhere = await tabs.open("fay elsewhere")
    await elsewhere.goto(f"{base}/w/{workshop_id}")
    await expect(elsewhere.get_by_role("heading", name="Join first")).to_be_visible()
    await elsewhere.goto(f"{base}/w/{workshop_id}/open")
    await elsewhere.wait_for_url(re.compile(r"/signin\?next="))
    # 5. She signs in again there, and can.
    await sign_in(elsewhere, base, "fay@example.org", f"/w/{workshop_id}/open")
    await elsewhere.wait_for_url(ROOM_URL)
    await wait_live(elsewhere)
    await expect(elsewhere.get_by_role("button", name="Next phase")).to_be_visible()
    # The admin sees every peer assist.
    await admin.goto(f"{base}/my")
    await expect(admin.locator(".peer-assist").filter(has_text=TITLE)).to_be_visible()
    # 6. She deletes the peer assist (saying yes when asked): it is gone from her list, and
    # its console answers 404.
    await elsewhere.goto(f"{base}/my")
    await elsewhere.evaluate("window.confirm = () => true")
    entry = elsewhere.locator(".peer-assist").filter(has_text=TITLE)
    await entry.get_by_role("button", name=re.compile("Delete this peer assist")).click()
    await expect(elsewhere.locator(".peer-assist").filter(has_text=TITLE)).to_have_count(0)
    console = await elsewhere.goto(f"{base}/w/{workshop_id}/open")
    assert console is not None and console.status == 404
    assert not tabs.errors and not tabs.dialogs


@pytest.fixture
def sso_server(tmp_path: Path, oidc_issuer: str) -> Iterator[Server]:
    env = {k.upper(): v for k, v in oidc_settings(oidc_issuer).items()}
    started = start_server(tmp_path, sqlite_database(tmp_path), extra_env=env)
    try:
        yield started
    finally:
        started.stop()


async def test_single_sign_on_in_the_browser(
    sso_server: Server, oidc_issuer: str, tabs: Tabs, record_property: object
) -> None:
    set_oidc_user(oidc_issuer, "oda-1", email="oda@example.org", name="Oda Organiser")
    page = await tabs.open("oda")
    # The stand-in provider's sign-in page asks for a resource on the internet, which the
    # test machine cannot reach.
    tabs.provoke(r"oda: Failed to load resource: net::ERR_NAME_NOT_RESOLVED")
    began = time.monotonic()
    await page.goto(f"{sso_server.base_url}/")
    await page.wait_for_url(re.compile(r"/signin\?next="))
    await page.get_by_role("link", name="Sign in with your organisation's account").click()
    await page.wait_for_url(re.compile(r"localhost:\d+/oauth2/authorize"))
    await page.fill("input[name=sub]", "oda-1")
    await page.get_by_role("button", name="Authorize").click()
    # Back on the start page it was sent from, signed in.
    await page.wait_for_url(f"{sso_server.base_url}/")
    await expect(page.get_by_role("heading", name="Start a peer assist")).to_be_visible()
    took = time.monotonic() - began
    record_property("oidc_browser_flow_s", round(took, 2))  # type: ignore[operator]
    print(f"OIDC authorization-code flow in Chromium: {took:.2f} s")
    await expect(
        page.get_by_role("button", name=re.compile("Sign out Oda Organiser"))
    ).to_be_visible()

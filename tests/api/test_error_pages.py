"""A refusal never strands a person: filters that do not work come back in the dashboard's own
form, and the generic refusal page offers a way home that fits who reads it."""

from __future__ import annotations

import httpx

from tests.factories import ACCOUNT_COOKIE, create_room, make_account, sign_in


async def fay_signed_in(client: httpx.AsyncClient) -> None:
    fay = await make_account(client, "Fay Facilitator")
    await sign_in(client, fay)
    assert ACCOUNT_COOKIE in client.cookies


def filters_form(page: httpx.Response) -> str:
    return page.text.split('aria-label="Filters"')[1].split("</form>")[0]


async def test_dashboard_filters_that_do_not_work_are_said_beside_them(
    client: httpx.AsyncClient,
) -> None:
    await fay_signed_in(client)
    backwards = await client.get("/dashboard?from=2027-01-01&to=2026-01-01&unit=")
    assert backwards.status_code == 422
    form = filters_form(backwards)
    assert "The from date comes after the to date." in form
    assert 'value="2027-01-01"' in form and 'value="2026-01-01"' in form
    assert 'aria-describedby="filters-error"' in form
    assert 'href="/dashboard"' in form  # a way to clear them
    assert "In short" not in backwards.text  # no figures for filters other than those asked
    assert "Sign in" not in backwards.text

    typo = await client.get("/dashboard?from=xx")
    assert typo.status_code == 422
    assert "The from date should look like 2027-03-01." in filters_form(typo)

    fine = await client.get("/dashboard?from=2026-01-01")
    assert fine.status_code == 200 and 'id="filters-error"' not in fine.text
    assert "In short" in fine.text

    # The CSV has no form of its own: its refusal leads back to the dashboard.
    csv = await client.get("/dashboard/held.csv?from=xx")
    assert csv.status_code == 422 and 'href="/dashboard"' in csv.text


async def test_the_refusal_page_offers_a_way_home_to_whoever_reads_it(
    client: httpx.AsyncClient,
) -> None:
    room = await create_room(client)
    stranger = await client.get(f"/w/{room.id}")
    assert stranger.status_code == 401  # "Join first": a stranger may hold an invite
    assert 'href="/signin"' in stranger.text and 'href="/my"' not in stranger.text
    # A peer assist that is not there is not there, whoever asks (API.md: 404).
    gone = await client.get("/w/no-such-peer-assist")
    assert gone.status_code == 404 and "it may have been deleted" in gone.text

    await fay_signed_in(client)
    signed = await client.get(f"/w/{room.id}")
    assert signed.status_code == 401 and "Join first" in signed.text
    assert 'href="/my"' in signed.text
    assert "Sign in" not in signed.text and 'href="/signin"' not in signed.text
    assert int(signed.headers["content-length"]) == len(signed.content)

    # A cookie our key did not sign is nobody's.
    client.cookies.set(ACCOUNT_COOKIE, "forged.value")
    forged = await client.get(f"/w/{room.id}")
    assert 'href="/signin"' in forged.text and 'href="/my"' not in forged.text


async def test_a_browser_gets_a_page_for_an_address_that_is_not_one(
    client: httpx.AsyncClient,
) -> None:
    """A person who follows a broken link or opens a form's address reads a page; a script,
    an htmx swap and the API keep their JSON."""
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    for method, path, status in (
        ("GET", "/j/a%2Fb", 404),
        ("GET", "/no/such/page", 404),
        ("GET", "/signout", 405),
        ("POST", "/my", 405),
        ("GET", "/account/tokens/abc/revoke", 405),
    ):
        page = await client.request(method, path, headers=browser)
        assert page.status_code == status, (method, path, page.text[:200])
        assert page.headers["content-type"].startswith("text/html"), (method, path)
        assert "<h1>" in page.text and '"code"' not in page.text
    script = await client.get("/no/such/page")
    assert script.json()["code"] == "not_found"
    swap = await client.get("/no/such/page", headers={**browser, "HX-Request": "true"})
    assert swap.json()["code"] == "not_found"
    api = await client.get("/api/v1/nothing", headers=browser)
    assert api.json()["code"] == "not_found"
    # Letters where an account's number goes: the caller is asked who they are first, as
    # for a number no account has.
    for headers in (browser, {}):
        letters = await client.post("/admin/accounts/abc", headers=headers)
        number = await client.post("/admin/accounts/999", headers=headers)
        assert (letters.status_code, letters.headers.get("location")) == (
            number.status_code,
            number.headers.get("location"),
        )

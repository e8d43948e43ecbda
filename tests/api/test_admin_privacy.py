"""The admin page shows what the next retention sweep deletes, and exports what is stored about
one person (a participant name or an account) for a subject access request."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from app.main import create_app
from tests.api.helpers import assert_error
from tests.conftest import Clock, make_settings
from tests.factories import API, admin, create_room, join, make_account, move

DAY = 86_400


@pytest.fixture
async def kept_30_days(
    tmp_path: Path, database_url: str, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(make_settings(tmp_path, database_url, retention_days=30), clock=clock)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as c:
            yield c


async def test_the_admin_page_shows_the_retention_and_the_next_sweep(
    kept_30_days: httpx.AsyncClient, clock: Clock
) -> None:
    client = kept_30_days
    old = await create_room(client, title="Closed long ago")
    await create_room(client, title="Still running")
    await move(client, old, "closed")
    page = await client.get("/admin", headers=admin())
    assert "30 days after they close" in page.text
    assert "The next sweep deletes nothing." in page.text
    clock.advance(31 * DAY)
    page = await client.get("/admin", headers=admin())
    due = page.text.split('class="due-for-purge"')[1].split("</ul>")[0]
    assert "Closed long ago" in due and "Still running" not in due
    assert re.search(r"closed \d{1,2} [A-Z][a-z]+ \d{4}<", due), due  # a date as pages say it


async def test_admins_export_everything_stored_about_a_name_or_an_account(
    client: httpx.AsyncClient,
) -> None:
    fay, gus = await make_account(client, "Fay Facilitator"), await make_account(client, "Gus")
    room = await create_room(client, owner=fay, title="Discharge delays")
    await join(client, room, "visitor", "Vera Visitor")
    template = await client.post(
        f"{API}/workshops/{room.id}/agenda/templates",
        json={"name": "Fay's short agenda"},
        headers=room.facilitator.headers,
    )

    by_name = await client.get(
        f"{API}/subject-access", params={"name": "vera visitor"}, headers=admin()
    )
    assert by_name.status_code == 200
    [joined] = by_name.json()["participations"]
    assert joined["participant"]["name"] == "Vera Visitor"
    assert joined["workshop"]["title"] == "Discharge delays"

    by_account = await client.get(f"{API}/accounts/{fay.id}/subject-access", headers=admin())
    assert by_account.status_code == 200
    found = by_account.json()
    assert found["account"]["email"] == fay.email
    assert [t["name"] for t in found["tokens"]] == ["tests"]
    assert [k["purpose"] for k in found["one_time_links"]]
    assert [w["workshop"]["title"] for w in found["workshops_owned"]] == ["Discharge delays"]
    assert template.status_code == 201, template.text
    assert [t["name"] for t in found["templates_created"]] == ["Fay's short agenda"]
    # Secrets are kept as hashes only, and even those stay out of the export.
    text = by_account.text
    assert "hash" not in text.replace("hashes", "") and fay.token not in text

    assert_error(
        await client.get(f"{API}/accounts/{fay.id}/subject-access", headers=gus.headers), 403
    )
    assert_error(await client.get(f"{API}/subject-access?name=Vera", headers=gus.headers), 403)
    assert_error(await client.get(f"{API}/accounts/999999/subject-access", headers=admin()), 404)

    # The same exports from the admin page, as files to send.
    page = await client.get("/admin", headers=admin())
    assert 'action="/admin/subject-access"' in page.text
    download = await client.get(
        "/admin/subject-access", params={"name": "Vera Visitor"}, headers=admin()
    )
    assert download.status_code == 200 and "attachment" in download.headers["content-disposition"]
    assert download.json() == by_name.json() | {"name": "Vera Visitor"}
    download = await client.get(
        "/admin/subject-access", params={"account_id": str(fay.id)}, headers=admin()
    )
    assert download.json()["account"]["id"] == fay.id
    refused = await client.get(
        "/admin/subject-access", params={"name": "Vera"}, headers=gus.headers
    )
    assert refused.status_code == 403

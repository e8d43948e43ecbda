"""Security headers on every kind of answer: pages, the API, errors, static files."""

from __future__ import annotations

import httpx

from tests.factories import API, admin, create_room


async def test_every_answer_carries_the_security_headers(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    answers = [
        await client.get("/"),
        await client.get(f"/j/{room.invites['visitor']['code']}"),
        await client.get(f"/w/{room.id}", headers=room.facilitator.headers),
        await client.get(f"{API}/workshops/{room.id}", headers=room.facilitator.headers),
        await client.get("/no/such/page"),
        await client.get("/static/app.js"),
        await client.post(f"{API}/workshops", content=b"{", headers={"Content-Type": "x"}),
    ]
    for response in answers:
        csp = response.headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in csp.split(";"))
        assert directives["script-src"] == "'self'"
        assert directives["style-src"] == "'self'"
        assert directives["frame-ancestors"] == "'none'"
        assert directives["default-src"] == "'none'"
        assert "unsafe" not in csp and "http" not in csp and "*" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["X-Robots-Tag"] == "noindex, nofollow"


async def test_pages_say_noindex_and_no_referrer_themselves(client: httpx.AsyncClient) -> None:
    room = await create_room(client)
    for path in ("/", f"/j/{room.invites['visitor']['code']}", "/r"):
        # The start page is for accounts; the invite and room-code pages are for anyone.
        html = (await client.get(path, headers=admin() if path == "/" else {})).text
        assert '<meta name="robots" content="noindex, nofollow">' in html
        assert '<meta name="referrer" content="no-referrer">' in html
        assert '"allowEval": false' in html and '"includeIndicatorStyles": false' in html


def test_no_template_has_inline_script_style_or_handlers() -> None:
    """What the CSP would block: inline <script>, <style>, style= and on*= / hx-on handlers."""
    import re
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "app" / "templates"
    banned = {
        "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I),
        "style element": re.compile(r"<style\b", re.I),
        "style attribute": re.compile(r"\sstyle\s*=", re.I),
        "handler attribute": re.compile(r"\s(on[a-z]+|hx-on[:\w-]*)\s*=", re.I),
        "javascript: URL": re.compile(r"javascript:", re.I),
    }
    found = [
        f"{path.relative_to(templates)}: {what}"
        for path in sorted(templates.rglob("*.html"))
        for what, pattern in banned.items()
        if pattern.search(path.read_text())
    ]
    assert found == []

"""What the whole-room test checks on the projector and the pages, kept apart from the story
it tells: the board fits its screen, its text is large enough, an action is whole or counted,
and the JavaScript snippets the checks evaluate in the page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import Page, expect
from playwright.async_api import TimeoutError as PlaywrightTimeout

from .conftest import ARTIFACTS, PHONE, PROJECTOR
from .meeting import Meeting

SHOTS = ARTIFACTS / "room"
SMALL_PROJECTOR = {"width": 1280, "height": 720}
# Nothing a person must read on the projector is smaller than this at 1920x1080.
MIN_BOARD_PX = 20.0

# Every piece of visible text on the first screen, with its computed font size.
TEXT_SIZES = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let node;
  while ((node = walker.nextNode())) {
    const text = node.textContent.trim();
    if (!text) continue;
    const el = node.parentElement;
    if (el.closest(".visually-hidden, .skip, svg")) continue;
    const box = el.getBoundingClientRect();
    if (!box.width || !box.height || box.bottom < 0 || box.top >= innerHeight) continue;
    const style = getComputedStyle(el);
    if (style.visibility === "hidden") continue;
    const cls = typeof el.className === "string" && el.className.trim()
      ? "." + el.className.trim().split(/\\s+/).join(".") : "";
    out.push([el.tagName.toLowerCase() + cls, parseFloat(style.fontSize), text.slice(0, 40)]);
  }
  return out;
}"""
FITS = "() => document.documentElement.scrollHeight <= innerHeight + 1"
# What reaches below the screen, deepest last: says why the board scrolls.
STICKING_OUT = """() => [document.documentElement.scrollHeight, innerHeight,
  [...document.querySelectorAll("body *")].filter(e => e.getClientRects().length
    && e.getBoundingClientRect().bottom > innerHeight + 1).slice(0, 12)
    .map(e => `${e.tagName.toLowerCase()}#${e.id}.${[...e.classList].join(".")} to `
      + Math.round(e.getBoundingClientRect().bottom))]"""
# What sticks out of its card sideways (a tag, a word, a link): nothing should.
OUT_OF_CARDS = """() => [...document.querySelectorAll(".card:not([hidden])")].flatMap(card => {
  const edge = card.getBoundingClientRect().right;
  return [...card.querySelectorAll("*")].filter(e => e.getClientRects().length
    && e.getBoundingClientRect().right > edge + 1).map(e => e.textContent.trim().slice(0, 40));
})"""
# The join address on the board: one line, inside its box.
URL_ON_ONE_LINE = """() => { const u = document.querySelector(".join-box .join-url");
  if (!u) return true;
  const box = u.closest(".join-box").getBoundingClientRect(), r = u.getBoundingClientRect();
  return u.getClientRects().length === 1 && r.left >= box.left && r.right <= box.right
    && r.height < 2 * parseFloat(getComputedStyle(u).fontSize); }"""
# The host's boxes that are switched on, hidden ones included.
ENABLED_BOXES = """() => [...document.querySelectorAll("textarea, select, input")]
  .filter(e => !e.disabled && !["hidden", "checkbox", "radio", "submit"].includes(e.type))
  .map(e => e.name || e.id)"""
API_POST = """async ([path, body, method]) => {
  const csrf = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRF-Token"];
  const response = await fetch(path, {method, body: JSON.stringify(body),
    headers: {"Content-Type": "application/json", "X-CSRF-Token": csrf}});
  return [response.status, await response.json()];
}"""


def say(line: str) -> None:
    print(f"[room] {line}", flush=True)


def shot_path(name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS / f"{name}.png"


async def board_sizes(board: Page, phase: str) -> dict[str, float]:
    """The smallest font size of each kind of text on the board; fails on any under 20 px."""
    sizes = await board.evaluate(TEXT_SIZES)
    small = [s for s in sizes if s[1] < MIN_BOARD_PX]
    assert not small, f"{phase}: text under {MIN_BOARD_PX}px on the projector: {small}"
    smallest: dict[str, float] = {}
    for where, px, _ in sizes:
        smallest[where] = min(px, smallest.get(where, px))
    return smallest


async def fits(board: Page, phase: str) -> None:
    """The board fits one screen at 1920x1080 and at 1280x720: nobody scrolls a projector."""
    for size in (SMALL_PROJECTOR, PROJECTOR):
        await board.set_viewport_size(size)  # type: ignore[arg-type]
        # The board lays itself out again after a resize, and a card or theme that has just
        # arrived is fitted once htmx settles: on a busy machine that is more than a frame away.
        try:
            await board.wait_for_function(FITS, timeout=5_000)
        except PlaywrightTimeout:
            await board.screenshot(path=shot_path(f"{phase}-board-scrolls-{size['width']}"))
            out = await board.evaluate(STICKING_OUT)
            pytest.fail(f"the board scrolls at {size}: {out}")
        assert await board.evaluate(URL_ON_ONE_LINE), f"the join address breaks at {size}"
        out = await board.evaluate(OUT_OF_CARDS)
        assert not out, f"{phase}: text sticks out of its card at {size}: {out}"
        if size is SMALL_PROJECTOR:
            await board.screenshot(path=shot_path(f"{phase}-board-1280x720"))


# Every action on the board is either whole inside its box or counted in "+N more", and those
# shown are the first ones: the list is numbered, so a gap would renumber the rest.
ACTIONS_ACCOUNTED = """(total) => {
  const box = document.querySelector('.board-actions').getBoundingClientRect();
  const all = [...document.querySelectorAll('.board-actions .action')];
  const shown = all.filter(a => !a.hidden);
  const more = document.querySelector('.board-actions > .more:not([hidden])');
  const counted = more ? parseInt(more.textContent.replace('+', ''), 10) : 0;
  const whole = shown.every(a => a.getBoundingClientRect().bottom <= box.bottom + 1);
  const first = shown.every((a, i) => a === all[i]);
  return shown.length >= 1 && shown.length + counted === total && whole && first;
}"""


async def shows_cards(board: Page, kind: str, phase: str) -> None:
    """The phase's own column shows at least one of its cards on the projector, at either
    size: an empty box that says "+3 more" tells the room nothing."""
    for size in (SMALL_PROJECTOR, PROJECTOR):
        await board.set_viewport_size(size)  # type: ignore[arg-type]
        shown = board.locator(f"#col-{kind} .card:not([hidden])").first
        await expect(shown).to_be_in_viewport(ratio=0.5)
        await board.screenshot(path=shot_path(f"{phase}-board-{size['width']}-{kind}"))


async def first_card_top(page: Page, kinds: list[str]) -> float | None:
    """Where the first card of the phase's own kinds starts, in px from the top of the page."""
    selector = ", ".join(f"#col-{k} .card:not([hidden])" for k in kinds)
    box = await page.locator(selector).first.bounding_box() if kinds else None
    if box is None:
        return None
    return box["y"] + await page.evaluate("scrollY")


async def fold_report(meeting: Meeting, phase: str, kinds: list[str]) -> None:
    for name, page in meeting.pages.items():
        top = await first_card_top(page, kinds)
        if top is None:
            continue
        fold = page.viewport_size["height"] if page.viewport_size else 0
        say(f"{phase}: {name}'s first {phase} card starts at {top:.0f}px (fold {fold}px)")
        if name == "board":
            assert top < fold, f"{phase}: the phase's cards are below the projector's fold"


# A small phone still in use (a Galaxy S8's screen): shorter and narrower than PHONE.
SMALL_PHONE = {"width": 360, "height": 740}


async def add_card_on_first_screen(page: Page, phase: str) -> None:
    """On PHONE's first screen, and on a small phone's too (the page resized, then back)."""
    for size in (SMALL_PHONE, PHONE):
        await page.set_viewport_size(size)  # type: ignore[arg-type]
        await page.evaluate("scrollTo(0, 0)")
        box = await page.locator("#composer-kinds button[type=submit]").bounding_box()
        assert box is not None
        assert box["y"] + box["height"] <= size["height"], (
            f"{phase}: Add card is below the fold at {size}: {box}"
        )

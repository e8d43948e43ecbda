"""The Markdown export, rendered by a real Markdown parser, shows user text as words: no link,
image, autolink or HTML element comes out of anything a participant typed."""

from __future__ import annotations

import html
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from app.exports import to_markdown
from tests.exports.test_exports import make_action, make_commitment, make_workshop

ATTACKS = [
    "[click](javascript:alert(1))",
    "[click](<javascript:alert(1)>)",
    "![x](http://remote.example/img.png)",
    '![x](http://remote.example/img.png "title")',
    "<img src=x onerror=alert(1)>",
    '<a href="http://evil.example">x</a>',
    "<script>alert(1)</script>",
    "<!-- hidden --><iframe src=//evil.example></iframe>",
    "<http://evil.example>",
    "<evil@example.com>",
    "http://evil.example/path?q=1",
    "see www.evil.example now",
    "mail evil@example.com now",
    "visit evil.example today",
    "[x][1]\n\n[1]: http://evil.example",
    "[x]\n[x]: http://evil.example",
    "\\[x](http://evil.example)",
    "&lt;img src=x&gt; &#60;img src=x&#62;",
    "| [a](http://evil.example) | ![b](http://evil.example/b.png) |",
    "*emphasis* and `code` and ~~struck~~",
    # Only what a line starts with makes these: the export escapes just that.
    "- a list item",
    "1. a numbered item\n2) and another",
    "+ one more",
    "#### a heading",
    "@someone, see #12",
    # Bare links without a letter to break them: an address, a host of its own, GFM's www.
    "see //93.184.216.34/login now",
    "//127.0.0.1:8080/x and //localhost/admin",
    "www.123.45.67 and WWW.9.example",
    "{: .class #id onclick=x}",
]
# What the export itself produces; anything else came from user text.
OUR_TAGS = {
    "h1", "h2", "p", "strong", "em", "blockquote", "table", "thead", "tbody", "tr", "th", "td",
    "br",
}  # fmt: skip
RENDERERS = {
    # Raw HTML switched on: a renderer that trusts HTML must still find none.
    "commonmark": MarkdownIt("commonmark", {"html": True}).enable("table"),
    # GitHub-like: tables, strikethrough and bare links turned into links.
    "gfm-like": MarkdownIt("gfm-like", {"html": True}),
}


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def rendered(markdown: str, renderer: str) -> Tags:
    parser = Tags()
    parser.feed(RENDERERS[renderer].render(markdown))
    return parser


def everywhere(value: str) -> bytes:
    """The value in every field the export shows: title, problem, purpose, note, names,
    action title, owner and linked card text."""
    cards = [{"id": 1, "kind": "insight", "text": value}]
    return to_markdown(
        make_workshop(title=value, problem=value, purpose=value),
        [make_action(1, title=value, owner=value, card_ids=[1])],
        make_commitment(note=value, set_by={"id": 1, "name": value}),
        cards,
    )


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("attack", ATTACKS)
def test_user_text_forms_no_link_image_or_html(attack: str, renderer: str) -> None:
    page = rendered(everywhere(attack).decode("utf-8"), renderer)
    foreign = [(tag, attrs) for tag, attrs in page.tags if tag not in OUR_TAGS]
    assert foreign == [], (attack, foreign)
    assert all(attrs == [] for tag, attrs in page.tags if tag != "td" and tag != "th"), page.tags


@pytest.mark.parametrize("attack", [a for a in ATTACKS if "\n" not in a])
def test_the_words_are_shown_as_typed(attack: str) -> None:
    markdown = to_markdown(make_workshop(title=attack), [], None, []).decode("utf-8")
    heading = RENDERERS["commonmark"].render(markdown.split("\n", 1)[0])
    shown = html.unescape(heading.removeprefix("<h1>").removesuffix("</h1>\n"))
    assert shown == attack.strip()


def test_a_markdown_table_of_hostile_text_keeps_its_shape() -> None:
    attack = "| [a](http://evil.example) |\n![b](http://x/b.png)"
    page = rendered(everywhere(attack).decode("utf-8"), "gfm-like")
    # One header row and one action row, six cells each: no pipe in the text made a column.
    assert [tag for tag, _ in page.tags].count("tr") == 2
    assert [tag for tag, _ in page.tags].count("td") == 6


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_record_in_markdown_forms_no_link_image_or_html_either(attack: str) -> None:
    from datetime import date

    from app.exports.record import build_record
    from app.exports.record_text import record_markdown
    from tests.exports.test_record import WORKSHOP, card

    record = build_record(
        workshop={**WORKSHOP, "title": attack, "problem": attack, "facilitator_name": attack},
        participants=[{"name": attack, "role": "visitor", "unit": attack}],
        cards=[card(i, kind, attack, theme=attack) for i, kind in enumerate(KINDS, start=1)],
        actions=[{"title": attack, "owner": attack, "due_date": None, "status": "open"}],
        commitment={"report_back_by": "2027-01-15", "note": attack},
        today=date(2026, 11, 23),
        held_on=date(2026, 11, 20),
    )
    for renderer in RENDERERS:
        page = rendered(record_markdown(record).decode("utf-8"), renderer)
        foreign = [
            (tag, attrs) for tag, attrs in page.tags if tag not in OUR_TAGS | {"h3", "ul", "li"}
        ]
        assert foreign == [], (attack, renderer, foreign)


KINDS = [
    "context",
    "surprise",
    "gap",
    "insight",
    "option",
    "worked_elsewhere",
    "strength",
    "takeaway",
]

"""The Markdown export, rendered by a real Markdown parser, shows user text as words: no
heading, list, image, HTML element or disguised link comes out of anything a participant
typed. The one link user text makes is an address typed in full, shown as itself. Read raw, in
an editor, a mail or a chat, the file says what was typed, escaped only where it must be."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import unquote

import pytest
from markdown_it import MarkdownIt

from app.exports import to_markdown
from tests.exports.test_exports import CARDS, make_action, make_commitment, make_workshop

ATTACKS = [
    "Hijacked\n=\xa0\nmore",  # a setext heading once the no-break space was stripped
    "1.\xa0\nx",
    "-\x85\nx",
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
    "# heading",
    "**bold** and __strong__ and _em_",
    "> a quote",
    "---",
    "x\n===",
    "```\ncode\n```",
    "a title ending in #",
    "https://evil.example/[x](javascript:alert(1)) and <https://evil.example/a|b>",
    "see https://example.org/a_b_*c*_ and https://example.org/`x`",
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
        # Each link's address and the words it shows.
        self.links: list[tuple[str, str]] = []
        self._link: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, attrs))
        if tag == "a":
            self.links.append((dict(attrs).get("href") or "", ""))
            self._link = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._link is not None:
            self.links[-1] = (self.links[-1][0], "".join(self._link))
            self._link = None

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._link is not None:
            self._link.append(data)


def shows_itself(href: str, words: str) -> bool:
    """A link to the web or to mail whose words are its address: what the reader sees is
    where it goes. (GFM-like renderers add http:// to www. and mailto: to an address.)"""
    address = unquote(href)
    web = address.split(":", 1)[0].lower() in {"http", "https", "mailto"} or address[:2] == "//"
    return web and address in {words, f"http://{words}", f"mailto:{words}"}


def foreign(page: Tags, ours: set[str] = OUR_TAGS) -> list:
    """What in the page the export did not make: elements of other kinds, attributes, and
    links that do not show their own address."""
    tags = [(tag, attrs) for tag, attrs in page.tags if tag not in ours | {"a"}]
    attributes = [
        (tag, attrs) for tag, attrs in page.tags if tag not in {"a", "td", "th"} and attrs
    ]
    links = [
        (tag, attrs) for tag, attrs in page.tags if tag == "a" and [n for n, _ in attrs] != ["href"]
    ]
    disguised = [link for link in page.links if not shows_itself(*link)]
    return tags + attributes + links + disguised


def rendered(markdown: str, renderer: str) -> Tags:
    parser = Tags()
    parser.feed(RENDERERS[renderer].render(markdown))
    return parser


def everywhere(value: str) -> bytes:
    """The value in every field the export shows: title, problem, purpose, notes, names,
    action title, owner and linked card text."""
    cards = [{"id": 1, "kind": "insight", "text": value}]
    return to_markdown(
        make_workshop(title=value, problem=value, purpose=value),
        [make_action(1, title=value, owner=value, card_ids=[1], note=value)],
        make_commitment(note=value, set_by={"id": 1, "name": value}),
        cards,
    )


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("attack", ATTACKS)
def test_user_text_forms_no_element_or_disguised_link(attack: str, renderer: str) -> None:
    page = rendered(everywhere(attack).decode("utf-8"), renderer)
    assert foreign(page) == [], attack


@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("attack", [a for a in ATTACKS if "\n" not in a])
def test_the_words_are_shown_as_typed(attack: str, renderer: str) -> None:
    markdown = to_markdown(make_workshop(title=attack), [], None, []).decode("utf-8")
    heading = rendered(markdown.split("\n", 1)[0], renderer)
    assert [tag for tag, _ in heading.tags if tag != "a"] == ["h1"]
    # An address typed as an autolink, <https://…>, shows as the address.
    assert "".join(heading.text).strip() == re.sub(r"<(https?://[^\s<>|]+)>", r"\1", attack)


# What the raw file says, read in an editor, a mail or a chat.


def test_markdown_escapes_html() -> None:
    actions = [make_action(1, title="<script>alert(1)</script> & co &amp; 1 < 2")]
    text = to_markdown(make_workshop(), actions, None, CARDS).decode("utf-8")
    assert "<script>" not in text
    # Only what opens a tag or an entity becomes one; "& co" and "1 < 2" stay as typed.
    assert "&lt;script>alert(1)&lt;/script> & co &amp;amp; 1 < 2" in text


def test_markdown_reads_as_typed_where_nothing_would_render() -> None:
    title = (
        "Pat (pharmacy) checks at 12:30: 3.5 days, e.g. ward 7! 1. not a list; "
        "snake_case, -5% churn, #12, @owner, a@b.org, www.example.org"
    )
    text = to_markdown(make_workshop(title=title), [], None, []).decode("utf-8")
    assert text.startswith(f"# {title}\n"), text.split("\n")[0]
    # Where a character would start something there, it is escaped: a list, a heading, a
    # quote, emphasis, a link; an address is kept whole as an autolink.
    for typed, written in (
        ("1. first", "1\\. first"),
        ("2) second", "2\\) second"),
        ("- item", "\\- item"),
        ("# heading", "\\# heading"),
        ("> quote", "\\> quote"),
        ("**bold**", "\\*\\*bold\\*\\*"),
        ("_em_ and snake_case", "\\_em\\_ and snake_case"),
        ("[x](javascript:alert(1))", "\\[x\\](javascript:alert(1))"),
        ("Room #", "Room \\#"),
        ("http://x.org/a_b?c=1&d=2.", "<http://x.org/a_b?c=1&d=2>."),
    ):
        assert f"# {written}\n" in to_markdown(make_workshop(title=typed), [], None, []).decode()


ADDRESS = "https://example.org/lounge-study"


@pytest.mark.parametrize(
    "typed",
    [ADDRESS, f"See {ADDRESS}.", f"({ADDRESS})", f"<{ADDRESS}>", f"the study: {ADDRESS}, p. 4"],
)
def test_an_address_reads_as_typed_and_opens_as_itself(typed: str) -> None:
    cards = [{"id": 1, "kind": "insight", "text": typed}]
    text = to_markdown(
        make_workshop(title=typed), [make_action(1, card_ids=[1])], None, cards
    ).decode("utf-8")
    # In the file: the address whole, with no backslash in it, as an autolink a mail or chat
    # client recognises.
    assert text.count(f"<{ADDRESS}>") == 2, text
    assert "\\" not in text.split("\n", 1)[0]
    for renderer in RENDERERS:
        page = rendered(text, renderer)
        assert page.links == [(ADDRESS, ADDRESS)] * 2, renderer


def test_a_markdown_table_of_hostile_text_keeps_its_shape() -> None:
    attack = "| [a](http://evil.example) |\n![b](http://x/b.png)"
    page = rendered(everywhere(attack).decode("utf-8"), "gfm-like")
    # One header row and one action row, seven cells each: no pipe in the text made a column.
    assert [tag for tag, _ in page.tags].count("tr") == 2
    assert [tag for tag, _ in page.tags].count("td") == 7


@pytest.mark.parametrize("attack", ATTACKS)
def test_the_record_in_markdown_forms_no_element_or_disguised_link_either(attack: str) -> None:
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
        met=True,
    )
    for renderer in RENDERERS:
        page = rendered(record_markdown(record).decode("utf-8"), renderer)
        assert foreign(page, OUR_TAGS | {"h3", "ul", "li"}) == [], (attack, renderer)


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

"""Markdown export of the action list."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.exports._common import (
    ACTION_COLUMNS,
    Action,
    Card,
    Commitment,
    Workshop,
    action_row,
    themes,
    visible_cards_by_id,
)

_NEWLINES = re.compile(r"\r\n|\r|\n")

# People read a Markdown file in an editor, a mail or a chat as often as in a renderer, so user
# text is escaped only where CommonMark or GitHub would read a character as Markdown there, and
# "Pat (pharmacy) at 12:30, e.g. ward 7, https://example.org/x" stays as typed.
#
# An http(s) address is kept whole, as an autolink `<https://…>`: inside one nothing is
# Markdown, so it reads, copies and opens as typed, and its link text is the address itself.
# What ends the sentence is not part of it (GFM's bare links stop there too), nor is a `)` it
# does not open; a `|` would cut a table cell, so it ends the address.
_URL = re.compile(r"<(https?://[^\s<>|]+)>|https?://[^\s<>|]+", re.IGNORECASE)
_URL_TAIL = ".,:;!?'\"*_~"
_SCHEME_ONLY = re.compile(r"https?://", re.IGNORECASE)
# One pass over the rest, each rule looking at the text as typed:
# - a backslash before punctuation, or at a line's end (a hard break);
# - code, emphasis, links and images, strikethrough, table cells, and attribute lists
#   (kramdown's `{: …}`, Pandoc's `{#id …}`) wherever they stand;
# - an underscore, unless it sits inside a word (`snake_case` can neither open nor close
#   emphasis);
# - `<` before a character (a tag, a comment or an autolink) and `&` before a name and `;`
#   (an entity) become entities: every renderer honours those, not all know `\<`.
_PLAIN = re.compile(
    r"\\(?=[!-/:-@\[-`{-~]|$)|[`*\[\]~|{]|(?<![^\W_])_|_(?![^\W_])|<(?=\S)|&(?=#?[0-9A-Za-z]+;)",
    re.MULTILINE,
)
_ENTITIES = {"<": "&lt;", "&": "&amp;"}
# What a line starts with: a heading, a quote, a list item, a setext underline or a thematic
# break; and the #s that close a heading.
_LINE_START = re.compile(
    r"^([ \t]*)(?:(#{1,6}|[-+])(?=[ \t]|$)|(>)|(\d{1,9})(?=[.)](?:[ \t]|$))|([-=])(?=[-= \t]*$))",
    re.MULTILINE,
)
_CLOSING_HASHES = re.compile(r"(?<=[ \t])(?=#+[ \t]*$)", re.MULTILINE)


def _plain(text: str) -> str:
    return _PLAIN.sub(lambda m: _ENTITIES.get(m.group(), "\\" + m.group()), text)


def _line_start(match: re.Match[str]) -> str:
    space, number = match.group(1), match.group(4)
    if number:
        return f"{space}{number}\\"
    return f"{space}\\{match.group()[len(space) :]}"


def _address(found: str) -> str:
    """The address a bare link ends with, without the sentence's punctuation after it."""
    end = len(found)
    while end and (
        found[end - 1] in _URL_TAIL
        or (found[end - 1] == ")" and found.count("(", 0, end) < found.count(")", 0, end))
    ):
        end -= 1
    return found[:end]


def escape_text(text: str) -> str:
    """Make user text plain words in Markdown: no heading, list, link, image, HTML or
    formatting of its own, and its http(s) addresses kept whole as autolinks."""
    parts, at = [], 0
    for match in _URL.finditer(text):
        address = match.group(1) or _address(match.group())
        if _SCHEME_ONLY.fullmatch(address):
            continue  # "https://" with only punctuation after it: no address
        parts += [_plain(text[at : match.start()]), f"<{address}>"]
        at = match.end() if match.group(1) else match.start() + len(address)
    parts.append(_plain(text[at:]))
    escaped = _LINE_START.sub(_line_start, "".join(parts))
    return _CLOSING_HASHES.sub("\\\\", escaped)


def escape_cell(text: str) -> str:
    """Make text safe inside one GFM table cell: plain words on one line."""
    return _NEWLINES.sub("<br>", escape_text(text.strip()))


def _one_line(text: str) -> str:
    """Collapse text onto one line (for headings and list items)."""
    return escape_text(_NEWLINES.sub(" ", text).strip())


def _blockquote(text: str) -> list[str]:
    """Quote multi-line text, keeping its line breaks."""
    # Stripped before it is escaped: str.rstrip takes Unicode spaces too, and taking a
    # no-break space off after escaping left "=" or "1." bare, a heading or a list.
    return [f"> {escape_text(line.rstrip())}".rstrip(" ") for line in _NEWLINES.split(text.strip())]


def _card_list(texts: list[str]) -> str:
    return "<br>".join("• " + escape_cell(text) for text in texts)


def to_markdown(
    workshop: Workshop,
    actions: Sequence[Action],
    commitment: Commitment | None,
    cards: Sequence[Card],
) -> bytes:
    """Render the workshop's action list as UTF-8 Markdown (GitHub-flavoured table)."""
    cards_by_id = visible_cards_by_id(cards)
    lines = [f"# {_one_line(workshop['title'])}", "", "**Problem:**", ""]
    lines += _blockquote(workshop["problem"])
    if workshop.get("purpose"):
        lines += ["", "**Purpose:**", ""]
        lines += _blockquote(workshop["purpose"])
    lines.append("")

    if commitment:
        line = f"**Report back by:** {commitment['report_back_by']}"
        if commitment.get("note"):
            line += f" — {_one_line(commitment['note'])}"
        set_by = (commitment.get("set_by") or {}).get("name")
        if set_by:
            line += f" _(set by {_one_line(set_by)})_"
        lines.append(line)
    else:
        lines.append("**Report back by:** not set")

    lines += ["", "## Actions", ""]
    if not actions:
        lines.append("_No actions yet._")
    else:
        header = ["#", *ACTION_COLUMNS]
        lines += ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        for number, action in enumerate(actions, start=1):
            cells = action_row(action, cards_by_id, typed=escape_cell, cards=_card_list)
            lines.append("| " + " | ".join([str(number), *cells]) + " |")
    grouped = themes(cards)
    if grouped:
        lines += ["", "## Themes", ""]
        for group in grouped:
            votes = f"{group.votes} vote{'s' if group.votes != 1 else ''}"
            lines += [f"### {_one_line(group.name or '')} ({votes})", ""]
            lines += [f"- {_one_line(card['text'])}" for card in group.cards]
            lines.append("")
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")

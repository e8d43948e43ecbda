"""Markdown export of the action list."""

from __future__ import annotations

import re
from collections.abc import Sequence

from app.exports._common import (
    Action,
    Card,
    Commitment,
    Workshop,
    linked_cards,
    status_label,
    themes,
    visible_cards_by_id,
)

_NEWLINES = re.compile(r"\r\n|\r|\n")


# People open a Markdown file in an editor as often as in a renderer, so user text is escaped
# only where a character would mean something, and "Pat (pharmacy)" stays as typed:
# - wherever they stand: code, emphasis, links and images ([ ]), strikethrough, table cells,
#   headings, maths and the backslash itself (CommonMark shows any escaped punctuation as is);
_ANYWHERE = re.compile(r"([\\`*_\[\]{}|~#$])")
# - at the start of a line: a list, a setext heading's underline or a thematic break;
_LINE_START = re.compile(r"^(\s*)(?:([-+=])|(\d+)([.)]))", re.MULTILINE)
# - inside a word: what makes a bare link, which GFM and linkify turn into one (www.x.org,
#   http://x, //10.0.0.1/x, a@x.org, and GitHub's @mentions): a dot before a letter or after
#   www, a colon after a letter, the second slash of //, an @. A sentence's own full stop and
#   "12:30" or "3.5" stay plain.
_IN_WORD = re.compile(r"(\.(?=[^\W\d_])|(?<=[wW]{3})\.|(?<=[^\W\d_]):(?=\S)|(?<=/)/|@(?=\S))")


def _escape_line_start(match: re.Match[str]) -> str:
    space, sign, number, mark = match.groups()
    return f"{space}\\{sign}" if sign else f"{space}{number}\\{mark}"


def escape_text(text: str) -> str:
    """Make user text plain words in Markdown: no links, images, HTML or formatting.

    Markdown punctuation is backslash-escaped where it would mean something. `&`, `<` and `>`
    become HTML entities instead, which every renderer honours (some do not know `\\<`), so
    nothing can open a tag, an entity or an autolink.
    """
    text = _ANYWHERE.sub(r"\\\1", text)
    text = _LINE_START.sub(_escape_line_start, text)
    text = _IN_WORD.sub(r"\\\1", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_cell(text: str) -> str:
    """Make text safe inside one GFM table cell: plain words on one line."""
    return _NEWLINES.sub("<br>", escape_text(text.strip()))


def _one_line(text: str) -> str:
    """Collapse text onto one line (for headings and list items)."""
    return escape_text(_NEWLINES.sub(" ", text).strip())


def _blockquote(text: str) -> list[str]:
    """Quote multi-line text, keeping its line breaks."""
    return [f"> {escape_text(line)}".rstrip() for line in _NEWLINES.split(text.strip())]


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
        lines += [
            "| # | Action | Owner | Due date | Status | Linked cards |",
            "|---|---|---|---|---|---|",
        ]
        for number, action in enumerate(actions, start=1):
            linked = "<br>".join(
                "• " + escape_cell(card["text"]) for card in linked_cards(action, cards_by_id)
            )
            cells = [
                str(number),
                escape_cell(action["title"]),
                escape_cell(action.get("owner") or ""),
                action.get("due_date") or "",
                status_label(action["status"]),
                linked,
            ]
            lines.append("| " + " | ".join(cells) + " |")
    grouped = themes(cards)
    if grouped:
        lines += ["", "## Themes", ""]
        for group in grouped:
            votes = f"{group.votes} vote{'s' if group.votes != 1 else ''}"
            lines += [f"### {_one_line(group.name or '')} ({votes})", ""]
            lines += [f"- {_one_line(card['text'])}" for card in group.cards]
            lines.append("")
    return ("\n".join(lines).rstrip("\n") + "\n").encode("utf-8")

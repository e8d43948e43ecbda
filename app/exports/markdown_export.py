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


def _escape_html(text: str) -> str:
    """Stop user text from being read as raw HTML by a Markdown renderer."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_cell(text: str) -> str:
    """Make text safe inside one GFM table cell: one line, no unescaped pipe."""
    text = _escape_html(text).replace("\\", "\\\\").replace("|", "\\|")
    return _NEWLINES.sub("<br>", text.strip())


def _one_line(text: str) -> str:
    """Collapse text onto one line (for headings and list items)."""
    return _NEWLINES.sub(" ", _escape_html(text)).strip()


def _blockquote(text: str) -> list[str]:
    """Quote multi-line text, keeping its line breaks."""
    return [f"> {line}".rstrip() for line in _NEWLINES.split(_escape_html(text).strip())]


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

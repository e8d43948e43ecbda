"""The record as Markdown and as JSON, both rendered from `build_record`'s structure."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..domain.after_meeting import FEEDBACK_QUESTIONS, WORDS_WITHHELD
from ._common import status_label
from .markdown_export import _blockquote, _one_line, escape_cell
from .record import byline, evidence_line, held_line, people_line


def record_json(record: Mapping[str, Any]) -> bytes:
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode()


def _point_line(point: Mapping[str, Any]) -> str:
    line = f"- {_one_line(point['text'])}"
    extra = [part for part in (byline(point), evidence_line(point)) if part]
    if extra:
        line += f" _({_one_line('; '.join(extra))})_"
    return line


def _points(points: list, empty: str = "_Nothing on the record._") -> list[str]:
    return [_point_line(p) for p in points] if points else [empty]


def _report_back(report: Mapping[str, Any]) -> str:
    if not report["by"]:
        return "**Report back by:** not set"
    note = f" — {_one_line(report['note'])}" if report.get("note") else ""
    return f"**Report back by:** {report['by']} ({report['status_label']}){note}"


def _section_lines(section: Mapping[str, Any]) -> list[str]:
    kind = section["id"]
    if kind == "problem":
        lines = ["**Problem:**", "", *_blockquote(section["problem"])]
        if section.get("purpose"):
            lines += ["", "**Purpose:**", "", *_blockquote(section["purpose"])]
        return lines
    if kind == "surprises":
        return [
            "### What surprised the visitors",
            "",
            *_points(section["surprised"]),
            "",
            "### What they expected but did not hear",
            "",
            *_points(section["not_heard"]),
        ]
    if kind == "insights":
        lines: list[str] = []
        for theme in section["themes"]:
            lines += [f"### {_one_line(theme['theme'])}", "", *_points(theme["points"]), ""]
        return lines[:-1] if lines else ["_Nothing on the record._"]
    if kind == "actions":
        lines = [_report_back(section["report_back"]), ""]
        if not section["actions"]:
            return [*lines, "_No actions._"]
        lines += ["| # | Action | Owner | Due date | Status | Note |", "|---|---|---|---|---|---|"]
        for i, a in enumerate(section["actions"], start=1):
            cells = [
                a["title"],
                a.get("owner") or "",
                a.get("due_date") or "",
                status_label(a["status"]),
                a.get("note") or "",
            ]
            lines.append(f"| {i} | " + " | ".join(escape_cell(c) for c in cells) + " |")
        return lines
    if kind == "what_happened_next":
        lines = [
            f"Reported back on {section['reported_at'][:10]}.",
            "",
            "**What the host team did:**",
        ]
        lines += ["", *_blockquote(section["did"])]
        if section.get("learned"):
            lines += ["", "**What it learned:**", "", *_blockquote(section["learned"])]
        return lines
    return _points(section["points"])


def _appendix(appendix: Mapping[str, Any]) -> list[str]:
    feedback = appendix["feedback"]
    lines = [f"## {appendix['title']}", ""]
    if not feedback["count"]:
        return [*lines, "_No feedback yet._"]
    lines.append(
        f"{feedback['count']} answered; average satisfaction {feedback['average']} out of 5."
    )
    if not appendix["words_shown"]:
        return [*lines, "", f"_{WORDS_WITHHELD}_"]
    for field in ("most_valuable", "will_do_differently", "ideas"):
        if feedback[field]:
            lines += ["", f"**{FEEDBACK_QUESTIONS[field]}**", ""]
            lines += [f"- {_one_line(text)}" for text in feedback[field]]
    return lines


def record_markdown(record: Mapping[str, Any]) -> bytes:
    workshop = record["workshop"]
    lines = [
        f"# {_one_line(workshop['title'])}",
        "",
        _report_back(record["report_back"]),
        "",
        held_line(workshop, workshop["held_on"], _one_line(workshop["facilitator_name"])),
    ]
    if record["participants"] is None:
        lines += ["", "Participants are not listed: this peer assist is restricted."]
    else:
        lines.append("")
        lines += [
            f"- **{group['label']}:** {_one_line(people_line(group))}"
            for group in record["participants"]
        ]
    for section in record["sections"]:
        lines += ["", f"## {section['title']}", "", *_section_lines(section)]
    lines += ["", *_appendix(record["appendix"])]
    return ("\n".join(lines) + "\n").encode()

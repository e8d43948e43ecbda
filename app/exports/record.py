"""The record of a peer assist, built once as plain data; each format renders this structure.

Pure: it takes the unfiltered board (as `queries.board` returns it) and what was kept after
the meeting, and decides nothing about who is asking.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from ..domain import record as rules
from ..domain.after_meeting import feedback_summary, without_words

Row = Mapping[str, Any]


def _point(card: Row) -> dict:
    return {
        "id": card["id"],
        "kind": card["kind"],
        "text": card["text"],
        "votes": card["votes"],
        "evidence": card.get("evidence"),
        "source_url": card.get("source_url"),
        "theme": rules.theme_of(card),
        "author": rules.author_on_record(card),
    }


def _section(section_id: str, title: str, **content: Any) -> dict:
    return {"id": section_id, "title": title, **content}


def build_record(
    *,
    workshop: Row,
    participants: Sequence[Row],
    cards: Sequence[Row],
    actions: Sequence[Row],
    commitment: Row | None,
    today: date,
    held_on: date,
    met: bool,
    feedback: Sequence[Row] = (),
    report_back: Row | None = None,
    feedback_words: bool = False,
) -> dict:
    """The record as one JSON-ready dict: a header, the sections in order, an appendix."""
    shown = [c for c in cards if rules.on_record(c)]
    by_date = date.fromisoformat(commitment["report_back_by"]) if commitment else None
    status = rules.report_back_status(by_date, today, reported=report_back is not None)
    report = {
        "by": commitment["report_back_by"] if commitment else None,
        "note": commitment.get("note") if commitment else None,
        "status": status,
        "status_label": rules.REPORT_BACK_LABELS[rules.ReportBackStatus(status)],
    }
    sections = []
    for section_id, title, kinds in rules.SECTIONS:
        mine = rules.ordered(c for c in shown if rules.in_section(c, kinds, section_id))
        if section_id == "problem":
            sections.append(
                _section(
                    section_id, title, problem=workshop["problem"], purpose=workshop.get("purpose")
                )
            )
        elif section_id == "surprises":
            sections.append(
                _section(
                    section_id,
                    title,
                    surprised=[_point(c) for c in mine if c["kind"] == "surprise"],
                    not_heard=[_point(c) for c in mine if c["kind"] == "gap"],
                )
            )
        elif section_id == "insights":
            themes = [
                {
                    "theme": name or rules.UNGROUPED_THEME,
                    "grouped": name is not None,
                    "points": [_point(c) for c in points],
                }
                for name, points in rules.by_theme(mine)
            ]
            sections.append(_section(section_id, title, themes=themes))
        elif section_id == "actions":
            sections.append(
                _section(
                    section_id,
                    title,
                    report_back=report,
                    actions=[
                        {
                            "title": a["title"],
                            "owner": a.get("owner"),
                            "due_date": a.get("due_date"),
                            "status": a["status"],
                            "note": a.get("note"),
                        }
                        for a in actions
                    ],
                )
            )
        else:
            sections.append(_section(section_id, title, points=[_point(c) for c in mine]))
    if report_back is not None:
        section_id, title = rules.WHAT_HAPPENED_NEXT
        sections.append(
            _section(
                section_id,
                title,
                did=report_back["did"],
                learned=report_back.get("learned"),
                reported_at=report_back["reported_at"],
            )
        )
    appendix_id, appendix_title = rules.APPENDIX
    summary = feedback_summary(feedback)
    return {
        "workshop": {
            "id": workshop["id"],
            "title": workshop["title"],
            "facilitator_name": workshop["facilitator_name"],
            # With met false, the day planned (else made), as before it began: read both.
            "held_on": held_on.isoformat(),
            "met": met,  # domain.phases.met
            "decision_date": workshop.get("decision_date"),
        },
        "report_back": report,
        "participants": rules.listed_participants(workshop, participants),
        "sections": sections,
        "appendix": {
            "id": appendix_id,
            "title": appendix_title,
            # Few answers' words would say who wrote them (see without_words).
            "feedback": summary if feedback_words else without_words(summary),
            "words_shown": feedback_words,
        },
    }


EVIDENCE_LABELS = {
    "experience": "from experience",
    "research": "from research",
    "both": "from experience and research",
}


def evidence_line(point: Mapping[str, Any]) -> str:
    """'from research, https://…' or '' — the same words in every format."""
    parts = []
    if point.get("evidence"):
        parts.append(EVIDENCE_LABELS.get(point["evidence"], point["evidence"]))
    if point.get("source_url"):
        parts.append(f"source: {point['source_url']}")
    return "; ".join(parts)


def byline(point: Mapping[str, Any]) -> str:
    """Who said it and how many votes it had; nobody for an anonymous card."""
    parts = []
    if point.get("author"):
        parts.append(point["author"]["name"])
    if point.get("votes"):
        parts.append(f"{point['votes']} vote{'s' if point['votes'] != 1 else ''}")
    return ", ".join(parts)


def held_line(workshop: Mapping[str, Any], day: str, facilitator: str) -> str:
    """When the room met and who facilitated. One not begun, or called off from its welcome,
    gets no day: its held_on is the day planned, or the day made when none was."""
    if workshop["met"]:
        return f"Held on {day}, facilitated by {facilitator}."
    return f"Not held: the room has not met. Facilitator: {facilitator}."


def people_line(group: Mapping[str, Any]) -> str:
    return ", ".join(
        f"{p['name']} ({p['unit']})" if p.get("unit") else p["name"] for p in group["people"]
    )

"""The record as a Word document: real headings, a table of actions, the date up front.

Readers in the NHS and in companies open Word, and use its navigation pane: every section is
a Heading 1 and every theme a Heading 2, so the pane lists them. The report-back date sits
under the title, on the first page, because it is the promise the reader may hold them to.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from docx import Document
from docx.document import Document as DocumentType
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from ..domain.after_meeting import FEEDBACK_QUESTIONS, WORDS_WITHHELD
from ._common import status_label
from .record import byline, evidence_line, held_line, people_line

# Word's XML cannot hold most control characters; a card may (only NUL is refused on input).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
# A fixed timestamp keeps the file the same for the same record (no "exported at").
FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)


def _labelled(doc: DocumentType, label: str, text: str) -> None:
    paragraph = doc.add_paragraph()
    paragraph.add_run(f"{label} ").bold = True
    paragraph.add_run(text)


def _points(doc: DocumentType, points: list) -> None:
    if not points:
        doc.add_paragraph("Nothing on the record.").runs[0].italic = True
        return
    for point in points:
        paragraph = doc.add_paragraph(point["text"], style="List Bullet")
        extra = "; ".join(part for part in (byline(point), evidence_line(point)) if part)
        if extra:
            run = paragraph.add_run(f" ({extra})")
            run.italic = True


def _report_back_text(report: Mapping[str, Any]) -> str:
    if not report["by"]:
        return "not set yet"
    note = f" — {report['note']}" if report.get("note") else ""
    return f"{report['by']} ({report['status_label']}){note}"


def _repeat_header(row: Any) -> None:
    """Repeat the table's header row on every page it runs onto."""
    properties = row._tr.get_or_add_trPr()
    flag = OxmlElement("w:tblHeader")
    flag.set(qn("w:val"), "true")
    properties.append(flag)


def _actions_table(doc: DocumentType, actions: list) -> None:
    if not actions:
        doc.add_paragraph("No actions.").runs[0].italic = True
        return
    table = doc.add_table(rows=1, cols=5)
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.LEFT
    header = table.rows[0]
    _repeat_header(header)
    for cell, name in zip(header.cells, ("Action", "Owner", "Due", "Status", "Note"), strict=True):
        cell.text = ""
        cell.paragraphs[0].add_run(name).bold = True
    for action in actions:
        cells = table.add_row().cells
        values = (
            action["title"],
            action.get("owner") or "",
            action.get("due_date") or "",
            status_label(action["status"]),
            action.get("note") or "",
        )
        for cell, value in zip(cells, values, strict=True):
            cell.text = value


def _section(doc: DocumentType, section: Mapping[str, Any]) -> None:
    doc.add_heading(section["title"], level=1)
    kind = section["id"]
    if kind == "problem":
        _labelled(doc, "Problem:", section["problem"])
        if section.get("purpose"):
            _labelled(doc, "Purpose:", section["purpose"])
    elif kind == "surprises":
        doc.add_heading("What surprised the visitors", level=2)
        _points(doc, section["surprised"])
        doc.add_heading("What they expected but did not hear", level=2)
        _points(doc, section["not_heard"])
    elif kind == "insights":
        if not section["themes"]:
            _points(doc, [])
        for theme in section["themes"]:
            doc.add_heading(theme["theme"], level=2)
            _points(doc, theme["points"])
    elif kind == "actions":
        _labelled(doc, "Report back by:", _report_back_text(section["report_back"]))
        _actions_table(doc, section["actions"])
    elif kind == "what_happened_next":
        doc.add_paragraph(f"Reported back on {section['reported_at'][:10]}.")
        _labelled(doc, "What the host team did:", section["did"])
        if section.get("learned"):
            _labelled(doc, "What it learned:", section["learned"])
    else:
        _points(doc, section["points"])


def _appendix(doc: DocumentType, appendix: Mapping[str, Any]) -> None:
    doc.add_heading(appendix["title"], level=1)
    feedback = appendix["feedback"]
    if not feedback["count"]:
        doc.add_paragraph("No feedback yet.").runs[0].italic = True
        return
    doc.add_paragraph(
        f"{feedback['count']} answered; average satisfaction {feedback['average']} out of 5."
    )
    if not appendix["words_shown"]:
        doc.add_paragraph(WORDS_WITHHELD).runs[0].italic = True
        return
    for field in ("most_valuable", "will_do_differently", "ideas"):
        if feedback[field]:
            doc.add_heading(FEEDBACK_QUESTIONS[field], level=2)
            for text in feedback[field]:
                doc.add_paragraph(text, style="List Bullet")


def _xml_safe(value: Any) -> Any:
    if isinstance(value, str):
        return _NOT_XML.sub("", value)
    if isinstance(value, Mapping):
        return {k: _xml_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_xml_safe(v) for v in value]
    return value


def record_docx(record: Mapping[str, Any]) -> bytes:
    record = _xml_safe(record)
    workshop = record["workshop"]
    doc = Document()
    doc.styles["Normal"].font.size = Pt(11)
    properties = doc.core_properties
    properties.title = workshop["title"]
    properties.subject = "The record of a peer assist"
    properties.author = "Peer Assist Live"
    properties.last_modified_by = "Peer Assist Live"
    properties.created = properties.modified = FIXED_TIME
    properties.revision = 1

    doc.add_heading(workshop["title"], level=0)
    date_line = doc.add_paragraph()
    date_line.add_run("Report back by: ").bold = True
    date_line.add_run(_report_back_text(record["report_back"])).bold = True
    doc.add_paragraph(held_line(workshop, workshop["held_on"], workshop["facilitator_name"]))
    if record["participants"] is None:
        doc.add_paragraph("Participants are not listed: this peer assist is restricted.")
    else:
        for group in record["participants"]:
            _labelled(doc, f"{group['label']}:", people_line(group))
    for section in record["sections"]:
        _section(doc, section)
    _appendix(doc, record["appendix"])
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()

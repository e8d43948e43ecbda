"""Rows as the plain dicts the API, the events and the exports share."""

from __future__ import annotations

import sqlalchemy as sa

from .models import Action, Card, Commitment, Participant, Theme, Workshop


def workshop_record(w: Workshop) -> dict:
    return {
        "id": w.id,
        "title": w.title,
        "problem": w.problem,
        "purpose": w.purpose,
        "duration_minutes": w.duration_minutes,
        "facilitator_name": w.facilitator_name,
        "decision_date": w.decision_date.isoformat() if w.decision_date else None,
        "starts_at": w.starts_at.isoformat() if w.starts_at else None,
        "created_at": w.created_at.isoformat(),
        "recorded": w.recorded,
        "private_writing": w.private_writing,
        "spotlight": w.spotlight,
        "room_code": w.room_code,
        "auto_admit": w.auto_admit,
        "visibility": w.visibility,
        "time_zone": w.time_zone,
        "unit": w.unit,
    }


def participant_record(p: Participant) -> dict:
    return {"id": p.id, "name": p.name, "role": p.role, "signal": p.signal}


def card_record(c: Card | sa.Row, author: Participant | sa.Row) -> dict:
    """The whole card, author included; `visibility.card_view` decides what a viewer gets."""
    return {
        "id": c.id,
        "kind": c.kind,
        "text": c.text,
        "evidence": c.evidence,
        "source_url": c.source_url,
        "anonymous": c.anonymous,
        "theme": c.theme,
        "hidden": c.hidden,
        "private": c.private,
        "votes": c.votes,
        "phase": c.phase,
        "created_at": c.created_at.isoformat(),
        "updated_at": c.updated_at.isoformat(),
        "author_id": author.id,
        "author_name": author.name,
        "author_role": author.role,
    }


def theme_record(t: Theme) -> dict:
    return {"id": t.id, "name": t.name}


def action_record(a: Action) -> dict:
    return {
        "id": a.id,
        "title": a.title,
        "owner": a.owner,
        "due_date": a.due_date.isoformat() if a.due_date else None,
        "status": a.status,
        "card_ids": list(a.card_ids),
        "created_at": a.created_at.isoformat(),
        "updated_at": a.updated_at.isoformat(),
        "note": a.note,
    }


def commitment_record(c: Commitment | None, setter: Participant | None) -> dict | None:
    if c is None:
        return None
    return {
        "report_back_by": c.report_back_by.isoformat(),
        "note": c.note,
        "set_at": c.set_at.isoformat(),
        "set_by": participant_record(setter) if setter else None,
    }

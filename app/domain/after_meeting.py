"""After the meeting: who may give feedback and when, the follow-up, the review, sharing.

The method judges a peer assist by what happens next: the participants say what was worth it,
the host team works its action list and reports back, the facilitator reviews the session.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from .errors import Invalid, NotAllowedInPhase, refuse_nul
from .phases import Phase
from .rules import TEXT_MAX, ActionStatus, Actor, Role, check_writer

# Feedback opens at reflection, when the session is looked back on, and stays open after.
FEEDBACK_PHASES: frozenset[Phase] = frozenset({Phase.reflection, Phase.closed})
SATISFACTION_MIN, SATISFACTION_MAX = 1, 5
FEEDBACK_TEXTS = ("most_valuable", "will_do_differently", "ideas")
FEEDBACK_QUESTIONS: dict[str, str] = {
    "satisfaction": "How satisfied are you with this session?",
    "most_valuable": "What was most valuable?",
    "will_do_differently": "What will you do differently in your job?",
    "ideas": "Ideas for future sessions",
}
# The host team keeps its own commitment; the facilitator stands in for it.
FOLLOW_UP_ROLES = (Role.host, Role.facilitator)
REVIEW_ROLES = (Role.host, Role.facilitator)
REVIEW_FIELDS = ("planned", "happened", "why_different", "next_time")
REVIEW_QUESTIONS: dict[str, str] = {
    "planned": "What was planned?",
    "happened": "What actually happened?",
    "why_different": "Why were there differences?",
    "next_time": "What will we do differently next time?",
}
ACTION_STATUS_LABELS: dict[ActionStatus, str] = {
    ActionStatus.open: "Open",
    ActionStatus.in_progress: "In progress",
    ActionStatus.done: "Done",
    ActionStatus.dropped: "Dropped",
}


def check_feedback(phase: Phase, actor: Actor, satisfaction: int) -> None:
    """Every participant but the projector answers once the meeting reaches reflection."""
    check_writer(actor, (Role.host, Role.visitor, Role.facilitator), "give feedback")
    if phase not in FEEDBACK_PHASES:
        raise NotAllowedInPhase(
            "Feedback opens at reflection, when the meeting looks back; please come back then.",
            code="feedback_not_open",
        )
    if not SATISFACTION_MIN <= satisfaction <= SATISFACTION_MAX:
        raise Invalid(
            f"Satisfaction is a whole number from {SATISFACTION_MIN} to {SATISFACTION_MAX}.",
            code="satisfaction_out_of_range",
            field="satisfaction",
        )


def check_feedback_reader(actor: Actor) -> None:
    """The answers are the facilitator's to read, to improve the next session."""
    check_writer(actor, (Role.facilitator,), "read the feedback")


def clean_text(value: str | None, what: str, field: str | None = None) -> str | None:
    """Blank answers are no answer; long ones are refused, not cut. `field` is the form's."""
    refuse_nul(value or "", what, field=field)
    text = (value or "").strip()
    if len(text) > TEXT_MAX:
        raise Invalid(f"{what} is longer than {TEXT_MAX} characters.", code="too_long", field=field)
    return text or None


def feedback_summary(answers: Iterable[Mapping[str, Any]], *, names: bool = False) -> dict:
    """The answers for the facilitator and the record: anonymised unless `names` is asked for.

    Anonymised, each question's answers are listed on their own and sorted, so nobody can be
    told apart by reading one person's answers side by side or by the order they came in.
    """
    answers = list(answers)
    scores = [a["satisfaction"] for a in answers]
    summary: dict[str, Any] = {
        "count": len(answers),
        "average": round(sum(scores) / len(scores), 1) if scores else None,
        "satisfaction": {
            str(n): scores.count(n) for n in range(SATISFACTION_MIN, SATISFACTION_MAX + 1)
        },
    }
    for field in FEEDBACK_TEXTS:
        summary[field] = sorted(a[field] for a in answers if a.get(field))
    if names:
        summary["answers"] = [
            {"name": a.get("name"), "role": a.get("role")}
            | {f: a.get(f) for f in ("satisfaction", *FEEDBACK_TEXTS)}
            for a in answers
        ]
    return summary


# Said where the written answers would be, to a reader they are not for.
WORDS_WITHHELD = "What they wrote is for the facilitator and the people who run this peer assist."


def without_words(summary: dict) -> dict:
    """The summary for a reader of the record who may not read the feedback itself (GET
    /feedback is the facilitator's): the counts and the average, none of the written answers,
    which with a few answers would say who wrote what."""
    return {**summary, **{field: [] for field in FEEDBACK_TEXTS}}


def check_follow_up(actor: Actor, what: str) -> None:
    check_writer(actor, FOLLOW_UP_ROLES, what)


def check_report_back(phase: Phase, actor: Actor, did: str | None) -> None:
    """The host team reports back once the meeting has closed, saying at least what it did."""
    check_follow_up(actor, "report back")
    if phase is not Phase.closed:
        raise NotAllowedInPhase(
            "The host team reports back after the meeting has closed.",
            code="meeting_not_closed",
        )
    if not did:
        raise Invalid("Say what the host team did.", code="report_back_empty", field="did")


def check_review(actor: Actor, *, reading: bool = False) -> None:
    """The after action review is the facilitator's and the host team's, to read and to write."""
    what = "see" if reading else "write"
    check_writer(actor, REVIEW_ROLES, f"{what} the after action review")


def check_share(actor: Actor) -> None:
    """Sharing the record outside the room is the owner's call; the facilitator holds it now."""
    check_writer(actor, (Role.facilitator,), "share the record")

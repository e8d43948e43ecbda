"""What each phase is for, in our own words: the board's guiding questions and the
facilitator's prompts. Drawn from the method notes in shared/method; nothing here is quoted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from .phases import Phase
from .rules import CardKind


@dataclass(frozen=True)
class Guidance:
    title: str
    aim: str
    questions: tuple[str, ...]
    prompts: tuple[str, ...]


GUIDANCE: dict[Phase, Guidance] = {
    Phase.welcome: Guidance(
        "Welcome",
        "Meet each other, agree why we are here and how we will work.",
        (
            "Who is in the room, and what do they bring?",
            "What is the one problem the host team wants help with?",
        ),
        (
            "Restate the purpose: the host team came to learn, not to have a plan approved.",
            "Go through the ground rules: what is said stays here, we question the work and not "
            "the people, and we share rather than tell.",
            "Say whether anything is being recorded, and who writes the summary.",
            "Give people a few minutes to get to know each other before the work starts.",
        ),
    ),
    Phase.context: Guidance(
        "Context",
        "The host team sets the scene: where things stand, how they got here, what is planned.",
        (
            "What is the situation today, and how did it come about?",
            "What has the team already tried, and what does it plan next?",
            "What is still unclear to you? Ask to understand, not to advise.",
        ),
        (
            "Keep the host team brief: just enough for visitors to start in the right direction.",
            "Invite visitors to ask clarifying questions only; hold back advice for later.",
            "Note that the problem may turn out to be a symptom of something else, and that is "
            "a useful outcome.",
        ),
    ),
    Phase.questions: Guidance(
        "Questions",
        "Visitors react to what they heard while the host team listens.",
        (
            "What surprised you?",
            "What did you expect to hear that nobody mentioned?",
            "What else would we need to know, and where could we find it?",
        ),
        (
            "The host team is muted now: remind them to listen, or to step out if they prefer.",
            "Start with surprises and gaps, then move to what is missing and who might know.",
            "It is fine to pause for a call or to fetch a report if that fills a gap.",
        ),
    ),
    Phase.analysis: Guidance(
        "Analysis",
        "Visitors work through what they learned and lay out options.",
        (
            "What patterns do you see?",
            "Which options are open to the host team?",
            "What do the options rest on: experience, research, or both?",
        ),
        (
            "The host team stays in listening mode; you may let one or two of them speak.",
            "Keep the group on options and insights, not on a single answer.",
            "Ask for the evidence behind each option, and a link where there is one.",
            "Open voting so the room can show which options deserve the most attention.",
        ),
    ),
    Phase.feedback: Guidance(
        "Feedback",
        "Visitors give back what they learned, what they see as options, what worked elsewhere.",
        (
            "What is the host team already doing well?",
            "Which options would you put in front of the team?",
            "What worked elsewhere? Tell the story rather than prescribe.",
        ),
        (
            "Open with what is going well before anything else.",
            "Ask visitors to tell what happened elsewhere, not what the team should do.",
            "Let the host team ask questions to understand the feedback.",
        ),
    ),
    Phase.commitment: Guidance(
        "Commitment",
        "The host team thanks the visitors and commits to a date to report back.",
        (
            "What will the host team do differently?",
            "By when will it come back with its action list?",
        ),
        (
            "Ask the person who called the peer assist to acknowledge the visitors' help.",
            "Agree the date by which the host team will share its action list.",
            "Capture actions with an owner and a due date where one is known.",
        ),
    ),
    Phase.reflection: Guidance(
        "Reflection",
        "Everyone, visitors too, notes what they will take away and use.",
        (
            "What did you learn today that you will use in your own work?",
            "Who else should hear about what was learned here?",
        ),
        (
            "Remind the room that learning runs both ways.",
            "Ask who else could reuse these lessons, and how they will hear of them.",
            "Suggest a short review afterwards of how the session itself went.",
        ),
    ),
    Phase.closed: Guidance(
        "Closed",
        "The session is over. The host team can still finish the action list.",
        ("Thank you for taking part.",),
        ("Export the action list and share it with the host team's sponsor.",),
    ),
}

KIND_LABELS: dict[CardKind, tuple[str, str]] = {
    # (column heading, composer label)
    CardKind.context: ("Context", "Context from the host team"),
    CardKind.question: ("Questions", "A clarifying question"),
    CardKind.surprise: ("Surprises", "Something that surprised me"),
    CardKind.gap: ("Expected, not heard", "Something I expected to hear"),
    CardKind.need: ("What else we need", "What else we need to know, and where"),
    CardKind.insight: ("Insights", "An insight"),
    CardKind.option: ("Options", "An option to consider"),
    CardKind.worked_elsewhere: ("Worked elsewhere", "What worked elsewhere"),
    CardKind.strength: ("Done well", "Something done well"),
    CardKind.takeaway: ("Takeaways", "What I will take away"),
}

# The order a composer offers kinds in and the board shows them: what the phase is mainly
# for comes first, and the feedback opens with what was done well.
KIND_ORDER: tuple[CardKind, ...] = (
    CardKind.context,
    CardKind.surprise,
    CardKind.gap,
    CardKind.strength,
    CardKind.insight,
    CardKind.option,
    CardKind.worked_elsewhere,
    CardKind.need,
    CardKind.question,
    CardKind.takeaway,
)

GROUND_RULES: tuple[str, ...] = (
    "What is said here stays here unless we agree otherwise.",
    "We question the work, never the person.",
    "We are here to learn and share, not to tell or to judge.",
)

# The default of the DAYS_TO_ACT setting: the method briefs peers early so that what they
# offer can still change the decision.
ADVICE_MIN_DAYS = 14


def past_start_advice(starts_at: datetime | None, now: datetime) -> str | None:
    """Say so when the start chosen has passed. A meeting held before may be kept (the API
    records them), so this is advice, not a refusal; on a form it is most often a slip."""
    if starts_at is None or starts_at > now:
        return None
    return (
        "That start time has already passed. If the peer assist is still to come, choose when "
        "it will meet; it shows as live only once it begins."
    )


def decision_advice(
    meeting_day: date, decision_date: date | None, *, days_needed: int = ADVICE_MIN_DAYS
) -> str | None:
    """Warn when the decision comes too soon after the peer assist to use what is learned."""
    warning = timing_warning(meeting_day, decision_date, days_needed=days_needed)
    return warning["detail"] if warning else None


def timing_warning(
    meeting_day: date, decision_date: date | None, *, days_needed: int = ADVICE_MIN_DAYS
) -> dict | None:
    """The same warning as data, for the API: `{code, detail, days_to_act}` or None."""
    if decision_date is None:
        return None
    gap = (decision_date - meeting_day).days
    if gap < 0:
        detail = "The decision date is before the peer assist: what you learn will come too late."
    elif gap < days_needed:
        detail = (
            f"The decision is only {gap} day{'s' if gap != 1 else ''} after the peer assist. "
            "You may hear something you did not expect: will there be time to act on it? "
            "Consider meeting earlier or moving the decision."
        )
    else:
        return None
    return {"code": "decision_too_soon", "detail": detail, "days_to_act": gap}


def meeting_day(workshop: dict, today: date) -> date:
    """The day of the peer assist: its start when planned, else today (it could start now)."""
    starts_at = workshop.get("starts_at")
    if isinstance(starts_at, str):
        return datetime.fromisoformat(starts_at).date()
    return starts_at.date() if isinstance(starts_at, datetime) else today

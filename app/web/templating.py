"""Jinja2 set-up and the context every page and live fragment shares."""

from __future__ import annotations

from pathlib import Path

import segno
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from ..domain.after_meeting import FEEDBACK_PHASES
from ..domain.dates import clock_time, length_in_words, long_date, time_on
from ..domain.errors import InvalidMove
from ..domain.guidance import GROUND_RULES, GUIDANCE, KIND_LABELS, KIND_ORDER
from ..domain.phases import ORDER, Phase, resolve_move
from ..domain.rules import (
    ACTION_PHASES,
    ACTION_SOURCE_KINDS,
    CARD_RULES,
    VOTING_PHASES,
    Actor,
    CardKind,
    Evidence,
    Mute,
    Role,
    allowed_kinds,
    mute_on_entering,
)
from ..domain.themes import GROUPED_PHASES, THEMED_KINDS, THEMING_PHASES, group_cards
from .forms import form_once

TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Views of the room, one per role; the projector board is also open to the facilitator.
VIEWS = ("console", "host", "visitor", "board")
VIEW_OF_ROLE = {
    Role.facilitator: "console",
    Role.host: "host",
    Role.visitor: "visitor",
    Role.projector: "board",
}
# The board shows what the room may see, whoever has it open.
BOARD_VIEWER = Actor(0, Role.projector)


def minutes(seconds: int | None) -> str:
    """120 → '2 min', 5400 → '1 h 30 min'."""
    seconds = int(seconds or 0)
    hours, rest = divmod(round(seconds / 60), 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    if hours:
        return f"{hours} h"
    return f"{rest} min"


def planned_minutes(seconds: int) -> str:
    """Planned seconds as the agenda's minutes field shows them: 1350 → '22.5', 1325 → '22.08'.
    Never rounded to whole minutes, since saving the form writes back what it shows: two
    decimals keep every second (app.js multiplies by 60 and rounds)."""
    return f"{seconds / 60:.2f}".rstrip("0").rstrip(".")


def qr_svg(url: str) -> Markup:
    """A QR code drawn on the server as inline SVG; no network, no script."""
    qr = segno.make(url, error="m")
    # No fixed size: the viewBox lets CSS scale it to the board or the console.
    return Markup(qr.svg_inline(scale=4, border=2, dark="#111", light="#fff", omitsize=True))


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html", "xml"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["minutes"] = minutes
    env.filters["planned_minutes"] = planned_minutes
    env.filters["clock_time"] = clock_time
    env.filters["kind_heading"] = lambda kind: KIND_LABELS[CardKind(kind)][0].lower()
    env.filters["time_on"] = time_on
    env.filters["long_date"] = long_date
    env.filters["length_in_words"] = length_in_words
    env.globals.update(
        mute_on_entering=lambda phase: mute_on_entering(Phase(phase)).as_dict(),
        board_kinds_of=board_kinds,
        lead_kinds=lead_kinds,
        kinds_for=kinds_for,
        is_listening=listening,
        qr=qr_svg,
        form_once=form_once,
        PHASES=ORDER,
        phase_toward=phase_toward,
        GUIDANCE=GUIDANCE,
        KIND_LABELS=KIND_LABELS,
        KINDS=tuple(CardKind),
        EVIDENCE=tuple(Evidence),
        GROUND_RULES=GROUND_RULES,
        VOTING_PHASES={p.value for p in VOTING_PHASES},
        ACTION_PHASES={p.value for p in ACTION_PHASES},
        ACTION_SOURCE_KINDS=[k.value for k in ACTION_SOURCE_KINDS],
        FEEDBACK_PHASES={p.value for p in FEEDBACK_PHASES},
        phase_title=lambda name: GUIDANCE[Phase(name)].title,
        theme_groups=group_cards,
        GROUPED_PHASES={p.value for p in GROUPED_PHASES},
        THEMING_PHASES={p.value for p in THEMING_PHASES},
        THEMED_KINDS=THEMED_KINDS,
    )
    return env


def phase_toward(phase: str, to: str) -> str:
    """The phase "next" or "previous" leads to from `phase`, as the server will resolve it;
    '' where there is none (the phase buttons ask for it by name, app.js)."""
    try:
        return resolve_move(Phase(phase), to).value
    except InvalidMove:
        return ""


def kinds_for(view: str, phase: str, mute: dict, viewer_id: int) -> list[CardKind]:
    """The card kinds this view's composer offers now; the server checks again on submit."""
    if view == "board":
        return []
    role = {"console": Role.facilitator, "host": Role.host, "visitor": Role.visitor}[view]
    kinds = allowed_kinds(
        Phase(phase), Actor(viewer_id, role), Mute(mute["host_team_muted"], tuple(mute["speakers"]))
    )
    # The facilitator may add any kind: the phase's own come first, so the default is one.
    leading = set(lead_kinds(phase))
    return sorted((k for k in KIND_ORDER if k in kinds), key=lambda k: k.value not in leading)


def board_kinds(phase: str) -> list[str]:
    """Columns the board always shows in a phase, even while empty."""
    rules = CARD_RULES[Phase(phase)]
    wanted = rules[Role.visitor] | rules[Role.host]
    return [k.value for k in CardKind if k in wanted]


def lead_kinds(phase: str) -> list[str]:
    """Columns that lead the projector in a phase: what the room is writing now. While the host
    team listens, its speakers' few cards do not take a column of their own. In the commitment
    nobody writes cards: the room reads what the host team's actions grow from, below them."""
    current = Phase(phase)
    if current is Phase.commitment:
        return [k.value for k in KIND_ORDER if k in ACTION_SOURCE_KINDS]
    if current is Phase.closed:
        # What the room leaves with: beside the action list, what people take away.
        return [CardKind.takeaway.value]
    rules = CARD_RULES[current]
    wanted = set(rules[Role.visitor])
    if not mute_on_entering(current).host_team_muted:
        wanted |= rules[Role.host]
    return [k.value for k in KIND_ORDER if k in wanted]


def listening(view: str, mute: dict, viewer_id: int) -> bool:
    """True when this screen belongs to a host who may not speak now."""
    return view == "host" and mute["host_team_muted"] and viewer_id not in mute["speakers"]

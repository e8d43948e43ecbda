"""Who should come: the method's gentle hints about an invitation list, and its mix.

The method asks for six to eight visiting peers with different experience, found across the
organisation rather than up it, and not only the usual suspects. Nothing here refuses a list:
the hints are advice shown beside it. Pure functions; no I/O.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from .errors import Invalid, listed
from .reminders import check_addresses

MIN_VISITORS = 6
MAX_VISITORS = 8
# Years of experience in the field, in the bands the chart shows.
EXPERIENCE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("under 3 years", 0, 2),
    ("3 to 5 years", 3, 5),
    ("6 to 10 years", 6, 10),
    ("11 to 20 years", 11, 20),
    ("over 20 years", 21, None),
)


class InviteeRole(StrEnum):
    """The part a person plays in the peer assist (their job title is theirs to say)."""

    host = "host"
    visitor = "visitor"


# What an invitation asks of each person, in its opening words. The method: "the role of the
# host team is to listen in order to understand and learn"; it presents the context, stays in
# the back seat while the visitors talk it through, and commits to when it will report back.
YOUR_PART: dict[InviteeRole, str] = {
    InviteeRole.visitor: (
        "You are invited to a peer assist: a host team with a problem asks peers from "
        "elsewhere to share experience, insights and options. It is there to learn from you, "
        "not to approve a plan already made."
    ),
    InviteeRole.host: (
        "You are invited with the host team to a peer assist: your team has asked peers from "
        "elsewhere to share experience, insights and options on its problem. Your part is to "
        "present the context briefly, then mostly listen, to understand and learn, while the "
        "visitors talk it through; they give their feedback at the end. The team leaves with "
        "an action list and commits to a date to report back on what it did."
    ),
}


def your_part(role: str) -> str:
    """The invitation's opening words for someone invited in this role."""
    return YOUR_PART[InviteeRole(role)]


@dataclass(frozen=True)
class Invitee:
    name: str
    # Empty for someone with no address: they are given the text to copy and the .ics by hand.
    email: str
    unit: str
    role: InviteeRole
    years: int | None = None


@dataclass(frozen=True)
class Hint:
    code: str
    text: str
    # Whom it is about, by email; empty when it is about the whole list.
    about: tuple[str, ...] = ()


@dataclass(frozen=True)
class OftenInvited:
    """What counts as the usual suspects: `times` peer assists within `days` days."""

    times: int = 3
    days: int = 90


def visitors(people: list[Invitee]) -> list[Invitee]:
    return [p for p in people if p.role is InviteeRole.visitor]


# A unit's name: an invitee's, or the host team's on the start form.
UNIT_MAX = 200


def folded(text: str) -> str:
    """What makes two spellings of a unit or a name one: case and spacing aside."""
    return " ".join(text.casefold().split())


def hints(people: list[Invitee], *, often: frozenset[str] = frozenset()) -> list[Hint]:
    """The method's advice on this list; `often` holds the emails of the usual suspects."""
    found: list[Hint] = []
    guests = visitors(people)
    if len(guests) < MIN_VISITORS:
        found.append(
            Hint(
                "few_visitors",
                f"{len(guests)} visitors so far: the method suggests six to eight, so the host "
                "team hears enough different experience.",
            )
        )
    elif len(guests) > MAX_VISITORS:
        found.append(
            Hint(
                "many_visitors",
                f"{len(guests)} visitors: more than eight makes it hard for everyone to be "
                "heard; consider a second peer assist.",
            )
        )
    units = {folded(p.unit) for p in guests if p.unit.strip()}
    if len(guests) >= 2 and len(units) == 1:
        found.append(
            Hint(
                "one_unit",
                f"Every visitor comes from {guests[0].unit.strip()}: peers from other units "
                "bring experience the host team has not met.",
            )
        )
    hosts_years = [p.years for p in people if p.role is InviteeRole.host and p.years is not None]
    guests_years = [p.years for p in guests if p.years is not None]
    # Only when every visitor's years are known: one blank is no evidence of seniority.
    everyone_known = bool(guests_years) and len(guests_years) == len(guests)
    if hosts_years and everyone_known and min(guests_years) > max(hosts_years):
        found.append(
            Hint(
                "only_senior",
                "Every visitor has more years in the field than anyone in the host team. "
                "Look across the organisation, not up it: peers, not judges.",
            )
        )
    # People are told apart by address; without one, nobody can say who else invited them.
    regulars = [p for p in guests if p.email and p.email.casefold() in often]
    usual = tuple(sorted(p.email for p in regulars))
    if usual:
        found.append(
            Hint(
                "often_invited",
                "Often invited lately: "
                + ", ".join(p.name for p in regulars)
                + ". Someone new may see the problem afresh.",
                usual,
            )
        )
    return found


def often_invited(
    invitations: list[tuple[str, str, date]], *, today: date, rule: OftenInvited
) -> frozenset[str]:
    """The emails invited to `rule.times` or more peer assists within the last `rule.days`
    days, from (email, workshop id, invited on) rows; this peer assist counts as one of them."""
    since = today - timedelta(days=rule.days)
    workshops: dict[str, set[str]] = {}
    for email, workshop_id, invited_on in invitations:
        if invited_on >= since:
            workshops.setdefault(email.casefold(), set()).add(workshop_id)
    return frozenset(e for e, ids in workshops.items() if len(ids) >= rule.times)


def band(years: int) -> str:
    for label, low, high in EXPERIENCE_BANDS:
        if years >= low and (high is None or years <= high):
            return label
    return EXPERIENCE_BANDS[0][0]


@dataclass(frozen=True)
class Mix:
    """How the visitors spread over units and over years of experience."""

    units: tuple[tuple[str, int], ...]
    experience: tuple[tuple[str, int], ...]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.units)

    def sentences(self) -> list[str]:
        """The chart in words, for people who cannot see it."""
        if not self.total:
            return ["No visitors on the list yet."]
        units = "; ".join(f"{name}: {n}" for name, n in self.units)
        years = "; ".join(f"{label}: {n}" for label, n in self.experience if n)
        lines = [f"{self.total} visitors by unit: {units}."]
        if years:
            lines.append(f"By experience: {years}.")
        return lines


def mix(people: list[Invitee]) -> Mix:
    guests = visitors(people)
    names: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for p in guests:
        key = folded(p.unit) or "unit not given"
        names.setdefault(key, p.unit.strip() or "unit not given")
        counts[key] += 1
    units = tuple((names[k], n) for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))
    bands = Counter(band(p.years) for p in guests if p.years is not None)
    experience = tuple((label, bands.get(label, 0)) for label, _, _ in EXPERIENCE_BANDS)
    return Mix(units, experience)


def check_invitee(*, name: str, email: str, unit: str, role: str, years: int | None) -> Invitee:
    """A person the list can hold, cleaned, or a 422 that says what is wrong."""
    name, unit = " ".join(name.split()), " ".join(unit.split())
    if not name or len(name) > 80:
        raise Invalid("Give the person's name, up to 80 characters.", code="bad_name")
    if len(unit) > UNIT_MAX:
        raise Invalid(f"The unit is longer than {UNIT_MAX} characters.", code="too_long")
    try:
        part = InviteeRole(role)
    except ValueError:
        raise Invalid("Invite someone as a visitor or a host.", code="bad_role") from None
    if years is not None and not 0 <= years <= 70:
        raise Invalid("Years of experience go from 0 to 70.", code="bad_years")
    # An address is optional: the text to copy and the .ics exist for people without mail.
    (cleaned,) = check_addresses([email]) or [""]
    return Invitee(name, cleaned, unit, part, years)


MAX_LINKS = 10


# Top-level names that never reach a mailbox (RFC 2606, RFC 6761): an address there, such as
# the first admin's admin@localhost, is a placeholder nobody could answer.
_NOWHERE = frozenset({"localhost", "invalid", "test", "example"})


def reachable(email: str) -> bool:
    """Whether mail to this address could reach someone: a dotted domain, not a reserved name."""
    _, at, domain = email.rpartition("@")
    labels = domain.rstrip(".").lower().split(".")
    return bool(at) and len(labels) > 1 and all(labels) and labels[-1] not in _NOWHERE


def check_links(lines: list[str]) -> list[str]:
    """The briefing's links: http or https, one per line, a few at most."""
    links = list(dict.fromkeys(line.strip() for line in lines if line.strip()))
    wrong = [u for u in links if not u.startswith(("http://", "https://")) or len(u) > 2000]
    if wrong:
        raise Invalid(
            f"Links must start with http:// or https://: {listed(wrong)}.",
            code="bad_link",
            field="links",
        )
    if len(links) > MAX_LINKS:
        raise Invalid(f"At most {MAX_LINKS} links, please.", code="too_many_links", field="links")
    return links

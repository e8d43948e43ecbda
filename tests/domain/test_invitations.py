"""The method's hints about an invitation list: advice, never a refusal."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from app.domain.errors import Invalid
from app.domain.invitations import (
    Invitee,
    InviteeRole,
    OftenInvited,
    check_invitee,
    check_links,
    hints,
    mix,
    often_invited,
    reachable,
)

V, H = InviteeRole.visitor, InviteeRole.host


def visitor(n: int, unit: str = "Ward 7", years: int | None = 5) -> Invitee:
    return Invitee(f"Visitor {n}", f"v{n}@example.org", unit, V, years)


def codes(people: list[Invitee], **kw: object) -> list[str]:
    return [h.code for h in hints(people, **kw)]  # type: ignore[arg-type]


def test_six_to_eight_visitors_from_several_units_draw_no_hint() -> None:
    people = [visitor(i, unit=f"Unit {i % 3}") for i in range(7)]
    assert codes(people) == []


def test_too_few_or_too_many_visitors() -> None:
    assert codes([visitor(i, unit=f"U{i}") for i in range(5)]) == ["few_visitors"]
    assert codes([visitor(i, unit=f"U{i}") for i in range(9)]) == ["many_visitors"]
    # The host team does not count as visitors.
    hosts = [Invitee(f"H{i}", f"h{i}@x.org", "Ward 7", H, 3) for i in range(4)]
    assert "few_visitors" in codes([*hosts, visitor(1)])


def test_everyone_from_one_unit_ignores_case_and_spaces() -> None:
    people = [visitor(i, unit=u) for i, u in enumerate(["Pharmacy", " pharmacy", "PHARMACY "] * 2)]
    assert codes(people) == ["one_unit"]


def test_across_not_up() -> None:
    hosts = [Invitee("Hana", "h@x.org", "Ward 7", H, 4), Invitee("Hal", "hl@x.org", "Ward 7", H, 8)]
    senior = [visitor(i, unit=f"U{i}", years=10 + i) for i in range(6)]
    assert codes(hosts + senior) == ["only_senior"]
    mixed = [*senior[:5], visitor(9, unit="U9", years=2)]
    assert codes(hosts + mixed) == []
    # A visitor whose years are unknown is no evidence either way.
    unknown = [*senior[:5], visitor(9, unit="U9", years=None)]
    assert codes(hosts + unknown) == []


def test_often_invited_counts_lists_within_the_window() -> None:
    today = date(2026, 12, 1)
    rule = OftenInvited(times=3, days=90)
    rows = [
        ("a@x.org", "w1", today - timedelta(days=10)),
        ("A@x.org", "w2", today - timedelta(days=80)),
        ("a@x.org", "w3", today),
        ("b@x.org", "w1", today - timedelta(days=10)),
        ("b@x.org", "w2", today - timedelta(days=91)),  # outside the window
        ("b@x.org", "w3", today),
    ]
    assert often_invited(rows, today=today, rule=rule) == frozenset({"a@x.org"})
    assert often_invited(rows, today=today, rule=OftenInvited(3, 100)) == {"a@x.org", "b@x.org"}
    people = [visitor(i, unit=f"U{i}") for i in range(6)]
    found = hints(people, often=frozenset({"v2@example.org"}))
    assert [(h.code, h.about) for h in found] == [("often_invited", ("v2@example.org",))]
    assert "Visitor 2" in found[0].text


def test_the_mix_in_numbers_and_words() -> None:
    people = [visitor(1, "Pharmacy", 1), visitor(2, "pharmacy", 12), visitor(3, "Estates", 30)]
    shown = mix(people)
    assert shown.units == (("Pharmacy", 2), ("Estates", 1))
    assert dict(shown.experience) == {
        "under 3 years": 1,
        "3 to 5 years": 0,
        "6 to 10 years": 0,
        "11 to 20 years": 1,
        "over 20 years": 1,
    }
    assert shown.sentences()[0] == "3 visitors by unit: Pharmacy: 2; Estates: 1."
    assert mix([]).sentences() == ["No visitors on the list yet."]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("email", "not-an-address", "bad_email"),
        ("role", "boss", "bad_role"),
        ("years", 99, "bad_years"),
        ("name", "  ", "bad_name"),
    ],
)
def test_a_person_the_list_cannot_hold(field: str, value: object, code: str) -> None:
    good: dict = {
        "name": "Ann",
        "email": "ann@x.org",
        "unit": "Ward",
        "role": "visitor",
        "years": 3,
    }
    with pytest.raises(Invalid) as caught:
        check_invitee(**{**good, field: value})
    assert caught.value.code == code


def test_a_person_without_an_address_is_still_invited() -> None:
    """The text to copy and the .ics exist for people without mail."""
    for blank in ("", "   "):
        person = check_invitee(name="Otto", email=blank, unit="", role="visitor", years=None)
        assert person.email == ""
    # Nobody without an address is among the usual suspects, though the list holds several.
    people = [Invitee(f"P{i}", "", f"U{i}", V, None) for i in range(6)]
    assert codes(people, often=frozenset({""})) == []


def test_links_are_web_addresses() -> None:
    assert check_links(["https://a.org/x", " ", "https://a.org/x"]) == ["https://a.org/x"]
    with pytest.raises(Invalid):
        check_links(["javascript:alert(1)"])


@pytest.mark.parametrize(
    ("email", "expected"),
    [
        ("olu@trust.nhs.uk", True),
        ("ada@example.org", True),
        ("admin@localhost", False),
        ("peer-assist@localhost", False),
        ("x@host.localhost", False),
        ("x@mail.invalid", False),
        ("x@intranet", False),
        ("x@trust.", False),
        ("no-at-sign.org", False),
    ],
)
def test_an_address_reaches_someone_only_on_a_real_domain(email: str, expected: bool) -> None:
    assert reachable(email) is expected

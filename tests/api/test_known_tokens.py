"""The tokens a worker remembers: a withdrawal forgets exactly whose it names, and a lookup that a
withdrawal overtook is not remembered (it may have read the database before the withdrawal)."""

from __future__ import annotations

from app.domain.rules import Role
from app.web.deps import Identity, KnownTokens


def person(workshop_id: str, participant_id: int) -> Identity:
    return Identity(participant_id, Role.visitor, f"P{participant_id}", workshop_id)


def test_a_withdrawal_forgets_only_whom_it_names() -> None:
    known = KnownTokens()
    for token, who in {
        "a1": person("a", 1),
        "a1-phone": person("a", 1),
        "a2": person("a", 2),
        "b1": person("b", 1),
    }.items():
        known.add(token, who, forgotten=known.forgotten)
    known.forget("a", 1)
    assert [known.get(t) is not None for t in ("a1", "a1-phone", "a2", "b1")] == [
        False,
        False,
        True,
        True,
    ]
    known.forget("a")  # the whole workshop
    assert known.get("a2") is None and known.get("b1") is not None
    known.forget(None)  # everything
    assert known.get("b1") is None


def test_a_lookup_overtaken_by_a_withdrawal_is_not_remembered() -> None:
    known = KnownTokens()
    began = known.forgotten
    known.forget("elsewhere", 9)  # arrives while the lookup is in the database
    known.add("a1", person("a", 1), forgotten=began)
    assert known.get("a1") is None
    known.add("a1", person("a", 1), forgotten=known.forgotten)
    assert known.get("a1") is not None


def test_a_full_table_drops_its_oldest_and_still_forgets_by_person() -> None:
    known = KnownTokens(size=2)
    for i in range(3):
        known.add(f"t{i}", person("a", i), forgotten=known.forgotten)
    assert known.get("t0") is None and known.get("t2") is not None
    known.forget("a", 0)  # no longer there: nothing to do, nothing broken
    known.forget("a", 1)
    assert known.get("t1") is None and known.get("t2") is not None

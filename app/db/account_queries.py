"""Queries about accounts and who owns which peer assist, keyword-only."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Session, col, func, select

from ..domain.accounts import Viewer, Visibility
from ..domain.rules import Role
from .account_models import Account, AccountSession, ApiToken, OneTimeLink, WorkshopOwner
from .models import Action, AgendaTemplate, Commitment, Participant, ReportBack, Workshop


def account_by_email(session: Session, *, email: str) -> Account | None:
    return session.exec(select(Account).where(col(Account.email) == email)).first()


def get_account(session: Session, *, account_id: int) -> Account | None:
    if not 1 <= account_id <= 2**31 - 1:
        return None
    return session.get(Account, account_id)


def first_admin(session: Session) -> Account | None:
    return session.exec(select(Account).where(col(Account.first_admin))).first()


def earliest_admin(session: Session) -> Account | None:
    return session.exec(
        select(Account).where(col(Account.role) == "admin").order_by(col(Account.id))
    ).first()


def active_admins(session: Session, *, lock: bool = False) -> list[Account]:
    """The active admins. `lock`: their rows stay locked until the write commits, so two admins
    taking each other's role at the same moment cannot each count the other still there. That
    race is PostgreSQL's: SQLite's writers take turns, and it has no FOR UPDATE."""
    query = (
        select(Account)
        .where(col(Account.role) == "admin", col(Account.active))
        .order_by(Account.id)
    )
    if lock:
        # FOR NO KEY UPDATE: two changes of admins take turns, but a write that adds a row
        # pointing at an admin (a console seat, an owner) under its workshop's lock does not
        # wait for it, which with plain FOR UPDATE closed a deadlock with the workshop locks
        # a deactivation takes. In id order, so two lockers meet in the same order. Fresh
        # values too: a row this session loaded earlier may have changed while it waited.
        query = query.with_for_update(key_share=True).execution_options(populate_existing=True)
    return list(session.exec(query))


def account_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Account)).one())


def accounts(session: Session) -> list[Account]:
    return list(session.exec(select(Account).order_by(col(Account.name), col(Account.id))))


def live_session(session: Session, *, secret_hash: str, now: datetime) -> Account | None:
    row = session.exec(
        select(Account)
        .join(AccountSession, col(AccountSession.account_id) == col(Account.id))
        .where(
            col(AccountSession.secret_hash) == secret_hash,
            col(AccountSession.ended_at).is_(None),
            col(AccountSession.expires_at) > now,
        )
    ).first()
    return row


def session_by_secret(session: Session, *, secret_hash: str) -> AccountSession | None:
    return session.exec(
        select(AccountSession).where(col(AccountSession.secret_hash) == secret_hash)
    ).first()


def sessions_of(session: Session, *, account_id: int) -> list[AccountSession]:
    return list(
        session.exec(
            select(AccountSession).where(
                col(AccountSession.account_id) == account_id, col(AccountSession.ended_at).is_(None)
            )
        )
    )


def token_owner(session: Session, *, token_hash: str) -> tuple[ApiToken, Account] | None:
    row = session.exec(
        select(ApiToken, Account)
        .join(Account, col(Account.id) == col(ApiToken.account_id))
        .where(col(ApiToken.token_hash) == token_hash, col(ApiToken.revoked_at).is_(None))
    ).first()
    return (row[0], row[1]) if row else None


def tokens(session: Session, *, account_id: int | None = None) -> list[tuple[ApiToken, Account]]:
    """Tokens not revoked: one account's, or everyone's for the admin page."""
    query = (
        select(ApiToken, Account)
        .join(Account, col(Account.id) == col(ApiToken.account_id))
        .where(col(ApiToken.revoked_at).is_(None))
        .order_by(col(ApiToken.created_at).desc(), col(ApiToken.id).desc())
    )
    if account_id is not None:
        query = query.where(col(ApiToken.account_id) == account_id)
    return [(t, a) for t, a in session.exec(query)]


def get_token(session: Session, *, token_id: int) -> ApiToken | None:
    return session.get(ApiToken, token_id) if 1 <= token_id <= 2**31 - 1 else None


def link_by_secret(session: Session, *, secret_hash: str) -> OneTimeLink | None:
    return session.exec(
        select(OneTimeLink).where(col(OneTimeLink.secret_hash) == secret_hash)
    ).first()


def owners(session: Session, *, workshop_id: str) -> list[tuple[WorkshopOwner, Account]]:
    return owners_of(session, workshop_ids=[workshop_id])[workshop_id]


def owners_of(
    session: Session, *, workshop_ids: list[str]
) -> dict[str, list[tuple[WorkshopOwner, Account]]]:
    """Each listed workshop's owners, the owner first, then its co-owners as they were added."""
    found: dict[str, list[tuple[WorkshopOwner, Account]]] = {w: [] for w in workshop_ids}
    if not workshop_ids:
        return found
    for o, a in session.exec(
        select(WorkshopOwner, Account)
        .join(Account, col(Account.id) == col(WorkshopOwner.account_id))
        .where(col(WorkshopOwner.workshop_id).in_(workshop_ids))
        .order_by(col(WorkshopOwner.kind).desc(), col(WorkshopOwner.added_at))
    ):
        found[o.workshop_id].append((o, a))
    return found


def owner_ids(session: Session, *, workshop_id: str) -> frozenset[int]:
    return frozenset(o.account_id for o, _ in owners(session, workshop_id=workshop_id))


def run_by(session: Session, *, account_id: int) -> list[str]:
    """The peer assists not yet closed that the account owns or holds a seat in."""
    owned = select(WorkshopOwner.workshop_id).where(col(WorkshopOwner.account_id) == account_id)
    seated = select(Participant.workshop_id).where(col(Participant.account_id) == account_id)
    found = session.exec(
        select(Workshop.id)
        .where(col(Workshop.id).in_(owned.union(seated).scalar_subquery()))
        .where(col(Workshop.closed_at).is_(None))
        .order_by(col(Workshop.id))
    )
    return list(found)


def seats_of(session: Session, *, account_id: int) -> list[Participant]:
    """Every facilitator seat the account holds, in any peer assist (removed ones aside)."""
    return list(
        session.exec(
            select(Participant).where(
                col(Participant.account_id) == account_id, col(Participant.removed_at).is_(None)
            )
        )
    )


def seat_of(session: Session, *, workshop_id: str, account_id: int) -> Participant | None:
    """The facilitator seat an account holds in a peer assist, if any. A seat taken away
    (its participant removed) is not one: its token no longer works, and handing it back
    sent the browser round between a page and /w/{id}/open for ever."""
    return session.exec(
        select(Participant).where(
            col(Participant.workshop_id) == workshop_id,
            col(Participant.account_id) == account_id,
            col(Participant.role) == "facilitator",
            col(Participant.removed_at).is_(None),
        )
    ).first()


def visible_to(viewer: Viewer) -> sa.ColumnElement[bool]:
    """`may_see` as a SQL condition on `workshop`, for queries that filter in the database."""
    if viewer.is_admin:
        return sa.true()
    owned = (
        sa.exists()
        .where(col(WorkshopOwner.workshop_id) == col(Workshop.id))
        .where(col(WorkshopOwner.account_id) == viewer.id)
    )
    return sa.or_(col(Workshop.visibility) == Visibility.organisation.value, owned)


def listing(session: Session, *, text: str | None) -> list[sa.Row]:
    """Every peer assist with what a list needs, newest first; `text` filters title and problem.

    One query for the workshops and one per summary column, rather than one per workshop.
    """
    query = select(Workshop).order_by(col(Workshop.created_at).desc(), col(Workshop.id))
    if text:
        pattern = "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        pattern += "%"
        query = query.where(
            sa.or_(
                func.lower(col(Workshop.title)).like(pattern, escape="\\"),
                func.lower(col(Workshop.problem)).like(pattern, escape="\\"),
            )
        )
    return list(session.exec(query))


def workshops_by_id(session: Session, *, workshop_ids: list[str]) -> list[Workshop]:
    if not workshop_ids:
        return []
    return list(session.exec(select(Workshop).where(col(Workshop.id).in_(workshop_ids))))


def summaries(session: Session, *, workshop_ids: list[str]) -> dict[str, dict]:
    """Owners, people, actions, the report-back date and when the team reported back, of each
    listed workshop."""
    found: dict[str, dict] = {
        w: {
            "owners": [],
            "participants": 0,
            "open_due": [],
            "done": 0,
            "report_back_by": None,
            "reported_at": None,
        }
        for w in workshop_ids
    }
    if not workshop_ids:
        return found
    for workshop_id, owned in owners_of(session, workshop_ids=workshop_ids).items():
        found[workshop_id]["owners"] = [(o.kind, a.id, a.name) for o, a in owned]
    # People in the room: a projector is a screen, and a removed participant has left.
    for workshop_id, count in session.exec(
        select(Participant.workshop_id, func.count())
        .where(
            col(Participant.workshop_id).in_(workshop_ids),
            col(Participant.role) != Role.projector.value,
            col(Participant.removed_at).is_(None),
        )
        .group_by(col(Participant.workshop_id))
    ):
        found[workshop_id]["participants"] = int(count)
    for workshop_id, status, due in session.exec(
        select(Action.workshop_id, Action.status, Action.due_date).where(
            col(Action.workshop_id).in_(workshop_ids)
        )
    ):
        if status == "done":
            found[workshop_id]["done"] += 1
        else:
            found[workshop_id]["open_due"].append(due)
    for workshop_id, report_back_by in session.exec(
        select(Commitment.workshop_id, Commitment.report_back_by).where(
            col(Commitment.workshop_id).in_(workshop_ids)
        )
    ):
        found[workshop_id]["report_back_by"] = report_back_by
    for workshop_id, reported_at in session.exec(
        select(ReportBack.workshop_id, ReportBack.reported_at).where(
            col(ReportBack.workshop_id).in_(workshop_ids)
        )
    ):
        found[workshop_id]["reported_at"] = reported_at
    return found


def templates_of(session: Session, *, account_id: int) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(AgendaTemplate)
            .where(col(AgendaTemplate.created_by) == account_id)
        ).one()
    )


def template_count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(AgendaTemplate)).one())

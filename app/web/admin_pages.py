"""The admin page (accounts, tokens in use, templates) and each account's own tokens page."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlmodel import Session
from starlette.concurrency import run_in_threadpool

from ..actions import accounts, ownership
from ..db import account_queries as aq
from ..db import lifecycle as lifecycle_db
from ..db import queries
from ..domain.accounts import check_admin
from ..domain.errors import RuleError
from ..exports.account_mail import account_invite_message
from ..mail import send_at_once
from .account_deps import Signed
from .account_pages import account_context, csrf_ok, page_account
from .deps import Services, owner_scope, perform, withdraw_deactivated
from .flash import Flash, redirect_with, shown, taken
from .forms import form_fields
from .json_response import JSONResponse
from .lifecycle_api import subject_export
from .pages import problem_page, render
from .schemas import RowId

router = APIRouter(include_in_schema=False)


def _admin_view(svc: Services) -> dict[str, Any]:
    days = svc.settings.retention_days
    with svc.db.reader() as session:
        unowned = [
            w for w in aq.listing(session, text=None) if not aq.owner_ids(session, workshop_id=w.id)
        ]
        return {
            "people": aq.accounts(session),
            "tokens": aq.tokens(session),
            "templates": queries.agenda_templates(session),
            "unowned": unowned,
            "retention_days": days,
            # With single sign-on nobody has a password to reset (API.md).
            "passwords": not svc.settings.oidc_enabled,
            "due_for_purge": lifecycle_db.due_for_purge(
                session, now=svc.clock(), retention_days=days
            ),
        }


async def _admin_page(
    request: Request,
    signed: Signed,
    *,
    notice: str | None = None,
    link: str | None = None,
    error: str | None = None,
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    svc: Services = request.app.state.services
    view = await run_in_threadpool(_admin_view, svc)
    return render(
        "pages/admin.html",
        status,
        notice=notice,
        link=link,
        error=error,
        typed=typed or {},
        **view,
        **account_context(svc, signed),
    )


async def _signed_admin(request: Request) -> Signed | Response:
    signed = await page_account(request)
    if isinstance(signed, Response):
        return signed
    if not signed.viewer.is_admin:
        return problem_page("Admins only", "Only an admin may open the admin page.", 403)
    return signed


@router.get("/admin", response_class=HTMLResponse)
async def admin_page(request: Request) -> Response:
    signed = await _signed_admin(request)
    if isinstance(signed, Response):
        return signed
    svc: Services = request.app.state.services
    said = taken(request, svc, signed.id)
    page = await _admin_page(
        request, signed, notice=said.notice if said else None, link=said.secret if said else None
    )
    return shown(page, request)


@router.get("/admin/subject-access")
async def subject_access_download(request: Request) -> Response:
    """What is stored about one participant name (?name=) or one account (?account_id=), as a
    JSON file to hand to the person who asked."""
    svc: Services = request.app.state.services
    signed = await _signed_admin(request)
    if isinstance(signed, Response):
        return signed
    name = request.query_params.get("name", "").strip()
    account_id = queries.row_id_from_text(request.query_params.get("account_id", ""))
    if account_id is None and not 1 <= len(name) <= 80:
        return await _admin_page(
            request, signed, error="Give a participant's name (up to 80 characters).", status=422
        )
    try:
        found = await run_in_threadpool(
            lambda: subject_export(svc, name=name, account_id=account_id)
        )
    except RuleError as exc:
        return await _admin_page(request, signed, error=exc.detail, status=exc.status)
    return JSONResponse(
        found, headers={"Content-Disposition": 'attachment; filename="subject-access.json"'}
    )


async def _admin_post(
    request: Request,
    change: Callable[[Session, Signed, dict[str, str]], str | tuple[str, str]],
    *,
    keep: tuple[str, ...] = (),
    then: Callable[[], Awaitable[str | None]] | None = None,
) -> Response:
    """Run one admin form's change. Done, `then` (after the commit; what it says, if anything,
    is said instead), and back to the admin page (a reload sends nothing again), which says
    what happened once; refused, the page again with the sentence and the form's `keep`
    fields as they were typed."""
    svc: Services = request.app.state.services
    signed = await _signed_admin(request)
    if isinstance(signed, Response):
        return signed
    form = await form_fields(request)
    if not csrf_ok(svc, signed, form):
        return problem_page("Try again", "This form has expired; reload the page.", 403)
    try:
        done = await run_in_threadpool(
            accounts.write, svc.db, lambda session: change(session, signed, form)
        )
    except RuleError as exc:
        typed = {"form": request.url.path, **{k: form.get(k, "") for k in keep}}
        return await _admin_page(request, signed, error=exc.detail, typed=typed, status=exc.status)
    said = await then() if then is not None else None
    notice, link = done if isinstance(done, tuple) else (done, None)
    notice = said or notice
    return redirect_with(svc, "/admin", signed.id, Flash(notice, link))


@router.post("/admin/accounts", response_class=HTMLResponse)
async def invite(request: Request) -> Response:
    svc: Services = request.app.state.services
    invited: dict[str, str] = {}

    def change(session: Session, signed: Signed, form: dict[str, str]) -> tuple[str, str]:
        account, secret = accounts.invite(
            session,
            by=signed.viewer,
            email=form.get("email", ""),
            name=form.get("name", ""),
            role=form.get("role", "facilitator"),
            now=svc.clock(),
            secret_key=svc.settings.secret_key,
        )
        link = f"{svc.settings.base_url}/welcome/{secret}"
        invited.update(name=account.name, email=account.email, role=account.role, link=link)
        invited["by"] = signed.account.name
        return f"Invited {account.name}. Send them this link:", link

    async def mail_them() -> str | None:
        # With a mail server the invitation goes by mail; the link stays on the page either
        # way, for a mail that is late or lost.
        if not svc.settings.smtp_url:
            return None
        try:
            message = account_invite_message(
                name=invited["name"],
                email=invited["email"],
                role=invited["role"],
                link=invited["link"],
                invited_by=invited["by"],
                sender=svc.settings.smtp_from,
                single_sign_on=svc.settings.oidc_enabled,
            )
        except ValueError:  # a header the mail cannot carry (SMTP_FROM, say): not sent
            message = None
        if message is not None and await send_at_once(message, svc.settings):
            return f"Invited {invited['name']}: we mailed them this link (you may pass it on too):"
        return (
            f"Invited {invited['name']}, but the mail to {invited['email']} could not be sent; "
            "send them this link yourself:"
        )

    return await _admin_post(request, change, keep=("name", "email", "role"), then=mail_them)


@router.post("/admin/accounts/{account_id}", response_class=HTMLResponse)
async def change_account(account_id: RowId, request: Request) -> Response:
    svc: Services = request.app.state.services

    def change(session: Session, signed: Signed, form: dict[str, str]) -> str | tuple[str, str]:
        what = form.get("do", "")
        if what == "reset":
            secret = accounts.issue_reset(
                session,
                by=signed.viewer,
                account_id=account_id,
                now=svc.clock(),
                secret_key=svc.settings.secret_key,
                single_sign_on=svc.settings.oidc_enabled,
            )
            return (
                "Pass on this one-time link; it sets a new password:",
                f"{svc.settings.base_url}/welcome/{secret}",
            )
        changes = {
            "deactivate": {"active": False},
            "activate": {"active": True},
            "make_admin": {"role": "admin"},
            "make_facilitator": {"role": "facilitator"},
        }
        if what not in changes:
            raise RuleError("Choose what to do with the account.", status=422, code="invalid")
        account, links_replaced = accounts.change_account(
            session,
            by=signed.viewer,
            account_id=account_id,
            role=changes[what].get("role"),  # type: ignore[arg-type]
            active=changes[what].get("active"),  # type: ignore[arg-type]
            now=svc.clock(),
            invites=(svc.settings.secret_key, svc.settings.base_url),
        )
        if account.active or what != "deactivate":
            state = "an active" if account.active else "a deactivated"
            return f"{account.name} is now {state} {account.role}."
        said = (
            f"{account.name} is now a deactivated {account.role}: signed out everywhere, and "
            "their places in peer assists no longer work."
        )
        if links_replaced == 1:
            said += " One peer assist they run has a new co-facilitator link; the old one is void."
        elif links_replaced:
            said += (
                f" {links_replaced} peer assists they run have new co-facilitator links; "
                "the old ones are void."
            )
        return said

    return await _admin_post(request, change, then=lambda: withdraw_deactivated(svc, account_id))


@router.post("/admin/tokens/{token_id}/revoke", response_class=HTMLResponse)
async def revoke(token_id: RowId, request: Request) -> Response:
    svc: Services = request.app.state.services

    def change(session: Session, signed: Signed, form: dict[str, str]) -> str:
        accounts.revoke_token(session, by=signed.viewer, token_id=token_id, now=svc.clock())
        return "The token is revoked."

    return await _admin_post(request, change)


@router.post("/admin/templates/{template_id}/delete", response_class=HTMLResponse)
async def delete_template(template_id: RowId, request: Request) -> Response:
    def change(session: Session, signed: Signed, form: dict[str, str]) -> str:
        ownership.delete_template(session, by=signed.viewer, template_id=template_id)
        return "The template is deleted."

    return await _admin_post(request, change)


@router.post("/admin/workshops/{workshop_id}/owner", response_class=HTMLResponse)
async def assign_owner(workshop_id: str, request: Request) -> Response:
    """Give a peer assist from before accounts an owner."""
    svc: Services = request.app.state.services
    signed = await _signed_admin(request)
    if isinstance(signed, Response):
        return signed
    form = await form_fields(request)
    if not csrf_ok(svc, signed, form):
        return problem_page("Try again", "This form has expired; reload the page.", 403)
    check_admin(signed.viewer, "assign owners")
    try:
        await perform(
            request,
            svc,
            workshop_id=workshop_id,
            scope=owner_scope(workshop_id, signed.id),
            apply=lambda session, w, now: ownership.add_owner(
                session, w, by=signed.viewer, email=form.get("email", ""), now=now
            ),
        )
    except RuleError as exc:
        typed = {"form": request.url.path, "email": form.get("email", "")}
        return await _admin_page(request, signed, error=exc.detail, typed=typed, status=exc.status)
    return redirect_with(svc, "/admin", signed.id, Flash("The peer assist has an owner now."))


def _tokens_of(svc: Services, account_id: int) -> list:
    with svc.db.reader() as session:
        return [t for t, _ in aq.tokens(session, account_id=account_id)]


async def _tokens_page(request: Request, signed: Signed, **extra: Any) -> Response:
    svc: Services = request.app.state.services
    tokens = await run_in_threadpool(_tokens_of, svc, signed.id)
    status = extra.pop("status", 200)
    return render(
        "pages/account.html", status, tokens=tokens, **extra, **account_context(svc, signed)
    )


@router.get("/account", response_class=HTMLResponse)
async def account_page(request: Request) -> Response:
    signed = await page_account(request)
    if isinstance(signed, Response):
        return signed
    said = taken(request, request.app.state.services, signed.id)
    page = await _tokens_page(request, signed, new_token=said.secret if said else None)
    return shown(page, request)


@router.post("/account/tokens", response_class=HTMLResponse)
async def create_token(request: Request) -> Response:
    svc: Services = request.app.state.services
    signed = await page_account(request)
    if isinstance(signed, Response):
        return signed
    form = await form_fields(request)
    if not csrf_ok(svc, signed, form):
        return problem_page("Try again", "This form has expired; reload the page.", 403)
    try:
        _, secret = await run_in_threadpool(
            accounts.write,
            svc.db,
            lambda s: accounts.create_token(
                s,
                account_id=signed.id,
                name=form.get("name", ""),
                now=svc.clock(),
                secret_key=svc.settings.secret_key,
            ),
        )
    except RuleError as exc:
        return await _tokens_page(
            request, signed, error=exc.detail, typed=form.get("name", ""), status=exc.status
        )
    # Redirected, so a reload makes no second token; the token is shown once, there.
    return redirect_with(svc, "/account", signed.id, Flash("A new token.", secret))


@router.post("/account/tokens/{token_id}/revoke", response_class=HTMLResponse)
async def revoke_mine(token_id: RowId, request: Request) -> Response:
    svc: Services = request.app.state.services
    signed = await page_account(request)
    if isinstance(signed, Response):
        return signed
    form = await form_fields(request)
    if not csrf_ok(svc, signed, form):
        return problem_page("Try again", "This form has expired; reload the page.", 403)
    try:
        await run_in_threadpool(
            accounts.write,
            svc.db,
            lambda s: accounts.revoke_token(
                s, by=signed.viewer, token_id=token_id, now=svc.clock()
            ),
        )
    except RuleError as exc:
        return await _tokens_page(request, signed, error=exc.detail, status=exc.status)
    return RedirectResponse("/account", status_code=303)

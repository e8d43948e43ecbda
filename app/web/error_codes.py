"""The machine codes of the API's errors, as /openapi.json names them (ErrorBody.code).

A client branches on `code`, never on `detail`; the document must say which codes exist.
Every code here is one the app answers (tests/api/test_openapi.py checks each is raised
somewhere in app/); the list is not every code: `detail` always says what happened.
"""

from __future__ import annotations

# By status: the codes an API route answers with it.
CODES: dict[int, tuple[str, ...]] = {
    400: ("bad_idempotency_key",),
    401: ("unauthorized", "sign_in_required", "account_inactive"),
    403: (
        "forbidden",
        "host_team_muted",
        "participant_token",
        "account_token",
        "admin_only",
        "account_inactive",
        "csrf_failed",
    ),
    404: (
        "not_found",
        "workshop_not_found",
        "card_not_found",
        "action_not_found",
        "theme_not_found",
        "participant_not_found",
        "invite_not_found",
        "account_not_found",
        "token_not_found",
        "template_not_found",
        "share_link_not_found",
    ),
    408: ("request_timeout",),
    409: (
        "not_allowed_in_phase",
        "no_votes_left",
        "already_voted",
        "not_voted",
        "invalid_phase_move",
        "timer_conflict",
        "theme_exists",
        "cannot_remove_yourself",
        "idempotency_key_reused",
    ),
    410: ("invite_revoked",),
    413: ("too_large",),
    422: ("invalid", "too_long", "date_in_past", "date_too_far", "date_too_early"),
    426: ("upgrade_required",),
    429: ("rate_limited",),
}

CODE_DESCRIPTION = (
    "A machine code to branch on (`detail` is for people and may change). Codes by status "
    "include: "
    + "; ".join(
        f"{status}: " + ", ".join(f"`{c}`" for c in codes) for status, codes in CODES.items()
    )
    + ". Clients must treat a code they do not know as its status alone."
)

# What a route's answer at a status means, where API.md names the code (openapi.py adds it to
# the status's description).
MUTED = "A muted host team may not write now (`host_team_muted`)."
PHASE = "The current phase does not allow this (`not_allowed_in_phase`)."
VOTE_REFUSED = (
    "No votes left (`no_votes_left`), this card has your vote already (`already_voted`), or "
    "voting is closed in this phase (`not_allowed_in_phase`)."
)
UNVOTE_REFUSED = (
    "You have not voted for this card (`not_voted`), or voting is closed in this phase "
    "(`not_allowed_in_phase`)."
)
NO_PARTICIPANT = "No participant's token, or one that no longer works (`unauthorized`)."
SIGN_IN = "No account: sign in, or send an account's bearer token (`sign_in_required`)."
REFUSED = "A rule refuses it as things stand; `code` says which."
INVALID = (
    "The request is not valid (`invalid`, `too_long`, or the rule's own code, such as "
    "`date_in_past`); `detail` says which value and why."
)
REUSED_KEY = (
    "This Idempotency-Key was already used for a different request (`idempotency_key_reused`)."
)

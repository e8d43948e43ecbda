"""Request and response models of the routes used after the meeting."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field, StringConstraints

from ..domain.after_meeting import SATISFACTION_MAX, SATISFACTION_MIN
from ..domain.reminders import ADDRESS_MAX, MAX_ADDRESSES
from ..domain.rules import TEXT_MAX
from .schemas import SPACE, Strict, Whole

# Blank is allowed: a survey answer or a review field may be left empty.
Answer = Annotated[str, StringConstraints(max_length=TEXT_MAX)]


class FeedbackGive(Strict):
    # The bounds are checked by the domain, which says why; the schema says them too.
    satisfaction: Whole = Field(
        json_schema_extra={"minimum": SATISFACTION_MIN, "maximum": SATISFACTION_MAX}
    )
    most_valuable: Answer | None = None
    will_do_differently: Answer | None = None
    ideas: Answer | None = None


class FeedbackOut(BaseModel):
    satisfaction: int
    most_valuable: str | None
    will_do_differently: str | None
    ideas: str | None
    updated_at: datetime


class ShareLinkOut(BaseModel):
    id: int
    created_at: datetime
    revoked_at: datetime | None


class ShareLinkCreated(ShareLinkOut):
    token: str
    url: str


class ReviewWrite(Strict):
    planned: Answer | None = None
    happened: Answer | None = None
    why_different: Answer | None = None
    next_time: Answer | None = None


class ReportBackWrite(Strict):
    did: Answer = Field(json_schema_extra={"minLength": 1})  # the domain says why
    learned: Answer | None = None


class ReportBackOut(BaseModel):
    did: str
    learned: str | None
    reported_at: datetime


# An address, or a blank entry (skipped), with spaces around it allowed: what
# domain/reminders.py takes, as a pattern for the schema.
_PART = f"[^@,;<>{SPACE}]+"
EMAIL = f"^[{SPACE}]*(?:{_PART}@{_PART}\\.{_PART})?[{SPACE}]*$"


class ReminderAddresses(Strict):
    emails: list[
        Annotated[
            str,
            StringConstraints(max_length=ADDRESS_MAX),
            Field(json_schema_extra={"pattern": EMAIL}),
        ]
    ] = Field(max_length=MAX_ADDRESSES)


class ReminderAddressesOut(BaseModel):
    emails: list[str]

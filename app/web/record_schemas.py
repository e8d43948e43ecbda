"""Request and response models of the routes used after the meeting."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, StringConstraints

from ..domain.rules import TEXT_MAX
from .schemas import Strict

# Blank is allowed: a survey answer or a review field may be left empty.
Answer = Annotated[str, StringConstraints(max_length=TEXT_MAX)]


class FeedbackGive(Strict):
    satisfaction: int
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
    did: Answer
    learned: Answer | None = None


class ReportBackOut(BaseModel):
    did: str
    learned: str | None
    reported_at: datetime


class ReminderAddresses(Strict):
    emails: list[Annotated[str, StringConstraints(max_length=254)]]


class ReminderAddressesOut(BaseModel):
    emails: list[str]

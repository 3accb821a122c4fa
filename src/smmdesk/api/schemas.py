"""Input and output shapes of API v1. One operation, one input schema, one output schema."""

from __future__ import annotations

import zoneinfo
from datetime import date, datetime, timedelta
from functools import cache
from typing import Annotated, Any, Literal

from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator

from smmdesk.lib.badinput import MAX_ID

# Row ids are 64-bit signed integers in SQLite and PostgreSQL: a larger number overflows the
# driver (a 500), so every id the API accepts, in the path, the query or the body, is one.
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def _known_timezone(name: str) -> str:
    if name not in _timezones():
        raise ValueError("not a known time zone name, e.g. Europe/Kyiv or UTC")
    return name


TimeZoneName = Annotated[str, Field(max_length=64, examples=["Europe/Kyiv"]),
                         AfterValidator(_known_timezone)]


def _iso_text(value):
    # pydantic reads a number (or a numeric string in a query) as a Unix timestamp; the
    # schema promises ISO 8601 text, so that is all a date or a time may be.
    if not isinstance(value, str) or value.strip().lstrip("-+").replace(".", "").isdigit():
        raise ValueError("use ISO 8601 text, e.g. 2026-12-24 or 2026-12-24T10:00:00+02:00")
    return value


IsoDate = Annotated[date, BeforeValidator(_iso_text)]
MAX_OFFSET = timedelta(hours=14)  # the widest real zone (Kiribati); PostgreSQL stops at 15:59


def _real_offset(value: datetime) -> datetime:
    offset = value.utcoffset()
    if offset is not None and abs(offset) > MAX_OFFSET:
        raise ValueError("the time zone offset must be between -14:00 and +14:00")
    return value


IsoDateTime = Annotated[datetime, BeforeValidator(_iso_text), AfterValidator(_real_offset)]


class ErrorBody(Schema):
    code: str
    message: str
    details: Any = None


class ErrorOut(Schema):
    """Every error: ``{"error": {"code": "...", "message": "...", "details": ...}}``."""

    error: ErrorBody


# What any route may answer besides its success: 400 a malformed body or a character no
# database can store, 401 no valid token, 403 a role without the permission, 404 a row
# outside the workspace, 422 a value the schema refuses, 429 too many wrong tokens.
COMMON_ERRORS = {code: ErrorOut for code in (400, 401, 403, 404, 422, 429)}


def responses(success: dict, *extra_errors: int) -> dict:
    """``response=`` of a route: its success codes, the common errors and ``extra_errors``
    (409 for a state change the row's state does not allow)."""
    return {**success, **COMMON_ERRORS, **{code: ErrorOut for code in extra_errors}}


class UserOut(Schema):
    id: int
    email: str
    name: str
    language: str


class WorkspaceIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    timezone: TimeZoneName = "UTC"
    language: Literal["en", "ru", "uk", "be"] = "en"


class WorkspacePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    timezone: TimeZoneName | None = None
    language: Literal["en", "ru", "uk", "be"] | None = None


class WorkspaceOut(Schema):
    id: int
    name: str
    slug: str
    timezone: str
    language: str
    role: str


class MemberOut(Schema):
    user_id: int
    email: str
    name: str
    role: str


class ChannelConnectIn(Schema):
    kind: str = Field(max_length=20)
    data: dict[str, Annotated[str, Field(max_length=2000)]] = Field(
        default_factory=dict,
        description="What the network's connect form asks for, e.g. Telegram: "
                    "{\"bot_token\": \"...\", \"chat\": \"@channel\"}.")


class ChannelPatch(Schema):
    status: Literal["active", "disabled"] | None = None
    # The settings the network lets a person change (its connector's settings_fields),
    # e.g. {"tier": "basic"} for X.
    settings: dict[str, str] | None = None


class ChannelOut(Schema):
    id: int
    kind: str
    name: str
    external_id: str
    url: str
    status: str
    status_message: str
    token_expires_at: datetime | None
    simulated: bool
    settings: dict[str, str] = Field(default_factory=dict,
                                     description="The settings a person may change (PATCH).")


class RubricIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    color: str = Field("#6366f1", pattern=r"^#[0-9a-fA-F]{6}$")
    target_share: int = Field(0, ge=0, le=100)
    description: str = Field("", max_length=5000)


class RubricOut(Schema):
    id: int
    name: str
    color: str
    target_share: int
    description: str


class CampaignIn(Schema):
    name: str = Field(min_length=1, max_length=150)
    utm_campaign: str = Field("", max_length=100, pattern=r"^[-a-zA-Z0-9_]*$")
    starts_on: IsoDate | None = None
    ends_on: IsoDate | None = None


class CampaignOut(Schema):
    id: int
    name: str
    utm_campaign: str
    starts_on: date | None
    ends_on: date | None


class MediaOut(Schema):
    id: int
    original_name: str
    kind: str
    mime: str
    size: int
    width: int | None
    height: int | None
    alt_text: str
    created_at: datetime


class VariantIn(Schema):
    channel_id: Id
    text: str | None = None
    media_ids: list[Id] | None = None
    format: Literal["feed", "story", "reel", "thread"] | None = None
    first_comment: str | None = None
    options: dict[str, str] | None = Field(
        None, description="The network's own settings for this post, e.g. Mastodon: "
                          "{\"content_warning\": \"...\", \"visibility\": \"unlisted\"}.")


class VariantOut(Schema):
    channel_id: int
    customized: bool
    text: str
    media_ids: list[int]
    format: str
    first_comment: str
    options: dict


class PostIn(Schema):
    title: str = Field("", max_length=200)
    body: str = ""
    rubric_id: Id | None = None
    campaign_id: Id | None = None
    media_ids: list[Id] = []
    variants: list[VariantIn] = Field(
        default_factory=list, description="One per target channel; text and media are "
                                          "optional overrides of the post's own.")
    publish_at: datetime | Literal["now"] | None = Field(
        None, description="Schedule every variant at this time, or 'now'. Leave out to keep "
                          "the post as a draft. A time without offset is the workspace's "
                          "local time: one the clocks skip is refused with the nearest "
                          "valid times, one they repeat asks for the offset that picks it.")
    action: Literal["draft", "schedule", "queue", "now", "approval"] | None = Field(
        None, description="What to do, as the composer's buttons: left out, 'schedule' "
                          "with publish_at, 'now' for 'now', else 'draft'. 'queue' takes "
                          "each channel's next free posting slot; 'approval' sends the post "
                          "for approval (scheduled for publish_at once approved). In a "
                          "workspace with approvals, 'schedule' and 'queue' also send a post "
                          "that is not approved for approval (see approval_due; 'queue' "
                          "takes a slot after the approval lead time), and 'now' sends it "
                          "for approval without a time: it cannot go out before it is "
                          "approved. Every missing field is named at once "
                          "(error.details.fields).")
    utm_enabled: bool = True
    utm_medium: str = Field("social", max_length=60)
    utm_campaign: str = Field("", max_length=100)
    shorten_links: bool = Field(False, description="Replace each link by a /l/<code> short "
                                "link (per post and channel, clicks counted) when published.")
    slot_id: Id | None = Field(None, description="The content plan slot this post fills.")


class PostPatch(Schema):
    title: str | None = Field(None, max_length=200)
    body: str | None = None
    rubric_id: Id | None = None
    campaign_id: Id | None = None
    # Leave out to keep the media; [] removes them all. null is refused: it means neither.
    media_ids: list[Id] = Field(None, description="The post's media in order; [] removes "
                                                  "them all, leaving it out keeps them.")


class PublicationBrief(Schema):
    id: int
    channel_id: int
    status: str
    scheduled_at: datetime | None


class PostOut(Schema):
    id: int
    title: str
    body: str
    rubric_id: int | None
    campaign_id: int | None
    media_ids: list[int]
    variants: list[VariantOut]
    publications: list[PublicationBrief]
    approval: str = Field(description="draft, pending_team, pending_client, approved or "
                                      "returned (always draft without approvals).")
    approval_due: datetime | None = Field(
        description="When the post waits for approval: the moment it must be approved by "
                    "to publish on time (its first publish time less the workspace's "
                    "approval lead time); null otherwise.")
    created_at: datetime
    updated_at: datetime


class ScheduleIn(Schema):
    post_id: Id
    channel_id: Id
    at: datetime | None = Field(None, description="Leave out to publish now. Without an "
                                                  "offset: the workspace's local time.")


class RescheduleIn(Schema):
    at: datetime


class SettleIn(Schema):
    outcome: Literal["published", "publish_again", "give_up"]
    url: str = Field("", max_length=500)


class AttemptOut(Schema):
    kind: str
    number: int
    started_at: datetime
    finished_at: datetime | None
    outcome: str
    error_code: str
    error_message: str
    duration_ms: int | None


class PublicationOut(Schema):
    id: int
    post_id: int
    channel_id: int
    status: str
    scheduled_at: datetime | None
    published_at: datetime | None
    external_id: str
    external_url: str
    attempt_count: int
    error_code: str
    error_message: str
    needs_attention: bool


class PublicationDetail(PublicationOut):
    attempts: list[AttemptOut]

    @staticmethod
    def resolve_attempts(obj) -> list:
        return list(obj.attempts.all())


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int | None = Field(
        None, ge=1, le=3650, description="Days until the token stops working; "
                                          "leave out for a token that works until revoked.")


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None = None


class TokenCreated(TokenOut):
    token: str = Field(description="Shown once; store it now.")

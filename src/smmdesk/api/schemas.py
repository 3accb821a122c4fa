"""Input and output shapes of API v1. One operation, one input schema, one output schema."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Field, Schema


class UserOut(Schema):
    id: int
    email: str
    name: str
    language: str


class WorkspaceIn(Schema):
    name: str = Field(min_length=1, max_length=120)
    timezone: str = "UTC"
    language: Literal["en", "ru", "uk", "be"] = "en"


class WorkspacePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    timezone: str | None = None
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
    kind: str
    data: dict[str, str] = Field(
        default_factory=dict,
        description="What the network's connect form asks for, e.g. Telegram: "
                    "{\"bot_token\": \"...\", \"chat\": \"@channel\"}.")


class ChannelPatch(Schema):
    status: Literal["active", "disabled"]


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


class RubricIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    color: str = Field("#6366f1", pattern=r"^#[0-9a-fA-F]{6}$")
    target_share: int = Field(0, ge=0, le=100)
    description: str = ""


class RubricOut(Schema):
    id: int
    name: str
    color: str
    target_share: int
    description: str


class CampaignIn(Schema):
    name: str = Field(min_length=1, max_length=150)
    utm_campaign: str = ""
    starts_on: date | None = None
    ends_on: date | None = None


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
    channel_id: int
    text: str | None = None
    media_ids: list[int] | None = None
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
    rubric_id: int | None = None
    campaign_id: int | None = None
    media_ids: list[int] = []
    variants: list[VariantIn] = Field(
        default_factory=list, description="One per target channel; text and media are "
                                          "optional overrides of the post's own.")
    publish_at: datetime | Literal["now"] | None = Field(
        None, description="Schedule every variant at this time (with offset), or 'now'. "
                          "Leave out to keep the post as a draft.")


class PostPatch(Schema):
    title: str | None = Field(None, max_length=200)
    body: str | None = None
    rubric_id: int | None = None
    campaign_id: int | None = None
    media_ids: list[int] | None = None


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
    created_at: datetime
    updated_at: datetime


class ScheduleIn(Schema):
    post_id: int
    channel_id: int
    at: datetime | None = Field(None, description="With offset; leave out to publish now.")


class RescheduleIn(Schema):
    at: datetime


class SettleIn(Schema):
    outcome: Literal["published", "publish_again", "give_up"]
    url: str = ""


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


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    last_used_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="Shown once; store it now.")

"""Hand-made history for the analytics tests: published publications with snapshots."""

from __future__ import annotations

from datetime import datetime, timedelta

from smmdesk.analytics.models import ChannelSnapshot, PostSnapshot
from smmdesk.analytics.services import snapshots_record
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.publishing.models import Publication, Status


def connect(workspace, owner, name: str = "Zerno · Kyiv"):
    return channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                           data={"name": name, "audience": "uk"})


def followers(channel, day, count: int) -> ChannelSnapshot:
    return ChannelSnapshot.objects.create(workspace=channel.workspace, channel=channel,
                                          day=day, followers=count)


def published(channel, owner, at: datetime, *, likes: int | None = None, views=None,
              reach=None, comments=None, age_hours: int = 24, rubric=None, campaign=None,
              fmt: str = "feed", title: str = "Post") -> Publication:
    """A publication published ``at`` with one snapshot ``age_hours`` later."""
    post = post_create(workspace=channel.workspace, actor=owner, title=title, body=title,
                       rubric_id=rubric.pk if rubric else None,
                       campaign_id=campaign.pk if campaign else None, channels=[channel])
    variant = post.variants.get(channel=channel)
    if variant.format != fmt:
        variant.format = fmt
        variant.save(update_fields=["format"])
    pub = Publication.objects.create(workspace=channel.workspace, post=post, channel=channel,
                                     variant=variant, status=Status.PUBLISHED,
                                     scheduled_at=at, published_at=at)
    snapshot(pub, age_hours, likes=likes, views=views, reach=reach, comments=comments)
    return pub


def snapshot(pub, age_hours: int, **counters) -> PostSnapshot:
    """A reading ``age_hours`` after publication, written as a history is (with the
    post's latest reading)."""
    return snapshots_record(snapshots=[PostSnapshot(
        workspace=pub.workspace, publication=pub, channel=pub.channel,
        taken_at=pub.published_at + timedelta(hours=age_hours), age_hours=age_hours,
        **counters)])[0]

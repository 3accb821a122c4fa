from __future__ import annotations

from datetime import datetime

import pytest

from smmdesk.channels.services import channel_connect
from smmdesk.content.models import Post
from smmdesk.content.selectors import variant_text
from smmdesk.content.services import campaign_create, post_create, post_duplicate
from smmdesk.content.utm import tag_links
from smmdesk.lib.errors import InvalidInput
from smmdesk.publishing.services import post_repeat, publication_schedule


def test_links_get_utm_parameters_and_keep_their_own():
    text = ("Shop: https://zerno.by/shop. Sale (https://zerno.by/sale?utm_source=mail), "
            "and «https://zerno.by/a?x=1»!")
    tagged = tag_links(text, source="telegram", medium="social", campaign="winter")
    assert "https://zerno.by/shop?utm_source=telegram&utm_medium=social&utm_campaign=winter." \
        in tagged
    assert "https://zerno.by/sale?utm_source=mail&utm_medium=social&utm_campaign=winter)" \
        in tagged
    assert "https://zerno.by/a?x=1&utm_source=telegram" in tagged and tagged.endswith("»!")
    assert tag_links("no links here", source="a", medium="b", campaign="c") == "no links here"


@pytest.mark.django_db
def test_the_published_text_is_tagged_per_network(workspace, owner):
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Kyiv"})
    campaign = campaign_create(workspace=workspace, name="Winter Blend 2026")
    post = post_create(workspace=workspace, actor=owner, body="Buy: https://zerno.by",
                       campaign_id=campaign.pk, channels=[channel])
    variant = post.variants.get()
    assert variant_text(variant) == ("Buy: https://zerno.by?utm_source=sandbox&utm_medium=social"
                                     "&utm_campaign=winter-blend-2026")
    Post.objects.filter(pk=post.pk).update(utm_enabled=False)
    variant.post.refresh_from_db()
    assert variant_text(variant) == "Buy: https://zerno.by"


@pytest.mark.django_db
def test_duplicate_and_repeat(workspace, owner):
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Kyiv"})
    post = post_create(workspace=workspace, actor=owner, body="Monday tip", channels=[channel])
    copy = post_duplicate(post=post, actor=owner)
    assert copy.body == "Monday tip" and copy.variants.count() == 1
    assert not copy.publications.exists()
    with pytest.raises(InvalidInput, match="Schedule the post first"):
        post_repeat(post=post, every="week", count=3, actor=owner)
    at = datetime(2030, 1, 31, 9, 30, tzinfo=workspace.tz)
    publication_schedule(post=post, channel=channel, at=at, actor=owner)
    monthly = post_repeat(post=post, every="month", count=2, actor=owner)
    times = [p.publications.get().scheduled_at.astimezone(workspace.tz) for p in monthly]
    assert [(t.month, t.day, t.hour, t.minute) for t in times] == [(2, 28, 9, 30),
                                                                  (3, 31, 9, 30)]
    post.refresh_from_db()
    assert post.series and {p.series for p in monthly} == {post.series}

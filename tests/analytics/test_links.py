"""Short links: codes, the public redirect, clicks (bots apart, unique visitors, no
address stored) and the links published posts carry."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from smmdesk.analytics import links as links_module
from smmdesk.analytics.links import (
    ALPHABET,
    VISITOR_DAY_MAX,
    is_bot,
    link_create,
    link_stats,
    links_shorten,
)
from smmdesk.analytics.models import Click, ShortLink
from smmdesk.channels.services import channel_connect
from smmdesk.connectors.base import TransientError
from smmdesk.content.models import Post
from smmdesk.content.services import campaign_create, post_create
from smmdesk.lib.errors import InvalidInput
from smmdesk.publishing.dispatcher import claim_due
from smmdesk.publishing.engine import run_job
from smmdesk.publishing.models import Status
from smmdesk.publishing.services import publication_schedule
from tests.fakes import scripted  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/131.0.0.0 Mobile Safari/537.36")


@pytest.fixture
def link(workspace):
    return link_create(workspace=workspace, target="https://zerno.by/shop?a=1")


def follow(link, *, ip="203.0.113.77", ua=FIREFOX, client=None):
    return (client or Client()).get(f"/l/{link.code}", REMOTE_ADDR=ip, HTTP_USER_AGENT=ua,
                                    HTTP_REFERER="https://t.me/zerno/12?single")


def stats(workspace, link):
    return next(s for s in link_stats(workspace=workspace) if s.link.pk == link.pk)


# ---------------------------------------------------------------- codes


def test_codes_are_random_unguessable_and_unique(workspace):
    made = [link_create(workspace=workspace, target=f"https://x.example/{i}")
            for i in range(200)]
    codes = [m.code for m in made]
    assert len(set(codes)) == 200
    assert all(len(c) == 8 and set(c) <= set(ALPHABET) for c in codes)
    assert not set("0O1lI") & set(ALPHABET)
    assert codes != sorted(codes)  # not a counter


def test_a_taken_code_is_drawn_again(workspace, monkeypatch):
    first = link_create(workspace=workspace, target="https://x.example/a")
    draws = iter([first.code, first.code, "Zz9Zz9Zz"])
    monkeypatch.setattr(links_module, "_code", lambda: next(draws))
    second = link_create(workspace=workspace, target="https://x.example/b")
    assert second.code == "Zz9Zz9Zz" and ShortLink.objects.count() == 2


@pytest.mark.parametrize("target", ["javascript:alert(1)", "ftp://x.example/f", "/relative",
                                    "https://", "http://exa mple.com", ""])
def test_only_http_targets_are_taken(workspace, target):
    with pytest.raises(InvalidInput):
        link_create(workspace=workspace, target=target)
    assert not ShortLink.objects.exists()


# ---------------------------------------------------------------- redirect


def test_the_redirect_needs_no_login_and_goes_to_the_target(link):
    r = follow(link)
    assert r.status_code == 302 and r["Location"] == "https://zerno.by/shop?a=1"
    assert "no-store" in r["Cache-Control"]
    click = Click.objects.get()
    assert click.link == link and not click.bot and click.referrer == "t.me"


@pytest.mark.parametrize("code", ["nope2345", "abc", "x" * 40, "aaaa%2Fbb", "ab-cd_ef"])
def test_an_unknown_code_is_not_found(link, code):
    assert Client().get(f"/l/{code}").status_code == 404
    assert not Click.objects.exists()


def test_a_post_is_refused_without_a_csrf_error_and_a_head_is_not_counted(link):
    client = Client(enforce_csrf_checks=True)
    assert client.post(f"/l/{link.code}").status_code == 405
    assert client.head(f"/l/{link.code}").status_code == 302
    assert not Click.objects.exists()


# ---------------------------------------------------------------- clicks


@pytest.mark.parametrize("ua", [
    "TelegramBot (like TwitterBot)",
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
    "Twitterbot/1.0",
    "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
    "WhatsApp/2.23.20.0",
    "Mozilla/5.0 (compatible; vkShare; +http://vk.com/dev/Share)",
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; YandexBot/3.0; +http://yandex.com/bots)",
    "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    "LinkedInBot/1.0 (compatible; Mozilla/5.0; Apache-HttpClient +http://www.linkedin.com)",
    "Mastodon/4.3.0 (http.rb/5.2.0; +https://mastodon.social/)",
    "curl/8.5.0", "python-requests/2.32.3", "",
])
def test_known_bots_and_link_previews_are_bots(ua):
    assert is_bot(ua)


@pytest.mark.parametrize("ua", [FIREFOX, CHROME,
                                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) "
                                "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 "
                                "Mobile/15E148 Safari/604.1",
                                "Mozilla/5.0 (Linux; Android 13; CUBOT_X30) Chrome/120.0"])
def test_browsers_are_people(ua):
    assert not is_bot(ua)


def test_a_link_preview_is_kept_but_not_counted(workspace, link):
    assert follow(link, ua="TelegramBot (like TwitterBot)").status_code == 302
    assert follow(link, ua="facebookexternalhit/1.1").status_code == 302
    follow(link)
    assert Click.objects.filter(bot=True).count() == 2
    s = stats(workspace, link)
    assert (s.clicks, s.unique, s.bots) == (1, 1, 2)


def test_unique_clicks_are_distinct_visitors(workspace, link):
    follow(link)
    follow(link)  # the same person again
    follow(link, ua=CHROME)  # same address, another browser: another person
    follow(link, ip="198.51.100.4")
    s = stats(workspace, link)
    assert (s.clicks, s.unique, s.bots) == (4, 3, 0)
    assert s.days[-1][1] == 4 and sum(n for _d, n in s.days) == 4


def test_no_address_is_stored(link):
    follow(link, ip="203.0.113.77")
    click = Click.objects.get()
    stored = " ".join(str(getattr(click, f.attname)) for f in Click._meta.concrete_fields)
    assert "203.0.113.77" not in stored and "203" not in click.visitor
    assert len(click.visitor) == 64
    # keyed: the same address, browser and day give another hash under another secret
    with override_settings(SECRET_KEY=settings.SECRET_KEY + "-other"):
        follow(link, ip="203.0.113.77")
    assert len(set(Click.objects.values_list("visitor", flat=True))) == 2


def test_the_same_visitor_next_day_is_a_new_visitor(workspace, link):
    today = timezone.now()
    links_module.click_record(link=link, ip="203.0.113.77", user_agent=FIREFOX,
                              now=today - timedelta(days=1))
    links_module.click_record(link=link, ip="203.0.113.77", user_agent=FIREFOX, now=today)
    assert stats(workspace, link).unique == 2


def test_a_reload_loop_stops_being_stored_but_still_redirects(link):
    client = Client()
    for _i in range(VISITOR_DAY_MAX + 5):
        assert follow(link, client=client).status_code == 302
    assert Click.objects.count() == VISITOR_DAY_MAX


# ---------------------------------------------------------------- publishing


@pytest.fixture
def channel(workspace, owner, scripted):  # noqa: F811
    return channel_connect(workspace=workspace, kind="scripted", data={"name": "Fake"},
                           actor=owner)


def run_due():
    for job in claim_due(worker_id="w1", limit=10):
        run_job(job, worker_id="w1")


def test_publishing_replaces_links_once_and_reuses_them_on_retry(workspace, owner, channel,
                                                                 scripted):  # noqa: F811
    campaign = campaign_create(workspace=workspace, name="Winter")
    post = post_create(workspace=workspace, actor=owner, campaign_id=campaign.pk,
                       body="Shop (see https://zerno.by/a_(b)?x=1). And https://zerno.by/c!",
                       channels=[channel])
    Post.objects.filter(pk=post.pk).update(shorten_links=True)
    scripted.publish.append(TransientError("busy", code="http_503"))
    pub = publication_schedule(post=post, channel=channel, at=None, actor=owner)
    run_due()
    pub.refresh_from_db()
    assert pub.status == Status.SCHEDULED
    pub.due_at = timezone.now()
    pub.save(update_fields=["due_at"])
    run_due()
    pub.refresh_from_db()
    assert pub.status == Status.PUBLISHED
    first, second = (req.text for req in scripted.published)
    assert first == second  # the retry went out with the same short links
    made = list(ShortLink.objects.order_by("pk"))
    assert len(made) == 2
    base = f"{settings.SITE_URL}/l/"
    assert first == f"Shop (see {base}{made[0].code}). And {base}{made[1].code}!"
    assert made[0].target == ("https://zerno.by/a_(b)?x=1&utm_source=scripted"
                              "&utm_medium=social&utm_campaign=winter")
    assert {(m.post_id, m.channel_id, m.campaign_id) for m in made} == {
        (post.pk, channel.pk, campaign.pk)}


def test_each_channel_gets_its_own_link(workspace, owner, channel):
    other = channel_connect(workspace=workspace, kind="scripted", data={"name": "Other",
                                                                        "id": "acct2"},
                            actor=owner)
    post = post_create(workspace=workspace, actor=owner, body="https://zerno.by")
    a = links_shorten("https://zerno.by", post=post, channel=channel)
    b = links_shorten("https://zerno.by", post=post, channel=other)
    assert a != b and links_shorten("https://zerno.by", post=post, channel=channel) == a
    assert links_shorten(a, post=post, channel=channel) == a  # our own link stays
    assert ShortLink.objects.count() == 2


def test_without_the_option_links_are_left_alone(workspace, owner, channel, scripted):  # noqa: F811
    post = post_create(workspace=workspace, actor=owner, body="https://zerno.by",
                       channels=[channel])
    Post.objects.filter(pk=post.pk).update(utm_enabled=False)
    publication_schedule(post=post, channel=channel, at=None, actor=owner)
    run_due()
    assert scripted.published[0].text == "https://zerno.by"
    assert not ShortLink.objects.exists()


def test_the_stats_count_per_day_in_the_workspace_time_zone(workspace, link):
    today = timezone.localdate(timezone=workspace.tz)
    noon = datetime.combine(today, datetime.min.time(), tzinfo=workspace.tz) + timedelta(hours=12)
    for days_ago, n in ((0, 2), (3, 1)):
        for i in range(n):
            links_module.click_record(link=link, ip=f"198.51.100.{i}", user_agent=FIREFOX,
                                      now=noon - timedelta(days=days_ago))
    s = stats(workspace, link)
    assert len(s.days) == 30 and s.days[-1] == (today, 2)
    assert s.days[-4] == (today - timedelta(days=3), 1)

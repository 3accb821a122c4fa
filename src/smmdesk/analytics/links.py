"""Short links on the deployment's own address (``/l/<code>``) and their clicks.

A short link belongs to one post on one channel (and the post's campaign), so each click
is counted for that post, channel and campaign. A click stores a keyed hash of the
visitor's address, browser and day, never the address itself; unique clicks are distinct
visitors (per day). Link-preview fetchers and crawlers are kept, marked as bots, and left
out of the counts.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db import IntegrityError
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from smmdesk.accounts.models import Workspace
from smmdesk.analytics.models import Click, ShortLink
from smmdesk.channels.models import Channel
from smmdesk.content.models import Post
from smmdesk.content.utm import links_replace
from smmdesk.lib.db import write_transaction
from smmdesk.lib.errors import InvalidInput
from smmdesk.lib.links import safe_http_url

# No 0/O, 1/l/I: a code read aloud or retyped still works. 55**8 ≈ 8·10¹³ codes.
ALPHABET = "23456789abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_RE = re.compile(rf"^[{ALPHABET}]{{7,8}}$")
TARGET_MAX = 2000  # ShortLink.target
# The most clicks one visitor's day on one link stores: a reload loop fills no table.
VISITOR_DAY_MAX = 20

# Crawlers and the fetchers that draw a link's preview card in a chat or a feed.
_BOTS = re.compile(
    r"bot\b|bot/|crawl|spider|slurp|facebookexternalhit|facebookcatalog|meta-external"
    r"|whatsapp|vkshare|skypeuripreview|preview|embedly|iframely|mastodon|pleroma|misskey"
    r"|cardyb|viber|snapchat|pinterest|ia_archiver|lighthouse"
    r"|curl/|wget/|python-requests|python-httpx|aiohttp|go-http-client|java/|libwww",
    re.I)


def link_url(link: ShortLink) -> str:
    return f"{settings.SITE_URL}/l/{link.code}"


def link_url_example() -> str:
    """A short link as long as the real ones: what the composer counts before publishing."""
    return f"{settings.SITE_URL}/l/{'x' * CODE_LENGTH}"


def _code() -> str:
    return "".join(secrets.choice(ALPHABET) for _i in range(CODE_LENGTH))


def link_create(*, workspace: Workspace, target: str, post: Post | None = None,
                channel: Channel | None = None, actor=None) -> ShortLink:
    """A new short link to ``target`` (an http(s) address) with a random code."""
    url = safe_http_url(target, max_length=TARGET_MAX)
    if not url:
        raise InvalidInput(_("A short link needs an http:// or https:// address."),
                           code="invalid_target")
    for _try in range(5):
        try:
            with write_transaction():
                return ShortLink.objects.create(
                    workspace=workspace, code=_code(), target=url, post=post, channel=channel,
                    campaign_id=post.campaign_id if post is not None else None,
                    created_by=actor)
        except IntegrityError:  # the code is taken: draw another
            continue
    raise RuntimeError("no free short-link code after 5 draws")


def link_for_post(*, post: Post, channel: Channel, target: str) -> ShortLink:
    """The short link to ``target`` for this post on this channel: made once, then reused
    (a publication retried keeps the links it was published with)."""
    found = (ShortLink.objects.filter(workspace_id=post.workspace_id, post=post,
                                      channel=channel, target=target)
             .order_by("pk").first())
    return found or link_create(workspace=post.workspace, target=target, post=post,
                                channel=channel)


def links_shorten(text: str, *, post: Post, channel: Channel) -> str:
    """``text`` with each http(s) link replaced by its short link for ``post`` × ``channel``.
    Links already on this deployment's ``/l/`` and links that cannot be stored stay."""
    own = f"{settings.SITE_URL}/l/"

    def shorten(url: str) -> str:
        if url.startswith(own) or not safe_http_url(url, max_length=TARGET_MAX):
            return url
        return link_url(link_for_post(post=post, channel=channel, target=url))

    return links_replace(text, shorten)


def links_shorten_preview(text: str) -> str:
    """``text`` as ``links_shorten`` will make it, with an example code: for counting."""
    own = f"{settings.SITE_URL}/l/"
    return links_replace(text, lambda url: url if url.startswith(own)
                         or not safe_http_url(url, max_length=TARGET_MAX)
                         else link_url_example())


# ---------------------------------------------------------------- clicks


def is_bot(user_agent: str) -> bool:
    """A known crawler or link-preview fetcher (or no browser named at all)."""
    return not user_agent.strip() or bool(_BOTS.search(user_agent))


def visitor_key(*, ip: str, user_agent: str, day: date) -> str:
    """A keyed hash of address, browser and day: counts distinct visitors, and cannot be
    turned back into an address without the deployment's secret key."""
    return salted_hmac("smmdesk.analytics.click", f"{ip}|{user_agent}|{day.isoformat()}",
                       algorithm="sha256").hexdigest()


def link_by_code(code: str) -> ShortLink | None:
    if not CODE_RE.match(code):
        return None
    return ShortLink.objects.filter(code=code).only("pk", "target").first()


def click_record(*, link: ShortLink, ip: str, user_agent: str, referrer: str = "",
                 now: datetime | None = None) -> Click | None:
    """Store one follow of ``link``; None when this visitor's day is already full."""
    now = now or timezone.now()
    visitor = visitor_key(ip=ip, user_agent=user_agent, day=now.date())
    if Click.objects.filter(link=link, visitor=visitor).count() >= VISITOR_DAY_MAX:
        return None
    with write_transaction():
        return Click.objects.create(link=link, at=now, visitor=visitor,
                                    bot=is_bot(user_agent), referrer=referrer[:300])


# ---------------------------------------------------------------- stats


@dataclass
class LinkStats:
    link: ShortLink
    url: str
    clicks: int
    unique: int
    bots: int
    days: list[tuple[date, int]] = field(default_factory=list)  # human clicks per day


def link_list(*, workspace: Workspace) -> QuerySet[ShortLink]:
    return (ShortLink.objects.filter(workspace=workspace)
            .select_related("post", "channel", "campaign").order_by("-created_at", "-pk"))


def link_stats(*, workspace: Workspace, days: int = 30,
               today: date | None = None) -> list[LinkStats]:
    """Every short link of the workspace with its clicks (humans), unique visitors and
    bot fetches, and human clicks per day over the last ``days`` days."""
    links = list(link_list(workspace=workspace).annotate(
        n_clicks=Count("clicks", filter=Q(clicks__bot=False)),
        n_unique=Count("clicks__visitor", filter=Q(clicks__bot=False), distinct=True),
        n_bots=Count("clicks", filter=Q(clicks__bot=True))))
    today = today or timezone.localdate(timezone=workspace.tz)
    first = today - timedelta(days=days - 1)
    per_day = _clicks_per_day(links, workspace, first)
    span = [first + timedelta(days=i) for i in range(days)]
    return [LinkStats(link=link, url=link_url(link), clicks=link.n_clicks,
                      unique=link.n_unique, bots=link.n_bots,
                      days=[(d, per_day.get((link.pk, d), 0)) for d in span])
            for link in links]


def _clicks_per_day(links: list[ShortLink], workspace: Workspace,
                    first: date) -> dict[tuple[int, date], int]:
    since = datetime.combine(first, datetime.min.time(), tzinfo=workspace.tz)
    rows = (Click.objects.filter(link__in=[link.pk for link in links], bot=False, at__gte=since)
            .annotate(day=TruncDate("at", tzinfo=workspace.tz))
            .values("link_id", "day").annotate(n=Count("pk")))
    return {(r["link_id"], r["day"]): r["n"] for r in rows}


# ---------------------------------------------------------------- the API's reads and writes


def link_create_tagged(*, workspace: Workspace, target: str, post: Post | None = None,
                       channel: Channel | None = None, utm_source: str = "",
                       utm_medium: str = "social", utm_campaign: str = "",
                       actor=None) -> ShortLink:
    """A short link to ``target`` with the UTM tags it lacks, as a published post's links
    get them: utm_source = the channel's network unless given, utm_medium, utm_campaign =
    the post's (or its campaign's) unless given. Tags already in ``target`` stay as they
    are; empty ones are not added."""
    from smmdesk.content.utm import tag_url

    params = {"utm_source": utm_source or (channel.kind if channel is not None else ""),
              "utm_medium": utm_medium,
              "utm_campaign": utm_campaign or (post.utm_campaign_value() if post else "")}
    url = safe_http_url(target, max_length=TARGET_MAX)
    tagged = tag_url(url, params) if url else target
    if url and len(tagged) > TARGET_MAX:
        raise InvalidInput(_("With its UTM tags the address is longer than %(n)s characters.")
                           % {"n": TARGET_MAX}, code="target_too_long")
    return link_create(workspace=workspace, target=tagged, post=post, channel=channel,
                       actor=actor)


def links_counted(*, workspace: Workspace) -> QuerySet[ShortLink]:
    """The workspace's links with ``n_clicks`` (people), ``n_unique`` (distinct visitors
    per day) and ``n_bots`` (crawlers and preview fetchers, kept out of the other two)."""
    return link_list(workspace=workspace).annotate(
        n_clicks=Count("clicks", filter=Q(clicks__bot=False)),
        n_unique=Count("clicks__visitor", filter=Q(clicks__bot=False), distinct=True),
        n_bots=Count("clicks", filter=Q(clicks__bot=True)))


@dataclass
class ClickDay:
    day: date
    clicks: int = 0  # people's clicks
    unique: int = 0  # distinct visitors among them
    bots: int = 0


def link_clicks_daily(*, link: ShortLink, start: date, end: date) -> list[ClickDay]:
    """Each day from ``start`` to ``end`` (inclusive, the workspace's days) with the
    link's clicks, unique visitors and bot fetches; days without any are 0."""
    tz = link.workspace.tz
    since = datetime.combine(start, datetime.min.time(), tzinfo=tz)
    until = datetime.combine(end + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    rows = (Click.objects.filter(link=link, at__gte=since, at__lt=until)
            .annotate(day=TruncDate("at", tzinfo=tz)).values("day")
            .annotate(clicks=Count("pk", filter=Q(bot=False)),
                      unique=Count("visitor", filter=Q(bot=False), distinct=True),
                      bots=Count("pk", filter=Q(bot=True))))
    found = {r["day"]: r for r in rows}
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    return [ClickDay(day=d, **{k: found[d][k] for k in ("clicks", "unique", "bots")})
            if d in found else ClickDay(day=d) for d in days]

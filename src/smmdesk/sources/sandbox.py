"""The built-in simulated network as a listening source, so a new user sees listening
work offline: other sandbox accounts post about the brand (``search``: every public
post newer than the cursor; keyword matching is ours, as with a firehose), and a
simulated competitor's account is read with its counts (``account``).

The sandbox is this server's own tables, read through ``sandbox.network``; nothing
leaves the machine. Mentions found here can be answered through a sandbox channel
(``SandboxConnector.reply_to_post``)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxAccount, SandboxPost
from smmdesk.sources.base import ACCOUNT, SEARCH, Account, Batch, Field, Item, Source, SourceError

PAGE = 200


class SandboxSource(Source):
    kind = "sandbox"
    title = _("Sandbox (simulated network)")
    modes = frozenset({SEARCH, ACCOUNT})
    fields = (Field("handle", _("Account (for a competitor)"), required=False),)

    def validate(self, config: dict) -> dict:
        handle = (config.get("handle") or "").strip().lstrip("@")
        if handle and not SandboxAccount.objects.filter(handle=handle).exists():
            raise SourceError(_("The sandbox has no account @%(handle)s.") % {"handle": handle})
        return {"handle": handle} if handle else {"exclude": list(config.get("exclude", []))}

    def probe(self, config: dict, secret: str = "") -> str:
        return ""

    def fetch(self, *, config: dict, secret: str, cursor: str, since: datetime | None,
              wanted: Callable[[str], bool] | None = None) -> Batch:
        if config.get("handle"):
            return self._account(config["handle"], cursor)
        return self._search(config.get("exclude", []), cursor, since)

    def _search(self, exclude: list[str], cursor: str, since: datetime | None) -> Batch:
        """Posts in the order they appeared, after the cursor ("<time>|<id>"): a post
        dated later than another but saved earlier still comes when its time does."""
        posts = (SandboxPost.objects.filter(deleted_at__isnull=True,
                                            created_at__lte=timezone.now())
                 .exclude(account__handle__in=exclude).select_related("account")
                 .order_by("created_at", "pk"))
        if cursor:
            at, _bar, pk = cursor.partition("|")
            at = datetime.fromisoformat(at)
            posts = posts.filter(Q(created_at__gt=at) | Q(created_at=at, pk__gt=int(pk or 0)))
        elif since is not None:
            posts = posts.filter(created_at__gte=since)
        page = list(posts[:PAGE])
        if not page:
            return Batch([], cursor)
        last = page[-1]
        return Batch(_items(page), f"{last.created_at.isoformat()}|{last.pk}",
                     more=len(page) == PAGE)

    def _account(self, handle: str, cursor: str) -> Batch:
        account = SandboxAccount.objects.filter(handle=handle).first()
        if account is None:
            raise SourceError(_("The sandbox has no account @%(handle)s.") % {"handle": handle})
        now = timezone.now()
        posts = list(account.posts.filter(deleted_at__isnull=True, created_at__lte=now)
                     .select_related("account").order_by("-created_at")[:PAGE])
        figures = network.account_metrics(account, now=now)
        return Batch(_items(posts), "", account=Account(
            handle=handle, name=account.name, followers=figures.get("followers"),
            posts=figures.get("posts")))


def _items(posts: list[SandboxPost]) -> list[Item]:
    now = timezone.now()
    series = network.posts_metrics_series([(p, [now]) for p in posts])
    return [_item(p, s[0]) for p, s in zip(posts, series, strict=True)]


def _item(post: SandboxPost, m: dict) -> Item:
    return Item(
        external_id=str(post.pk), url="", text=post.text,
        published_at=post.created_at.astimezone(UTC), author=post.account.name,
        author_id=post.account.handle,
        author_followers=network.followers_at(post.account, post.created_at),
        media="video" if post.format == "reel" else ("image" if post.media_count else "text"),
        likes=m["likes"], comments=m["comments"], shares=m["reposts"], views=m["views"],
        network="sandbox", reply_ref=str(post.pk))

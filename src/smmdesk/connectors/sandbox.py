"""Sandbox: a built-in simulated network, so the whole cycle can be seen offline.

It is clearly a simulation (``simulated = True``; the UI labels it). Publishing stores
the post in the sandbox network's tables (``smmdesk.sandbox``); a seeded audience then
comments in Russian, Ukrainian, Belarusian and English (praise, complaints, questions,
spam, people who want to buy) and the post's views, likes and reposts grow over the
following minutes. Its post listing is complete, so ``find_published`` can say for
sure whether an unconfirmed post exists.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors.base import (
    Capabilities,
    Connector,
    ConnectResult,
    FindResult,
    Format,
    Found,
    Limits,
    MediaKind,
    PermanentError,
    PublishRequest,
    PublishResult,
    RemoteComment,
)
from smmdesk.connectors.webhooks import WebhookEvent
from smmdesk.sandbox import network
from smmdesk.sandbox.models import SandboxAccount, SandboxComment, SandboxPost

LANGUAGE_PRESETS = {
    "ru": {"ru": 1.0},
    "uk": {"uk": 1.0},
    "be": {"be": 0.6, "ru": 0.4},
    "en": {"en": 1.0},
    "mixed": {"ru": 0.35, "uk": 0.25, "be": 0.2, "en": 0.2},
}


class SandboxConnector(Connector):
    kind = "sandbox"
    label = gettext_lazy("Sandbox")
    simulated = True
    limits = Limits(
        text_max=5000,
        caption_max=2200,
        media_max=10,
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.VIDEO, MediaKind.GIF}),
        image_max_bytes=20 * 2**20,
        video_max_bytes=500 * 2**20,
        formats=frozenset(Format),
        media_required_formats=frozenset({Format.STORY, Format.REEL}),
    )
    # The listing is this server's own table: complete and immediate.
    listing_lag = timedelta(0)
    metrics_reads_per_run = 500  # The sandbox is this server itself.
    capabilities = Capabilities(delete=True, edit=True, comments=True, reply=True,
                                reply_to_post=True,
                                hide_comment=True, delete_comment=False, post_metrics=True,
                                account_metrics=True, find_published=True)
    connect_help = gettext_lazy("A simulated network for trying smmdesk out: nothing leaves "
                                "this server, and a made-up audience reacts to your posts.")
    connect_fields = (
        ("name", gettext_lazy("Account name"), "text"),
        ("audience", gettext_lazy("Audience language: ru, uk, be, en or mixed"), "text"),
    )

    @classmethod
    def connect(cls, data: dict, http) -> ConnectResult:
        name = (data.get("name") or "").strip()
        if not name:
            raise PermanentError(_("Sandbox: give the simulated account a name."),
                                 code="name_required")
        audience = (data.get("audience") or "mixed").strip().lower()
        if audience not in LANGUAGE_PRESETS:
            raise PermanentError(_("Sandbox: the audience language is one of ru, uk, be, en "
                                   "or mixed."), code="invalid_audience")
        account = network.account_create(name=name, languages=LANGUAGE_PRESETS[audience],
                                         followers=int(data.get("followers") or 1500))
        return ConnectResult(external_id=account.handle, name=name,
                             credentials={"account_seed": account.seed},
                             settings={"audience": audience},
                             url=f"{network.BASE_URL}/{account.handle}")

    def _account(self) -> SandboxAccount:
        account = SandboxAccount.objects.filter(handle=self.channel.external_id).first()
        if account is None or account.seed != self.channel.credentials.get("account_seed"):
            raise PermanentError(_("Sandbox: this simulated account no longer exists. "
                                   "Connect a new sandbox channel."), code="account_gone",
                                 channel_broken=True)
        return account

    def _post(self, external_id: str) -> SandboxPost:
        post = self._account().posts.filter(pk=external_id, deleted_at__isnull=True).first()
        if post is None:
            raise PermanentError(_("Sandbox: that post does not exist (deleted?)."),
                                 code="post_not_found")
        return post

    def _url(self, post: SandboxPost) -> str:
        """The sandbox has no site: its post opens inside smmdesk, in the channel's workspace."""
        from smmdesk.sandbox.selectors import sandbox_post_url

        return sandbox_post_url(channel_id=self.channel.id, post=post)

    def publish(self, req: PublishRequest) -> PublishResult:
        account = self._account()
        post = network.post_create(account=account, text=req.text, media_count=len(req.media),
                                   format=req.format, marker=req.marker)
        if req.first_comment.strip():
            network.owner_comment(post, text=req.first_comment, account=account)
        return PublishResult(external_id=str(post.pk), url=self._url(post))

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        post = network.post_find(account=self._account(), marker=req.marker, since=since)
        if post is None:
            return FindResult(Found.NOT_FOUND)
        return FindResult(Found.FOUND, PublishResult(str(post.pk), self._url(post)))

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        network.post_delete(self._post(external_id))

    def edit(self, external_id: str, req: PublishRequest) -> PublishResult:
        post = self._post(external_id)
        network.post_edit(post, text=req.text)
        return PublishResult(str(post.pk), self._url(post))

    def fetch_comments(self, external_id: str, *, since: datetime | None = None
                       ) -> list[RemoteComment]:
        return [_remote(c) for c in network.comments_visible(self._post(external_id),
                                                             since=since)]

    def _comment(self, external_id: str) -> SandboxComment:
        comment = SandboxComment.objects.filter(
            pk=external_id if str(external_id).isdigit() else None,
            post__account=self._account()).first()
        if comment is None:
            raise PermanentError(_("Sandbox: that comment does not exist (deleted?)."),
                                 code="comment_not_found")
        return comment

    def reply(self, comment: RemoteComment, text: str) -> RemoteComment:
        parent = self._comment(comment.external_id)
        return _remote(network.comment_reply(parent, text=text, account=self._account()))

    def reply_to_post(self, ref: str, text: str) -> RemoteComment:
        """A comment by our account under another sandbox account's post."""
        account = self._account()
        post = SandboxPost.objects.filter(pk=ref if ref.isdigit() else 0,
                                          deleted_at__isnull=True).first()
        if post is None:
            raise PermanentError(_("Sandbox: that post does not exist (deleted?)."),
                                 code="post_not_found")
        return _remote(network.owner_comment(post, text=text, account=account))

    def hide_comment(self, comment_external_id: str, hidden: bool = True) -> None:
        network.comment_hide(self._comment(comment_external_id), hidden=hidden)

    @classmethod
    def event_comment(cls, event: WebhookEvent) -> RemoteComment | None:
        """Always None: the simulated audience's comments are read with
        ``fetch_comments``; the sandbox pushes and streams no events."""
        return None

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        return network.post_metrics(self._post(external_id))

    def fetch_account_metrics(self) -> dict[str, int]:
        return network.account_metrics(self._account())


def _remote(c: SandboxComment) -> RemoteComment:
    return RemoteComment(external_id=str(c.pk), post_external_id=str(c.post_id),
                         author_id=c.author_handle, author_name=c.author_name, text=c.text,
                         created_at=c.created_at,
                         parent_external_id=str(c.parent_id) if c.parent_id else "",
                         by_us=c.by_owner, hidden=c.hidden)

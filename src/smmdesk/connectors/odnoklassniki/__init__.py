"""Odnoklassniki (OK.ru): topics in the groups a person administers or moderates.

Connection is OK's OAuth 2 (connect.ok.ru/oauth/authorize, api.ok.ru/oauth/token.do,
scopes joined with ";"). Each group the signed-in user manages becomes a channel sharing
the user's token. An OK app has three keys: its id (``client_id``), its *public key*
(``application_key``, sent with every call; SMMDESK_ODNOKLASSNIKI_APP_KEY) and its secret
(SMMDESK_ODNOKLASSNIKI_CLIENT_SECRET), which never travels: every call is signed with it
(``common.signature``). Every call is ``POST https://api.ok.ru/fb.do`` with the method
and its parameters as form fields, so neither token nor text lands in a URL.

What OK allows and what it does not:

- Publishing to a personal profile (type=USER) needs a permission OK gives only on
  request; smmdesk publishes to groups (type=GROUP_THEME) only.
- GROUP_CONTENT, PHOTO_CONTENT and VIDEO_CONTENT (and LONG_ACCESS_TOKEN) are granted to
  an app by OK's support (api-support@ok.ru) before users can grant them.
- Topics cannot be edited through the API, and comments cannot be hidden (only deleted).
- mediatopic.post takes a deferred time (publishAt/publishAtMs) but smmdesk publishes at
  the scheduled moment itself, so it is not used.
- mediatopic.deleteTopic and mediatopic.getTopics are used by OK integrations but are
  missing from the reference pages (github.com/apiok/documentation); their shapes come
  from those integrations.

Reference: https://apiok.ru/dev/methods (and the same pages on GitHub,
apiok/documentation); contract fixtures in ``tests/connectors/fixtures/odnoklassniki/``.
``uploads`` sends a post's media, ``comments`` reads a topic's comments, ``errors`` maps
OK's errors, and ``common`` holds the signature and what the modules share.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from smmdesk.connectors import oauth
from smmdesk.connectors.base import (
    AmbiguousError,
    Capabilities,
    ChannelContext,
    Connector,
    ConnectorError,
    ConnectResult,
    FindResult,
    Found,
    Issue,
    Limits,
    MediaKind,
    PermanentError,
    PublishRequest,
    PublishResult,
    RemoteComment,
    content_hash,
)
from smmdesk.connectors.odnoklassniki.comments import _comment_pages, _comment_ref
from smmdesk.connectors.odnoklassniki.common import (
    _READS,
    _REPEATABLE,
    API,
    GROUP_TOPIC,
    PAGE,
    TOPICS_PAGE,
    _json,
    _moscow_time,
    signature,
)
from smmdesk.connectors.odnoklassniki.errors import (
    SESSION_EXPIRED,
    _api_error,
    _not_configured,
    _server_error,
    _unreachable,
)
from smmdesk.connectors.odnoklassniki.uploads import _upload_all
from smmdesk.lib.env import env
from smmdesk.lib.http import HttpClient

MB = 2**20
APP_KEY_ENV = "SMMDESK_ODNOKLASSNIKI_APP_KEY"
GROUP_PAGES = 10  # group.getUserGroupsV2: 1000 groups are plenty
# getUserGroupsV2 "status" values of people who may post as the group.
MANAGER_ROLES = frozenset({"ADMIN", "MODERATOR", "SUPER_MODERATOR", "EDITOR"})

OK_OAUTH = oauth.OAuthSpec(
    authorize_url="https://connect.ok.ru/oauth/authorize",
    token_url="https://api.ok.ru/oauth/token.do",
    scopes=("VALUABLE_ACCESS", "LONG_ACCESS_TOKEN", "PHOTO_CONTENT", "GROUP_CONTENT",
            "VIDEO_CONTENT"),
    pkce=False,
    scope_separator=";",
    env_prefix="SMMDESK_ODNOKLASSNIKI",
)


class OdnoklassnikiConnector(Connector):
    kind = "odnoklassniki"
    label = gettext_lazy("Odnoklassniki (OK.ru)")
    secret_keys = ("access_token", "refresh_token")
    # Text: OK publishes no figure; a longer text gets error 601 MEDIA_TOPIC_TEXT_LIMIT,
    # mapped to words. Media: no published count either (too many blocks is error 600);
    # 20 is a cautious cap. Video: "files from 16 KB to 1 GB" (video.getUploadUrl).
    # GIFs are left out: OK's photo upload does not promise to keep them animated.
    limits = Limits(
        text_max=10000,
        media_max=20,
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.VIDEO}),
        video_max_bytes=1024 * MB,
        mixed_media=True,
        counts="chars",
    )
    capabilities = Capabilities(delete=True, comments=True, reply=True, delete_comment=True,
                                post_metrics=True, account_metrics=True, find_published=True)
    # OK publishes no call budget; it answers LIMIT_REACHED / FLOOD_BLOCKED when one is
    # spent, and those become waits (errors.py). No RateLimit is declared.
    rate_limits = ()
    oauth = OK_OAUTH
    # Access tokens live 30 minutes (without LONG_ACCESS_TOKEN), refresh tokens 30 days.
    refresh_ahead = timedelta(minutes=10)
    variant_options = (
        ("link", gettext_lazy("Link to attach (OK shows a preview card)"), "text"),
        ("poll_question", gettext_lazy("Poll question (optional)"), "text"),
        ("poll_answers", gettext_lazy("Poll answers, one per line"), "text"),
        ("poll_kind", gettext_lazy("Poll answers allowed"), (
            ("single", gettext_lazy("One answer")),
            ("multiple", gettext_lazy("Several answers")),
        )),
    )
    # Reads per post: mediatopic.getByIds and group.getStatTopic.
    metrics_reads_per_run = 20

    def __init__(self, channel: ChannelContext, http: HttpClient | None = None):
        super().__init__(channel, http)
        self._creds = dict(channel.credentials)

    # -- connect --------------------------------------------------------------

    @classmethod
    def oauth_accounts(cls, token: dict, http: HttpClient, *, instance: str = ""
                       ) -> list[ConnectResult]:
        """The groups the signed-in user administers or moderates
        (group.getUserGroupsV2, then group.getInfo for their names), each a channel."""
        credentials = {"access_token": token["access_token"]}
        if token.get("refresh_token"):
            credentials["refresh_token"] = str(token["refresh_token"])
        api = cls(ChannelContext(None, "", "", credentials=credentials), http)
        me = api._call("users.getCurrentUser", {"fields": "uid,name"})
        credentials["user_id"] = str(me.get("uid") or "")
        managed = api._managed_groups()
        if not managed:
            return []
        infos = api._call("group.getInfo", {"uids": ",".join(managed),
                                            "fields": "uid,name,shortname"})
        expires = oauth.expires_at(token)
        return [ConnectResult(
            external_id=str(g["uid"]), name=str(g.get("name") or g["uid"]),
            credentials=dict(credentials),
            settings={"group_id": str(g["uid"]), "shortname": g.get("shortname") or "",
                      "user_id": credentials["user_id"], "role": managed[str(g["uid"])]},
            url=_group_url(g), token_expires_at=expires)
            for g in infos if str(g.get("uid")) in managed]

    def refresh_credentials(self) -> ConnectResult | None:
        """Trade the refresh token (30 days) for a new access token at token.do
        (grant_type=refresh_token). OK does not send a new refresh token: the stored one
        is kept, and after 30 days the group must be reconnected."""
        if not self._creds.get("refresh_token"):
            return None
        try:
            client = oauth.deployment_client(OK_OAUTH)
        except oauth.OAuthNotConfigured as exc:
            raise _not_configured(str(exc)) from exc
        try:
            body = oauth.refresh(OK_OAUTH, client, refresh_token=self._creds["refresh_token"],
                                 http=self.http, network=str(self.label))
        except PermanentError as exc:
            raise PermanentError(_(
                "OK.ru: the sign-in of %(group)s can no longer be renewed (it lasts 30 days "
                "or was revoked). Reconnect the group by signing in with OK again.")
                % self._who(), code="refresh_failed", raw=exc.raw,
                channel_broken=True) from exc
        fresh = {**self._creds, "access_token": body["access_token"]}
        if body.get("refresh_token"):
            fresh["refresh_token"] = body["refresh_token"]
        return ConnectResult(external_id=self.channel.external_id, name=self.channel.name,
                             credentials=fresh, settings=dict(self.channel.settings),
                             url=self._group_url(), token_expires_at=oauth.expires_at(body))

    # -- publishing -------------------------------------------------------------

    @classmethod
    def validate(cls, req: PublishRequest, *, settings: dict | None = None) -> list[Issue]:
        issues = super().validate(req, settings=settings)
        question = str(req.options.get("poll_question") or "").strip()
        answers = _poll_answers(req.options)
        if question and len(answers) < 2:
            issues.append(Issue("poll_answers", _("OK.ru: a poll needs at least two answers, "
                                                  "one per line."), "options"))
        if answers and not question:
            issues.append(Issue("poll_question", _("OK.ru: the poll answers need a "
                                                   "question."), "options"))
        return issues

    def publish(self, req: PublishRequest) -> PublishResult:
        """Upload the media, then mediatopic.post (type GROUP_THEME) with the text, the
        photos' upload tokens, the videos, a link and a poll as the topic's media blocks,
        published as the group. Then the first comment; its failure is reported in
        ``raw``, never as a failed publish."""
        media: list[dict] = []
        if req.text.strip():
            media.append({"type": "text", "text": req.text})
        media += _upload_all(self, req.media)
        link = str(req.options.get("link") or "").strip()
        if link:
            media.append({"type": "link", "url": link})
        poll = _poll(req.options)
        if poll:
            media.append(poll)
        attachment = {"media": media, "onBehalfOfGroup": "true"}
        made = self._call("mediatopic.post", {
            "type": "GROUP_THEME", "gid": self._group_id(),
            "attachment": json.dumps(attachment, ensure_ascii=False, separators=(",", ":"))})
        topic_id = str(made.get("id") if isinstance(made, dict) else made)
        raw: dict[str, Any] = {"topic_id": topic_id, "blocks": [m["type"] for m in media]}
        if req.first_comment.strip():
            raw["first_comment"] = self._first_comment(topic_id, req.first_comment)
        return PublishResult(topic_id, self._topic_url(topic_id), raw=raw)

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """The group's latest topics (mediatopic.getTopics) matched by content hash.
        Never NOT_FOUND: hidden, deferred and moderated topics are not listed, so a topic
        OK accepted may be missing from the list."""
        page = self._call("mediatopic.getTopics", {"gid": self._group_id(),
                                                   "count": TOPICS_PAGE,
                                                   "fields": "media_topic.*"})
        topics = page.get("media_topics") or [] if isinstance(page, dict) else []
        cutoff = since.timestamp()
        for topic in topics:
            created = topic.get("created_ms")
            if created and _moscow_time(created).timestamp() < cutoff:
                continue
            if _same_content(topic, req):
                topic_id = str(topic["id"])
                return FindResult(Found.FOUND, PublishResult(
                    topic_id, self._topic_url(topic_id), raw={"topic_id": topic_id}))
        return FindResult(Found.UNKNOWN, note=_(
            "OK.ru does not list this post among the latest topics of %(group)s; it may "
            "still exist (hidden, deferred or awaiting moderation). Check the group.")
            % self._who())

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        """mediatopic.deleteTopic; a topic already gone (NOT_FOUND) counts as deleted."""
        try:
            self._call("mediatopic.deleteTopic", {"gid": self._group_id(),
                                                  "topic_id": external_id})
        except PermanentError as exc:
            if exc.code != "not_found":
                raise

    # -- community --------------------------------------------------------------

    def fetch_comments(self, external_id: str, *, since: datetime | None = None
                       ) -> list[RemoteComment]:
        """discussions.getComments of the topic (discussionType GROUP_TOPIC), oldest
        first, page by page."""
        found = _comment_pages(self, external_id)
        cutoff = since.timestamp() if since else 0
        return [c for c in found if c.created_at.timestamp() >= cutoff]

    def reply(self, comment: RemoteComment, text: str) -> RemoteComment:
        """discussions.addDiscussionComment in reply to the comment, as the group's
        official answer (as_admin)."""
        topic_id = comment.post_external_id
        made = self._add_comment(topic_id, text, comment.external_id.rpartition(":")[2])
        return RemoteComment(
            external_id=_comment_ref(topic_id, made), post_external_id=topic_id,
            author_id=str(self._group_id()), author_name=self.channel.name, text=text,
            created_at=datetime.now(UTC), parent_external_id=comment.external_id,
            by_us=True, raw={"id": made})

    def delete_comment(self, comment_external_id: str) -> None:
        """discussions.deleteDiscussionComment, which needs the topic as well as the
        comment: both are in smmdesk's id "<topic id>:<comment id>". A comment already
        gone counts as deleted. (OK has no way to hide a comment through the API.)"""
        topic_id, _sep, comment_id = comment_external_id.rpartition(":")
        if not topic_id:
            raise PermanentError(_("OK.ru needs to know the topic of a comment to delete "
                                   "it; delete it on ok.ru."), code="topic_unknown")
        try:
            self._call("discussions.deleteDiscussionComment", {
                "discussionId": topic_id, "discussionType": GROUP_TOPIC,
                "comment_id": comment_id})
        except PermanentError as exc:
            if exc.code != "not_found":
                raise

    # -- metrics ---------------------------------------------------------------

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        """Likes, comments and reshares from mediatopic.getByIds; reach, engagement and
        link clicks from group.getStatTopic when OK lets this account read statistics."""
        found = self._call("mediatopic.getByIds", {"topic_ids": external_id,
                                                   "fields": "media_topic.*"})
        topics = found.get("media_topics") or [] if isinstance(found, dict) else []
        if not topics:
            raise PermanentError(_("OK.ru: this topic of %(group)s no longer exists.")
                                 % self._who(), code="not_found")
        topic = topics[0]
        metrics = {
            "likes": _count(topic.get("like_summary"), "count"),
            "comments": _count(topic.get("discussion_summary"), "comments_count"),
            "reposts": _count(topic.get("reshare_summary"), "count"),
        }
        return metrics | self._topic_stats(external_id)

    def fetch_account_metrics(self) -> dict[str, int]:
        """Members and topics of the group (group.getCounters)."""
        found = self._call("group.getCounters", {"group_id": self._group_id(),
                                                 "counterTypes": "members,themes"})
        counters = found.get("counters") or {} if isinstance(found, dict) else {}
        return {"followers": int(counters.get("members") or 0),
                "posts": int(counters.get("themes") or 0)}

    # -- calling the API ------------------------------------------------------------

    def _call(self, method: str, params: dict | None = None) -> Any:
        """One signed call; a session that expired (102) is renewed once and the call
        repeated with the new token."""
        for attempt in (1, 2):
            body, response = self._signed_call(method, params or {})
            if not isinstance(body, dict) or "error_code" not in body:
                if response.status_code != 200 or body is None:
                    raise _server_error(method, {"method": method,
                                                 "status": response.status_code,
                                                 "text": response.text[:500]})
                return body
            code = int(body.get("error_code") or 0)
            if code == SESSION_EXPIRED and attempt == 1 and self._creds.get("refresh_token"):
                self._renew()
                continue
            raw = {"method": method, "error": body}
            raise _api_error(self, method, code, str(body.get("error_msg") or ""), raw)
        raise AssertionError("unreachable")

    def _signed_call(self, method: str, params: dict) -> tuple[Any, Any]:
        app_key, secret = self._app_keys()
        token = str(self._creds.get("access_token") or "")
        fields = {"application_key": app_key, "format": "json", "method": method}
        fields |= {k: _form_value(v) for k, v in params.items() if v is not None}
        fields["sig"] = signature(fields, access_token=token, app_secret=secret)
        fields["access_token"] = token
        try:
            response = self.send("POST", API, data=fields, idempotent=method in _READS)
        except AmbiguousError as exc:
            if method not in _REPEATABLE:
                raise
            raise _unreachable(exc) from exc
        return _json(response), response

    def _app_keys(self) -> tuple[str, str]:
        try:
            client = oauth.deployment_client(OK_OAUTH)
        except oauth.OAuthNotConfigured as exc:
            raise _not_configured(str(exc)) from exc
        app_key = env(APP_KEY_ENV) or ""
        if not app_key:
            raise _not_configured(APP_KEY_ENV)
        if not client.client_secret:
            raise _not_configured("SMMDESK_ODNOKLASSNIKI_CLIENT_SECRET")
        self.http.add_secret(client.client_secret)
        return app_key, client.client_secret

    def _renew(self) -> None:
        fresh = self.renew_in_call(self.refresh_credentials)
        self._creds.update(fresh.credentials)
        self.http.add_secret(str(self._creds.get("access_token") or ""))

    def _managed_groups(self) -> dict[str, str]:
        """Group id -> the user's role, for the groups the user manages."""
        managed: dict[str, str] = {}
        anchor = None
        for _page in range(GROUP_PAGES):
            page = self._call("group.getUserGroupsV2", {"count": PAGE, "anchor": anchor,
                                                        "direction": "FORWARD"})
            groups = page.get("groups") or [] if isinstance(page, dict) else []
            managed |= {str(g["groupId"]): str(g.get("status")) for g in groups
                        if str(g.get("status") or "").upper() in MANAGER_ROLES}
            anchor = page.get("anchor") if isinstance(page, dict) else None
            if len(groups) < PAGE or not anchor:
                break
        return managed

    def _add_comment(self, topic_id: str, text: str, reply_to: str = "") -> str:
        made = self._call("discussions.addDiscussionComment", {
            "entityId": topic_id, "entityType": GROUP_TOPIC, "comment": text,
            "reply_to_comment_id": reply_to or None, "as_admin": "true"})
        return str(made.get("id") if isinstance(made, dict) else made)

    def _first_comment(self, topic_id: str, text: str) -> dict:
        try:
            made = self._add_comment(topic_id, text)
        except ConnectorError as exc:
            return {"ok": False, "code": exc.code, "error": exc.message}
        return {"ok": True, "comment_id": made}

    def _topic_stats(self, topic_id: str) -> dict[str, int]:
        try:
            stats = self._call("group.getStatTopic", {
                "topic_id": topic_id,
                "fields": "REACH,ENGAGEMENT,FEEDBACK,LINK_CLICKS,COMPLAINTS,HIDES_FROM_FEED"})
        except ConnectorError:  # statistics are for the group's admins: leave them out
            return {}
        row = stats.get("topic") or stats if isinstance(stats, dict) else {}
        names = {"reach": "reach", "engagement": "engagement", "feedback": "feedback",
                 "link_clicks": "clicks", "complaints": "reports",
                 "hides_from_feed": "hides"}
        return {ours: int(row[theirs] or 0) for theirs, ours in names.items() if theirs in row}

    # -- channel facts ----------------------------------------------------------------

    def _group_id(self) -> str:
        return str(self.channel.settings.get("group_id") or self.channel.external_id)

    def _topic_url(self, topic_id: str) -> str:
        return f"https://ok.ru/group/{self._group_id()}/topic/{topic_id}"

    def _group_url(self) -> str:
        return _group_url({"uid": self._group_id(),
                           "shortname": self.channel.settings.get("shortname")})

    def _who(self) -> dict[str, str]:
        name = self.channel.name or self.channel.settings.get("shortname")
        return {"group": f"“{name}”" if name else _("the group")}


# ---------------------------------------------------------------- helpers


def _form_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(v) for v in value)
    return str(value)


def _group_url(group: dict) -> str:
    name = group.get("shortname")
    return f"https://ok.ru/{name}" if name else f"https://ok.ru/group/{group['uid']}"


def _poll_answers(options: dict) -> list[str]:
    return [line.strip() for line in str(options.get("poll_answers") or "").splitlines()
            if line.strip()]


def _poll(options: dict) -> dict | None:
    """A poll block: question, answers, and "SingleChoice" unless several are allowed."""
    question = str(options.get("poll_question") or "").strip()
    answers = _poll_answers(options)
    if not question or len(answers) < 2:
        return None
    poll = {"type": "poll", "question": question, "answers": [{"text": a} for a in answers]}
    if options.get("poll_kind") != "multiple":
        poll["options"] = "SingleChoice"
    return poll


def _count(summary: Any, key: str) -> int:
    return int((summary or {}).get(key) or 0) if isinstance(summary, dict) else 0


def _same_content(topic: dict, req: PublishRequest) -> bool:
    text = "\n".join(str(m.get("text") or "") for m in topic.get("media") or []
                     if m.get("type") == "text")
    if not req.text.strip():
        return False  # nothing to recognise it by: a person decides
    return content_hash(text) == req.content_hash()

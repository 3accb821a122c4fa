"""LinkedIn: posts on a member's own profile and on the Pages (organisations) they
administer, through the versioned REST API (``https://api.linkedin.com/rest/...`` with
``LinkedIn-Version`` and ``X-Restli-Protocol-Version: 2.0.0``).

Connected with OAuth 2 (no PKCE: LinkedIn's web flow exchanges the code with the client
secret). One grant gives a channel for the member (``urn:li:person:<sub>`` from
/v2/userinfo) and one for each Page the member is an approved ADMINISTRATOR of
(/rest/organizationAcls, then /rest/organizations). Page posting, comments and
statistics need LinkedIn's Community Management API product on the app; an app with only
"Share on LinkedIn" and "Sign In with OpenID Connect" sets ``SMMDESK_LINKEDIN_SCOPES``
to ``openid profile w_member_social``.

Access tokens live 60 days. Apps LinkedIn approved for programmatic refresh also get a
refresh token (365 days, not extended by refreshing); without one the person reconnects
before the token ends, and ``channel_notes`` says by when.

Posts go to POST /rest/posts; the new post's URN comes back in ``x-restli-id``. The
commentary is in LinkedIn's "little" text format, where ( ) [ ] { } < > @ | ~ _ * \\
must be escaped (``common.little_text``), or LinkedIn silently cuts the text.

References (contract fixtures in ``tests/connectors/fixtures/linkedin/``), under
https://learn.microsoft.com/en-us/linkedin/ : shared/authentication/authorization-code-flow,
shared/authentication/programmatic-refresh-tokens,
consumer/integrations/self-serve/sign-in-with-linkedin-v2, and under
marketing/community-management/: shares/posts-api, shares/poll-post-api,
shares/comments-api, organizations/share-statistics, members/post-statistics.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
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
    MetricsSource,
    PermanentError,
    PublishRequest,
    PublishResult,
    RateLimit,
    RemoteComment,
    TransientError,
    content_hash,
)
from smmdesk.connectors.linkedin import comments as comment_lib
from smmdesk.connectors.linkedin import common, uploads
from smmdesk.connectors.linkedin.common import (
    API,
    POST_URL,
    encoded,
    is_org,
    json_body,
    little_text,
    org_urn,
    person_urn,
    plain_text,
    query_url,
)
from smmdesk.connectors.linkedin.errors import linkedin_error
from smmdesk.lib.env import env
from smmdesk.lib.http import HttpClient

MB = 2**20
ENV_PREFIX = "SMMDESK_LINKEDIN"
# Sign In with OpenID Connect (openid profile), Share on LinkedIn (w_member_social) and
# the Community Management API (Pages, comments, statistics, member post analytics).
SCOPES = ("openid", "profile", "w_member_social", "r_organization_social",
          "w_organization_social", "rw_organization_admin", "r_member_postAnalytics")
OAUTH = oauth.OAuthSpec(
    authorize_url="https://www.linkedin.com/oauth/v2/authorization",
    token_url="https://www.linkedin.com/oauth/v2/accessToken",
    scopes=tuple((env(f"{ENV_PREFIX}_SCOPES") or " ".join(SCOPES)).split()),
    pkce=False,
    env_prefix=ENV_PREFIX,
)
COMMENTARY_MAX = 3000
IMAGES_MAX = 20  # multiImage: 2 to 20 images
IMAGE_PIXELS_MAX = 36_152_320
VIDEO_MAX_BYTES = 500 * MB  # Videos API: 75 KB to 500 MB, 3 s to 30 min
DOCUMENT_MAX_BYTES = 100 * MB  # Documents API: 100 MB, 300 pages
DOCUMENT_MIMES = frozenset({
    "application/pdf", "application/msword", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation"})
POLL_QUESTION_MAX = 140
POLL_OPTION_MAX = 30
POLL_DURATIONS = ("ONE_DAY", "THREE_DAYS", "SEVEN_DAYS", "FOURTEEN_DAYS")
ANALYTICS_SCOPE = "r_member_postAnalytics"
_MEMBER_QUERIES = {"IMPRESSION": "views", "MEMBERS_REACHED": "reach", "REACTION": "likes",
                   "COMMENT": "comments", "RESHARE": "reposts"}
_ORG_STATS = {"impressionCount": "views", "uniqueImpressionsCount": "reach",
              "clickCount": "clicks", "likeCount": "likes", "commentCount": "comments",
              "shareCount": "reposts"}


class LinkedInConnector(Connector):
    kind = "linkedin"
    label = "LinkedIn"
    oauth = OAUTH
    # Posts API: commentary up to 3000 characters; one video, one document, one image
    # or 2–20 images (multiImage), a poll, or an article (link).
    limits = Limits(
        text_max=COMMENTARY_MAX,
        media_max=IMAGES_MAX,
        media_kinds=frozenset({MediaKind.IMAGE, MediaKind.GIF, MediaKind.VIDEO,
                               MediaKind.DOCUMENT}),
        video_max_bytes=VIDEO_MAX_BYTES,
        mixed_media=False,
        counts="utf16",
    )
    capabilities = Capabilities(
        delete=True, comments=True, reply=True, delete_comment=True, post_metrics=True,
        account_metrics=True, find_published=True)
    # "150 requests per day per member" for posting; the application's own daily
    # budget is shared by every channel.
    rate_limits = (RateLimit(150, 86400, "channel"), RateLimit(100_000, 86400, "app"))
    connect_help = gettext_lazy(
        "Sign in with LinkedIn: your profile and every LinkedIn Page you administer "
        "become channels.")
    variant_options = (
        ("link_url", gettext_lazy("Link to share as an article card"), "text"),
        ("link_title", gettext_lazy("Title of the article card"), "text"),
        ("document_title", gettext_lazy("Title of the document (PDF)"), "text"),
        ("poll_question", gettext_lazy("Poll question (up to 140 characters)"), "text"),
        ("poll_options", gettext_lazy("Poll answers, 2 to 4, separated by “;”"), "text"),
        ("poll_duration", gettext_lazy("Poll duration"), (
            ("THREE_DAYS", gettext_lazy("3 days")),
            ("ONE_DAY", gettext_lazy("1 day")),
            ("SEVEN_DAYS", gettext_lazy("1 week")),
            ("FOURTEEN_DAYS", gettext_lazy("2 weeks")),
        )),
    )
    # Page statistics: one read per post; a profile's member analytics: five.
    metrics_reads_per_run = 25

    # -- calling the API --------------------------------------------------------

    def _call(self, method: str, path: str, *, json: Any = None, content: Any = None,
              headers: dict | None = None, create: bool = False, once: bool = False,
              permission: str = ""):
        """One call. ``create``: it makes something people see (a post, a comment), so
        a failure after sending is ambiguous. ``once``: never resent by the HTTP layer
        (a streamed body can be read only once). ``permission``: named if refused."""
        url = path if path.startswith("https://") else f"{API}/{path}"
        token = str(self.channel.credentials.get("access_token") or "")
        sent_headers = {**common.headers(token), **(headers or {})}
        try:
            response = self.send(method, url, json=json, content=content,
                                 headers=sent_headers, idempotent=not (create or once))
        except AmbiguousError as exc:
            if create:
                raise
            raise TransientError(_("LinkedIn could not be reached. smmdesk will try again."),
                                 code="unreachable", raw=exc.raw) from exc
        if response.status_code < 300:
            return response
        raise linkedin_error(response, account=self.channel.name, create=create,
                             permission=permission)

    def _json(self, method: str, path: str, **kwargs: Any) -> dict:
        return json_body(self._call(method, path, **kwargs))

    def author(self) -> str:
        return str(self.channel.settings.get("author") or self.channel.external_id)

    def _is_org(self) -> bool:
        return is_org(self.author())

    def _write_permission(self) -> str:
        return "w_organization_social" if self._is_org() else "w_member_social"

    # -- connect --------------------------------------------------------------

    @classmethod
    def oauth_accounts(cls, token: dict, http: HttpClient, *, instance: str = ""
                       ) -> list[ConnectResult]:
        """The member's own profile, then every Page they administer."""
        access = str(token.get("access_token") or "")
        api = cls(ChannelContext(None, "", "", credentials={"access_token": access}), http)
        me = json_body(api._call("GET", common.USERINFO))
        if not me.get("sub"):
            raise PermanentError(_("LinkedIn did not say who signed in. Start the connection "
                                   "again."), code="oauth_denied", raw=me)
        creds = {k: token[k] for k in ("access_token", "refresh_token") if token.get(k)}
        settings = _token_settings(token)
        expires = oauth.expires_at(token)
        member = ConnectResult(
            external_id=person_urn(me["sub"]), name=str(me.get("name") or me["sub"]),
            credentials=creds, token_expires_at=expires,
            settings={**settings, "author": person_urn(me["sub"]), "account": "member"})
        pages = [ConnectResult(external_id=org_urn(org_id), name=name, credentials=creds,
                               token_expires_at=expires, url=url,
                               settings={**settings, "author": org_urn(org_id),
                                         "account": "organization"})
                 for org_id, name, url in api._administered(settings["scopes"])]
        return [member, *pages]

    def _administered(self, scopes: list[str]) -> list[tuple[str, str, str]]:
        """(id, name, url) of the Pages this member is an approved administrator of;
        none when the grant does not cover Pages."""
        if scopes and "rw_organization_admin" not in scopes:
            return []
        try:
            acls = self._json("GET", query_url("organizationAcls", {
                "q": "roleAssignee", "role": "ADMINISTRATOR", "state": "APPROVED"}),
                permission="rw_organization_admin")
        except PermanentError as exc:
            if scopes or exc.code != "missing_permission":
                raise  # Pages were granted, yet refused: the person must hear why
            return []  # a grant that did not say its scopes: the app has no Page access
        ids = [str(a["organization"]).rsplit(":", 1)[-1] for a in acls.get("elements") or []
               if str(a.get("organization") or "").startswith("urn:li:organization:")]
        if not ids:
            return []
        found = self._json("GET", query_url("organizations", {
            "ids": f"List({','.join(ids)})"}), permission="rw_organization_admin")
        results = found.get("results") or {}
        pages = []
        for org_id in ids:
            org = results.get(org_id) or {}
            vanity = org.get("vanityName") or ""
            url = f"https://www.linkedin.com/company/{vanity}/" if vanity else ""
            pages.append((org_id, str(org.get("localizedName") or org_id), url))
        return pages

    def refresh_credentials(self) -> ConnectResult | None:
        """With a refresh token (apps approved for programmatic refresh): new tokens.
        Without one LinkedIn offers no renewal: None, and the person reconnects."""
        refresh_token = str(self.channel.credentials.get("refresh_token") or "")
        if not refresh_token:
            return None
        body = oauth.refresh(OAUTH, oauth.deployment_client(OAUTH),
                             refresh_token=refresh_token, http=self.http, network=self.label)
        creds = {**self.channel.credentials, "access_token": body["access_token"]}
        if body.get("refresh_token"):
            creds["refresh_token"] = body["refresh_token"]
        settings = {**self.channel.settings, **_token_settings(body, self.channel.settings)}
        return ConnectResult(external_id=self.channel.external_id, name=self.channel.name,
                             credentials=creds, settings=settings,
                             token_expires_at=oauth.expires_at(body))

    @classmethod
    def channel_notes(cls, settings: dict) -> list[str]:
        notes = []
        refresh_until = _when(settings.get("refresh_token_expires_at"))
        token_until = _when(settings.get("token_expires_at"))
        if refresh_until:
            notes.append(_("LinkedIn renews smmdesk's access automatically until %(date)s; "
                           "reconnect the channel before then.") % {"date": refresh_until})
        elif token_until:
            notes.append(_("LinkedIn gives smmdesk 60 days of access and no renewal: "
                           "reconnect the channel before %(date)s.") % {"date": token_until})
        if settings.get("account") == "member":
            notes.append(_("LinkedIn does not let apps read a personal profile's posts or "
                           "their comments, so smmdesk cannot show comments here nor check "
                           "whether an interrupted post was created."))
            if ANALYTICS_SCOPE not in (settings.get("scopes") or []):
                notes.append(_("Post statistics of personal profiles need the permission "
                               "“r_member_postAnalytics” (LinkedIn's Community Management "
                               "API, granted to approved apps only); smmdesk shows none for "
                               "this profile."))
        return notes

    @classmethod
    def metrics_source(cls, settings: dict) -> MetricsSource:
        if settings.get("account") == "member" and \
                ANALYTICS_SCOPE not in (settings.get("scopes") or []):
            return MetricsSource("none", _("Metrics: LinkedIn shares a personal profile's "
                                           "statistics with approved apps only."))
        return super().metrics_source(settings)

    # -- publishing -------------------------------------------------------------

    @classmethod
    def validate(cls, req: PublishRequest, *, settings: dict | None = None) -> list[Issue]:
        issues = super().validate(req, settings=settings)
        if _poll(req.options) is not None or _link(req.options):
            issues = [i for i in issues if i.code != "empty"]
        if _poll(req.options) is not None:
            issues += _poll_issues(req)
        issues += _media_issues(req)
        if _link(req.options) and req.media:
            issues.append(Issue("link_and_media", _(
                "A LinkedIn post holds either a link card or media, not both: remove the "
                "link, or the media."), "media"))
        return issues

    def publish(self, req: PublishRequest) -> PublishResult:
        """Media first (uploads nobody sees), then POST /rest/posts; the post's URN
        comes back in the ``x-restli-id`` header."""
        body = {"author": self.author(), "commentary": little_text(req.text),
                "visibility": "PUBLIC", "lifecycleState": "PUBLISHED",
                "distribution": {"feedDistribution": "MAIN_FEED", "targetEntities": [],
                                 "thirdPartyDistributionChannels": []},
                "isReshareDisabledByAuthor": False}
        content = self._content(req)
        if content:
            body["content"] = content
        response = self._call("POST", "posts", json=body, create=True,
                              permission=self._write_permission())
        urn = response.headers.get("x-restli-id") or str(json_body(response).get("id") or "")
        if not urn:
            raise AmbiguousError(_("LinkedIn accepted the post but did not say which it is; "
                                   "smmdesk will look for it."), code="no_id")
        raw: dict[str, Any] = {"urn": urn}
        if req.first_comment.strip():
            raw["first_comment"] = self._first_comment(urn, req.first_comment)
        return PublishResult(external_id=urn, url=POST_URL.format(urn=urn), raw=raw)

    def _content(self, req: PublishRequest) -> dict | None:
        poll = _poll(req.options)
        if poll is not None:
            return {"poll": poll}
        if not req.media:
            link = _link(req.options)
            if not link:
                return None
            title = str(req.options.get("link_title") or "").strip() or link
            return {"article": {"source": link, "title": title}}
        urns = [uploads.upload(self, m) for m in req.media]
        if len(urns) > 1:
            return {"multiImage": {"images": [
                {"id": urn, "altText": m.alt_text} if m.alt_text else {"id": urn}
                for urn, m in zip(urns, req.media, strict=True)]}}
        media, item = req.media[0], {"id": urns[0]}
        if media.kind == MediaKind.DOCUMENT:
            item["title"] = str(req.options.get("document_title") or "").strip() \
                or media.name or media.path.name
        elif media.alt_text:
            item["altText"] = media.alt_text
        return {"media": item}

    def _first_comment(self, urn: str, text: str) -> dict:
        try:
            body = comment_lib.create(self, urn, text, parent="")
        except ConnectorError as exc:
            return {"error": exc.message, "code": exc.code}
        return {"id": str(body.get("commentUrn") or body.get("id") or "")}

    def find_published(self, req: PublishRequest, *, since: datetime) -> FindResult:
        """A Page's recent posts (GET /rest/posts?q=author, newest first) matched by the
        hash of the commentary. LinkedIn's listing may lag, so absence is UNKNOWN; a
        member's posts cannot be listed by apps at all."""
        if not self._is_org():
            return FindResult(Found.UNKNOWN, note=_(
                "LinkedIn does not let apps list a personal profile's posts; check the "
                "profile on LinkedIn."))
        if not req.text.strip():
            return FindResult(Found.UNKNOWN, note=_(
                "A LinkedIn post without text cannot be recognised among the Page's posts."))
        body = self._json("GET", query_url("posts", {
            "author": encoded(self.author()), "q": "author", "count": "50",
            "sortBy": "LAST_MODIFIED"}), permission="r_organization_social")
        cutoff = since.timestamp() * 1000
        for post in body.get("elements") or []:
            if int(post.get("createdAt") or 0) < cutoff:
                continue
            if content_hash(plain_text(post.get("commentary") or "")) == req.content_hash():
                urn = str(post["id"])
                return FindResult(Found.FOUND, PublishResult(urn, POST_URL.format(urn=urn)))
        return FindResult(Found.UNKNOWN, note=_(
            "LinkedIn does not list this post (yet); its listing can lag behind."))

    def delete(self, external_id: str, extra_ids: tuple[str, ...] = ()) -> None:
        """DELETE /rest/posts/{urn}; already gone counts as deleted."""
        try:
            self._call("DELETE", f"posts/{encoded(external_id)}",
                       permission=self._write_permission())
        except PermanentError as exc:
            if exc.code != "not_found":
                raise

    # -- community --------------------------------------------------------------

    def fetch_comments(self, external_id: str, *, since: datetime | None = None
                       ) -> list[RemoteComment]:
        """A Page post's comments and their replies. A member's: none (reading them
        needs r_member_social, which LinkedIn does not grant to apps)."""
        if not self._is_org():
            return []
        return comment_lib.fetch(self, external_id, since=since)

    def reply(self, comment: RemoteComment, text: str) -> RemoteComment:
        return comment_lib.reply(self, comment, text)

    def hide_comment(self, comment_external_id: str, hidden: bool = True) -> None:
        raise PermanentError(_("LinkedIn's API cannot hide comments. Delete the comment here, "
                               "or hide it on LinkedIn."), code="not_supported")

    def delete_comment(self, comment_external_id: str) -> None:
        comment_lib.delete(self, comment_external_id)

    # -- metrics ---------------------------------------------------------------

    def fetch_post_metrics(self, external_id: str) -> dict[str, int]:
        if self._is_org():
            return self._org_post_metrics(external_id)
        if ANALYTICS_SCOPE not in (self.channel.settings.get("scopes") or []):
            return {}
        return self._member_post_metrics(external_id)

    def _org_post_metrics(self, urn: str) -> dict[str, int]:
        """organizationalEntityShareStatistics for one post (lifetime, organic only)."""
        kind = "ugcPosts" if ":ugcPost:" in urn else "shares"
        body = self._json("GET", query_url("organizationalEntityShareStatistics", {
            "q": "organizationalEntity", "organizationalEntity": encoded(self.author()),
            kind: f"List({encoded(urn)})"}), permission="rw_organization_admin")
        elements = body.get("elements") or [{}]
        stats = elements[0].get("totalShareStatistics") or {}
        return {name: int(stats[key]) for key, name in _ORG_STATS.items()
                if isinstance(stats.get(key), int | float)}

    def _member_post_metrics(self, urn: str) -> dict[str, int]:
        """memberCreatorPostAnalytics, one query per metric. A refusal gives {}: the
        permission is granted to approved apps only, and it must not break posting."""
        entity = f"({'ugc' if ':ugcPost:' in urn else 'share'}:{encoded(urn)})"
        metrics = {}
        for query, name in _MEMBER_QUERIES.items():
            try:
                body = self._json("GET", query_url("memberCreatorPostAnalytics", {
                    "q": "entity", "entity": entity, "queryType": query,
                    "aggregation": "TOTAL"}), permission=ANALYTICS_SCOPE)
            except PermanentError as exc:
                if exc.code == "missing_permission":
                    return {}
                raise
            counts = [e.get("count") for e in body.get("elements") or []]
            metrics[name] = int(sum(c for c in counts if isinstance(c, int | float)))
        return metrics

    def fetch_account_metrics(self) -> dict[str, int]:
        """A Page's followers (GET /rest/networkSizes); LinkedIn gives apps no follower
        count of a personal profile without a partner programme."""
        if not self._is_org():
            return {}
        body = self._json("GET", query_url(f"networkSizes/{encoded(self.author())}", {
            "edgeType": "COMPANY_FOLLOWED_BY_MEMBER"}), permission="rw_organization_admin")
        return {"followers": int(body.get("firstDegreeSize") or 0)}


# ---------------------------------------------------------------- helpers


def _token_settings(token: dict, old: dict | None = None) -> dict:
    """When the tokens end (public, for channel_notes) and which scopes were granted."""
    now = datetime.now(UTC)
    settings: dict[str, Any] = {}
    if token.get("expires_in"):
        settings["token_expires_at"] = (now + timedelta(
            seconds=int(token["expires_in"]))).isoformat()
    if token.get("refresh_token_expires_in"):
        settings["refresh_token_expires_at"] = (now + timedelta(
            seconds=int(token["refresh_token_expires_in"]))).isoformat()
    scope = str(token.get("scope") or "")
    if scope:
        settings["scopes"] = sorted(s for s in scope.replace(",", " ").split() if s)
    elif old is None:
        settings["scopes"] = []
    return settings


def _when(value: Any) -> str:
    when = parse_datetime(str(value or ""))
    return date_format(when, "DATE_FORMAT") if when else ""


def _link(options: dict) -> str:
    return str(options.get("link_url") or "").strip()


def _poll_answers(options: dict) -> list[str]:
    return [a.strip() for a in str(options.get("poll_options") or "").split(";")
            if a.strip()]


def _poll(options: dict) -> dict | None:
    """The content.poll of a post, or None when the person asked for no poll."""
    question = str(options.get("poll_question") or "").strip()
    if not question and not _poll_answers(options):
        return None
    duration = str(options.get("poll_duration") or "THREE_DAYS")
    return {"question": question, "options": [{"text": a} for a in _poll_answers(options)],
            "settings": {"duration": duration}}


def _poll_issues(req: PublishRequest) -> list[Issue]:
    poll = _poll(req.options) or {}
    answers = [o["text"] for o in poll.get("options", [])]
    issues = []
    if not poll.get("question") or len(poll["question"]) > POLL_QUESTION_MAX:
        issues.append(Issue("poll_question", _(
            "A LinkedIn poll needs a question of at most %(limit)d characters.")
            % {"limit": POLL_QUESTION_MAX}, "options"))
    if not 2 <= len(answers) <= 4:
        issues.append(Issue("poll_options", _(
            "A LinkedIn poll has 2 to 4 answers (separated by “;”); this one has %(count)d.")
            % {"count": len(answers)}, "options"))
    for answer in answers:
        if len(answer) > POLL_OPTION_MAX:
            issues.append(Issue("poll_option_long", _(
                "LinkedIn poll answers have at most %(limit)d characters; “%(answer)s” is "
                "longer.") % {"limit": POLL_OPTION_MAX, "answer": answer}, "options"))
    if poll.get("settings", {}).get("duration") not in POLL_DURATIONS:
        issues.append(Issue("poll_duration", _(
            "A LinkedIn poll lasts 1 day, 3 days, 1 week or 2 weeks."), "options"))
    if req.media:
        issues.append(Issue("poll_and_media", _(
            "A LinkedIn poll cannot carry media: remove the files or the poll."), "media"))
    return issues


def _media_issues(req: PublishRequest) -> list[Issue]:
    kinds = [m.kind for m in req.media]
    issues = []
    if len(kinds) > 1 and any(k in (MediaKind.VIDEO, MediaKind.DOCUMENT) for k in kinds):
        issues.append(Issue("one_video_or_document", _(
            "A LinkedIn post holds one video, or one document, or up to 20 images."), "media"))
    for m in req.media:
        name = m.name or m.path.name
        if m.kind == MediaKind.DOCUMENT and m.mime not in DOCUMENT_MIMES:
            issues.append(Issue("document_type", _(
                "LinkedIn accepts documents as PDF, Word or PowerPoint files; %(name)s is "
                "not one.") % {"name": name}, "media"))
        if m.kind == MediaKind.DOCUMENT and m.size > DOCUMENT_MAX_BYTES:
            issues.append(Issue("media_too_large", _(
                "LinkedIn accepts documents up to %(limit)d MB (and 300 pages); %(name)s is "
                "%(size).1f MB.") % {"limit": DOCUMENT_MAX_BYTES // MB, "name": name,
                                    "size": m.size / MB}, "media"))
        if m.kind in (MediaKind.IMAGE, MediaKind.GIF) and m.width and m.height \
                and m.width * m.height > IMAGE_PIXELS_MAX:
            issues.append(Issue("image_too_large", _(
                "LinkedIn accepts images up to 36 million pixels; %(name)s is "
                "%(width)d×%(height)d. Make it smaller and attach it again.")
                % {"name": name, "width": m.width, "height": m.height}, "media"))
    return issues

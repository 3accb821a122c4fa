from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core import signing
from django.db.models import QuerySet

from smmdesk.accounts.models import Workspace
from smmdesk.connectors.base import Format, Issue, MediaFile, MediaKind, PublishRequest
from smmdesk.connectors.registry import connector_class
from smmdesk.content.models import MediaAsset, Post, Variant
from smmdesk.content.utm import tag_links


def post_list(*, workspace: Workspace) -> QuerySet[Post]:
    return Post.objects.filter(workspace=workspace).select_related("rubric", "campaign", "author")


def media_list(*, workspace: Workspace) -> QuerySet[MediaAsset]:
    return MediaAsset.objects.filter(workspace=workspace)


_PUBLIC_SALT = "smmdesk.public-media"
PUBLIC_MEDIA_DAYS = 7


def media_public_url(asset: MediaAsset) -> str:
    """A signed address anyone can fetch for a week: for networks that download media."""
    token = signing.dumps(asset.pk, salt=_PUBLIC_SALT)
    return f"{settings.SITE_URL}/m/{token}/"


def media_from_public_token(token: str) -> MediaAsset:
    try:
        pk = signing.loads(token, salt=_PUBLIC_SALT, max_age=timedelta(days=PUBLIC_MEDIA_DAYS))
        return MediaAsset.objects.get(pk=pk)
    except (signing.BadSignature, MediaAsset.DoesNotExist) as exc:
        raise LookupError("no such media") from exc


def media_file(asset: MediaAsset, *, public: bool = False) -> MediaFile:
    return MediaFile(path=Path(asset.file.path), kind=MediaKind(asset.kind), mime=asset.mime,
                     size=asset.size, name=asset.original_name, alt_text=asset.alt_text,
                     width=asset.width, height=asset.height,
                     url=media_public_url(asset) if public else "")


def variant_text(variant: Variant, *, publishing: bool = False) -> str:
    """The variant's text as it will be published: links tagged with UTM when asked,
    then, with "Shorten links", replaced by short links. ``publishing``: make (or reuse)
    the post × channel's short links; else count with an example code (nothing stored)."""
    text = variant.effective_text()
    post = variant.post
    if post.utm_enabled:
        text = tag_links(text, source=variant.channel.kind, medium=post.utm_medium,
                         campaign=post.utm_campaign_value())
    if post.shorten_links:
        from smmdesk.analytics.links import links_shorten, links_shorten_preview

        text = (links_shorten(text, post=post, channel=variant.channel) if publishing
                else links_shorten_preview(text))
    return text


def variant_publish_request(variant: Variant, *, marker: str = "",
                            publication_id: int | None = None,
                            publishing: bool = False) -> PublishRequest:
    """The variant as a connector receives it (``publishing``: see ``variant_text``)."""
    return PublishRequest(
        text=variant_text(variant, publishing=publishing),
        media=tuple(media_file(a, public=connector_class(variant.channel.kind).needs_public_media)
                    for a in variant.effective_media()),
        format=Format(variant.format),
        first_comment=variant.first_comment,
        options=dict(variant.options),
        marker=marker,
        publication_id=publication_id,
    )


def variant_issues(variant: Variant) -> list[Issue]:
    """What the variant's network would refuse, said in the person's words."""
    return connector_class(variant.channel.kind).validate(variant_publish_request(variant),
                                                         settings=variant.channel.settings)


def post_texts_and_media(*, post_ids) -> dict[int, tuple[str, str]]:
    """Each post's text and its format for comparisons: "text", "image", "video", or
    "album" (several media)."""
    from smmdesk.content.models import PostMedia

    kinds: dict[int, list[str]] = {}
    for post_id, kind in (PostMedia.objects.filter(post_id__in=post_ids)
                          .values_list("post_id", "asset__kind")):
        kinds.setdefault(post_id, []).append(kind)
    out = {}
    for post_id, body in Post.objects.filter(pk__in=post_ids).values_list("pk", "body"):
        media = kinds.get(post_id, [])
        fmt = "album" if len(media) > 1 else ("video" if media == ["video"] else
                                              "image" if media else "text")
        out[post_id] = (body, fmt)
    return out

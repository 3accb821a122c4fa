"""Every write to posts, variants, media, rubrics and campaigns."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.db import transaction
from django.utils.translation import gettext as _

from smmdesk.accounts.models import User, Workspace
from smmdesk.channels.models import Channel
from smmdesk.connectors.base import Format, Issue
from smmdesk.connectors.registry import connector_class
from smmdesk.content.media import sniff_upload
from smmdesk.content.models import (
    Campaign,
    HashtagGroup,
    MediaAsset,
    Post,
    PostMedia,
    Rubric,
    Snippet,
    Variant,
    VariantMedia,
)
from smmdesk.content.selectors import variant_issues
from smmdesk.lib.errors import Conflict, InvalidInput, NotFound

# Publication states in which the post's content is on its way or already out.
_LOCKED = ("publishing", "published", "unconfirmed")
# Publication states that will publish the variant as it is now.
_QUEUED = ("scheduled", "pending_approval")

# ---------------------------------------------------------------- rubrics, campaigns


def rubric_create(*, workspace: Workspace, name: str, color: str = "#6366f1",
                  target_share: int = 0, description: str = "") -> Rubric:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("A rubric needs a name."), code="name_required")
    if not 0 <= int(target_share) <= 100:
        raise InvalidInput(_("A target share is a percentage from 0 to 100."),
                           code="invalid_share")
    if Rubric.objects.filter(workspace=workspace, name=name).exists():
        raise InvalidInput(_("There is already a rubric called %(name)s.") % {"name": name},
                           code="duplicate_name")
    return Rubric.objects.create(workspace=workspace, name=name, color=color,
                                 target_share=target_share, description=description)


def campaign_create(*, workspace: Workspace, name: str, utm_campaign: str = "",
                    starts_on=None, ends_on=None) -> Campaign:
    name = (name or "").strip()
    if not name:
        raise InvalidInput(_("A campaign needs a name."), code="name_required")
    if starts_on and ends_on and ends_on < starts_on:
        raise InvalidInput(_("A campaign cannot end before it starts."), code="invalid_dates")
    return Campaign.objects.create(workspace=workspace, name=name, utm_campaign=utm_campaign,
                                   starts_on=starts_on, ends_on=ends_on)


# ---------------------------------------------------------------- media


def media_upload(*, workspace: Workspace, upload, actor: User | None,
                 alt_text: str = "") -> MediaAsset:
    """Store an uploaded file after checking what it really is (see content/media.py)."""
    name = getattr(upload, "name", "") or "upload"
    sniffed = sniff_upload(upload, name=name, size=upload.size)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    asset = MediaAsset(workspace=workspace, original_name=name[:255], kind=sniffed.kind,
                       mime=sniffed.mime, size=upload.size, width=sniffed.width,
                       height=sniffed.height, sha256=digest.hexdigest(), alt_text=alt_text,
                       uploaded_by=actor)
    # The extension of what the bytes are (see content/media.py), never the one sent.
    asset.file.save(f"upload{sniffed.extension}", upload, save=False)
    asset.save()
    return asset


def _assets(workspace: Workspace, ids: Iterable[int]) -> list[MediaAsset]:
    ids = [int(i) for i in ids]
    found = {a.pk: a for a in MediaAsset.objects.filter(workspace=workspace, pk__in=ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFound(_("Media file %(id)s not found in this workspace.") % {"id": missing[0]},
                       code="media_not_found")
    return [found[i] for i in ids]


# ---------------------------------------------------------------- posts and variants


def _rubric(workspace: Workspace, rubric_id) -> Rubric | None:
    if rubric_id in (None, ""):
        return None
    rubric = Rubric.objects.filter(workspace=workspace, pk=rubric_id).first()
    if rubric is None:
        raise NotFound(_("Rubric not found in this workspace."), code="rubric_not_found")
    return rubric


def _campaign(workspace: Workspace, campaign_id) -> Campaign | None:
    if campaign_id in (None, ""):
        return None
    campaign = Campaign.objects.filter(workspace=workspace, pk=campaign_id).first()
    if campaign is None:
        raise NotFound(_("Campaign not found in this workspace."), code="campaign_not_found")
    return campaign


def _refuse_nul(*texts) -> None:
    """A NUL character is never part of a real text, PostgreSQL cannot store it, and
    networks refuse it: say so instead of storing it."""
    if any(isinstance(t, str) and "\x00" in t for t in texts):
        raise InvalidInput(_("The text contains a NUL character (\\0), which no network "
                             "accepts. Remove it and try again."), code="nul_character")


@transaction.atomic
def post_create(*, workspace: Workspace, actor: User | None, body: str = "", title: str = "",
                rubric_id=None, campaign_id=None, media_ids: Iterable[int] = (),
                channels: Iterable[Channel] = ()) -> Post:
    _refuse_nul(body, title)
    post = Post.objects.create(workspace=workspace, author=actor, body=body or "",
                               title=(title or "")[:200],
                               rubric=_rubric(workspace, rubric_id),
                               campaign=_campaign(workspace, campaign_id))
    _set_post_media(post, _assets(workspace, media_ids))
    for channel in channels:
        variant_set(post=post, channel=channel)
    return post


def _set_post_media(post: Post, assets: list[MediaAsset]) -> None:
    post.post_media.all().delete()
    PostMedia.objects.bulk_create(
        PostMedia(post=post, asset=a, position=i) for i, a in enumerate(assets))


def raise_issues(variant: Variant, issues: list[Issue]) -> None:
    if issues:
        raise InvalidInput(" ".join(i.message for i in issues), code=issues[0].code,
                           details={"channel_id": variant.channel_id,
                                    "issues": [i.__dict__ for i in issues]})


def _assert_editable(post: Post, channel: Channel | None = None) -> None:
    pubs = post.publications.filter(status__in=_LOCKED).select_related("channel")
    if channel is not None:
        pubs = pubs.filter(channel=channel)
    locked = pubs.first()
    if locked is not None:
        raise Conflict(_("This post is already %(status)s on %(channel)s, so its content can "
                         "no longer change here. Duplicate it to make a new one.")
                       % {"status": locked.get_status_display().lower(),
                          "channel": locked.channel.name}, code="post_locked")


def _revalidate(post: Post) -> None:
    """Edits must still fit every network the post is queued for."""
    queued = post.variants.filter(publications__status__in=_QUEUED).select_related("channel")
    for variant in queued:
        raise_issues(variant, variant_issues(variant))


_UNSET = object()


_UTM = ("utm_enabled", "utm_medium", "utm_campaign", "shorten_links")


@transaction.atomic
def post_update(*, post: Post, actor: User | None, body=_UNSET, title=_UNSET,
                rubric_id=_UNSET, campaign_id=_UNSET, media_ids=_UNSET, **utm) -> Post:
    """Change a post. Its words and media are frozen once it is out on any channel;
    the internal title, rubric, campaign and UTM settings can always change."""
    if set(utm) - set(_UTM):
        raise TypeError(f"unknown fields: {sorted(set(utm) - set(_UTM))}")
    _refuse_nul(body, title, *utm.values())
    new_media = None if media_ids is _UNSET else _assets(post.workspace, media_ids)
    words_change = (body is not _UNSET and (body or "") != post.body) or (
        new_media is not None and [a.pk for a in new_media] != [a.pk for a in
                                                                 post.ordered_media()])
    if words_change:
        _assert_editable(post)
    fields = ["updated_at"]
    if body is not _UNSET:
        post.body = body or ""
        fields.append("body")
    if title is not _UNSET:
        post.title = (title or "")[:200]
        fields.append("title")
    if rubric_id is not _UNSET:
        post.rubric = _rubric(post.workspace, rubric_id)
        fields.append("rubric")
    if campaign_id is not _UNSET:
        post.campaign = _campaign(post.workspace, campaign_id)
        fields.append("campaign")
    for name, value in utm.items():
        setattr(post, name, value)
        fields.append(name)
    if new_media is not None:
        _set_post_media(post, new_media)
    post.save(update_fields=fields)
    _revalidate(post)
    return post


@transaction.atomic
def post_delete(*, post: Post, actor: User | None) -> None:
    _assert_editable(post)
    post.delete()


@transaction.atomic
def variant_set(*, post: Post, channel: Channel, text: str | None = None,
                media_ids: Iterable[int] | None = None, format: str | None = None,
                first_comment: str | None = None, options: dict | None = None,
                follow_post: bool = False) -> Variant:
    """Create or change the post's variant for one channel.

    Giving ``text`` or ``media_ids`` customises the variant; until then it follows the post.
    ``follow_post`` makes a customised variant follow the post again.
    """
    if channel.workspace_id != post.workspace_id:
        raise NotFound(_("Channel not found in this workspace."), code="channel_not_found")
    _refuse_nul(text, first_comment, *(options or {}).values())
    variant, created = Variant.objects.get_or_create(post=post, channel=channel)
    follow = follow_post and variant.customized
    if not created and (follow or _variant_changes(variant, text, media_ids, format, options)):
        _assert_editable(post, channel)
    if follow:
        variant.customized = False
    if format is not None:
        if format not in Format.__members__.values():
            raise InvalidInput(_("Unknown format: %(format)s.") % {"format": format},
                               code="invalid_format", details={"field": "format"})
        variant.format = format
    if first_comment is not None:
        variant.first_comment = first_comment
    if options is not None:
        allowed = {name for name, _label, _kind in
                   connector_class(channel.kind).variant_options}
        variant.options = {k: v for k, v in options.items() if k in allowed and v not in ("", None)}
    if text is not None or media_ids is not None:
        if not variant.customized:
            variant.customized = True
            variant.text = post.body
            _set_variant_media(variant, post.ordered_media())
        if text is not None:
            variant.text = text
        if media_ids is not None:
            _set_variant_media(variant, _assets(post.workspace, media_ids))
    variant.save()
    if variant.publications.filter(status__in=_QUEUED).exists():
        raise_issues(variant, variant_issues(variant))
    return variant


def _variant_changes(variant: Variant, text, media_ids, format, options=None) -> bool:
    """Would these values change what the channel shows?"""
    if format is not None and format != variant.format:
        return True
    if options is not None and {k: v for k, v in options.items() if v} != variant.options:
        return True
    if text is not None and text != variant.effective_text():
        return True
    return media_ids is not None and [int(i) for i in media_ids] != [
        a.pk for a in variant.effective_media()]


def _set_variant_media(variant: Variant, assets: list[MediaAsset]) -> None:
    variant.variant_media.all().delete()
    VariantMedia.objects.bulk_create(
        VariantMedia(variant=variant, asset=a, position=i) for i, a in enumerate(assets))


@transaction.atomic
def post_duplicate(*, post: Post, actor: User | None, series: str = "") -> Post:
    """A new draft with the same words, media, rubric, campaign and channel variants."""
    copy = Post.objects.create(
        workspace=post.workspace, author=actor, title=post.title, body=post.body,
        rubric=post.rubric, campaign=post.campaign, utm_enabled=post.utm_enabled,
        utm_medium=post.utm_medium, utm_campaign=post.utm_campaign,
        shorten_links=post.shorten_links, series=series)
    _set_post_media(copy, post.ordered_media())
    for variant in post.variants.select_related("channel"):
        new = Variant.objects.create(post=copy, channel=variant.channel,
                                     customized=variant.customized, text=variant.text,
                                     format=variant.format, first_comment=variant.first_comment)
        _set_variant_media(new, variant.effective_media() if variant.customized else [])
    return copy


# ---------------------------------------------------------------- hashtag groups, snippets


def hashtag_group_save(*, workspace: Workspace, name: str, tags: str,
                       group_id: int | None = None) -> HashtagGroup:
    name = (name or "").strip()
    words = [w if w.startswith("#") else f"#{w}" for w in (tags or "").replace(",", " ").split()]
    if not name or not words:
        raise InvalidInput(_("A hashtag group needs a name and at least one hashtag."),
                           code="invalid_group")
    group = HashtagGroup(workspace=workspace) if group_id is None else \
        HashtagGroup.objects.get(workspace=workspace, pk=group_id)
    group.name, group.tags = name[:100], " ".join(words)
    group.save()
    return group


def snippet_save(*, workspace: Workspace, name: str, text: str,
                 snippet_id: int | None = None) -> Snippet:
    name, text = (name or "").strip(), (text or "").strip()
    if not name or not text:
        raise InvalidInput(_("A snippet needs a name and a text."), code="invalid_snippet")
    snippet = Snippet(workspace=workspace) if snippet_id is None else \
        Snippet.objects.get(workspace=workspace, pk=snippet_id)
    snippet.name, snippet.text = name[:100], text
    snippet.save()
    return snippet


def hashtag_group_delete(*, workspace: Workspace, group_id: int) -> None:
    HashtagGroup.objects.filter(workspace=workspace, pk=group_id).delete()


def snippet_delete(*, workspace: Workspace, snippet_id: int) -> None:
    Snippet.objects.filter(workspace=workspace, pk=snippet_id).delete()


def rubric_update(*, rubric: Rubric, name: str | None = None, color: str | None = None,
                  target_share: int | None = None) -> Rubric:
    if name is not None:
        if not name.strip():
            raise InvalidInput(_("A rubric needs a name."), code="name_required")
        taken = Rubric.objects.filter(workspace_id=rubric.workspace_id, name=name.strip())
        if taken.exclude(pk=rubric.pk).exists():
            raise InvalidInput(_("There is already a rubric called %(name)s.")
                               % {"name": name.strip()}, code="duplicate_name")
        rubric.name = name.strip()[:100]
    if color is not None:
        rubric.color = color
    if target_share is not None:
        if not 0 <= int(target_share) <= 100:
            raise InvalidInput(_("A target share is a percentage from 0 to 100."),
                               code="invalid_share")
        rubric.target_share = int(target_share)
    rubric.save()
    return rubric

"""The composer and the post page (approval, tasks, team comments alongside)."""

from __future__ import annotations

from datetime import date, time

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Perm
from smmdesk.channels.models import ChannelStatus
from smmdesk.channels.selectors import channel_list
from smmdesk.connectors.base import FORMAT_LABELS, Format
from smmdesk.connectors.registry import connector_class
from smmdesk.content.access import access_post
from smmdesk.content.models import (
    ApprovalState,
    Campaign,
    HashtagGroup,
    MediaAsset,
    PlanSlot,
    Rubric,
    Snippet,
)
from smmdesk.content.selectors import media_list
from smmdesk.lib.errors import SmmdeskError
from smmdesk.publishing.services import post_repeat
from smmdesk.team.models import TaskKind
from smmdesk.web import compose_form
from smmdesk.web.decorators import requires


def _limits(channels) -> dict:
    out = {}
    for c in channels:
        cls = connector_class(c.kind)
        lim = cls.limits
        out[c.pk] = {"label": cls.label, "text_max": lim.text_max,
                     "caption_max": lim.caption_limit(), "counts": lim.counts,
                     "media_max": lim.media_max, "simulated": cls.simulated,
                     "formats": [f.value for f in Format if f in lim.formats]}
    return out


def _options(channel, variant) -> list[dict]:
    """The network's own per-post settings (e.g. a Mastodon content warning) as inputs."""
    values = variant.options if variant else {}
    return [{"name": f"opt_{channel.pk}_{name}", "label": label, "value": values.get(name, ""),
             "choices": kind if isinstance(kind, tuple) else None}
            for name, label, kind in connector_class(channel.kind).variant_options]


def _context(membership: Membership, data: compose_form.ComposeData, post=None, slot=None,
             checks=None, error=None) -> dict:
    ws = membership.workspace
    channels = channel_list(workspace=ws).exclude(status=ChannelStatus.DISABLED)
    variants = {v.channel.pk: v for v in data.variants}
    limits = _limits(channels)
    rows = [{"channel": c, "chosen": c.pk in variants, "v": variants.get(c.pk),
             "limits": limits[c.pk], "options": _options(c, variants.get(c.pk)),
             "formats": [(f, FORMAT_LABELS[Format(f)]) for f in limits[c.pk]["formats"]]}
            for c in channels]
    assets = {a.pk: a for a in MediaAsset.objects.filter(workspace=ws, pk__in=data.media_ids)}
    return {
        "post": post, "data": data, "rows": rows, "slot": slot, "error": error,
        "checks": checks if checks is not None else compose_form.check(data, ws),
        "media": [assets[i] for i in data.media_ids if i in assets],
        "rubrics": Rubric.objects.filter(workspace=ws),
        "campaigns": Campaign.objects.filter(workspace=ws),
        "hashtags": HashtagGroup.objects.filter(workspace=ws),
        "snippets": Snippet.objects.filter(workspace=ws),
        "needs_approval": ws.needs_approval,
        "can_schedule": membership.can("publications.schedule"),
        "can_edit": membership.can("content.edit"),
    }


def _from_query(request, ws) -> tuple[compose_form.ComposeData, PlanSlot | None]:
    data = compose_form.ComposeData()
    slot = None
    slot_id = request.GET.get("slot")
    if slot_id and slot_id.isdigit():
        slot = PlanSlot.objects.filter(workspace=ws, pk=slot_id, post__isnull=True).first()
    if slot is not None:
        data.slot_id, data.rubric_id, data.day, data.at = slot.pk, slot.rubric_id, slot.day, \
            slot.time
        if slot.channel is not None:
            data.variants.append(compose_form.VariantData(channel=slot.channel,
                                                          format=slot.format))
    try:
        data.day = date.fromisoformat(request.GET["date"])
        data.at = time.fromisoformat(request.GET.get("time", "10:00"))
    except (KeyError, ValueError):
        pass
    return data, slot


def _submit(request, membership, post=None):
    """Handle a composer POST; returns a response."""
    ws = membership.workspace
    data = compose_form.parse(request.POST, ws)
    checks = compose_form.check(data, ws)
    blocking = data.action != "draft" and any(c.issues for c in checks)
    if data.errors or blocking:
        error = " ".join(data.errors.values()) or _(
            "Some networks would refuse this post; see the marked channels.")
        return render(request, "web/compose.html",
                      _context(membership, data, post, checks=checks, error=error), status=400)
    try:
        post = compose_form.save(data, membership, post)
    except SmmdeskError as exc:
        return render(request, "web/compose.html",
                      _context(membership, data, post, checks=checks, error=exc.message),
                      status=400)
    messages.success(request, _DONE[data.action])
    return redirect("web:post", slug=ws.slug, post_id=post.pk)


_DONE = {
    "draft": gettext_lazy("Saved as a draft."),
    "schedule": gettext_lazy("Scheduled."),
    "queue": gettext_lazy("Added to the queue."),
    "now": gettext_lazy("Publishing now."),
    "approval": gettext_lazy("Sent for approval."),
}


@requires(Perm.CONTENT_EDIT)
def compose(request, membership: Membership):
    if request.method == "POST":
        return _submit(request, membership)
    data, slot = _from_query(request, membership.workspace)
    channel_id = request.GET.get("channel")
    if channel_id and channel_id.isdigit() and not data.variants:
        channel = channel_list(workspace=membership.workspace).filter(pk=channel_id).first()
        if channel:
            data.variants.append(compose_form.VariantData(channel=channel))
    return render(request, "web/compose.html", _context(membership, data, slot=slot))


def _own_post(membership: Membership, post_id: int):
    """The post, or 404 when it is not this workspace's (never another's copy)."""
    try:
        return access_post(workspace=membership.workspace, post_id=post_id)
    except SmmdeskError:
        raise Http404 from None


@requires(Perm.CONTENT_VIEW)
def post_page(request, membership: Membership, post_id: int):
    post = _own_post(membership, post_id)
    if request.method == "POST":
        if not membership.can("content.edit"):
            raise Http404
        return _submit(request, membership, post)
    context = _context(membership, compose_form.initial(post), post)
    context.update(_sidebar(membership, post))
    return render(request, "web/compose.html", context)


def _sidebar(membership: Membership, post) -> dict:
    ws = membership.workspace
    return {
        "publications": post.publications.select_related("channel").order_by("scheduled_at"),
        "events": post.approval_events.select_related("actor"),
        "tasks": post.tasks.select_related("assignee"),
        "comments": post.team_comments.select_related("author"),
        "members": ws.memberships.select_related("user").order_by("user__email"),
        "task_kinds": TaskKind.choices,
        "can_approve": _can_approve(membership, post),
        "can_submit": ws.needs_approval and membership.can("content.edit")
        and post.approval in (ApprovalState.DRAFT, ApprovalState.RETURNED),
        "series_count": post.series and post.__class__.objects.filter(
            workspace=ws, series=post.series).count(),
    }


def _can_approve(membership: Membership, post) -> bool:
    if post.approval == ApprovalState.PENDING_TEAM:
        return membership.role in ("owner", "manager")
    if post.approval == ApprovalState.PENDING_CLIENT:
        return membership.role in ("owner", "manager", "client")
    return False


@require_POST
@requires(Perm.CONTENT_EDIT)
def compose_check(request, membership: Membership):
    """The live check (HTMX): counters, what each network would refuse, previews."""
    data = compose_form.parse(request.POST, membership.workspace)
    context = {"checks": compose_form.check(data, membership.workspace), "data": data}
    # The daylight-saving choice sits in the form, next to the time: swapped out of band.
    dst = render_to_string("web/_compose_dst.html", context, request)
    return HttpResponse(render_to_string("web/_compose_checks.html", context, request)
                        + f'<div id="dst-slot" hx-swap-oob="true">{dst}</div>')


@requires(Perm.CONTENT_VIEW)
def media_library(request, membership: Membership):
    return render(request, "web/_media_library.html",
                  {"library": media_list(workspace=membership.workspace)[:60]})


@require_POST
@requires(Perm.CONTENT_EDIT)
def post_copy(request, membership: Membership, post_id: int):
    from smmdesk.content.services import post_duplicate

    post = _own_post(membership, post_id)
    copy = post_duplicate(post=post, actor=request.user)
    messages.success(request, _("A copy was made as a draft. Pick a time for it."))
    return redirect("web:post", slug=membership.workspace.slug, post_id=copy.pk)


@require_POST
@requires(Perm.PUBLICATIONS_SCHEDULE)
def post_recur(request, membership: Membership, post_id: int):
    post = _own_post(membership, post_id)
    try:
        copies = post_repeat(post=post, every=request.POST.get("every", ""),
                             count=int(request.POST.get("count") or 0), actor=request.user)
    except (SmmdeskError, ValueError) as exc:
        messages.error(request, getattr(exc, "message", _("Give a number of repeats.")))
    else:
        messages.success(request, ngettext("%(n)d copy scheduled.", "%(n)d copies scheduled.",
                                           len(copies)) % {"n": len(copies)})
    return redirect("web:post", slug=membership.workspace.slug, post_id=post.pk)


urlpatterns = [
    path("w/<slug:slug>/compose/", compose, name="compose"),
    path("w/<slug:slug>/compose/check/", compose_check, name="compose_check"),
    path("w/<slug:slug>/compose/media/", media_library, name="media_library"),
    path("w/<slug:slug>/posts/<int:post_id>/", post_page, name="post"),
    path("w/<slug:slug>/posts/<int:post_id>/copy/", post_copy, name="post_copy"),
    path("w/<slug:slug>/posts/<int:post_id>/repeat/", post_recur, name="post_repeat"),
]

"""The composer and the post page (approval, tasks, team comments alongside)."""

from __future__ import annotations

from datetime import date, time

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path
from django.utils import timezone
from django.utils.formats import date_format
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
from smmdesk.publishing.selectors import post_approval_due
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
    checks = checks if checks is not None else compose_form.check(data, ws)
    by_channel = {c.channel.pk: c for c in checks}
    for r in rows:
        r["check"] = by_channel.get(r["channel"].pk)
    approved = post is not None and post.approval == ApprovalState.APPROVED
    return {
        "post": post, "data": data, "rows": rows, "slot": slot, "error": error,
        "checks": checks, "body_count": compose_form.body_count(data, checks),
        # A post that needs approval cannot go out now: the button is not offered.
        "can_publish_now": not ws.needs_approval or approved,
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
    text = _done(data.action, post)
    late = data.action == "now" and post.approval != ApprovalState.APPROVED \
        and ws.needs_approval or _deadline_passed(post)
    (messages.warning if late else messages.success)(request, text)
    return redirect("web:post", slug=ws.slug, post_id=post.pk)


def _deadline_passed(post) -> bool:
    if post.approval not in (ApprovalState.PENDING_TEAM, ApprovalState.PENDING_CLIENT):
        return False
    due = post_approval_due(post=post)
    return due is not None and due < timezone.now()


def _done(action: str, post) -> str:
    """What the action did, in words; for a post that now waits for approval, that it
    was sent and the date it must be approved by to publish on time."""
    if post.approval not in (ApprovalState.PENDING_TEAM, ApprovalState.PENDING_CLIENT) \
            or action == "draft":
        return str(_DONE[action])
    if action == "now":
        return _("Sent for approval: it cannot go out now, because this workspace publishes "
                 "approved posts only. Once it is approved, schedule it or publish it.")
    due = post_approval_due(post=post)
    if due is None:
        return str(_DONE[action])
    when = {"date": date_format(timezone.localtime(due, post.workspace.tz),
                                "DATETIME_FORMAT")}
    if due < timezone.now():
        return _("Sent for approval, but its approval deadline (%(date)s) has passed: it "
                 "will publish only if it is approved before its time.") % when
    return {
        "schedule": _("Scheduled and sent for approval. It will publish only if it is "
                      "approved by %(date)s."),
        "queue": _("Added to the queue and sent for approval. It will publish only if it is "
                   "approved by %(date)s."),
        "approval": _("Sent for approval. It must be approved by %(date)s to publish on "
                      "time."),
    }[action] % when


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
    checks = compose_form.check(data, membership.workspace)
    context = {"checks": checks, "data": data, "oob": True,
               "body_count": compose_form.body_count(data, checks)}
    # The daylight-saving choice sits in the form, next to the time, and the counters
    # under the texts: swapped out of band, so they show the same numbers as the checks.
    dst = render_to_string("web/_compose_dst.html", context, request)
    counts = render_to_string("web/_compose_body_count.html", context, request) + "".join(
        render_to_string("web/_compose_count.html", {"c": c, "key": c.channel.pk,
                                                     "oob": True}, request) for c in checks)
    return HttpResponse(render_to_string("web/_compose_checks.html", context, request)
                        + f'<div id="dst-slot" hx-swap-oob="true">{dst}</div>' + counts)


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

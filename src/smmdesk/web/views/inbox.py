"""The inbox: the stream of what people write to us, and one message with everything
around it (its post, its thread, its author), answered without leaving the page.

Who: the team and analysts read it ("channels.view"); answering, sorting and assigning
need "content.edit". A client does not see the inbox: it holds other people's private
messages and the team's notes about them, which are no part of approving posts.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Perm, role_can
from smmdesk.channels.selectors import channel_list
from smmdesk.connectors.base import ConnectorError
from smmdesk.connectors.registry import connector_class
from smmdesk.inbox.actions import (
    fill_variables,
    network_delete,
    network_hide,
    network_reply,
)
from smmdesk.inbox.models import (
    InboxSort,
    Label,
    Message,
    MessageKind,
    MessageStatus,
    SavedReply,
)
from smmdesk.inbox.selectors import author_card, message_list, overdue_ids, thread
from smmdesk.inbox.services import (
    author_update,
    inbox_visit_record,
    message_assign,
    message_correct,
    message_label,
    message_set_status,
    suggested_replies,
)
from smmdesk.lib.errors import InvalidInput, SmmdeskError
from smmdesk.nlp.actions import labels_uncertain
from smmdesk.nlp.model import INTENTS, LANGUAGES, SENTIMENTS
from smmdesk.nlp.models import Correction
from smmdesk.web.decorators import requires

log = logging.getLogger("smmdesk.inbox")

EDIT = Perm.INBOX_ANSWER
PAGE_SIZE = 50
FILTERS = ("status", "channel", "language", "sentiment", "intent", "label", "assignee",
           "hours", "q", "sort")

STATUSES = (("open", gettext_lazy("Open")), ("new", gettext_lazy("New")),
            ("in_progress", gettext_lazy("In progress")), ("done", gettext_lazy("Done")),
            ("spam", gettext_lazy("Spam")), ("all", gettext_lazy("All")))
LANGUAGE_NAMES = {"ru": gettext_lazy("Russian"), "uk": gettext_lazy("Ukrainian"),
                  "be": gettext_lazy("Belarusian"), "en": gettext_lazy("English"),
                  "other": gettext_lazy("Other language")}
SENTIMENT_NAMES = {"negative": gettext_lazy("negative"), "neutral": gettext_lazy("neutral"),
                   "positive": gettext_lazy("positive")}
INTENT_NAMES = {"question": gettext_lazy("question"), "complaint": gettext_lazy("complaint"),
                "purchase": gettext_lazy("wants to buy"), "praise": gettext_lazy("praise"),
                "spam": gettext_lazy("spam"), "other": gettext_lazy("other")}
TASK_NAMES = {"sentiment": gettext_lazy("tone"), "intent": gettext_lazy("intent"),
              "toxic": gettext_lazy("toxicity")}
# One key corrects the message under the cursor (static/smmdesk/inbox.js reads these from
# the keyboard help): 1-6 the intent, 7-9 the tone.
CORRECTION_KEYS = ([(str(n), "intent", v) for n, v in enumerate(INTENTS, 1)]
                   + [(str(n), "sentiment", v) for n, v in enumerate(SENTIMENTS, 7)])


# ---------------------------------------------------------------- filters


def _id(value: str) -> int | None:
    """A row id from a form or the URL; None for anything else (no 500 on "abc")."""
    # isascii: "²".isdigit() is true, and int("²") fails.
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def _number(value: str) -> str:
    try:
        return value if 0 < float(value) < 24 * 366 else ""
    except ValueError:
        return ""


def _filters(query: QueryDict) -> dict[str, str]:
    """The stream's filters from the URL; anything not understood is dropped, never a 500."""
    f = {k: query.get(k, "").strip() for k in FILTERS}
    checks = {"status": {s for s, _label in STATUSES}, "language": {*LANGUAGES, "other"},
              "sentiment": set(SENTIMENTS), "intent": set(INTENTS),
              "sort": set(InboxSort.values)}
    for key, allowed in checks.items():
        if f[key] not in allowed:
            f[key] = ""
    for key in ("channel", "label"):
        f[key] = f[key] if _id(f[key]) else ""
    if f["assignee"] not in ("unassigned", "me") and not _id(f["assignee"]):
        f["assignee"] = ""
    f["hours"], f["q"] = _number(f["hours"]), f["q"][:200]
    f["status"] = f["status"] or "open"
    return f


def _keep(query: QueryDict) -> str:
    """The query string that keeps the list as it is (filters and page) across links."""
    keep = QueryDict(mutable=True)
    for key, value in _filters(query).items():
        if value and not (key == "status" and value == "open"):
            keep[key] = value
    page = query.get("page", "")
    if page.isdigit() and page != "1":
        keep["page"] = page
    return keep.urlencode()


def _selector_args(f: dict[str, str], user) -> dict:
    assignee = {"unassigned": "none", "me": user.pk}.get(f["assignee"], f["assignee"])
    return {"status": None if f["status"] == "all" else f["status"],
            "channel_id": f["channel"] or None, "language": f["language"] or None,
            "sentiment": f["sentiment"] or None, "intent": f["intent"] or None,
            "label_id": f["label"] or None, "assignee_id": assignee or None,
            "unanswered_hours": float(f["hours"]) if f["hours"] else None, "q": f["q"] or None}


# ---------------------------------------------------------------- reading


def _names(rows) -> list[Message]:
    """Words for the codes the classifier stores, for badges."""
    for m in rows:
        m.language_name = LANGUAGE_NAMES.get(m.language, m.language)
        m.sentiment_name = SENTIMENT_NAMES.get(m.sentiment, m.sentiment)
        m.intent_name = INTENT_NAMES.get(m.intent, m.intent)
        _uncertain(m)
    return rows


def _uncertain(m: Message) -> None:
    """The labels smmdesk is not sure of (it does not act on them): for "uncertain"."""
    m.uncertain = [] if m.by_us else labels_uncertain(confidence=m.confidence)
    m.uncertain_names = ", ".join(
        f"{TASK_NAMES[t]} ({round(100 * float(m.confidence[t]))}%)" for t in m.uncertain)


def _correction_keys() -> list[dict]:
    names = {"intent": INTENT_NAMES, "sentiment": SENTIMENT_NAMES}
    return [{"key": key, "field": field, "value": value, "name": names[field][value]}
            for key, field, value in CORRECTION_KEYS]


def _members(workspace):
    """People who can answer, for "assign"."""
    return [ms for ms in workspace.memberships.select_related("user").order_by("user__email")
            if role_can(ms.role, EDIT)]


def _stream(request, membership: Membership, query: QueryDict) -> dict:
    ws = membership.workspace
    f = _filters(query)
    # The order is remembered per person and workspace; a visit starts the "new" count.
    visit = inbox_visit_record(workspace=ws, user=request.user, sort=f["sort"])
    qs = message_list(workspace=ws, sort=visit.sort, **_selector_args(f, request.user))
    page = Paginator(qs, PAGE_SIZE).get_page(query.get("page"))
    rows = _names(list(page.object_list))
    keep_filters = QueryDict(_keep(query), mutable=True)
    for key in ("page", "sort"):
        keep_filters.pop(key, None)
    return {
        "f": f, "page": page, "rows": rows, "keep": _keep(query),
        "keep_filters": keep_filters.urlencode(), **_new(qs, visit.since, rows),
        "sort": visit.sort, "sorts": InboxSort.choices,
        "overdue": overdue_ids(workspace=ws, messages=rows),
        "statuses": STATUSES, "channels": channel_list(workspace=ws),
        "languages": LANGUAGE_NAMES.items(), "sentiments": SENTIMENT_NAMES.items(),
        "intents": INTENT_NAMES.items(), "labels": Label.objects.filter(workspace=ws),
        "members": _members(ws), "can_edit": membership.can(EDIT),
        "correction_keys": _correction_keys(),
    }


def _new(qs, since, rows) -> dict:
    """What arrived since the person's last visit: how many in this view, and which rows."""
    if since is None:
        return {"new_count": 0, "fresh": set()}
    return {"new_count": qs.filter(received_at__gt=since).count(),
            "fresh": {m.pk for m in rows if m.received_at > since}}


def _message(workspace, message_id: int | None) -> Message:
    m = (Message.objects.filter(workspace=workspace, pk=message_id or 0)
         .select_related("channel", "author", "assignee", "first_reply_by", "parent",
                         "publication__post__campaign", "publication__variant__post")
         .prefetch_related("labels").first())
    if m is None:
        raise Http404
    return m


def _network(m: Message) -> dict[str, str]:
    """What the channel's network lets smmdesk do with this message: "" when it may,
    otherwise the reason in plain words."""
    cls = connector_class(m.channel.kind)
    caps, net = cls.capabilities, {"network": cls.label}
    only_comments = "" if m.kind == MessageKind.COMMENT else \
        _("Only comments can be hidden or deleted from smmdesk.")
    return {
        "reply": "" if caps.reply else _("%(network)s does not let smmdesk reply; answer in "
                                         "the network's own app.") % net,
        "hide": only_comments or ("" if caps.hide_comment else _(
            "%(network)s does not let smmdesk hide comments.") % net),
        "delete": only_comments or ("" if caps.delete_comment else _(
            "%(network)s does not let smmdesk delete comments.") % net),
    }


def _strip(card) -> list[dict]:
    """The author's mood per week as tiny bars: height = strength, colour = sign."""
    out = []
    for week, score in card.sentiment_by_week[-12:]:
        tone = "pos" if score > 0.15 else "neg" if score < -0.15 else "neu"
        out.append({"week": week, "score": round(score, 2), "tone": tone,
                    "height": int(20 + 80 * abs(score))})
    return out


def _card(m: Message) -> dict:
    if m.author is None:
        return {}
    card = author_card(m.author)
    counts = [(INTENT_NAMES.get(k, k), n) for k, n in sorted(card.counts.items(),
                                                             key=lambda kv: -kv[1]) if k]
    earlier = [x for x in card.messages if x.pk != m.pk][:10]
    since = min([m.author.first_seen, *(x.created_at for x in card.messages[-1:])])
    return {"card": card, "total": sum(card.counts.values()), "since": since,
            "earlier": _names(earlier),
            "strip": _strip(card), "intent_counts": counts, "tags": ", ".join(m.author.tags)}


def _reply_text(request, m: Message) -> str:
    if request.method == "POST":
        return request.POST.get("text", "")
    saved = _id(request.GET.get("saved", ""))
    reply = SavedReply.objects.filter(workspace=m.workspace, pk=saved).first() \
        if saved else None
    return fill_variables(reply.text, m) if reply else ""


def _correction(m: Message) -> Correction | None:
    """The person's fix of this text, while the message still says what they set."""
    return (Correction.objects.filter(workspace=m.workspace, text=m.text, language=m.language,
                                      sentiment=m.sentiment, intent=m.intent, toxic=m.toxic)
            .select_related("created_by").order_by("-created_at").first())


def _pane(request, membership: Membership, m: Message, keep: str) -> dict:
    ws = membership.workspace
    _names([m])
    return {
        "m": m, "thread": _names(thread(m)), **_card(m), "network": _network(m),
        "post_text": m.publication.variant.effective_text() if m.publication_id else "",
        "suggested": [(r, fill_variables(r.text, m)) for r in suggested_replies(m)],
        "correction": _correction(m),
        "is_overdue": m.pk in overdue_ids(workspace=ws, messages=[m]),
        "reply_text": _reply_text(request, m), "members": _members(ws),
        "labels": Label.objects.filter(workspace=ws), "can_edit": membership.can(EDIT),
        "languages": LANGUAGE_NAMES.items(), "sentiments": SENTIMENT_NAMES.items(),
        "intents": INTENT_NAMES.items(), "keep": keep,
        "pane_messages": bool(request.htmx),
    }


def _page(request, membership: Membership, m: Message | None, query: QueryDict,
          status: int = 200):
    keep = _keep(query)
    if m is not None and request.htmx and request.htmx.target == "pane" \
            and not request.htmx.history_restore_request:
        response = render(request, "web/inbox_pane.html",
                          _pane(request, membership, m, keep), status=status)
    else:
        context = _stream(request, membership, query)
        if m is not None:
            context.update(_pane(request, membership, m, keep), pane_messages=False,
                           current=m.pk)
        response = render(request, "web/inbox.html", context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@requires(Perm.INBOX_VIEW)
def inbox(request, membership: Membership):
    opened = request.GET.get("m", "")
    m = _message(membership.workspace, _id(opened)) if opened else None
    return _page(request, membership, m, request.GET)


@requires(Perm.INBOX_VIEW)
def inbox_message(request, membership: Membership, message_id: int):
    return _page(request, membership, _message(membership.workspace, message_id),
                 request.GET)


# ---------------------------------------------------------------- acting on one message


def _status(request, membership, m):
    status = request.POST.get("status", "")
    status = MessageStatus.NEW if status == "open" else status
    message_set_status(messages=[m], status=status)
    return {MessageStatus.DONE: _("Marked as done."), MessageStatus.SPAM: _("Marked as spam."),
            MessageStatus.IN_PROGRESS: _("Marked as in progress.")}.get(status, _("Reopened."))


def _user_id(value: str) -> int | None:
    if value in ("", "none"):
        return None
    if _id(value) is None:
        raise InvalidInput(_("Choose a member of the team."), code="invalid_user")
    return _id(value)


def _assign(request, membership, m):
    user_id = _user_id(request.POST.get("user", ""))
    message_assign(workspace=membership.workspace, messages=[m], user_id=user_id)
    return _("Assigned.") if user_id else _("Nobody is assigned now.")


def _label(request, membership, m):
    remove = request.POST.get("remove") == "1"
    label = message_label(workspace=membership.workspace, messages=[m],
                          name=request.POST.get("name", ""), add=not remove)
    return (_("Label “%(name)s” removed.") if remove else _("Label “%(name)s” added.")) \
        % {"name": label.name}


def _correct(request, membership, m):
    values = {k: request.POST.get(k) or None for k in ("language", "sentiment", "intent")}
    toxic = request.POST.get("toxic")  # absent: unchanged (one key sets one label)
    message_correct(message=m, user=request.user,
                    toxic=None if toxic is None else toxic == "1", **values)
    return _("Thank you: corrected, and kept to teach smmdesk.")


def _reply(request, membership, m):
    if m.by_us:
        raise InvalidInput(_("This is our own message."), code="own_message")
    network_reply(m, request.POST.get("text", ""), user=request.user)
    return _("Answer sent.")


def _hide(request, membership, m):
    hidden = request.POST.get("hidden", "1") != "0"
    network_hide(m, hidden=hidden)
    return _("Hidden on the network.") if hidden else _("Shown again on the network.")


def _delete(request, membership, m):
    network_delete(m)
    return _("Deleted on the network.")


def _author(request, membership, m):
    if m.author is None:
        raise InvalidInput(_("This message has no known author."), code="no_author")
    author_update(author=m.author, tags=request.POST.get("tags", "").split(","),
                  note=request.POST.get("note", "")[:5000])
    return _("Saved.")


ACTIONS = {"status": _status, "assign": _assign, "label": _label, "correct": _correct,
           "reply": _reply, "hide": _hide, "delete": _delete, "author": _author}


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "") and not request.htmx


@require_POST
@requires(Perm.INBOX_ANSWER)
def message_action(request, membership: Membership, message_id: int, action: str):
    if action not in ACTIONS:
        raise Http404
    m = _message(membership.workspace, message_id)
    try:
        done, error = ACTIONS[action](request, membership, m), ""
    except SmmdeskError as exc:
        if exc.status == 404:
            raise Http404 from None
        done, error = "", str(exc.message)
    except ConnectorError as exc:
        done, error = "", exc.message
    except Exception:  # a network's odd answer must not cost the person their typed text
        log.exception("inbox %s on message %s failed", action, m.pk)
        done, error = "", _("%(channel)s did not accept this. Nothing was changed; try again "
                            "in a minute.") % {"channel": m.channel.name}
    return _answer(request, membership, m.pk, done, error)


def _kept(request) -> QueryDict:
    """The list's query string, carried through a POST in the "keep" field."""
    return QueryDict(request.POST.get("keep", "")[:2000])


def _row_html(request, membership: Membership, m: Message, oob: bool) -> str:
    ws = membership.workspace
    return render_to_string("web/inbox_row.html", {
        "m": _names([m])[0], "overdue": overdue_ids(workspace=ws, messages=[m]),
        "keep": _keep(_kept(request)), "current": m.pk if oob else None,
        "can_edit": membership.can(EDIT), "oob": oob, "current_workspace": ws}, request)


def _answer(request, membership: Membership, message_id: int, done: str, error: str):
    m = _message(membership.workspace, message_id)  # fresh: the action changed the row
    if _wants_json(request):
        return JsonResponse({"ok": not error, "message": error or done,
                             "row": _row_html(request, membership, m, oob=False)},
                            status=400 if error else 200)
    (messages.error if error else messages.success)(request, error or done)
    status = 400 if error else 200
    keep = _keep(_kept(request))
    if request.htmx:
        context = _pane(request, membership, m, keep)
        if not error:
            context["reply_text"] = ""  # sent: the box starts empty again
        pane = render_to_string("web/inbox_pane.html", context, request)
        return HttpResponse(pane + _row_html(request, membership, m, oob=True), status=status)
    if error:  # show the page again with what was typed, rather than lose it
        return _page(request, membership, m, _kept(request), status=status)
    url = reverse("web:inbox_message", args=[membership.workspace.slug, m.pk])
    return redirect(f"{url}?{keep}" if keep else url)


# ---------------------------------------------------------------- many at once


def _bulk_status(status):
    return lambda request, ws, rows: message_set_status(messages=rows, status=status)


def _bulk_assign(request, ws, rows) -> int:
    return message_assign(workspace=ws, messages=rows,
                          user_id=_user_id(request.POST.get("assignee", "")))


def _bulk_label(request, ws, rows) -> int:
    message_label(workspace=ws, messages=rows, name=request.POST.get("label", ""))
    return len(rows)


BULK = {"done": _bulk_status(MessageStatus.DONE), "spam": _bulk_status(MessageStatus.SPAM),
        "open": _bulk_status(MessageStatus.NEW), "assign": _bulk_assign, "label": _bulk_label}


@require_POST
@requires(Perm.INBOX_ANSWER)
def bulk(request, membership: Membership):
    ws = membership.workspace
    ids = [i for i in map(_id, request.POST.getlist("ids")) if i]
    rows = list(Message.objects.filter(workspace=ws, pk__in=ids))
    action = request.POST.get("action", "")
    try:
        if action not in BULK:
            raise InvalidInput(_("Choose what to do with the messages."), code="invalid_action")
        if not rows:
            raise InvalidInput(_("Tick the messages first."), code="nothing_chosen")
        n = BULK[action](request, ws, rows)
    except SmmdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ngettext("%(n)d message updated.", "%(n)d messages updated.",
                                           n) % {"n": n})
    url, keep = reverse("web:inbox", args=[ws.slug]), _keep(_kept(request))
    return redirect(f"{url}?{keep}" if keep else url)


urlpatterns = [
    path("w/<slug:slug>/inbox/", inbox, name="inbox"),
    path("w/<slug:slug>/inbox/bulk/", bulk, name="inbox_bulk"),
    path("w/<slug:slug>/inbox/<int:message_id>/", inbox_message, name="inbox_message"),
    path("w/<slug:slug>/inbox/<int:message_id>/<str:action>/", message_action,
         name="inbox_action"),
]

"""Listening pages: the mentions stream (worked like the inbox: status tabs, assignee,
labels, keys), one mention with its answer, the queries that find mentions (checked as
they are typed, previewed on the stored items) and the sources that are read.

Who: the staff read mentions and see the queries and sources ("listening.view"); owners,
managers and analysts write queries and add sources ("listening.manage"); the team
sorts, assigns, labels and answers mentions ("mentions.answer"). Every write goes
through ``listening.services``; this module only parses the form and shows the answer.
"""

from __future__ import annotations

import logging
from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import number_format
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Perm, role_can
from smmdesk.connectors.registry import connector_class
from smmdesk.inbox.models import Label, MessageStatus
from smmdesk.lib.errors import InvalidInput, SmmdeskError
from smmdesk.listening.models import Item, Mention, Query, Source, Spike
from smmdesk.listening.query.matcher import highlight
from smmdesk.listening.query.parser import QuerySyntaxError
from smmdesk.listening.services import (
    PREVIEW_DAYS,
    item_text,
    mention_assign,
    mention_label,
    mention_reply,
    mention_set_status,
    query_check,
    query_delete,
    query_preview,
    query_save,
    query_set_enabled,
    reply_channels,
    source_add,
    source_delete,
    source_update,
)
from smmdesk.nlp.actions import labels_uncertain
from smmdesk.nlp.model import INTENTS, LANGUAGES, SENTIMENTS
from smmdesk.sources import registry
from smmdesk.web.decorators import requires
from smmdesk.web.views.inbox import (
    INTENT_NAMES,
    LANGUAGE_NAMES,
    SENTIMENT_NAMES,
    STATUSES,
    TASK_NAMES,
)

log = logging.getLogger("smmdesk.listening")

VIEW, MANAGE, ANSWER = Perm.LISTENING_VIEW, Perm.LISTENING_MANAGE, Perm.MENTIONS_ANSWER
PAGE_SIZE = 50
ROW_CHARS = 400  # a row shows this much of a long article, around the first match
FILTERS = ("status", "query", "source", "sentiment", "intent", "language", "label",
           "assignee", "since", "until", "q", "spike")


# ---------------------------------------------------------------- small parsers


def _id(value: str) -> int | None:
    """A row id from a form or the URL; None for anything else (no 500 on "abc")."""
    return int(value) if value.isascii() and value.isdigit() and len(value) < 12 else None


def _day(value: str) -> date | None:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if 2000 <= day.year <= 2100 else None


def _filters(query: QueryDict) -> dict[str, str]:
    """The stream's filters from the URL; anything not understood is dropped, never a 500."""
    f = {k: query.get(k, "").strip() for k in FILTERS}
    checks = {"status": {s for s, _label in STATUSES}, "language": {*LANGUAGES, "other"},
              "sentiment": set(SENTIMENTS), "intent": set(INTENTS)}
    for key, allowed in checks.items():
        if f[key] not in allowed:
            f[key] = ""
    for key in ("query", "source", "label", "spike"):
        f[key] = f[key] if _id(f[key]) else ""
    if f["assignee"] not in ("unassigned", "me") and not _id(f["assignee"]):
        f["assignee"] = ""
    for key in ("since", "until"):
        f[key] = f[key] if _day(f[key]) else ""
    f["q"] = f["q"][:200]
    # A spike's items are shown whatever their status, unless a tab is chosen.
    f["status"] = f["status"] or ("all" if f["spike"] else "open")
    return f


def _keep(query: QueryDict) -> str:
    """The query string that keeps the list as it is (filters and page) across links."""
    keep = QueryDict(mutable=True)
    f = _filters(query)
    default = "all" if f["spike"] else "open"
    for key, value in f.items():
        if value and not (key == "status" and value == default):
            keep[key] = value
    page = query.get("page", "")
    if page.isdigit() and page != "1":
        keep["page"] = page
    return keep.urlencode()


def _day_start(day: date) -> datetime:
    """Midnight of ``day`` in the workspace's time zone (the decorator activated it)."""
    return timezone.make_aware(datetime.combine(day, time.min))


def mention_list(*, workspace, f: dict[str, str], user, spike: Spike | None = None):
    """The stream, filtered, newest first."""
    qs = (Mention.objects.filter(workspace=workspace)
          .select_related("item__source", "assignee")
          .prefetch_related("labels", "queries"))
    if f["status"] == "open":
        qs = qs.filter(status__in=[MessageStatus.NEW, MessageStatus.IN_PROGRESS])
    elif f["status"] != "all":
        qs = qs.filter(status=f["status"])
    for field, key in (("queries", "query"), ("item__source_id", "source"),
                       ("sentiment", "sentiment"), ("intent", "intent"), ("labels", "label")):
        if f[key]:
            qs = qs.filter(**{field: f[key]})
    if f["language"] == "other":
        qs = qs.exclude(language__in=LANGUAGES)
    elif f["language"]:
        qs = qs.filter(language=f["language"])
    if f["assignee"] == "unassigned":
        qs = qs.filter(assignee__isnull=True)
    elif f["assignee"]:
        qs = qs.filter(assignee_id=user.pk if f["assignee"] == "me" else f["assignee"])
    if f["since"]:
        qs = qs.filter(published_at__gte=_day_start(_day(f["since"])))
    if f["until"]:
        qs = qs.filter(published_at__lt=_day_start(_day(f["until"]) + timedelta(days=1)))
    if f["q"]:
        qs = qs.filter(Q(item__text__icontains=f["q"]) | Q(item__title__icontains=f["q"])
                       | Q(item__author__icontains=f["q"]))
    if spike is not None:
        qs = qs.filter(item_id__in=[i for i in spike.items if isinstance(i, int)])
    return qs.distinct().order_by("-published_at", "-id")


# ---------------------------------------------------------------- highlighting


def _merge(spans) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for s, e in sorted(spans):
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def marked(text: str, spans, limit: int | None = None) -> SafeString:
    """``text`` as safe HTML with the ``spans`` (on the original text) in <mark>, all else
    escaped. With a ``limit``, a long text is cut to a window around the first match."""
    spans = _merge((max(0, s), min(len(text), e)) for s, e in spans
                   if isinstance(s, int) and isinstance(e, int) and e > s)
    start, end = 0, len(text)
    if limit and len(text) > limit:
        first = spans[0][0] if spans else 0
        start = max(0, min(first - limit // 4, len(text) - limit))
        end = start + limit
    out, at = ["…" if start else ""], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out += [escape(text[at:s]), format_html("<mark>{}</mark>", text[s:e])]
        at = e
    out += [escape(text[at:end]), "…" if end < len(text) else ""]
    return mark_safe("".join(out))  # every piece above is escaped


def _spans(query_texts, text: str, item: Item) -> list[tuple[int, int]]:
    """Where the queries matched ``text`` (the item's filters count: a ``lang:uk`` query
    marks nothing in a Russian post)."""
    meta = {"language": item.language, "source": [item.source.kind, item.source.name],
            "author": item.author_id, "published_at": item.published_at}
    spans = []
    for q in query_texts:
        try:
            spans += highlight(q, text, **meta)
        except QuerySyntaxError:  # a query the parser of today no longer reads
            continue
    return spans


# ---------------------------------------------------------------- reading


def _kind_title(kind: str) -> str:
    try:
        return str(registry.get(kind).title)
    except (KeyError, ImportError):
        return kind


def _reach(followers: int | None) -> str:
    if followers is None:
        return ""
    return ngettext("%(n)s follower", "%(n)s followers", followers) % {
        "n": number_format(followers, force_grouping=True)}


def _names(rows, limit: int | None = ROW_CHARS) -> list[Mention]:
    """Words and marks for what the row shows: badges, reach, the text with its matches."""
    for m in rows:
        m.language_name = LANGUAGE_NAMES.get(m.language, m.language)
        m.sentiment_name = SENTIMENT_NAMES.get(m.sentiment, m.sentiment)
        m.intent_name = INTENT_NAMES.get(m.intent, m.intent)
        m.uncertain = labels_uncertain(confidence=m.confidence, tasks=("sentiment", "intent"))
        m.uncertain_names = ", ".join(
            f"{TASK_NAMES[t]} ({round(100 * float(m.confidence[t]))}%)" for t in m.uncertain)
        text = item_text(m.item)
        m.html_text = marked(text, _spans([q.text for q in m.queries.all()], text, m.item),
                             limit)
        m.reach = _reach(m.item.author_followers)
        m.kind_title = _kind_title(m.item.source.kind)
    return rows


def _members(workspace):
    """People who can work mentions, for "assign"."""
    return [ms for ms in workspace.memberships.select_related("user").order_by("user__email")
            if role_can(ms.role, ANSWER)]


def _spike(workspace, f) -> Spike | None:
    if not f["spike"]:
        return None
    spike = Spike.objects.filter(pk=f["spike"], query__workspace=workspace) \
        .select_related("query").first()
    if spike is None:
        raise Http404
    return spike


def _stream(request, membership: Membership, query: QueryDict) -> dict:
    ws = membership.workspace
    f = _filters(query)
    spike = _spike(ws, f)
    qs = mention_list(workspace=ws, f=f, user=request.user, spike=spike)
    page = Paginator(qs, PAGE_SIZE).get_page(query.get("page"))
    keep_filters = QueryDict(_keep(query), mutable=True)
    keep_filters.pop("page", None)
    queries = Query.objects.filter(workspace=ws)
    sources = Source.objects.filter(workspace=ws)
    return {
        "f": f, "page": page, "rows": _names(list(page.object_list)), "keep": _keep(query),
        "keep_filters": keep_filters.urlencode(), "spike": spike,
        "statuses": STATUSES, "queries": queries, "sources": sources,
        "has_queries": queries.exists(), "has_sources": sources.exists(),
        "languages": LANGUAGE_NAMES.items(), "sentiments": SENTIMENT_NAMES.items(),
        "intents": INTENT_NAMES.items(), "labels": Label.objects.filter(workspace=ws),
        "members": _members(ws), "can_edit": membership.can(ANSWER),
        "can_manage": membership.can(MANAGE),
    }


def _mention(workspace, mention_id: int | None) -> Mention:
    m = (Mention.objects.filter(workspace=workspace, pk=mention_id or 0)
         .select_related("item__source", "assignee", "replied_by")
         .prefetch_related("labels", "queries").first())
    if m is None:
        raise Http404
    return m


def _network_label(kind: str) -> str:
    try:
        return str(connector_class(kind).label) or kind
    except LookupError:
        return kind


def _reply(m: Mention) -> dict:
    """Where an answer can go, or in plain words why it cannot."""
    item = m.item
    channels = reply_channels(m)
    why = ""
    if not channels:
        if item.network and item.reply_ref:
            why = _("None of your connected channels can answer on %(network)s.") % {
                "network": _network_label(item.network)}
        else:
            why = _("smmdesk cannot answer where this was written (%(source)s).") % {
                "source": _kind_title(item.source.kind)}
    channel = next((c for c in channels if c.pk == m.reply_channel_id), None)
    return {"channels": channels, "cannot_reply": why, "reply_channel": channel}


def _pane(request, membership: Membership, m: Mention, keep: str) -> dict:
    ws = membership.workspace
    _names([m], limit=None)
    return {
        "m": m, "item": m.item, **_reply(m), "keep": keep, "members": _members(ws),
        "labels": Label.objects.filter(workspace=ws), "can_edit": membership.can(ANSWER),
        "reply_text": request.POST.get("text", "") if request.method == "POST" else "",
        "pane_messages": bool(request.htmx),
    }


def _page(request, membership: Membership, m: Mention | None, query: QueryDict,
          status: int = 200):
    keep = _keep(query)
    if m is not None and request.htmx and request.htmx.target == "pane" \
            and not request.htmx.history_restore_request:
        html = render_to_string("web/listening_pane.html",
                                _pane(request, membership, m, keep), request)
        if request.GET.get("poll"):  # the answer's state changed: the row shows it too
            html += _row_html(request, membership, m, keep, oob=True)
        response = HttpResponse(html, status=status)
    else:
        context = _stream(request, membership, query)
        if m is not None:
            context.update(_pane(request, membership, m, keep), pane_messages=False,
                           current=m.pk)
        response = render(request, "web/listening.html", context, status=status)
    patch_vary_headers(response, ("HX-Request", "HX-Target"))
    return response


@requires(VIEW)
def stream(request, membership: Membership):
    return _page(request, membership, None, request.GET)


@requires(VIEW)
def mention(request, membership: Membership, mention_id: int):
    return _page(request, membership, _mention(membership.workspace, mention_id), request.GET)


# ---------------------------------------------------------------- acting on one mention


def _status(request, ws, m):
    status = request.POST.get("status", "")
    status = MessageStatus.NEW if status == "open" else status
    mention_set_status(workspace=ws, mentions=[m], status=status)
    return {MessageStatus.DONE: _("Marked as done."), MessageStatus.SPAM: _("Marked as spam."),
            MessageStatus.IN_PROGRESS: _("Marked as in progress.")}.get(status, _("Reopened."))


def _assign(request, ws, m):
    value = request.POST.get("user", "")
    user_id = None if value in ("", "none") else _id(value)
    if value not in ("", "none") and user_id is None:
        raise InvalidInput(_("Choose a member of the team."), code="invalid_user")
    mention_assign(workspace=ws, mentions=[m], user_id=user_id)
    return _("Assigned.") if user_id else _("Nobody is assigned now.")


def _label(request, ws, m):
    remove = request.POST.get("remove") == "1"
    label = mention_label(workspace=ws, mentions=[m], name=request.POST.get("name", ""),
                          add=not remove)
    return (_("Label “%(name)s” removed.") if remove else _("Label “%(name)s” added.")) \
        % {"name": label.name}


def _answer(request, ws, m):
    mention_reply(mention=m, channel_id=_id(request.POST.get("channel", "")) or 0,
                  text=request.POST.get("text", ""), user=request.user)
    return _("The answer is queued: sending…")


ACTIONS = {"status": _status, "assign": _assign, "label": _label, "reply": _answer}


def _kept(request) -> QueryDict:
    """The list's query string, carried through a POST in the "keep" field."""
    return QueryDict(request.POST.get("keep", "")[:2000])


def _row_html(request, membership: Membership, m: Mention, keep: str, oob: bool) -> str:
    return render_to_string("web/listening_row.html", {
        "m": _names([m])[0], "keep": keep, "current": m.pk if oob else None,
        "can_edit": membership.can(ANSWER), "oob": oob,
        "current_workspace": membership.workspace}, request)


@require_POST
@requires(ANSWER)
def mention_action(request, membership: Membership, mention_id: int, action: str):
    if action not in ACTIONS:
        raise Http404
    ws = membership.workspace
    m = _mention(ws, mention_id)
    try:
        done, error = ACTIONS[action](request, ws, m), ""
    except SmmdeskError as exc:
        done, error = "", str(exc.message)
    m = _mention(ws, mention_id)  # fresh: the action changed the row
    keep = _keep(_kept(request))
    if "application/json" in request.headers.get("Accept", "") and not request.htmx:
        return JsonResponse({"ok": not error, "message": error or done,
                             "row": _row_html(request, membership, m, keep, oob=False)},
                            status=400 if error else 200)
    (messages.error if error else messages.success)(request, error or done)
    status = 400 if error else 200
    if request.htmx:
        context = _pane(request, membership, m, keep)
        if not error:
            context["reply_text"] = ""
        html = render_to_string("web/listening_pane.html", context, request)
        return HttpResponse(html + _row_html(request, membership, m, keep, oob=True),
                            status=status)
    if error:  # the page again with what was typed, rather than lose it
        return _page(request, membership, m, _kept(request), status=status)
    url = reverse("web:listening_mention", args=[ws.slug, m.pk])
    return redirect(f"{url}?{keep}" if keep else url)


# ---------------------------------------------------------------- queries


def _problem(text: str) -> dict:
    """The live check's context: OK, or the message and the text cut where it is wrong."""
    text = (text or "")[:5000]
    if not text.strip():
        return {"empty": True}
    problem = query_check(text)
    if problem is None:
        return {"ok": True}
    start = max(0, min(problem.position, len(text)))
    end = max(start, min(problem.end, len(text)))
    return {"problem": problem, "at": start + 1, "before": text[:start],
            "bad": text[start:end], "after": text[end:], "at_end": start == len(text)}


@requires(VIEW)
def queries(request, membership: Membership):
    ws = membership.workspace
    since = timezone.now() - timedelta(days=30)
    rows = (Query.objects.filter(workspace=ws)
            .annotate(recent=Count("mentions", filter=Q(mentions__published_at__gte=since)))
            .order_by("name"))
    return render(request, "web/listening_queries.html", {
        "rows": rows, "can_manage": membership.can(MANAGE),
        "since_day": timezone.localdate(since).isoformat(),
        "has_sources": Source.objects.filter(workspace=ws).exists()})


def _query_form(request, membership: Membership, query: Query | None):
    ws = membership.workspace
    data = {"name": query.name if query else "", "text": query.text if query else "",
            "exclude_own": query.exclude_own if query else True}
    error, preview, status = "", None, 200
    if request.method == "POST":
        data = {"name": request.POST.get("name", "")[:120],
                "text": request.POST.get("text", "")[:5000],
                "exclude_own": request.POST.get("exclude_own") == "1"}
        if request.POST.get("do") == "preview":  # the button without htmx
            preview = _preview(ws, data["text"])
        else:
            try:
                saved = query_save(workspace=ws, query=query, user=request.user, **data)
            except InvalidInput as exc:
                error, status = str(exc.message), 400
            else:
                messages.success(request, _("Query “%(name)s” saved.") % {"name": saved.name})
                return redirect("web:listening_queries", ws.slug)
    return render(request, "web/listening_query_form.html", {
        "query": query, "data": data, "error": error, "check": _problem(data["text"]),
        "preview": preview,
        "preview_days": PREVIEW_DAYS}, status=status)


@requires(MANAGE)
def query_new(request, membership: Membership):
    return _query_form(request, membership, None)


def _query(workspace, query_id: int) -> Query:
    query = Query.objects.filter(workspace=workspace, pk=query_id).first()
    if query is None:
        raise Http404
    return query


@requires(MANAGE)
def query_edit(request, membership: Membership, query_id: int):
    return _query_form(request, membership, _query(membership.workspace, query_id))


@require_POST
@requires(MANAGE)
def query_live_check(request, membership: Membership):
    """As the query is typed (htmx): OK, or what is wrong and where."""
    return render(request, "web/listening_query_check.html",
                  {"check": _problem(request.POST.get("text", ""))})


def _preview(workspace, text: str) -> dict:
    if not (text or "").strip():
        return {"error": _("Write a query first.")}
    try:
        found = query_preview(workspace=workspace, text=text[:5000])
    except InvalidInput as exc:
        return {"error": str(exc.message)}
    rows = []
    for item in found.items:
        body = item_text(item)
        rows.append({"item": item, "html": marked(body, _spans([text], body, item), ROW_CHARS),
                     "kind_title": _kind_title(item.source.kind)})
    return {"found": found, "rows": rows}


@require_POST
@requires(MANAGE)
def query_live_preview(request, membership: Membership):
    """What the query would have found in the stored items of the last 30 days (htmx)."""
    return render(request, "web/listening_query_preview.html", {
        "preview": _preview(membership.workspace, request.POST.get("text", "")),
        "preview_days": PREVIEW_DAYS})


@require_POST
@requires(MANAGE)
def query_enable(request, membership: Membership, query_id: int):
    query = _query(membership.workspace, query_id)
    enabled = request.POST.get("enabled", "1") == "1"
    query_set_enabled(query=query, enabled=enabled)
    messages.success(request, (_("Query “%(name)s” is on.") if enabled
                               else _("Query “%(name)s” is off.")) % {"name": query.name})
    return redirect("web:listening_queries", membership.workspace.slug)


@require_POST
@requires(MANAGE)
def query_remove(request, membership: Membership, query_id: int):
    query = _query(membership.workspace, query_id)
    query_delete(query=query)
    messages.success(request, _("Query “%(name)s” deleted.") % {"name": query.name})
    return redirect("web:listening_queries", membership.workspace.slug)


# ---------------------------------------------------------------- sources


def _kinds() -> list:
    """Every kind a person can add; a kind whose module fails to load is left out (and
    logged) rather than taking the page down."""
    found = []
    for kind in registry.kinds():
        try:
            found.append(registry.get(kind))
        except ImportError:
            log.exception("listening source %s could not be loaded", kind)
    return found


def _secret_field(src):
    return next((f for f in src.fields if f.secret), None)


def _source_form(src, values: dict | None = None) -> dict:
    values = values or {}
    fields = [{"field": f, "name": f"cfg_{f.name}", "id": f"src-{f.name}",
               "value": "" if f.secret else values.get(f"cfg_{f.name}", "")}
              for f in src.fields]
    return {"kind": src, "fields": fields,
            "ask_key": src.needs_key and _secret_field(src) is None,
            "name": values.get("name", ""), "news": values.get("news", "1") == "1"}


def _sources_page(request, membership: Membership, *, kind: str = "", values=None,
                  error: str = "", status: int = 200):
    ws = membership.workspace
    kinds = _kinds()
    chosen = next((k for k in kinds if k.kind == kind), None)
    rows = list(Source.objects.filter(workspace=ws).order_by("name"))
    for s in rows:
        s.kind_title = _kind_title(s.kind)
    return render(request, "web/listening_sources.html", {
        "rows": rows, "kinds": kinds, "chosen": chosen,
        "form": _source_form(chosen, values) if chosen else None, "error": error,
        "can_manage": membership.can(MANAGE)}, status=status)


@requires(VIEW)
def sources(request, membership: Membership):
    kind = request.GET.get("kind", "")
    return _sources_page(request, membership,
                         kind=kind if membership.can(MANAGE) else "")


@require_POST
@requires(MANAGE)
def source_new(request, membership: Membership):
    ws = membership.workspace
    kind = request.POST.get("kind", "")[:32]
    src = next((k for k in _kinds() if k.kind == kind), None)
    if src is None:
        return _sources_page(request, membership, error=_("Choose what kind of source to add."),
                             status=400)
    values = {k: v[:2000] for k, v in request.POST.items()}
    values["news"] = "1" if request.POST.get("news") == "1" else "0"
    config = {f.name: values.get(f"cfg_{f.name}", "").strip() for f in src.fields
              if not f.secret}
    secret_field = _secret_field(src)
    secret = values.get(f"cfg_{secret_field.name}" if secret_field else "secret", "").strip()
    try:
        missing = [str(f.label) for f in src.fields
                   if f.required and not (secret if f.secret else config.get(f.name))]
        if missing:
            raise InvalidInput(_("Fill in: %(fields)s.") % {"fields": ", ".join(missing)},
                               code="required")
        source = source_add(workspace=ws, kind=kind, config=config, secret=secret,
                            name=values.get("name", ""), news=values["news"] == "1")
    except InvalidInput as exc:
        return _sources_page(request, membership, kind=kind, values=values,
                             error=str(exc.message), status=400)
    messages.success(request, _("Source “%(name)s” added: its first items arrive within a "
                                "few minutes.") % {"name": source.name})
    return redirect("web:listening_sources", ws.slug)


def _source(workspace, source_id: int) -> Source:
    source = Source.objects.filter(workspace=workspace, pk=source_id).first()
    if source is None:
        raise Http404
    return source


@require_POST
@requires(MANAGE)
def source_enable(request, membership: Membership, source_id: int):
    source = _source(membership.workspace, source_id)
    enabled = request.POST.get("enabled", "1") == "1"
    source_update(source=source, enabled=enabled)
    messages.success(request, (_("Source “%(name)s” is on.") if enabled
                               else _("Source “%(name)s” is off.")) % {"name": source.name})
    return redirect("web:listening_sources", membership.workspace.slug)


@require_POST
@requires(MANAGE)
def source_remove(request, membership: Membership, source_id: int):
    source = _source(membership.workspace, source_id)
    source_delete(source=source)
    messages.success(request, _("Source “%(name)s” deleted, with what it found.")
                     % {"name": source.name})
    return redirect("web:listening_sources", membership.workspace.slug)


W = "w/<slug:slug>/listening/"
urlpatterns = [
    path(W, stream, name="listening"),
    path(W + "<int:mention_id>/", mention, name="listening_mention"),
    path(W + "<int:mention_id>/<str:action>/", mention_action, name="listening_action"),
    path(W + "queries/", queries, name="listening_queries"),
    path(W + "queries/new/", query_new, name="listening_query_new"),
    path(W + "queries/check/", query_live_check, name="listening_query_check"),
    path(W + "queries/preview/", query_live_preview, name="listening_query_preview"),
    path(W + "queries/<int:query_id>/", query_edit, name="listening_query"),
    path(W + "queries/<int:query_id>/enable/", query_enable, name="listening_query_enable"),
    path(W + "queries/<int:query_id>/delete/", query_remove, name="listening_query_delete"),
    path(W + "sources/", sources, name="listening_sources"),
    path(W + "sources/add/", source_new, name="listening_source_add"),
    path(W + "sources/<int:source_id>/enable/", source_enable,
         name="listening_source_enable"),
    path(W + "sources/<int:source_id>/delete/", source_remove,
         name="listening_source_delete"),
]

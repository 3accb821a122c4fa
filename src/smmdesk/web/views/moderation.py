"""Moderation (rules, their log, saved replies, response times, inbox settings) and leads.

Rules are built with a form, never typed as JSON (web/rule_form.py turns the form into
the conditions and actions documented in inbox/rules.py and back). A rule is saved disabled;
the person looks at its dry run (what it would have matched in the last 30 days) and
enables it there. Pages are readable by every member; changing rules and settings needs
"channels.manage", answering material (saved replies, leads) "content.edit".
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Sum
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Perm
from smmdesk.channels.selectors import channel_list
from smmdesk.connectors.base import ConnectorError
from smmdesk.inbox import actions as inbox_actions
from smmdesk.inbox.alerts import telegram_alert
from smmdesk.inbox.models import (
    Lead,
    LeadStatus,
    Rule,
    RuleAction,
    SavedReply,
)
from smmdesk.inbox.rules import clean_conditions
from smmdesk.inbox.selectors import response_times, sla_minutes
from smmdesk.inbox.services import (
    DRY_RUN_DAYS,
    inbox_settings,
    inbox_settings_save,
    lead_set_status,
    rule_delete,
    rule_dry_run,
    rule_move,
    rule_save,
    rule_set_enabled,
    saved_reply_delete,
    saved_reply_save,
)
from smmdesk.lib.badinput import parse_id
from smmdesk.lib.crypto import CannotDecrypt, decrypt_json
from smmdesk.lib.csvsafe import csv_writer
from smmdesk.lib.errors import InvalidInput, SmmdeskError
from smmdesk.web import rule_form
from smmdesk.web.decorators import requires

UNDOABLE = {"label", "assign", "status", "hide"}
MAX_SLA_MINUTES = 30 * 24 * 60
# Which field of the rule builder a service's error belongs next to.
RULE_ERROR_FIELDS = {"name_required": "name", "invalid_regex": "regex",
                     "no_conditions": "conditions", "invalid_condition": "conditions",
                     "no_actions": "actions", "invalid_action": "actions"}
DRY_RUN_SHOWN = 200
PERIODS = (7, 30, 90)


# ---------------------------------------------------------------- rules


def _rules_context(membership: Membership, form: rule_form.RuleForm | None = None,
                   dry_run: dict | None = None) -> dict:
    ws = membership.workspace
    lookups = rule_form.Lookups.of(ws)
    rules = [{"rule": r, "conditions": rule_form.describe_conditions(r.conditions, lookups),
              "certainty": rule_form.describe_certainty(r),
              "actions": [rule_form.describe_action(a, lookups) for a in r.actions],
              "warnings": rule_form.capability_warnings(r, ws)}
             for r in Rule.objects.filter(workspace=ws)]
    return {**rule_form.choices(lookups), "rules": rules, "form": form or rule_form.RuleForm(),
            "dry_run": dry_run, "can_manage": membership.can("channels.manage"),
            "days": DRY_RUN_DAYS}


def _rule(membership: Membership, rule_id) -> Rule:
    rule = Rule.objects.filter(workspace=membership.workspace, pk=rule_id).first()
    if rule is None:
        raise Http404
    return rule


@requires(Perm.INBOX_VIEW)
def rules(request, membership: Membership):
    form = None
    edit = request.GET.get("edit", "")
    if edit.isdigit() and membership.can("channels.manage"):
        form = rule_form.from_rule(_rule(membership, edit))
    return render(request, "web/moderation_rules.html", _rules_context(membership, form))


def _matches(ws, found: list) -> dict:
    return {"count": len(found), "shown": [
        {"m": m, "url": f"/w/{ws.slug}/inbox/{m.pk}/"} for m in found[:DRY_RUN_SHOWN]]}


@require_POST
@requires(Perm.MODERATION_MANAGE)
def rule_submit(request, membership: Membership):
    """Save the rule (disabled, then show its dry run), or only try it: "dry run"."""
    ws = membership.workspace
    form = rule_form.parse(request.POST, rule_form.Lookups.of(ws))
    if form.rule_id is not None:
        _rule(membership, form.rule_id)
    if not form.errors:
        try:
            if request.POST.get("do") == "dry_run":
                trial = Rule(workspace=ws, conditions=clean_conditions(form.conditions()),
                             actions=form.actions(), act_on_uncertain=form.act_on_uncertain)
                return render(request, "web/moderation_rules.html", _rules_context(
                    membership, form, _matches(ws, rule_dry_run(rule=trial))))
            rule = rule_save(workspace=ws, name=form.name, conditions=form.conditions(),
                             actions=form.actions(), user=request.user, rule_id=form.rule_id,
                             act_on_uncertain=form.act_on_uncertain)
        except SmmdeskError as exc:
            form.errors[RULE_ERROR_FIELDS.get(exc.code, "form")] = exc.message
    if form.errors:
        return render(request, "web/moderation_rules.html", _rules_context(membership, form),
                      status=400)
    messages.success(request, _("Rule saved, not enabled yet. Check what it would have "
                                "matched, then enable it."))
    return redirect("web:rule_dry_run", slug=ws.slug, rule_id=rule.pk)


@requires(Perm.MODERATION_MANAGE)
def rule_dry_run_page(request, membership: Membership, rule_id: int):
    ws = membership.workspace
    rule = _rule(membership, rule_id)
    lookups = rule_form.Lookups.of(ws)
    return render(request, "web/moderation_dry_run.html", {
        "rule": rule, "conditions": rule_form.describe_conditions(rule.conditions, lookups),
        "certainty": rule_form.describe_certainty(rule),
        "actions": [rule_form.describe_action(a, lookups) for a in rule.actions],
        "warnings": rule_form.capability_warnings(rule, ws), "days": DRY_RUN_DAYS,
        "dry_run": _matches(ws, rule_dry_run(rule=rule))})


@require_POST
@requires(Perm.MODERATION_MANAGE)
def rule_enable(request, membership: Membership, rule_id: int):
    rule = _rule(membership, rule_id)
    enabled = request.POST.get("enabled") == "1"
    rule_set_enabled(rule=rule, enabled=enabled)
    messages.success(request, (_("“%(rule)s” is on: it acts on new messages.") if enabled
                               else _("“%(rule)s” is off.")) % {"rule": rule.name})
    return redirect(reverse("web:inbox_rules", kwargs={"slug": membership.workspace.slug})
                    + f"#rule-{rule.pk}")


@require_POST
@requires(Perm.MODERATION_MANAGE)
def rule_remove(request, membership: Membership, rule_id: int):
    rule = _rule(membership, rule_id)
    rule_delete(rule=rule)
    messages.success(request, _("Rule “%(rule)s” deleted. What it did stays in the log.")
                     % {"rule": rule.name})
    return redirect("web:inbox_rules", slug=membership.workspace.slug)


@require_POST
@requires(Perm.MODERATION_MANAGE)
def rule_reorder(request, membership: Membership, rule_id: int):
    rule = _rule(membership, rule_id)
    rule_move(rule=rule, up=request.POST.get("direction") == "up")
    return redirect(reverse("web:inbox_rules", kwargs={"slug": membership.workspace.slug})
                    + f"#rule-{rule.pk}")


# ---------------------------------------------------------------- the log


def why_not_undoable(a: RuleAction) -> str:
    """Why there is no Undo button for this entry ("" when there is one)."""
    if a.state in ("pending", "running"):
        return _("Waiting for the worker: it is done on the network within a minute or two.")
    if a.state == "failed":
        return _("Nothing to undo: it failed.")
    if a.state == "undone":
        return ""
    return {
        "delete": _("A deleted comment cannot be brought back."),
        "reply": _("A sent reply cannot be taken back here; delete it on the network."),
        "notify": _("A notification cannot be taken back."),
    }.get(a.action, "")


@requires(Perm.INBOX_VIEW)
def rule_log(request, membership: Membership):
    ws = membership.workspace
    qs = (RuleAction.objects.filter(workspace=ws)
          .select_related("rule", "message__channel", "message__author", "undone_by"))
    rule_id, state = request.GET.get("rule", ""), request.GET.get("state", "")
    if rule_id.isdigit():
        qs = qs.filter(rule_id=rule_id)
    if state in ("pending", "done", "failed", "undone"):  # "waiting" is also being done
        qs = qs.filter(state__in=["pending", "running"] if state == "pending" else [state])
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    lookups = rule_form.Lookups.of(ws)
    rows = [{"a": a, "what": rule_form.describe_action(a.detail or {"do": a.action}, lookups),
             "undoable": a.state == "done" and a.action in UNDOABLE,
             "why_not": why_not_undoable(a), "url": f"/w/{ws.slug}/inbox/{a.message_id}/"}
            for a in page]
    return render(request, "web/moderation_log.html", {
        "rows": rows, "page": page, "rule_id": rule_id, "state": state,
        "rules": Rule.objects.filter(workspace=ws),
        "can_manage": membership.can("channels.manage"), "query": request.GET.urlencode()})


def _query(request, drop: str) -> str:
    q = request.GET.copy()
    q.pop(drop, None)
    return q.urlencode()


@require_POST
@requires(Perm.MODERATION_MANAGE)
def rule_undo(request, membership: Membership, action_id: int):
    action = (RuleAction.objects.filter(workspace=membership.workspace, pk=action_id)
              .select_related("message__channel", "message__author").first())
    if action is None:
        raise Http404
    try:
        inbox_actions.undo(action, user=request.user)
    except SmmdeskError as exc:
        messages.error(request, why_not_undoable(action) or exc.message)
    except ConnectorError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Undone."))
    return redirect(reverse("web:rule_log", kwargs={"slug": membership.workspace.slug})
                    + "?" + request.POST.get("back", "")[:500].lstrip("?"))


# ---------------------------------------------------------------- saved replies

REPLY_LANGUAGES = (("", gettext_lazy("Any language")), *rule_form.LANGUAGES[:4])
REPLY_FIELDS = ("name", "text", "language", "for_intent", "for_sentiment")


def _replies_context(membership: Membership, failed: dict | None = None) -> dict:
    """Each saved reply as an editable row; the one that failed keeps what was typed."""
    rows = [{"pk": r.pk, **{f: getattr(r, f) for f in REPLY_FIELDS}, "error": ""}
            for r in SavedReply.objects.filter(workspace=membership.workspace)]
    new = {f: "" for f in REPLY_FIELDS} | {"pk": None, "error": ""}
    for row in [*rows, new]:
        if failed and failed["pk"] == row["pk"]:
            row.update(failed)
    return {"rows": rows, "new": new, "languages": REPLY_LANGUAGES, "intents": rule_form.INTENTS,
            "sentiments": rule_form.SENTIMENTS, "can_edit": membership.can("content.edit")}


@requires(Perm.INBOX_VIEW)
def replies(request, membership: Membership):
    return render(request, "web/inbox_replies.html", _replies_context(membership))


def _clean_choice(value: str, choices) -> str:
    return value if value in dict(choices) else ""


@require_POST
@requires(Perm.INBOX_ANSWER)
def reply_submit(request, membership: Membership):
    ws = membership.workspace
    raw_id = request.POST.get("reply_id", "")
    reply_id = parse_id(raw_id) if raw_id else None
    if reply_id is not None and not SavedReply.objects.filter(workspace=ws, pk=reply_id).exists():
        raise Http404
    typed = {f: request.POST.get(f, "") for f in REPLY_FIELDS}
    typed["language"] = _clean_choice(typed["language"], REPLY_LANGUAGES)
    typed["for_intent"] = _clean_choice(typed["for_intent"], rule_form.INTENTS)
    typed["for_sentiment"] = _clean_choice(typed["for_sentiment"], rule_form.SENTIMENTS)
    try:
        saved_reply_save(workspace=ws, reply_id=reply_id, **typed)
    except SmmdeskError as exc:
        return render(request, "web/inbox_replies.html", _replies_context(
            membership, {**typed, "pk": reply_id, "error": exc.message}), status=400)
    messages.success(request, _("Saved reply “%(name)s” saved.") % {"name": typed["name"]})
    return redirect("web:inbox_replies", slug=ws.slug)


@require_POST
@requires(Perm.INBOX_ANSWER)
def reply_remove(request, membership: Membership, reply_id: int):
    reply = SavedReply.objects.filter(workspace=membership.workspace, pk=reply_id).first()
    if reply is None:
        raise Http404
    saved_reply_delete(reply=reply)
    messages.success(request, _("Saved reply “%(name)s” deleted.") % {"name": reply.name})
    return redirect("web:inbox_replies", slug=membership.workspace.slug)


# ---------------------------------------------------------------- response times


def duration(minutes: float | None) -> str:
    """Minutes as a person reads them: "45 min", "2 h 5 min", "3 d 4 h"."""
    if minutes is None:
        return "—"
    if minutes < 1:
        return _("under a minute")
    m = round(minutes)
    if m < 60:
        return _("%(m)d min") % {"m": m}
    if m < 48 * 60:
        h, rest = divmod(m, 60)
        return (_("%(h)d h %(m)d min") % {"h": h, "m": rest}) if rest else _("%(h)d h") % {
            "h": h}
    d, rest = divmod(m, 24 * 60)
    return _("%(d)d d %(h)d h") % {"d": d, "h": rest // 60}


@requires(Perm.INBOX_VIEW)
def metrics(request, membership: Membership):
    ws = membership.workspace
    days = int(request.GET["days"]) if request.GET.get("days") in {str(p) for p in PERIODS} \
        else 30
    sla = sla_minutes(ws)
    times = response_times(workspace=ws, since=timezone.now() - timedelta(days=days))
    tables = [(title, [{"r": r, "first": duration(r.median_first_reply_min),
                        "resolution": duration(r.median_resolution_min),
                        "slow": (r.median_first_reply_min or 0) > sla}
                       for r in times[kind]])
              for kind, title in (("member", _("By member")), ("channel", _("By channel")))]
    return render(request, "web/inbox_metrics.html", {
        "tables": tables, "days": days, "periods": PERIODS, "sla": duration(sla),
        "overdue": sum(r.overdue for r in times["channel"])})


# ---------------------------------------------------------------- settings


def _settings_context(membership: Membership, typed: dict | None = None,
                      errors: dict | None = None) -> dict:
    ws = membership.workspace
    s = inbox_settings(ws)
    try:
        telegram = decrypt_json(s.telegram_alerts_encrypted)
    except CannotDecrypt:
        telegram = {"broken": True}
    hours = s.sla_minutes % 60 == 0
    values = {"sla_value": s.sla_minutes // 60 if hours else s.sla_minutes,
              "sla_unit": "hours" if hours else "minutes",
              "responsible": s.responsible_id or "", "chat_id": telegram.get("chat_id", "")}
    return {"values": values | (typed or {}), "errors": errors or {}, "settings": s,
            "telegram": telegram, "members": Membership.objects.filter(workspace=ws)
            .select_related("user").order_by("user__name", "user__email"),
            "can_manage": membership.can("channels.manage")}


@requires(Perm.INBOX_VIEW)
def settings_page(request, membership: Membership):
    return render(request, "web/inbox_settings.html", _settings_context(membership))


def _sla(typed: dict) -> int:
    try:
        value = float(typed["sla_value"].replace(",", "."))
    except ValueError:
        value = None
    minutes = value * (60 if typed["sla_unit"] == "hours" else 1) if value is not None else -1
    if not 0 <= minutes <= MAX_SLA_MINUTES:  # also false for NaN; inf and 1e300 too large
        raise InvalidInput(_("Answer time is a number from 0 minutes to 30 days, e.g. 30 "
                             "minutes or 2 hours."), code="invalid_sla")
    return round(minutes)


def _telegram(post, stored: dict) -> dict:
    """The token field is left empty to keep the stored one (it is never shown back)."""
    if post.get("telegram_off") == "1":
        return {"telegram_bot_token": "", "telegram_chat_id": ""}
    token, chat = post.get("bot_token", "").strip(), post.get("chat_id", "").strip()
    if not token and not chat:
        return {"telegram_bot_token": "", "telegram_chat_id": ""} if stored else {}
    if not token and not stored.get("bot_token"):
        raise InvalidInput(_("Telegram alerts need the bot token as well as the chat id."),
                           code="token_required")
    return {"telegram_bot_token": token or stored.get("bot_token", ""),
            "telegram_chat_id": chat}


@require_POST
@requires(Perm.MODERATION_MANAGE)
def settings_submit(request, membership: Membership):
    ws = membership.workspace
    typed = {"sla_value": request.POST.get("sla_value", ""),
             "sla_unit": "hours" if request.POST.get("sla_unit") == "hours" else "minutes",
             "responsible": request.POST.get("responsible", ""),
             "chat_id": request.POST.get("chat_id", "")}
    responsible = typed["responsible"]
    try:
        stored = decrypt_json(inbox_settings(ws).telegram_alerts_encrypted)
    except CannotDecrypt:
        stored = {}
    try:
        inbox_settings_save(
            workspace=ws, sla_minutes=_sla(typed),
            responsible_id=parse_id(responsible),
            clear_responsible=parse_id(responsible) is None, **_telegram(request.POST, stored))
    except SmmdeskError as exc:
        where = {"invalid_sla": "sla", "not_a_member": "responsible"}.get(exc.code, "telegram")
        return render(request, "web/inbox_settings.html",
                      _settings_context(membership, typed, {where: exc.message}), status=400)
    messages.success(request, _("Inbox settings saved."))
    return redirect("web:inbox_settings", slug=ws.slug)


@require_POST
@requires(Perm.MODERATION_MANAGE)
def settings_test_alert(request, membership: Membership):
    ws = membership.workspace
    try:
        config = decrypt_json(inbox_settings(ws).telegram_alerts_encrypted)
    except CannotDecrypt:
        config = {}
    if not config.get("bot_token"):
        messages.error(request, _("Save the bot token and the chat id first."))
    elif telegram_alert(config, _("smmdesk: a test alert for “%(workspace)s”. Negative "
                                  "messages will be reported here.") % {"workspace": ws.name}):
        messages.success(request, _("Test alert sent: look for it in the Telegram chat."))
    else:
        messages.error(request, _("Telegram did not take the alert. Check the bot token and "
                                  "the chat id, and that the bot is a member of that chat."))
    return redirect(reverse("web:inbox_settings", kwargs={"slug": ws.slug}) + "#telegram")


# ---------------------------------------------------------------- leads


def _leads(request, ws):
    qs = Lead.objects.filter(workspace=ws).select_related(
        "message", "author", "channel", "publication").order_by("-created_at", "-pk")
    channel = request.GET.get("channel", "")
    if channel.isdigit():
        qs = qs.filter(channel_id=channel)
    by_channel = qs
    status = request.GET.get("status", "")
    if status in LeadStatus.values:
        qs = qs.filter(status=status)
    return qs, by_channel, channel, status


def _lead_totals(qs) -> dict:
    counts = dict(qs.order_by().values_list("status").annotate(n=Count("pk")))
    won = qs.filter(status=LeadStatus.WON).aggregate(total=Sum("value"))["total"]
    return {"by_status": [(value, label, counts.get(value, 0))
                          for value, label in LeadStatus.choices],
            "all": sum(counts.values()), "won_value": won or 0}


@requires(Perm.LEADS_VIEW)
def leads(request, membership: Membership):
    ws = membership.workspace
    qs, by_channel, channel, status = _leads(request, ws)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "web/leads.html", {
        "page": page, "totals": _lead_totals(by_channel), "statuses": LeadStatus.choices,
        "channels": channel_list(workspace=ws), "channel": channel, "status": status,
        "query": _query(request, "page"), "back": request.GET.urlencode(),
        "can_edit": membership.can("content.edit")})


@requires(Perm.LEADS_VIEW)
def leads_csv(request, membership: Membership):
    ws = membership.workspace
    qs, _by_channel, _channel, _status = _leads(request, ws)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="leads-{ws.slug}-{day}.csv"'
    response.write("\ufeff")  # spreadsheets then read Cyrillic as UTF-8
    out = csv_writer(response)  # a commenter's "=HYPERLINK(...)" stays text
    out.writerow([_("Date"), _("Status"), _("Value"), _("Channel"), _("Author"), _("Message"),
                  _("Post"), _("Link")])
    base = settings.SITE_URL  # not the Host header, which the client chooses
    for lead in qs.iterator(chunk_size=500):
        post = (base + reverse("web:publication", kwargs={"slug": ws.slug,
                                                          "pub_id": lead.publication_id})
                if lead.publication_id else "")
        out.writerow((
            timezone.localtime(lead.created_at).strftime("%Y-%m-%d %H:%M"),
            lead.get_status_display(), lead.value if lead.value is not None else "",
            lead.channel.name, lead.author or "", lead.message.text, post,
            f"{base}/w/{ws.slug}/inbox/{lead.message_id}/"))
    return response


@require_POST
@requires(Perm.LEADS_EDIT)
def lead_update(request, membership: Membership, lead_id: int):
    ws = membership.workspace
    lead = Lead.objects.filter(workspace=ws, pk=lead_id).first()
    if lead is None:
        raise Http404
    try:
        lead_set_status(lead=lead, status=request.POST.get("status", ""),
                        value=request.POST.get("value", "").strip() or None)
    except SmmdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Lead updated."))
    back = request.POST.get("back", "")[:500].lstrip("?")
    return redirect(reverse("web:leads", kwargs={"slug": ws.slug})
                    + (f"?{back}" if back else "") + f"#lead-{lead.pk}")


urlpatterns = [
    path("w/<slug:slug>/moderation/", rules, name="inbox_rules"),
    path("w/<slug:slug>/moderation/save/", rule_submit, name="rule_save"),
    path("w/<slug:slug>/moderation/<int:rule_id>/dry-run/", rule_dry_run_page,
         name="rule_dry_run"),
    path("w/<slug:slug>/moderation/<int:rule_id>/enable/", rule_enable, name="rule_enable"),
    path("w/<slug:slug>/moderation/<int:rule_id>/delete/", rule_remove, name="rule_delete"),
    path("w/<slug:slug>/moderation/<int:rule_id>/move/", rule_reorder, name="rule_move"),
    path("w/<slug:slug>/moderation/log/", rule_log, name="rule_log"),
    path("w/<slug:slug>/moderation/log/<int:action_id>/undo/", rule_undo, name="rule_undo"),
    path("w/<slug:slug>/moderation/replies/", replies, name="inbox_replies"),
    path("w/<slug:slug>/moderation/replies/save/", reply_submit, name="inbox_reply_save"),
    path("w/<slug:slug>/moderation/replies/<int:reply_id>/delete/", reply_remove,
         name="inbox_reply_delete"),
    path("w/<slug:slug>/moderation/metrics/", metrics, name="inbox_metrics"),
    path("w/<slug:slug>/moderation/settings/", settings_page, name="inbox_settings"),
    path("w/<slug:slug>/moderation/settings/save/", settings_submit,
         name="inbox_settings_save"),
    path("w/<slug:slug>/moderation/settings/test-alert/", settings_test_alert,
         name="inbox_settings_test"),
    path("w/<slug:slug>/leads/", leads, name="leads"),
    path("w/<slug:slug>/leads/export.csv", leads_csv, name="leads_csv"),
    path("w/<slug:slug>/leads/<int:lead_id>/", lead_update, name="lead_update"),
]

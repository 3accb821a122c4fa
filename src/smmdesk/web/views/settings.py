"""Workspace settings and channels.

Each section of a page is saved by its own POST route, guarded by the permission that
section needs; a role that may not change a section sees it read-only. A service's error
is shown next to the form it came from, with what the person typed (secrets excepted).
"""

from __future__ import annotations

import zoneinfo
from datetime import timedelta
from functools import cache

from csp.decorators import csp_update
from django import forms
from django.conf import settings as django_settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from smmdesk.accounts.access import access_row
from smmdesk.accounts.models import ApprovalMode, Membership
from smmdesk.accounts.roles import Perm, Role
from smmdesk.accounts.selectors import invitation_list_pending
from smmdesk.accounts.services import (
    invitation_create,
    invitation_revoke,
    invitation_url,
    membership_remove,
    membership_role_change,
    workspace_update,
)
from smmdesk.channels.access import access_channel
from smmdesk.channels.models import ChannelStatus
from smmdesk.channels.selectors import channel_list
from smmdesk.channels.services import channel_connect, channel_set_status, channel_settings_set
from smmdesk.connectors.base import ConnectorError
from smmdesk.connectors.registry import CONNECTORS, connector_class, kind_label
from smmdesk.content.models import HashtagGroup, Snippet
from smmdesk.content.services import (
    hashtag_group_delete,
    hashtag_group_save,
    snippet_delete,
    snippet_save,
)
from smmdesk.lib.errors import InvalidInput, SmmdeskError
from smmdesk.team.models import TaskKind
from smmdesk.team.services import approval_mode_set, lead_days_set
from smmdesk.web.decorators import requires

LEAD_KINDS = (TaskKind.COPY, TaskKind.DESIGN, TaskKind.VIDEO, TaskKind.APPROVAL)
EXPIRY_WARNING = timedelta(days=7)

APPROVAL_MODES = {
    ApprovalMode.NONE: (gettext_lazy("No approval"),
                        gettext_lazy("Posts are scheduled as soon as they are ready.")),
    ApprovalMode.INTERNAL: (gettext_lazy("The team approves"),
                            gettext_lazy("An owner or a manager approves each post before it "
                                         "can be published.")),
    ApprovalMode.INTERNAL_CLIENT: (gettext_lazy("The team, then the client"),
                                   gettext_lazy("After the team, the client approves too: in "
                                                "smmdesk or through a link you send them.")),
}

INPUT_TYPES = {"text": "text", "secret": "password", "url": "url"}

# Which form field a service's error belongs next to.
ERROR_FIELDS = {"invalid_timezone": "timezone", "name_required": "name",
                "user_not_found": "email", "already_member": "email", "invalid_role": "role",
                "role_forbids": "role",
                "invalid_group": "tags", "invalid_snippet": "text"}


@cache
def _timezones() -> list[str]:
    return sorted(zoneinfo.available_timezones())


# ---------------------------------------------------------------- forms


class _Form(forms.Form):
    """Several forms share a page: give each its own id prefix."""

    id_prefix = "f"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}-%s")
        super().__init__(*args, **kwargs)


class WorkspaceSettingsForm(_Form):
    id_prefix = "ws"
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    timezone = forms.CharField(
        label=gettext_lazy("Time zone"), max_length=64,
        help_text=gettext_lazy("Start typing a city, e.g. Europe/Kyiv. Dates and times in "
                               "this workspace are shown in it."),
        widget=forms.TextInput(attrs={"list": "timezones", "autocomplete": "off"}))
    language = forms.ChoiceField(label=gettext_lazy("Default language"),
                                 choices=django_settings.LANGUAGES)


class ApprovalForm(_Form):
    id_prefix = "ap"
    mode = forms.ChoiceField(choices=ApprovalMode.choices)


class LeadDaysForm(_Form):
    id_prefix = "lead"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for kind in LEAD_KINDS:
            self.fields[kind.value] = forms.IntegerField(label=kind.label, min_value=0,
                                                         max_value=90)


class HashtagGroupForm(_Form):
    id_prefix = "hg"
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    tags = forms.CharField(label=gettext_lazy("Hashtags"),
                           help_text=gettext_lazy("Separate them with spaces or commas; "
                                                  "# is added where it is missing."))


class SnippetForm(_Form):
    id_prefix = "sn"
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    text = forms.CharField(label=gettext_lazy("Text"), widget=forms.Textarea(attrs={"rows": 3}))


class MemberAddForm(_Form):
    id_prefix = "mem"
    email = forms.EmailField(label=gettext_lazy("E-mail"))
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=Role.choices,
                             initial=Role.EDITOR)

    def __init__(self, *args, inviter_role: str = Role.OWNER, **kwargs):
        super().__init__(*args, **kwargs)
        if inviter_role != Role.OWNER:  # only an owner makes another owner
            self.fields["role"].choices = [c for c in Role.choices if c[0] != Role.OWNER]


def _run(form: forms.Form, call):
    """Call the service with the form's data and return what it saved; on an error, put
    it on the form and return None."""
    result = None
    if form.is_valid():
        try:
            result = call(form.cleaned_data)
        except SmmdeskError as exc:
            field = ERROR_FIELDS.get(exc.code)
            form.add_error(field if field in form.fields else None, exc.message)
    _focus_first_error(form)
    return result


def _focus_first_error(form: forms.Form) -> None:
    """The page comes back from the top: take the person to what needs fixing."""
    for name in form.fields:
        if name in form.errors:
            form.fields[name].widget.attrs["autofocus"] = True
            return


def _saved(request, membership: Membership, anchor: str, message: str = ""):
    messages.success(request, message or _("Saved."))
    url = reverse("web:settings", kwargs={"slug": membership.workspace.slug})
    return redirect(f"{url}#{anchor}")


# ---------------------------------------------------------------- settings page


def _with_edit(rows, edited, kind: str):
    """Show what was typed, and the error, on the one row whose edit failed."""
    rows = list(rows)
    if edited and edited[0] == kind:
        _kind, pk, form = edited
        for row in rows:
            if row.pk == pk:
                for name in form.fields:
                    setattr(row, name, form.data.get(name, ""))
                row.error = " ".join(e for errors in form.errors.values() for e in errors)
    return rows


def _members(workspace, failed):
    rows = list(Membership.objects.filter(workspace=workspace).select_related("user")
                .order_by("user__email"))
    for row in rows:
        if failed and failed[0] == row.user_id:
            row.error = failed[1]
    return rows


def _settings_page(request, membership: Membership, *, edited=None, member_failed=None,
                   **forms_):
    ws = membership.workspace
    lead = {kind.value: ws.lead_days.get(kind.value, 0) for kind in LEAD_KINDS}
    context = {
        "can_workspace": membership.can("workspace.manage"),
        "can_content": membership.can("content.edit"),
        "can_members": membership.can("members.manage"),
        "workspace_form": forms_.get("workspace_form") or WorkspaceSettingsForm(initial={
            "name": ws.name, "timezone": ws.timezone, "language": ws.language}),
        "timezones": _timezones(),
        "approval_form": forms_.get("approval_form") or ApprovalForm(
            initial={"mode": ws.approval_mode}),
        "approval_modes": [(mode, *APPROVAL_MODES.get(mode, (mode.label, "")))
                           for mode in ApprovalMode],
        "lead_form": forms_.get("lead_form") or LeadDaysForm(initial=lead),
        "lead_rows": [(kind.label, lead[kind.value]) for kind in LEAD_KINDS],
        "hashtags_form": forms_.get("hashtags_form") or HashtagGroupForm(),
        "hashtag_groups": _with_edit(HashtagGroup.objects.filter(workspace=ws), edited,
                                     "hashtags"),
        "snippets_form": forms_.get("snippets_form") or SnippetForm(),
        "snippets": _with_edit(Snippet.objects.filter(workspace=ws), edited, "snippets"),
        "can_invite": membership.can(Perm.MEMBERS_INVITE),
        "member_form": forms_.get("member_form") or MemberAddForm(inviter_role=membership.role),
        "members": _members(ws, member_failed),
        "invitations": invitation_list_pending(workspace=ws) if membership.can(
            Perm.MEMBERS_INVITE) else [],
        "roles": Role.choices,
    }
    return render(request, "web/settings.html", context)


@requires(Perm.SETTINGS_VIEW)
def settings_page(request, membership):
    return _settings_page(request, membership)


@require_POST
@requires(Perm.WORKSPACE_MANAGE)
def settings_workspace(request, membership):
    ws = membership.workspace
    form = WorkspaceSettingsForm(request.POST)
    if _run(form, lambda d: workspace_update(workspace=ws, name=d["name"],
                                             timezone_name=d["timezone"].strip(),
                                             language=d["language"])):
        return _saved(request, membership, "workspace")
    ws.refresh_from_db()  # the service may have changed it in memory before refusing
    return _settings_page(request, membership, workspace_form=form)


@require_POST
@requires(Perm.WORKSPACE_MANAGE)
def settings_approvals(request, membership):
    form = ApprovalForm(request.POST)
    if _run(form, lambda d: approval_mode_set(workspace=membership.workspace, mode=d["mode"])):
        return _saved(request, membership, "approvals")
    return _settings_page(request, membership, approval_form=form)


@require_POST
@requires(Perm.WORKSPACE_MANAGE)
def settings_lead_days(request, membership):
    form = LeadDaysForm(request.POST)
    if _run(form, lambda d: lead_days_set(workspace=membership.workspace, days=d)):
        return _saved(request, membership, "lead-times")
    return _settings_page(request, membership, lead_form=form)


# ---------------------------------------------------------------- hashtag groups, snippets

# kind -> (model, form, save service, delete service, the services' id argument)
LIBRARY = {
    "hashtags": (HashtagGroup, HashtagGroupForm, hashtag_group_save, hashtag_group_delete,
                 "group_id"),
    "snippets": (Snippet, SnippetForm, snippet_save, snippet_delete, "snippet_id"),
}


def _library_row(kind: str, workspace, item_id: int):
    model = LIBRARY[kind][0]
    try:
        return access_row(model.objects.all(), workspace=workspace, pk=item_id,
                          message=_("Not found in this workspace."), code="not_found")
    except SmmdeskError:
        raise Http404 from None


def _library_save(request, membership, kind: str, item_id: int | None = None):
    _model, form_class, save, _delete, id_arg = LIBRARY[kind]
    ws = membership.workspace
    if item_id is not None:
        _library_row(kind, ws, item_id)
    form = form_class(request.POST)
    if _run(form, lambda d: save(workspace=ws, **d, **{id_arg: item_id})):
        return _saved(request, membership, kind)
    if item_id is None:
        return _settings_page(request, membership, **{f"{kind}_form": form})
    return _settings_page(request, membership, edited=(kind, item_id, form))


def _library_delete(request, membership, kind: str, item_id: int):
    _model, _form, _save, delete, id_arg = LIBRARY[kind]
    row = _library_row(kind, membership.workspace, item_id)
    delete(workspace=membership.workspace, **{id_arg: row.pk})
    return _saved(request, membership, kind, _("Deleted “%(name)s”.") % {"name": row.name})


@require_POST
@requires(Perm.LIBRARY_EDIT)
def settings_hashtag_add(request, membership):
    return _library_save(request, membership, "hashtags")


@require_POST
@requires(Perm.LIBRARY_EDIT)
def settings_hashtag_edit(request, membership, group_id: int):
    return _library_save(request, membership, "hashtags", group_id)


@require_POST
@requires(Perm.LIBRARY_EDIT)
def settings_hashtag_delete(request, membership, group_id: int):
    return _library_delete(request, membership, "hashtags", group_id)


@require_POST
@requires(Perm.LIBRARY_EDIT)
def settings_snippet_add(request, membership):
    return _library_save(request, membership, "snippets")


@require_POST
@requires(Perm.LIBRARY_EDIT)
def settings_snippet_edit(request, membership, snippet_id: int):
    return _library_save(request, membership, "snippets", snippet_id)


@require_POST
@requires(Perm.LIBRARY_EDIT)
def settings_snippet_delete(request, membership, snippet_id: int):
    return _library_delete(request, membership, "snippets", snippet_id)


# ---------------------------------------------------------------- team members


def _member(membership: Membership, user_id: int) -> Membership:
    row = (Membership.objects.select_related("user")
           .filter(workspace=membership.workspace, user_id=user_id).first())
    if row is None:
        raise Http404
    return row


@require_POST
@requires(Perm.MEMBERS_INVITE)
def settings_member_add(request, membership):
    form = MemberAddForm(request.POST, inviter_role=membership.role)
    invited = _run(form, lambda d: invitation_create(
        workspace=membership.workspace, email=d["email"], role=d["role"],
        invited_by=request.user))
    if not invited:
        return _settings_page(request, membership, member_form=form)
    invitation, token = invited
    if django_settings.SMMDESK_EMAIL_ENABLED:
        message = _("An invitation was sent to %(email)s. They join when they accept it."
                    ) % {"email": invitation.email}
    else:  # no mail server: the owner passes the link on
        message = _("This server sends no e-mail: send %(email)s this invitation link "
                    "yourself: %(url)s") % {"email": invitation.email,
                                            "url": invitation_url(token)}
    return _saved(request, membership, "members", message)


@require_POST
@requires(Perm.MEMBERS_INVITE)
def settings_invitation_revoke(request, membership, invitation_id: int):
    invitation_revoke(workspace=membership.workspace, invitation_id=invitation_id)
    return _saved(request, membership, "members", _("The invitation was withdrawn."))


@require_POST
@requires(Perm.MEMBERS_MANAGE)
def settings_member_role(request, membership, user_id: int):
    row = _member(membership, user_id)
    try:
        membership_role_change(workspace=membership.workspace, user=row.user,
                               role=request.POST.get("role", ""))
    except SmmdeskError as exc:
        return _settings_page(request, membership, member_failed=(row.user_id, exc.message))
    return _saved(request, membership, "members")


@require_POST
@requires(Perm.MEMBERS_MANAGE)
def settings_member_remove(request, membership, user_id: int):
    row = _member(membership, user_id)
    try:
        membership_remove(workspace=membership.workspace, user=row.user)
    except SmmdeskError as exc:
        return _settings_page(request, membership, member_failed=(row.user_id, exc.message))
    if row.user_id == request.user.pk:  # they left: this workspace is no longer theirs
        messages.success(request, _("You left %(workspace)s.")
                         % {"workspace": membership.workspace.name})
        return redirect("web:home")
    return _saved(request, membership, "members",
                  _("%(user)s was removed.") % {"user": row.user})


# ---------------------------------------------------------------- channels


def _expiry(channel, now) -> str:
    expires = channel.token_expires_at
    if expires is None:
        return ""
    if expires <= now:
        return "expired"
    return "soon" if expires - now <= EXPIRY_WARNING else ""


def _channel_rows(workspace) -> list:
    now = timezone.now()
    rows = list(channel_list(workspace=workspace))
    for row in rows:
        row.simulated = row.kind in CONNECTORS and connector_class(row.kind).simulated
        row.expiry = _expiry(row, now)
        row.metrics_source = (connector_class(row.kind).metrics_source(row.settings or {})
                              if row.kind in CONNECTORS else None)
        row.notes = (connector_class(row.kind).channel_notes(row.settings or {})
                     if row.kind in CONNECTORS else [])
        row.fields = _settings_fields(row)
    return rows


def _settings_fields(channel) -> list[dict]:
    if channel.kind not in CONNECTORS:
        return []
    return [{"name": name, "label": label, "choices": choices,
             "value": (channel.settings or {}).get(name, "")}
            for name, label, choices in connector_class(channel.kind).settings_fields]


def _network(kind: str, failed) -> dict:
    """One "connect" form, built from the connector's ``connect_fields``."""
    cls = connector_class(kind)
    typed, error = {}, ""
    if failed and failed[0] == kind:
        _kind, error, typed = failed
    fields = [{"name": name, "label": label, "id": f"connect-{kind}-{name}",
               "type": INPUT_TYPES.get(field_kind, "text"),
               "value": "" if field_kind == "secret" else typed.get(name, "")}
              for name, label, field_kind in cls.connect_fields]
    return {"kind": kind, "label": kind_label(kind), "short": cls.label or kind,
            "simulated": cls.simulated,
            "help": cls.connect_help,
            "fields": fields, "error": error,
            "oauth": cls.oauth is not None,
            "per_instance": bool(cls.oauth and cls.oauth.per_instance)}


# "Sign in with ..." forms go to the network's own page (any Mastodon server), so this
# one page lets forms lead to https addresses; everywhere else form-action is 'self'.
@csp_update({"form-action": "https:"})
def _channels_page(request, membership: Membership, failed=None):
    return render(request, "web/channels.html", {
        "channels": _channel_rows(membership.workspace),
        "networks": [_network(kind, failed) for kind in CONNECTORS],
        "can_manage": membership.can("channels.manage"),
    })


@requires(Perm.CHANNELS_VIEW)
def channels(request, membership):
    return _channels_page(request, membership)


@require_POST
@requires(Perm.CHANNELS_MANAGE)
def channel_connect_view(request, membership, kind: str):
    if kind not in CONNECTORS:
        raise Http404
    data = {name: request.POST.get(name, "").strip()
            for name, _label, _kind in connector_class(kind).connect_fields}
    try:
        channel = channel_connect(workspace=membership.workspace, kind=kind, data=data,
                                  actor=request.user)
    except InvalidInput as exc:
        return _channels_page(request, membership, failed=(kind, exc.message, data))
    except ConnectorError:  # the network did not answer: nothing was stored
        message = _("%(network)s did not answer. Nothing was saved; try again in a minute.") \
            % {"network": kind_label(kind)}
        return _channels_page(request, membership, failed=(kind, message, data))
    messages.success(request, _("%(channel)s is connected.") % {"channel": channel.name})
    return redirect("web:channels", slug=membership.workspace.slug)


@require_POST
@requires(Perm.CHANNELS_MANAGE)
def channel_status(request, membership, channel_id: int):
    slug = membership.workspace.slug
    try:
        channel = access_channel(workspace=membership.workspace, channel_id=channel_id)
    except SmmdeskError:
        raise Http404 from None
    status = request.POST.get("status", "")
    if status not in (ChannelStatus.ACTIVE, ChannelStatus.DISABLED):
        messages.error(request, _("Choose to enable or to disable the channel."))
        return redirect("web:channels", slug=slug)
    try:
        channel_set_status(channel=channel, status=status)
    except SmmdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, (_("%(channel)s is enabled.") if status == ChannelStatus.ACTIVE
                                   else _("%(channel)s is disabled.")) % {"channel": channel.name})
    return redirect("web:channels", slug=slug)


@require_POST
@requires(Perm.CHANNELS_MANAGE)
def channel_settings(request, membership, channel_id: int):
    """The settings a network lets a person change after connecting (the X API tier)."""
    try:
        channel = access_channel(workspace=membership.workspace, channel_id=channel_id)
    except SmmdeskError:
        raise Http404 from None
    names = [name for name, _label, _c in connector_class(channel.kind).settings_fields]
    try:
        channel_settings_set(channel=channel,
                             values={n: request.POST.get(n, "") for n in names})
    except SmmdeskError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Settings of %(channel)s saved.") % {"channel": channel.name})
    return redirect("web:channels", slug=membership.workspace.slug)


urlpatterns = [
    path("w/<slug:slug>/settings/", settings_page, name="settings"),
    path("w/<slug:slug>/settings/workspace/", settings_workspace, name="settings_workspace"),
    path("w/<slug:slug>/settings/approvals/", settings_approvals, name="settings_approvals"),
    path("w/<slug:slug>/settings/lead-times/", settings_lead_days, name="settings_lead_days"),
    path("w/<slug:slug>/settings/hashtags/", settings_hashtag_add, name="settings_hashtag_add"),
    path("w/<slug:slug>/settings/hashtags/<int:group_id>/", settings_hashtag_edit,
         name="settings_hashtag_edit"),
    path("w/<slug:slug>/settings/hashtags/<int:group_id>/delete/", settings_hashtag_delete,
         name="settings_hashtag_delete"),
    path("w/<slug:slug>/settings/snippets/", settings_snippet_add, name="settings_snippet_add"),
    path("w/<slug:slug>/settings/snippets/<int:snippet_id>/", settings_snippet_edit,
         name="settings_snippet_edit"),
    path("w/<slug:slug>/settings/snippets/<int:snippet_id>/delete/", settings_snippet_delete,
         name="settings_snippet_delete"),
    path("w/<slug:slug>/settings/members/", settings_member_add, name="settings_member_add"),
    path("w/<slug:slug>/settings/invitations/<int:invitation_id>/revoke/",
         settings_invitation_revoke, name="settings_invitation_revoke"),
    path("w/<slug:slug>/settings/members/<int:user_id>/role/", settings_member_role,
         name="settings_member_role"),
    path("w/<slug:slug>/settings/members/<int:user_id>/remove/", settings_member_remove,
         name="settings_member_remove"),
    path("w/<slug:slug>/channels/", channels, name="channels"),
    path("w/<slug:slug>/channels/connect/<str:kind>/", channel_connect_view,
         name="channel_connect"),
    path("w/<slug:slug>/channels/<int:channel_id>/settings/", channel_settings,
         name="channel_settings"),
    path("w/<slug:slug>/channels/<int:channel_id>/status/", channel_status,
         name="channel_status"),
]

"""Every write of competitors: competitors, their pages, and what the worker reads."""

from __future__ import annotations

from django.utils.translation import gettext as _

from smmdesk.accounts.models import Workspace
from smmdesk.competitors.models import Competitor, Page
from smmdesk.lib.errors import InvalidInput
from smmdesk.sources import registry
from smmdesk.sources.base import ACCOUNT, SourceError

MAX_COMPARED = 10
ACCOUNT_KINDS = ("telegram", "vk", "youtube", "bluesky", "mastodon", "instagram", "sandbox")


def competitor_add(*, workspace: Workspace, name: str) -> Competitor:
    name = (name or "").strip()[:120]
    if not name:
        raise InvalidInput(_("Give the competitor a name."), code="name_required")
    if Competitor.objects.filter(workspace=workspace).count() >= MAX_COMPARED:
        raise InvalidInput(_("You can compare up to %(n)d competitors: remove one first.")
                           % {"n": MAX_COMPARED}, code="too_many")
    if Competitor.objects.filter(workspace=workspace, name=name).exists():
        raise InvalidInput(_("There is already a competitor with that name."),
                           code="duplicate")
    return Competitor.objects.create(workspace=workspace, name=name)


def competitor_delete(*, competitor: Competitor) -> None:
    competitor.delete()


def page_add(*, competitor: Competitor, kind: str, config: dict, channel_id: int | None = None,
             probe: bool = True) -> Page:
    """A competitor's public page, checked (and read once, where ``probe``) first."""
    if kind not in ACCOUNT_KINDS:
        raise InvalidInput(_("smmdesk cannot follow a competitor's page there yet."),
                           code="unsupported")
    src = registry.get(kind)
    if ACCOUNT not in src.modes:
        raise InvalidInput(_("smmdesk cannot follow a competitor's page there yet."),
                           code="unsupported")
    secret = page_secret_for(workspace=competitor.workspace, kind=kind, channel_id=channel_id)
    if kind == "instagram":  # discovery asks through our own account's id
        config = {**config, "ig_user_id": _channel(competitor.workspace, channel_id).external_id}
    try:
        config = src.validate(dict(config))
        if probe:
            src.probe(config, secret)
    except SourceError as exc:
        raise InvalidInput(str(exc.message), code="source_invalid") from exc
    name = next((str(config[k]) for k in ("handle", "username", "channel", "acct", "domain")
                 if config.get(k)), kind)
    return Page.objects.create(competitor=competitor, kind=kind, config=config,
                               channel_id=channel_id, name=name[:200])


def page_secret_for(*, workspace: Workspace, kind: str, channel_id: int | None) -> str:
    """Instagram's Business Discovery reads a competitor through our own connected
    professional account: its token is the secret. VK and YouTube need the API key the
    workspace gave its listening source of that network; the others read public pages."""
    if kind in ("vk", "youtube"):
        return _listening_key(workspace, kind)
    if kind != "instagram":
        return ""
    from smmdesk.channels.services import channel_context

    return channel_context(_channel(workspace, channel_id)).credentials.get("access_token", "")


def _channel(workspace: Workspace, channel_id: int | None):
    from smmdesk.channels.models import Channel

    channel = Channel.objects.filter(pk=channel_id, workspace=workspace,
                                     kind="instagram").first()
    if channel is None:
        raise InvalidInput(_("Choose your connected Instagram account: Instagram shows a "
                             "competitor's figures only through it."), code="channel_required")
    return channel


def page_delete(*, page: Page) -> None:
    page.delete()


def _listening_key(workspace: Workspace, kind: str) -> str:
    from smmdesk.listening.selectors import source_key

    key = source_key(workspace=workspace, kind=kind)
    if not key:
        raise InvalidInput(_("Reading a competitor on %(network)s needs an API key: add a "
                             "listening source of that network with its key first.")
                           % {"network": registry.get(kind).title}, code="key_required")
    return key

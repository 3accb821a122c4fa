"""Which community: what the person typed as a community id or short name, whose
community a token is and whether it may post there, and the channel it becomes."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from smmdesk.connectors.base import ConnectResult, PermanentError

if TYPE_CHECKING:
    from smmdesk.connectors.vk import VKConnector

_LINK = re.compile(r"(?:https?://)?(?:m\.|www\.)?vk\.(?:com|ru)/(?P<rest>[^?#]*)(?:[?#].*)?",
                   re.I)
_SCREEN_NAME = re.compile(r"[A-Za-z0-9_.]{2,64}")
_NUMERIC = re.compile(r"-?(?:club|public|event)?(?P<id>\d+)", re.I)

# Community token rights a publishing channel needs (groups.getTokenPermissions names).
_NEEDED_RIGHTS = ("wall", "photos")
_RIGHT_LABELS = {"wall": "“Wall” (wall)", "photos": "“Photos” (photos)"}


def _community_ref(text: str) -> int | str:
    """What the person typed (a vk.com link, club123, @name, name) -> an id or a name;
    "" when left empty (then the token's own community is taken)."""
    text = text.strip()
    link = _LINK.fullmatch(text)
    if link:
        text = link.group("rest").strip("/").split("/")[0]
    text = text.removeprefix("@")
    if not text:
        return ""
    numeric = _NUMERIC.fullmatch(text)
    if numeric:
        return int(numeric.group("id"))
    if _SCREEN_NAME.fullmatch(text):
        return text.lower()
    raise PermanentError(_("VK: “%(community)s” is not a community link or short name. "
                           "Enter it as vk.com/name, as its short name, or as club123…")
                         % {"community": text}, code="bad_community")


def _require_same_community(group: dict, wanted: int | str) -> None:
    if wanted in ("", group.get("id"), str(group.get("screen_name", "")).lower()):
        return
    raise PermanentError(_(
        "VK: this token belongs to the community “%(owner)s” (vk.com/%(name)s), not to "
        "%(wanted)s. Create the token in the community you want to connect.")
        % {"owner": group.get("name", ""), "name": group.get("screen_name", ""),
           "wanted": wanted}, code="other_community")


def _require_rights(api: VKConnector, group: dict) -> None:
    granted = api._call("groups.getTokenPermissions")
    have = {p.get("name") for p in granted.get("permissions", [])}
    missing = [r for r in _NEEDED_RIGHTS if r not in have]
    if missing:
        raise PermanentError(_(
            "VK: the community token of %(community)s lacks the rights %(rights)s. In "
            "the community open Manage → API usage → Access tokens, create a token with "
            "the “Wall” and “Photos” rights, then connect again with it.")
            % {"community": f"“{group.get('name', '')}”",
               "rights": ", ".join(_RIGHT_LABELS[r] for r in missing)},
            code="missing_rights")


def _group_settings(group: dict, token_type: str) -> dict:
    return {"group_id": int(group["id"]), "screen_name": group.get("screen_name", ""),
            "token_type": token_type}


def _group_url(group: dict) -> str:
    name = group.get("screen_name")
    return f"https://vk.com/{name}" if name else f"https://vk.com/club{group['id']}"


def _community_result(token: str, group: dict, data: dict) -> ConnectResult:
    credentials = {"access_token": token}
    settings = _group_settings(group, "community")
    if str(data.get("callback_secret") or "").strip():
        credentials["callback_secret"] = str(data["callback_secret"]).strip()
    if str(data.get("callback_confirmation") or "").strip():
        settings["callback_confirmation"] = str(data["callback_confirmation"]).strip()
    return ConnectResult(external_id=str(group["id"]), name=group.get("name", ""),
                         credentials=credentials, settings=settings, url=_group_url(group))


def _user_credentials(token: dict) -> dict:
    credentials = {"access_token": token["access_token"]}
    for name in ("refresh_token", "device_id", "user_id"):
        if token.get(name):
            credentials[name] = str(token[name])
    return credentials


"""VK's errors (https://dev.vk.com/ru/reference/errors) as the errors the engine acts on,
in the person's words."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from smmdesk.connectors.base import (
    AmbiguousError,
    ConnectorError,
    MediaFile,
    PermanentError,
    TransientError,
)
from smmdesk.connectors.vk.common import _REPEATABLE, _UPLOAD_METHODS

if TYPE_CHECKING:
    from smmdesk.connectors.vk import VKConnector


def _api_error(api: VKConnector, method: str, code: int, msg: str, raw: dict
               ) -> ConnectorError:
    """One VK error (https://dev.vk.com/ru/reference/errors) as the error the engine acts
    on. Shape: {"error": {"error_code": 6, "error_msg": "...", "request_params": [...]}}."""
    who = api._who()
    if code in (5, 28, 17, 18, 3610):
        return _auth_error(api, code, msg, raw)
    if code in _WAITS:
        return _slow_down(code, msg, raw)
    if code in (1, 10):
        return _server_error(method, raw)
    if code == 1051:
        return PermanentError(_(
            "VK: this VK ID sign-in may not call %(method)s — VK gives an app's VK ID "
            "tokens the “wall” right only on request (devsupport@corp.vk.com). Connect "
            "%(community)s with a community access token instead.")
            % {**who, "method": method}, code="vk_id_not_allowed", raw=raw,
            channel_broken=True)
    if code == 27:
        if method in _UPLOAD_METHODS:
            text = _("VK does not let a community token upload photos or videos to the wall "
                     "(%(method)s). Publish text and links on %(community)s, or connect it by "
                     "signing in with VK.")
        else:
            text = _("VK does not let a community token call %(method)s, so smmdesk cannot do "
                     "this for %(community)s; a connection made by signing in with VK can.")
        return PermanentError(text % {**who, "method": method}, code="needs_user_token",
                              raw=raw)
    return _refusal(code, msg, who, raw)


# code: (code name, seconds to wait). VK sends no Retry-After; these are its own windows
# where one is documented (one second for "too many requests per second"; ad posts hold
# the wall for an hour) and a cautious pause otherwise.
_WAITS = {6: ("rate_limited", 1.0), 9: ("flood_control", 900.0), 14: ("captcha", 900.0),
          29: ("method_limit", 3600.0), 219: ("ad_post_recent", 3600.0),
          223: ("too_many_replies", 900.0)}


def _slow_down(code: int, msg: str, raw: dict) -> TransientError:
    name, wait = _WAITS[code]
    minutes = max(1, round(wait / 60))
    if code == 14:
        text = ngettext(
            "VK asked for a captcha (too many actions in a short time). smmdesk will try "
            "again in %(minutes)d minute; if it keeps happening, post less often.",
            "VK asked for a captcha (too many actions in a short time). smmdesk will try "
            "again in %(minutes)d minutes; if it keeps happening, post less often.", minutes)
    elif code == 219:
        text = ngettext("VK holds the wall for a while after an advertising post. smmdesk "
                        "will try again in %(minutes)d minute.",
                        "VK holds the wall for a while after an advertising post. smmdesk "
                        "will try again in %(minutes)d minutes.", minutes)
    else:
        text = ngettext("VK asks to slow down (%(reason)s); smmdesk will try again in "
                        "%(minutes)d minute.",
                        "VK asks to slow down (%(reason)s); smmdesk will try again in "
                        "%(minutes)d minutes.", minutes)
    return TransientError(text % {"minutes": minutes, "reason": msg},
                          code=name, raw=raw, retry_after=wait)


def _auth_error(api: VKConnector, code: int, msg: str, raw: dict) -> PermanentError:
    if code in (17, 18, 3610):
        text = _("VK: the account behind this connection is blocked, deleted or needs to "
                 "confirm itself on vk.com (%(reason)s). Sign in on vk.com, then reconnect "
                 "%(community)s.")
    elif api._user_token():
        text = _("VK: the sign-in of %(community)s expired or was revoked. Reconnect it by "
                 "signing in with VK again.")
    else:
        text = _("VK: the community token of %(community)s no longer works (deleted, "
                 "or the community's API settings changed). Create a new token in Manage → "
                 "API usage → Access tokens with the “Wall” and “Photos” rights, then "
                 "reconnect.")
    return PermanentError(text % {**api._who(), "reason": msg}, code="token_invalid",
                          raw=raw, channel_broken=True)


def _refusal(code: int, msg: str, who: dict[str, str], raw: dict) -> PermanentError:
    texts = {
        15: _("VK refused access to %(community)s (%(reason)s). Check that the account or "
              "token still manages the community with the right to post, then reconnect."),
        203: _("VK: access to %(community)s is denied — the account is no longer one of "
               "its admins or editors. Reconnect with an account that manages it."),
        214: _("VK does not let this connection post on the wall of %(community)s "
               "(%(reason)s). Check that the wall is open (Manage → Sections → Wall) and "
               "that the token has the “Wall” right, then reconnect."),
        222: _("VK refused the links in this post (%(reason)s); the community's settings "
               "or VK forbid one of them. Remove or change the link and publish again."),
        212: _("VK: comments are closed on this post of %(community)s."),
        213: _("VK: comments are closed on this post of %(community)s."),
    }
    codes = {15: "access_denied", 203: "not_admin", 214: "cannot_post", 222: "links_forbidden",
             212: "comments_closed", 213: "comments_closed", 104: "not_found",
             100: "bad_request", 113: "community_gone", 125: "community_gone"}
    broken = code in (203, 214, 113, 125) or (code == 15 and "method" in msg.lower())
    text = texts.get(code) or _("VK refused: %(reason)s (error %(code)d).")
    return PermanentError(text % {**who, "reason": msg, "code": code},
                          code=codes.get(code, f"vk_{code}"), raw=raw, channel_broken=broken)


def _server_error(method: str, raw: dict) -> ConnectorError:
    if method in _REPEATABLE:
        return TransientError(_("VK had a problem on its side. smmdesk will try again."),
                              code="server_error", raw=raw)
    return AmbiguousError(_("VK had a problem on its side; the post may or may not have been "
                            "created or changed. smmdesk will not send it again without "
                            "checking."), code="server_error", raw=raw)


def _unreachable(exc: ConnectorError) -> TransientError:
    return TransientError(_("VK could not be reached. smmdesk will try again."),
                          code="unreachable", raw=exc.raw)


def _upload_refused(media: MediaFile, reason: Any, body: dict) -> PermanentError:
    return PermanentError(_("VK did not accept the file %(name)s (%(reason)s). Check that it "
                            "is a JPG, PNG or MP4 file VK can open, then publish again.")
                          % {"name": media.name or media.path.name, "reason": reason},
                          code="upload_refused", raw=body)


def _bad_community_token() -> PermanentError:
    return PermanentError(_(
        "VK did not accept this community token. In the community open Manage → API usage "
        "→ Access tokens, create a token with the “Wall” and “Photos” rights and copy the "
        "whole key (it starts with vk1.a.), then paste it here."), code="token_invalid")

"""OK.ru's errors as the errors the engine acts on, in the person's words.

OK answers an error with HTTP 200 and ``{"error_code": N, "error_msg": "...",
"error_data": ...}``; the codes are those of apiok.ru's error table (PARAM_SESSION_EXPIRED
is 102, PERMISSION_DENIED 10, LIMIT_REACHED 11, IP_BLOCKED 9, FLOOD_BLOCKED 8...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from smmdesk.connectors.base import (
    AmbiguousError,
    ConnectorError,
    MediaFile,
    PermanentError,
    TransientError,
)
from smmdesk.connectors.odnoklassniki.common import _REPEATABLE

if TYPE_CHECKING:
    from smmdesk.connectors.odnoklassniki import OdnoklassnikiConnector

SESSION_EXPIRED = 102
_SESSION_INVALID = (103, 104, 105)  # PARAM_SESSION_KEY, PARAM_SIGNATURE, PARAM_RESIGNATURE
_DENIED = (10, 200)  # PERMISSION_DENIED, PARAM_PERMISSION
_NOT_ADMIN = (24, 50)  # NOT_OWNER, NOT_ADMIN
# code: (code name, seconds to wait, whom the wait applies to). OK sends no Retry-After:
# UNKNOWN/SERVICE/SYSTEM are failures on its side; the blocks and limits are its call-rate
# limits per application and per user, with no published window: a cautious pause.
_WAITS = {1: ("ok_unknown", 60.0, "channel"), 2: ("ok_service", 60.0, "channel"),
          9999: ("ok_system", 60.0, "channel"), 8: ("flood_blocked", 900.0, "channel"),
          9: ("ip_blocked", 900.0, "app"), 11: ("limit_reached", 3600.0, "channel")}


def _api_error(api: OdnoklassnikiConnector, method: str, code: int, msg: str, raw: dict
               ) -> ConnectorError:
    who = api._who()
    if code == SESSION_EXPIRED or code in _SESSION_INVALID:
        return _session_error(who, code, msg, raw)
    if code in _WAITS:
        return _slow_down(code, msg, raw)
    if code in _DENIED:
        return PermanentError(_(
            "OK.ru refused %(method)s for %(group)s (%(reason)s): the app lacks a permission. "
            "OK grants GROUP_CONTENT, PHOTO_CONTENT and VIDEO_CONTENT to an app only on "
            "request to api-support@ok.ru; once granted, reconnect the group.")
            % {**who, "method": method, "reason": msg}, code="permission_denied", raw=raw,
            channel_broken=True)
    if code in _NOT_ADMIN:
        return PermanentError(_(
            "OK.ru: the account that connected %(group)s is no longer one of its "
            "administrators or moderators. Reconnect with an account that manages it.")
            % who, code="not_admin", raw=raw, channel_broken=True)
    if code == 101:
        return PermanentError(_(
            "OK.ru did not accept this server's application key (%(reason)s). Check "
            "SMMDESK_ODNOKLASSNIKI_APP_KEY against the app's public key on ok.ru.")
            % {"reason": msg}, code="bad_app_key", raw=raw, channel_broken=True)
    return _refusal(code, msg, who, raw)


def _session_error(who: dict[str, str], code: int, msg: str, raw: dict) -> PermanentError:
    if code == SESSION_EXPIRED:
        text = _("OK.ru: the sign-in of %(group)s expired and could not be renewed. "
                 "Reconnect the group by signing in with OK again.")
    else:
        text = _("OK.ru no longer accepts the sign-in of %(group)s (%(reason)s). Reconnect "
                 "the group by signing in with OK again.")
    name = "session_expired" if code == SESSION_EXPIRED else "session_invalid"
    return PermanentError(text % {**who, "reason": msg}, code=name, raw=raw,
                          channel_broken=True)


def _slow_down(code: int, msg: str, raw: dict) -> TransientError:
    name, wait, scope = _WAITS[code]
    if code in (1, 2, 9999):
        text = _("OK.ru had a problem on its side (%(reason)s). smmdesk will try again.")
    else:
        text = _("OK.ru asks to slow down (%(reason)s); smmdesk will try again later.")
    return TransientError(text % {"reason": msg}, code=name, raw=raw, retry_after=wait,
                          scope=scope)


def _refusal(code: int, msg: str, who: dict[str, str], raw: dict) -> PermanentError:
    texts = {
        300: _("OK.ru: this topic or comment of %(group)s no longer exists."),
        454: _("OK.ru's filter refused the text of this post (%(reason)s). Change the "
               "wording and publish again."),
        456: _("OK.ru: %(group)s does not allow this (%(reason)s). Check the group's "
               "settings on ok.ru."),
        600: _("OK.ru: this post has too many parts (%(reason)s). Attach fewer files."),
        601: _("OK.ru: the text of this post is too long (%(reason)s). Shorten it."),
        607: _("OK.ru did not accept the link in this post (%(reason)s). Check the "
               "address."),
    }
    codes = {300: "not_found", 454: "censored", 456: "group_restriction",
             600: "too_many_blocks", 601: "text_too_long", 607: "bad_link",
             100: "bad_request", 160: "bad_group"}
    broken = code == 160  # PARAM_GROUP_ID: the group itself is gone
    text = texts.get(code) or _("OK.ru refused: %(reason)s (error %(code)d).")
    return PermanentError(text % {**who, "reason": msg, "code": code},
                          code=codes.get(code, f"ok_{code}"), raw=raw, channel_broken=broken)


def _server_error(method: str, raw: dict) -> ConnectorError:
    """A 5xx, or an answer that is not OK's JSON: a publish may have happened."""
    if method in _REPEATABLE:
        return TransientError(_("OK.ru had a problem on its side. smmdesk will try again."),
                              code="server_error", raw=raw)
    return AmbiguousError(_("OK.ru had a problem on its side; the post may or may not have "
                            "been created. smmdesk will not send it again without "
                            "checking."), code="server_error", raw=raw)


def _unreachable(exc: ConnectorError) -> TransientError:
    return TransientError(_("OK.ru could not be reached. smmdesk will try again."),
                          code="unreachable", raw=exc.raw)


def _upload_refused(media: MediaFile, reason: object, body: object) -> PermanentError:
    return PermanentError(_("OK.ru did not accept the file %(name)s (%(reason)s). Check that "
                            "it is a JPG, PNG or MP4 file OK can open, then publish again.")
                          % {"name": media.name or media.path.name, "reason": reason},
                          code="upload_refused", raw=body)


def _not_configured(var: str) -> PermanentError:
    return PermanentError(_("OK.ru: this server has no OK app (%(var)s is not set), so "
                            "smmdesk cannot call OK. Ask the administrator to set it, then "
                            "reconnect the group.") % {"var": var},
                          code="oauth_not_configured", channel_broken=True)

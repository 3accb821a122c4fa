"""A post as a YouTube video resource: title, description, tags, visibility, schedule,
and the checks YouTube's reference sets for them (videos resource, snippet/status)."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.translation import gettext as _

from smmdesk.connectors.base import Format, Issue, MediaFile, MediaKind, PublishRequest
from smmdesk.lib.containers import mp4_duration

TITLE_MAX = 100  # snippet.title: "maximum length of 100 characters", no < or >
DESCRIPTION_MAX_BYTES = 5000  # snippet.description: "maximum length of 5000 bytes"
TAGS_MAX = 500  # snippet.tags: "limited to 500 characters" in all
PRIVACY = ("public", "unlisted", "private")
DEFAULT_CATEGORY = "22"  # People & Blogs, YouTube's own default for uploads
SHORTS_TAG = "#Shorts"
SHORTS_MAX_SECONDS = 180  # YouTube Help: Shorts up to three minutes (since October 2024)


def the_video(req: PublishRequest) -> MediaFile:
    return next(m for m in req.media if m.kind == MediaKind.VIDEO)


def the_thumbnail(req: PublishRequest) -> MediaFile | None:
    return next((m for m in req.media if m.kind == MediaKind.IMAGE), None)


def video_title(req: PublishRequest) -> str:
    """The ``title`` option, else the first line of the text (without < and >, which
    YouTube refuses), shortened to 100 characters; the file's name when both are empty."""
    chosen = str(req.options.get("title") or "").strip()
    if not chosen:
        first = next((line for line in req.text.splitlines() if line.strip()), "")
        chosen = " ".join(first.replace("<", "").replace(">", "").split())
    video = next((m for m in req.media if m.kind == MediaKind.VIDEO), None)
    if not chosen and video is not None:
        chosen = (video.name or video.path.name).rsplit(".", 1)[0]
    if len(chosen) > TITLE_MAX:
        chosen = chosen[:TITLE_MAX - 1].rstrip() + "…"
    return chosen or "Video"


def video_description(req: PublishRequest) -> str:
    """The text; a Short gets #Shorts at the end unless its title or text has it (YouTube
    Help: "include #Shorts in your title or description")."""
    text = req.text.strip()
    if req.format == Format.REEL and SHORTS_TAG.lower() not in (
            text + " " + video_title(req)).lower():
        text = f"{text}\n\n{SHORTS_TAG}" if text else SHORTS_TAG
    return text


def video_tags(options: dict) -> list[str]:
    value = options.get("tags") or []
    items = value.split(",") if isinstance(value, str) else list(value)
    return [t.strip().lstrip("#") for t in map(str, items) if t.strip().lstrip("#")]


def publish_at(options: dict) -> datetime | None:
    """The ``publish_at`` option (ISO 8601) as an aware time; ValueError when unreadable."""
    value = str(options.get("publish_at") or "").strip()
    if not value:
        return None
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def made_for_kids(options: dict) -> bool:
    return str(options.get("made_for_kids") or "").lower() in ("yes", "true", "1", "on")


def video_resource(req: PublishRequest) -> dict:
    """snippet and status for videos.insert. A scheduled video must be private until
    ``publishAt``, when YouTube makes it public."""
    opts = req.options
    snippet = {"title": video_title(req), "description": video_description(req),
               "categoryId": str(opts.get("category_id") or DEFAULT_CATEGORY).strip()}
    tags = video_tags(opts)
    if tags:
        snippet["tags"] = tags
    status = {"privacyStatus": str(opts.get("privacy") or "public"),
              "selfDeclaredMadeForKids": made_for_kids(opts)}
    when = publish_at(opts)
    if when is not None:
        status.update(privacyStatus="private",
                      publishAt=when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    return {"snippet": snippet, "status": status}


def video_issues(req: PublishRequest, now: datetime | None = None) -> list[Issue]:
    issues = _media_issues(req) + _text_issues(req) + _option_issues(req, now)
    return issues


def _media_issues(req: PublishRequest) -> list[Issue]:
    videos = [m for m in req.media if m.kind == MediaKind.VIDEO]
    images = [m for m in req.media if m.kind == MediaKind.IMAGE]
    issues = []
    if len(videos) != 1:
        issues.append(Issue("one_video", _("YouTube: a post is one video; this one has "
                                           "%(count)d.") % {"count": len(videos)}, "media"))
    if len(images) > 1:
        issues.append(Issue("one_thumbnail", _("YouTube: add at most one image, used as the "
                                               "video's thumbnail."), "media"))
    video = videos[0] if videos else None
    if req.format == Format.REEL and video and video.width and video.height \
            and video.width > video.height:
        issues.append(Issue("shorts_vertical", _("YouTube Shorts must be vertical or square; "
                                                 "this video is %(w)d×%(h)d.")
                            % {"w": video.width, "h": video.height}, "media"))
    seconds = mp4_duration(video.path) if req.format == Format.REEL and video else None
    if seconds is not None and seconds > SHORTS_MAX_SECONDS:
        issues.append(Issue("shorts_too_long", _(
            "YouTube Shorts are at most 3 minutes long; %(name)s lasts %(seconds)d seconds. "
            "Publish it as a video, or shorten it.")
            % {"name": video.name or video.path.name, "seconds": round(seconds)}, "media"))
    return issues


def _text_issues(req: PublishRequest) -> list[Issue]:
    issues = []
    size = len(video_description(req).encode())
    if size > DESCRIPTION_MAX_BYTES:
        issues.append(Issue("text_too_long", _(
            "YouTube allows at most 5000 bytes in a description; this text has %(size)d "
            "(letters outside the Latin alphabet take 2 bytes or more).") % {"size": size}))
    if "<" in req.text or ">" in req.text:
        issues.append(Issue("angle_brackets", _("YouTube does not accept the characters < "
                                                "and > in a description.")))
    title = str(req.options.get("title") or "")
    if len(title.strip()) > TITLE_MAX:
        issues.append(Issue("title_too_long", _("YouTube allows at most 100 characters in a "
                                                "title; this one has %(length)d.")
                            % {"length": len(title.strip())}, "options"))
    if "<" in title or ">" in title:
        issues.append(Issue("angle_brackets", _("YouTube does not accept the characters < "
                                                "and > in a title."), "options"))
    return issues


def _option_issues(req: PublishRequest, now: datetime | None) -> list[Issue]:
    opts, issues = req.options, []
    if str(opts.get("privacy") or "public") not in PRIVACY:
        issues.append(Issue("privacy", _("YouTube: visibility must be public, unlisted or "
                                         "private."), "options"))
    if sum(len(t) for t in video_tags(opts)) > TAGS_MAX:
        issues.append(Issue("tags_too_long", _("YouTube allows at most 500 characters of "
                                               "tags in all."), "options"))
    try:
        when = publish_at(opts)
    except ValueError:
        issues.append(Issue("publish_at", _("YouTube: the publishing time must look like "
                                            "2026-12-24T18:00:00+02:00."), "options"))
        return issues
    if when is not None and when <= (now or datetime.now(UTC)):
        issues.append(Issue("publish_at", _("YouTube: the publishing time must be in the "
                                            "future."), "options"))
    return issues

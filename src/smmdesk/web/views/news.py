"""News (/w/<slug>/news/): the stories the watched feeds tell this week, and the terms
rising in them today.

A story is items of news sources that tell one event (``listening.stories``); the page
lists the last 7 days' stories, those told by more sources and items first, each with
its growth ("+N in 6 h", ``listening.news.story_growth``) and its items behind a
disclosure. A story of one item is not yet a story: those wait behind "show single
items". "React to this" turns a story into a draft post (``listening.react``) and opens
it in the composer; a story that has one shows "Draft made" instead.

"Rising terms" are ``listening.news.trends_rising`` per language: today's count against
the usual day of the two weeks before. The bars are CSS widths set from data attributes
by desk.js (the Content-Security-Policy refuses inline styles).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone, translation
from django.views.decorators.http import require_POST

from smmdesk.accounts.models import Membership
from smmdesk.accounts.roles import Perm, role_can
from smmdesk.lib.errors import SmmdeskError
from smmdesk.listening.access import access_story
from smmdesk.listening.models import Item, Story
from smmdesk.listening.news import story_growth, trends_rising
from smmdesk.listening.react import drafts_alive, story_react
from smmdesk.listening.selectors import source_list, story_list
from smmdesk.listening.stories import Growth
from smmdesk.web.decorators import requires

DAYS = 7
GROWTH_HOURS = 6
STORIES = 60           # stories of several items shown
SINGLES = 100          # single-item stories behind "show single items"
ITEMS_SHOWN = 30       # items listed under one story


def language_name(code: str) -> str:
    """The language's name in the interface language ("" for none, the code when Django
    does not know it)."""
    if not code:
        return ""
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return code


@dataclass
class StoryRow:
    story: Story
    growth: Growth
    items: list[Item]
    language: str
    draft: bool            # its draft post still exists

    @property
    def more(self) -> int:
        return max(self.story.items_count - len(self.items), 0)


def _items() -> Prefetch:
    return Prefetch("items", queryset=Item.objects.select_related("source")
                    .order_by("published_at", "id"))


def _rows(stories: list[Story], alive: set[int], now) -> list[StoryRow]:
    return [StoryRow(story=s, growth=story_growth(s, now=now, hours=GROWTH_HOURS),
                     items=list(s.items.all())[:ITEMS_SHOWN], language=language_name(s.language),
                     draft=s.draft_post_id in alive)
            for s in stories]


def _stories(workspace) -> tuple[list[StoryRow], list[StoryRow]]:
    """(stories of several items, single-item stories), most told first."""
    qs = story_list(workspace=workspace, days=DAYS).prefetch_related(_items())
    several = list(qs.filter(items_count__gt=1)[:STORIES])
    singles = list(qs.filter(items_count__lte=1)[:SINGLES])
    alive = drafts_alive(workspace=workspace,
                         post_ids=[s.draft_post_id for s in several + singles])
    now = timezone.now()
    return _rows(several, alive, now), _rows(singles, alive, now)


def _trends(workspace) -> list[dict]:
    """Rising terms grouped by language (the languages in the order of their best
    term), each with bar widths against the group's highest count."""
    groups: dict[str, list] = {}
    for t in trends_rising(workspace=workspace):
        groups.setdefault(t.language, []).append(t)
    out = []
    for language, terms in groups.items():
        top = max(t.current for t in terms) or 1
        out.append({"language": language, "name": language_name(language) or "—",
                    "terms": [{"term": t.term, "current": t.current,
                               "usual": t.baseline_rate, "ratio": t.ratio,
                               "today_w": round(100 * t.current / top),
                               "usual_w": round(min(100.0, 100 * t.baseline_rate / top))}
                              for t in terms]})
    return out


@requires(Perm.LISTENING_VIEW)
def news(request, membership: Membership):
    ws = membership.workspace
    several, singles = _stories(ws)
    return render(request, "web/news.html", {
        "stories": several, "singles": singles, "trends": _trends(ws), "days": DAYS,
        "hours": GROWTH_HOURS,
        "has_sources": source_list(workspace=ws).filter(news=True).exists(),
        "can_react": role_can(membership.role, Perm.CONTENT_EDIT),
        "can_add_sources": role_can(membership.role, Perm.LISTENING_MANAGE),
    })


@require_POST
@requires(Perm.CONTENT_EDIT)
def react(request, membership: Membership, story_id: int):
    """The story's draft post (made now, or the one made before), opened in the composer."""
    slug = membership.workspace.slug
    try:
        story = access_story(workspace=membership.workspace, story_id=story_id)
    except SmmdeskError:
        raise Http404 from None
    try:
        post = story_react(story=story, user=request.user)
    except SmmdeskError as exc:
        messages.error(request, exc.message)
        return redirect(reverse("web:news", args=[slug]) + f"#story-{story.pk}")
    return redirect("web:post", slug, post.pk)


urlpatterns = [
    path("w/<slug:slug>/news/", news, name="news"),
    path("w/<slug:slug>/news/<int:story_id>/react/", react, name="news_react"),
]

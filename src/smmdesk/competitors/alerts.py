"""A competitor's post that does three times better than their median: the owner is
told once (``Post.alerted_at``), in the app and by the workspace's Telegram bot."""

from __future__ import annotations

from django.utils.translation import gettext as _

from smmdesk.competitors.models import Page, Post
from smmdesk.listening.alerts import tell


def alert_outliers(page: Page, posts: list[Post]) -> None:
    workspace = page.competitor.workspace
    for p in posts:
        def text(p=p):
            return _("%(competitor)s has a post doing three times better than their "
                     "usual: “%(text)s”") % {"competitor": page.competitor.name,
                                              "text": p.text[:200]}
        tell(workspace, text, f"/w/{workspace.slug}/competitors/?post={p.pk}",
             f"telegram_alert:competitor_post:{p.pk}")

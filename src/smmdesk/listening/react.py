"""“React to this”: a news story becomes a draft post in the content plan.

A manager who sees a story rising wants to write about it while it is still news. The
draft is made through the content app's one write path (``content.compose.post_compose``),
so it is a post like any other: it shows in the plan, it can be edited, scheduled, sent
for approval. The story keeps the post's id (``Story.draft_post_id``): the news page then
shows "Draft made" with a link, and a second click (or a second person) opens the same
draft instead of making another. A draft deleted since lets the story make a new one.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from smmdesk.content.compose import ComposeInput, post_compose
from smmdesk.content.selectors import post_list
from smmdesk.lib.db import write_transaction
from smmdesk.listening.models import Story

TITLE_MAX = 200  # content.Post.title


class _Raced(Exception):
    """Another request gave the story its draft while this one was writing."""


def story_react(*, story: Story, user):
    """The story's draft post: the one made before, while it exists, else a new draft
    whose text is the story's title and a link to its first item, and whose internal
    title says it comes from the news."""
    for _attempt in range(2):
        try:
            with write_transaction():
                post = _draft_get_or_make(story, user)
        except _Raced:
            continue
        story.draft_post_id = post.pk
        return post
    raise RuntimeError("the story's draft changed twice while it was being made")


def _draft_get_or_make(story: Story, user):
    current = Story.objects.select_for_update().get(pk=story.pk)
    existing = draft_of(current)
    if existing is not None:
        return existing
    post = post_compose(workspace=current.workspace, actor=user, data=_compose_input(current))
    # On PostgreSQL the row lock above already keeps a second request waiting; the
    # compare-and-set is what holds where a lock is not taken.
    if not Story.objects.filter(pk=current.pk, draft_post_id=current.draft_post_id).update(
            draft_post_id=post.pk):
        raise _Raced
    return post


def draft_of(story: Story):
    """The story's draft post while it still exists, else None."""
    if story.draft_post_id is None:
        return None
    return post_list(workspace=story.workspace).filter(pk=story.draft_post_id).first()


def drafts_alive(*, workspace, post_ids) -> set[int]:
    """Which of these post ids (stories' drafts) still exist in the workspace."""
    ids = {i for i in post_ids if i is not None}
    if not ids:
        return set()
    return set(post_list(workspace=workspace).filter(pk__in=ids).values_list("pk", flat=True))


def _compose_input(story: Story) -> ComposeInput:
    first = story.items.exclude(url="").order_by("published_at", "id").first()
    body = f"{story.title}\n\n{first.url}" if first is not None else story.title
    title = _("News hook: %(title)s") % {"title": story.title}
    return ComposeInput(title=title[:TITLE_MAX], body=body, action="draft")

"""Listening rows of one workspace by id, or NotFound (another workspace's rows do not
exist for this person)."""

from __future__ import annotations

from django.utils.translation import gettext as _

from smmdesk.accounts.access import access_row
from smmdesk.listening.models import Mention, Query, Source, Story


def access_query(*, workspace, query_id) -> Query:
    return access_row(Query.objects, workspace=workspace, pk=query_id,
                      message=_("Query not found."), code="query_not_found")


def access_source(*, workspace, source_id) -> Source:
    return access_row(Source.objects, workspace=workspace, pk=source_id,
                      message=_("Source not found."), code="source_not_found")


def access_mention(*, workspace, mention_id) -> Mention:
    return access_row(Mention.objects.select_related("item__source", "assignee"),
                      workspace=workspace, pk=mention_id, message=_("Mention not found."),
                      code="mention_not_found")


def access_story(*, workspace, story_id) -> Story:
    return access_row(Story.objects, workspace=workspace, pk=story_id,
                      message=_("Story not found."), code="story_not_found")

"""Listening: queries, sources, mentions and stories. Reading needs "listening.view";
queries and sources "listening.manage"; working a mention "mentions.answer". Every write
is the same service the web pages call (listening/services.py)."""


from datetime import datetime

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import BaseModel

from smmdesk.accounts.access import access_membership
from smmdesk.accounts.roles import Perm
from smmdesk.api.auth import requires
from smmdesk.api.pagination import Page
from smmdesk.api.schemas import Id, responses
from smmdesk.listening import selectors, services
from smmdesk.listening.access import access_mention, access_query, access_source
from smmdesk.listening.models import Mention

router = Router(tags=["listening"])


class QueryIn(Schema):
    name: str = Field(max_length=120)
    text: str = Field(max_length=4000, description="The query: AND, OR, NOT, ( ), "
                      "\"phrase\", NEAR/n, word*, lang:, source:, author:, since:, until:")
    exclude_own: bool = True


class QueryPatch(Schema):
    name: str | None = Field(None, max_length=120)
    text: str | None = Field(None, max_length=4000)
    exclude_own: bool | None = None
    enabled: bool | None = None


class QueryOut(Schema):
    id: int
    name: str
    text: str
    exclude_own: bool
    enabled: bool


class CheckIn(Schema):
    text: str = Field(max_length=4000)


class CheckOut(Schema):
    ok: bool
    message: str = ""
    position: int | None = None
    end: int | None = None


class SourceIn(Schema):
    kind: str = Field(max_length=32)
    name: str = Field("", max_length=200)
    config: dict[str, str | int | bool] = Field(default_factory=dict)
    secret: str = Field("", max_length=2000)
    news: bool = True


class SourceOut(Schema):
    id: int
    kind: str
    name: str
    config: dict
    news: bool
    enabled: bool
    needs_attention: bool
    last_error: str
    last_ok_at: datetime | None
    items_total: int


class ItemOut(Schema):
    id: int
    url: str
    title: str
    text: str
    author: str
    author_id: str
    author_followers: int | None
    language: str
    published_at: datetime
    source_id: int
    network: str


class MentionOut(Schema):
    id: int
    status: str
    sentiment: str
    intent: str
    language: str
    assignee_id: int | None
    labels: list[str]
    queries: list[int]
    reply_state: str
    reply_error: str
    item: ItemOut

    @staticmethod
    def resolve_labels(obj: Mention) -> list[str]:
        return [label.name for label in obj.labels.all()]

    @staticmethod
    def resolve_queries(obj: Mention) -> list[int]:
        return [q.pk for q in obj.queries.all()]


class MentionFilter(Schema):
    status: str | None = Field(None, max_length=12, description="open, new, in_progress, "
                               "done or spam")
    query: Id | None = None
    source: Id | None = None
    sentiment: str = Field("", max_length=10)


class MentionPatch(BaseModel):
    status: str | None = Field(None, max_length=12)
    assignee_id: int | None = Field(None, ge=0, le=2**63 - 1,
                                    description="0 takes the mention back")
    add_label: str | None = Field(None, max_length=60)
    remove_label: str | None = Field(None, max_length=60)


class ReplyIn(Schema):
    channel_id: Id
    text: str = Field(max_length=4000)


class StoryOut(Schema):
    id: int
    title: str
    language: str
    first_seen: datetime
    last_seen: datetime
    items_count: int
    sources_count: int
    draft_post_id: int | None


def _ws(request, ws: int, permission: str = Perm.LISTENING_VIEW):
    return access_membership(user=request.auth, workspace_id=ws,
                             permission=permission).workspace


@router.get("/workspaces/{ws}/listening/queries", response=responses({200: list[QueryOut]}),
            auth=requires(Perm.LISTENING_VIEW))
def queries(request, ws: Id):
    return list(selectors.query_list(workspace=_ws(request, ws)))


@router.post("/workspaces/{ws}/listening/queries", response=responses({201: QueryOut}),
             auth=requires(Perm.LISTENING_MANAGE))
def query_new(request, ws: Id, payload: QueryIn):
    """400 with ``details.position``/``details.end`` when the query does not parse."""
    q = services.query_save(workspace=_ws(request, ws, Perm.LISTENING_MANAGE),
                            name=payload.name, text=payload.text,
                            exclude_own=payload.exclude_own, user=request.auth)
    return Status(201, q)


@router.patch("/workspaces/{ws}/listening/queries/{query_id}",
              response=responses({200: QueryOut}), auth=requires(Perm.LISTENING_MANAGE))
def query_edit(request, ws: Id, query_id: Id, payload: QueryPatch):
    workspace = _ws(request, ws, Perm.LISTENING_MANAGE)
    q = access_query(workspace=workspace, query_id=query_id)
    if payload.name is not None or payload.text is not None or payload.exclude_own is not None:
        q = services.query_save(
            workspace=workspace, query=q, name=q.name if payload.name is None else payload.name,
            text=q.text if payload.text is None else payload.text,
            exclude_own=q.exclude_own if payload.exclude_own is None else payload.exclude_own)
    if payload.enabled is not None:
        q = services.query_set_enabled(query=q, enabled=payload.enabled)
    return q


@router.delete("/workspaces/{ws}/listening/queries/{query_id}",
               response=responses({204: None}), auth=requires(Perm.LISTENING_MANAGE))
def query_remove(request, ws: Id, query_id: Id):
    workspace = _ws(request, ws, Perm.LISTENING_MANAGE)
    services.query_delete(query=access_query(workspace=workspace, query_id=query_id))
    return Status(204, None)


@router.post("/workspaces/{ws}/listening/check", response=responses({200: CheckOut}),
             auth=requires(Perm.LISTENING_VIEW))
def query_check(request, ws: Id, payload: CheckIn):
    """Whether a query reads, and where it does not (character offsets, from 0)."""
    _ws(request, ws)
    problem = services.query_check(payload.text)
    if problem is None:
        return {"ok": True}
    return {"ok": False, "message": problem.message, "position": problem.position,
            "end": problem.end}


@router.get("/workspaces/{ws}/listening/sources", response=responses({200: list[SourceOut]}),
            auth=requires(Perm.LISTENING_VIEW))
def sources(request, ws: Id):
    return list(selectors.source_list(workspace=_ws(request, ws)))


@router.post("/workspaces/{ws}/listening/sources", response=responses({201: SourceOut}),
             auth=requires(Perm.LISTENING_MANAGE))
def source_new(request, ws: Id, payload: SourceIn):
    """The source is checked (its address, then one read) before it is saved; a 400 says
    what is wrong in the person's words."""
    s = services.source_add(workspace=_ws(request, ws, Perm.LISTENING_MANAGE),
                            kind=payload.kind, name=payload.name, config=payload.config,
                            secret=payload.secret, news=payload.news)
    return Status(201, s)


@router.delete("/workspaces/{ws}/listening/sources/{source_id}",
               response=responses({204: None}), auth=requires(Perm.LISTENING_MANAGE))
def source_remove(request, ws: Id, source_id: Id):
    workspace = _ws(request, ws, Perm.LISTENING_MANAGE)
    services.source_delete(source=access_source(workspace=workspace, source_id=source_id))
    return Status(204, None)


@router.get("/workspaces/{ws}/listening/mentions", response=responses({200: list[MentionOut]}),
            auth=requires(Perm.LISTENING_VIEW))
@paginate(Page)
def mentions(request, ws: Id, q: Query[MentionFilter]):
    """Newest first."""
    return selectors.mention_list(workspace=_ws(request, ws), status=q.status,
                                  query_id=q.query, source_id=q.source,
                                  sentiment=q.sentiment).select_related("item")


@router.patch("/workspaces/{ws}/listening/mentions/{mention_id}",
              response=responses({200: MentionOut}), auth=requires(Perm.MENTIONS_ANSWER))
def mention_edit(request, ws: Id, mention_id: Id, payload: MentionPatch):
    workspace = _ws(request, ws, Perm.MENTIONS_ANSWER)
    m = access_mention(workspace=workspace, mention_id=mention_id)
    if payload.status is not None:
        services.mention_set_status(workspace=workspace, mentions=[m], status=payload.status)
    if payload.assignee_id is not None:
        services.mention_assign(workspace=workspace, mentions=[m],
                                user_id=payload.assignee_id or None)
    for name, add in ((payload.add_label, True), (payload.remove_label, False)):
        if name is not None:
            services.mention_label(workspace=workspace, mentions=[m], name=name, add=add)
    return access_mention(workspace=workspace, mention_id=mention_id)


@router.post("/workspaces/{ws}/listening/mentions/{mention_id}/reply",
             response=responses({202: MentionOut}), auth=requires(Perm.MENTIONS_ANSWER))
def mention_reply(request, ws: Id, mention_id: Id, payload: ReplyIn):
    """Queued: the answer goes out through the chosen channel after commit;
    ``reply_state`` turns from ``sending`` to ``sent`` or ``failed``."""
    workspace = _ws(request, ws, Perm.MENTIONS_ANSWER)
    m = access_mention(workspace=workspace, mention_id=mention_id)
    return Status(202, services.mention_reply(mention=m, channel_id=payload.channel_id,
                                              text=payload.text, user=request.auth))


@router.get("/workspaces/{ws}/listening/stories", response=responses({200: list[StoryOut]}),
            auth=requires(Perm.LISTENING_VIEW))
@paginate(Page)
def stories(request, ws: Id):
    """The last week's stories, the most widely told first."""
    return selectors.story_list(workspace=_ws(request, ws))

"""One function owns every change of ``Publication.status``: the queryset method
``transition`` in publishing/models.py, checked against the TRANSITIONS table.

A row is created in its first state by publishing/services.py; every change after that
is a transition. The structural test below reads the source: it fails when any module
writes the status in another way (an ``update(status=...)``, an ``update(**fields)`` on
publications, an assignment to ``.status``, or a publication created in a state elsewhere).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import smmdesk
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.publishing.models import (
    TRANSITIONS,
    InvalidTransition,
    Publication,
    Status,
)
from smmdesk.publishing.services import publication_draft

SRC = Path(smmdesk.__file__).parent
OWNER = SRC / "publishing" / "models.py"
SERVICES = SRC / "publishing" / "services.py"  # creates rows in their first state


def _imports_publication_status(tree: ast.Module) -> bool:
    return any(isinstance(node, ast.ImportFrom) and node.module == "smmdesk.publishing.models"
               and any(alias.name == "Status" for alias in node.names)
               for node in ast.walk(tree))


def _writes(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    about_status = _imports_publication_status(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("update", "bulk_update") \
                and not isinstance(node.func.value, ast.Name):  # a dict's update is fine
            receiver = ast.unparse(node.func.value)
            names = {k.arg for k in node.keywords}
            unpacks = None in names and (about_status or "ublication" in receiver)
            if "status" in names and (about_status or "ublication" in receiver) or unpacks:
                found.append(f"{path.relative_to(SRC)}:{node.lineno}: {ast.unparse(node)}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                and node.func.attr in ("create", "get_or_create", "update_or_create") \
                and "Publication.objects" in ast.unparse(node.func.value) \
                and path != SERVICES and "status" in ast.unparse(node):
            found.append(f"{path.relative_to(SRC)}:{node.lineno}: a publication born in a "
                         f"state: use publishing.services")
        if isinstance(node, ast.Assign | ast.AugAssign) and about_status:
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr == "status":
                    found.append(f"{path.relative_to(SRC)}:{node.lineno}: "
                                 f"{ast.unparse(target)} = ...")
    return found


def test_no_module_writes_the_status_except_through_the_transition():
    offenders = [w for path in sorted(SRC.rglob("*.py"))
                 if "migrations" not in path.parts and path != OWNER
                 for w in _writes(path)]
    assert offenders == [], "write Publication.status through .transition():\n" + \
        "\n".join(offenders)


def test_the_check_itself_finds_a_direct_write(tmp_path):
    bad = SRC / "publishing" / "_probe_for_test.py"
    try:
        bad.write_text("from smmdesk.publishing.models import Publication, Status\n"
                       "Publication.objects.filter(pk=1).update(status=Status.FAILED)\n"
                       "def f(pub):\n    pub.status = Status.PUBLISHED\n    pub.save()\n"
                       "Publication.objects.create(status=Status.PUBLISHED)\n")
        assert len(_writes(bad)) == 3
    finally:
        bad.unlink()


@pytest.mark.django_db
def test_a_transition_follows_the_table_and_counts_what_it_won(workspace, owner):
    channel = channel_connect(workspace=workspace, kind="sandbox", actor=owner,
                              data={"name": "Kyiv"})
    post = post_create(workspace=workspace, actor=owner, body="x")
    pub = publication_draft(post=post, channel=channel, actor=owner)
    rows = Publication.objects.filter(pk=pub.pk)
    assert Status.PUBLISHED not in TRANSITIONS[Status.DRAFT]
    with pytest.raises(InvalidTransition):
        rows.transition(Status.DRAFT, Status.PUBLISHED)
    assert rows.transition(Status.SCHEDULED, Status.PUBLISHING) == 0  # not scheduled: lost
    assert rows.transition(Status.DRAFT, Status.SCHEDULED, due_at=None) == 1
    assert rows.transition(Status.DRAFT, Status.SCHEDULED) == 0  # no longer a draft
    pub.refresh_from_db()
    assert pub.status == Status.SCHEDULED

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from smmdesk.accounts.models import User, Workspace
from smmdesk.content.models import Post
from smmdesk.publishing.models import Publication, Status
from smmdesk.sandbox.models import SandboxComment

pytestmark = pytest.mark.django_db


def test_demo_builds_a_month_of_history_and_a_plan(settings):
    out = io.StringIO()
    call_command("demo", stdout=out)
    text = out.getvalue()
    assert "log in as demo@smmdesk.local with the password" in text
    password = text.strip().split()[-1]
    assert User.objects.get(email="demo@smmdesk.local").check_password(password)
    ws = Workspace.objects.get(slug="zerno-demo")
    assert ws.channels.filter(kind="sandbox").count() == 4
    published = Publication.objects.filter(workspace=ws, status=Status.PUBLISHED)
    assert published.count() > 30
    assert Publication.objects.filter(workspace=ws, status=Status.SCHEDULED).count() > 10
    assert SandboxComment.objects.filter(post__account__handle__in=ws.channels.values(
        "external_id")).count() > 100
    assert ws.plan_slots.count() == 4 * 4 * 2  # 4 weeks × 4 posts × 2 channels
    assert ws.tasks.filter(due_at__isnull=False).count() >= 4
    assert Post.objects.filter(workspace=ws, approval="pending_team").count() == 2
    assert all(c.slots.count() == 15 for c in ws.channels.all())
    again = io.StringIO()
    call_command("demo", stdout=again)  # idempotent: same login, nothing duplicated
    assert again.getvalue().strip().split()[-1] == password
    assert Workspace.objects.filter(slug="zerno-demo").count() == 1


def test_createuser_makes_an_owner(capsys):
    call_command("createuser", email="Ann@Example.com", password="long enough pw",
                 workspace="Bakery")
    user = User.objects.get(email="ann@example.com")
    assert user.check_password("long enough pw")
    assert user.memberships.get().role == "owner"


def test_createuser_refuses_a_weak_password():
    with pytest.raises(CommandError, match="too short"):
        call_command("createuser", email="bob@example.com", password="123")


def test_connectors_prints_every_network_from_its_declarations():
    from smmdesk.connectors.registry import CONNECTORS, connector_class

    out = io.StringIO()
    call_command("connectors", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("13 networks, plus webhook and sandbox")
    assert lines[1].split()[:3] == ["network", "connect", "formats"]
    body = {line.split()[0]: line.split() for line in lines[3:]}
    assert set(body) == set(CONNECTORS)
    for kind, row in body.items():
        cls = connector_class(kind)
        assert row[-1] == ("yes" if cls.capabilities.find_published else "-")
        assert row[3] == str(cls.limits.text_max)

"""What the worker writes on a publication is in the workspace's language, not the
worker's: the team reads it on the publication's page."""

from __future__ import annotations

import pytest
from django.utils import translation

from smmdesk.accounts.models import Workspace
from smmdesk.connectors.base import PermanentError
from smmdesk.publishing.dispatcher import claim_due, recover_expired
from smmdesk.publishing.engine import run_job
from smmdesk.publishing.models import Publication, PublishAttempt
from smmdesk.publishing.services import publication_schedule
from tests.fakes import ScriptedConnector
from tests.publishing.test_engine import later

pytestmark = pytest.mark.django_db


@pytest.fixture
def pub(workspace, make_post, channel, owner):
    Workspace.objects.filter(pk=workspace.pk).update(language="uk")
    return publication_schedule(post=make_post(), channel=channel, at=None, actor=owner)


def test_a_stopped_worker_is_explained_in_the_workspace_language(pub):
    claim_due(worker_id="dead", limit=10)
    PublishAttempt.objects.create(publication=pub, channel=pub.channel, number=1,
                                  worker_id="dead")
    with translation.override("en"):  # the worker's own language
        recover_expired(now=later(10_000))
    pub = Publication.objects.get(pk=pub.pk)
    assert pub.error_message.startswith("Обробник публікацій зупинився")
    assert pub.attempts.get().error_message != "The worker stopped during this attempt."


def test_a_publishing_error_is_stored_in_the_workspace_language(pub, scripted, monkeypatch):
    def refuse(self, req):  # a connector words its errors with gettext, as it runs
        raise PermanentError(translation.gettext("Approved: %(post)s") % {"post": "X"},
                             code="boom")

    monkeypatch.setattr(ScriptedConnector, "publish", refuse)
    [job] = claim_due(worker_id="w", limit=10)
    with translation.override("en"):  # the worker's own language
        run_job(job, worker_id="w")
    assert Publication.objects.get(pk=pub.pk).error_message == "Погоджено: X"

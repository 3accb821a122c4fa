from __future__ import annotations

from django.utils.translation import gettext as _

from smmdesk.accounts.access import access_row
from smmdesk.accounts.models import Workspace
from smmdesk.publishing.models import Publication


def access_publication(*, workspace: Workspace, publication_id) -> Publication:
    return access_row(Publication.objects.select_related("channel", "post"),
                      workspace=workspace, pk=publication_id,
                      message=_("Publication not found in this workspace."),
                      code="publication_not_found")

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from smmdesk.content.selectors import media_public_url
from smmdesk.content.services import media_upload
from tests.files import png_bytes

pytestmark = pytest.mark.django_db


def test_a_signed_link_serves_the_file_without_login(client, workspace, owner, settings):
    asset = media_upload(workspace=workspace, actor=owner,
                         upload=SimpleUploadedFile("cup.png", png_bytes()))
    url = media_public_url(asset)
    assert url.startswith(settings.SITE_URL + "/m/")
    path = url[len(settings.SITE_URL):]
    r = client.get(path)
    assert r.status_code == 200 and b"".join(r.streaming_content) == png_bytes()
    assert client.get(path[:-3] + "xx/").status_code == 404
    assert client.get(f"/m/{asset.pk}/").status_code == 404

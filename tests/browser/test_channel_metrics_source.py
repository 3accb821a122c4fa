"""The channels page tells, under each Telegram channel, where its views come from: the
public web preview for a public channel, nothing for a private one (a bot cannot read
views), in words a person sees without hovering."""

from __future__ import annotations

import pytest

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.models import Channel
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def test_the_channels_page_says_where_telegram_views_come_from(live_server, new_page, shots):
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    public = Channel.objects.create(workspace=ws, kind="telegram", name="Zerno Coffee",
                                    external_id="-1001234567890",
                                    settings={"chat_id": -1001234567890,
                                              "username": "zerno_coffee"})
    private = Channel.objects.create(workspace=ws, kind="telegram", name="Zerno Team",
                                     external_id="-1009876543210",
                                     settings={"chat_id": -1009876543210, "username": ""})

    page = new_page()
    sign_in(page, live_server.url, "olena@example.com", PASSWORD, lands_on=f"/w/{ws.slug}/")
    page.goto(f"{live_server.url}/w/{ws.slug}/channels/")

    shown = page.locator(f"#channel-{public.pk} .metrics-source")
    assert shown.is_visible()
    assert shown.inner_text().startswith(
        "Views: from the public web preview (t.me/s/zerno_coffee)")
    hidden = page.locator(f"#channel-{private.pk} .metrics-source")
    assert hidden.is_visible()
    assert hidden.inner_text().startswith("Views: not available — the channel is private")
    shots(page, "channels")

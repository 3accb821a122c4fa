"""Published to the sandbox, the post opens inside smmdesk: from the publication, the
link "open on the network" leads to the simulated post, its text and its audience."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.services import post_create
from smmdesk.publishing.dispatcher import claim_due
from smmdesk.publishing.engine import run_job
from smmdesk.publishing.services import publication_schedule
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BODY = "Зимовий бленд повернувся: карамель і горіх."


@pytest.mark.parametrize("lang, note", [("en", "Simulated network."),
                                        ("ru", "Симулированная сеть.")])
def test_the_sandbox_post_opens_inside_smmdesk(lang, note, live_server, new_page, shots):
    owner = user_create(email="olena@example.com", password="correct horse battery",
                        name="Olena", language=lang)
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    channel = channel_connect(workspace=ws, kind="sandbox", actor=owner,
                              data={"name": "Zerno Sandbox", "audience": "uk"})
    post = post_create(workspace=ws, actor=owner, body=BODY)
    pub = publication_schedule(post=post, channel=channel, at=None, actor=owner)
    for job in claim_due(worker_id="browser", limit=5,
                         now=timezone.now() + timedelta(seconds=5)):
        run_job(job, worker_id="browser")

    base = live_server.url
    page = new_page()
    sign_in(page, base, "olena@example.com", "correct horse battery", lands_on=f"{base}/w/**")
    page.goto(f"{base}/w/{ws.slug}/publications/{pub.pk}/")
    page.click("#post-link")
    page.wait_for_url(f"{base}/w/{ws.slug}/sandbox/posts/**")
    assert BODY in page.inner_text("#sandbox-post")
    assert "Zerno Sandbox" in page.inner_text("#sandbox-post")
    assert note in page.inner_text("main")
    shots(page, "sandbox-post")


def test_the_404_page_is_in_the_apps_look_and_the_browsers_language(live_server, new_page,
                                                                      shots):
    page = new_page(locale="ru-RU")
    violations = []
    page.on("console", lambda m: violations.append(m.text)
            if "Content Security Policy" in m.text else None)
    response = page.goto(f"{live_server.url}/no/such/page/")
    assert response.status == 404
    assert page.inner_text("h1") == "Страница не найдена"
    # desk.css is applied: the panel is centred, not the browser's default layout.
    assert page.eval_on_selector("#error-page", "e => getComputedStyle(e).maxWidth") == "380px"
    assert violations == []
    shots(page, "404-ru")

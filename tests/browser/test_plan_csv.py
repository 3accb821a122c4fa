"""The plan's CSV in a real browser, as a Russian-speaking manager uses it: the export
offers ";" (what Excel expects there) and starts with a BOM; a file of Russian labels
imports; a file with mistakes lists every one of them at once, by row and column."""

from __future__ import annotations

from datetime import date

import pytest

from smmdesk.accounts.services import user_create, workspace_create
from smmdesk.channels.services import channel_connect
from smmdesk.content.models import PlanSlot
from smmdesk.content.plan import plan_slot_create
from smmdesk.content.services import rubric_create
from tests.browser.conftest import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct horse battery"


def test_a_russian_manager_exports_and_imports_the_plan(live_server, new_page, shots):
    owner = user_create(email="olena@example.com", password=PASSWORD, name="Olena",
                        language="ru")
    ws = workspace_create(name="Zerno Coffee", owner=owner, timezone_name="Europe/Kyiv")
    channel_connect(workspace=ws, kind="sandbox", actor=owner,
                    data={"name": "Киев", "audience": "ru"})
    useful = rubric_create(workspace=ws, name="Полезное", color="#22c55e", target_share=50)
    plan_slot_create(workspace=ws, day=date(2030, 12, 2), rubric=useful, note="зима")
    page = new_page("ru-RU")
    sign_in(page, live_server.url, "olena@example.com", PASSWORD, lands_on=f"/w/{ws.slug}/")
    page.goto(f"{live_server.url}/w/{ws.slug}/plan/?month=2030-12")
    assert page.locator("#csv-sep").input_value() == "semicolon"
    with page.expect_download() as download:
        page.click(".plan-export button[type=submit]")
    body = download.value.path().read_bytes()
    assert body.startswith("\ufeff".encode())
    assert body.decode("utf-8-sig").splitlines()[1] == "2030-12-02;;;Полезное;feed;;;зима;"

    good = ("\ufeffДень;Время;Канал;Рубрика;Формат;Текст;Статус\r\n"
            "03.12.2030;10:00;Киев;полезное;Рилс;Зимний бленд;Черновик\r\n").encode()
    page.set_input_files("#csv-file", files=[
        {"name": "plan.csv", "mimeType": "text/csv", "buffer": good}])
    with page.expect_navigation():
        page.click("#csv-file >> xpath=ancestor::form//button[@type='submit']")
    assert page.locator(".messages li.success").count() == 1
    assert PlanSlot.objects.filter(day=date(2030, 12, 3), format="reel").count() == 1

    bad = ("День;Время;Рубрика;Формат\r\n"
           "32.12.2030;;;Рилс\r\n"
           "04.12.2030;25:00;Нет такой;\r\n"
           "05.12.2030;;;Карусель\r\n").encode()
    page.set_input_files("#csv-file", files=[
        {"name": "plan.csv", "mimeType": "text/csv", "buffer": bad}])
    page.click("#csv-file >> xpath=ancestor::form//button[@type='submit']")
    errors = page.locator(".plan-import-error li")
    errors.first.wait_for()
    found = errors.all_inner_texts()
    assert len(found) == 4 and len(set(found)) == 4
    for row, column in ((2, "День"), (3, "Время"), (3, "Рубрика"), (4, "Формат")):
        assert sum(f"{row}" in text and f"«{column}»" in text for text in found) == 1
    shots(page, "import-errors")
    assert PlanSlot.objects.count() == 2

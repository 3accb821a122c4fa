"""404 and 500 pages: in the app's look and the visitor's language, with the same strict
Content-Security-Policy as every page; the 500 page needs neither database nor request."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.test import Client, RequestFactory, override_settings
from django.utils import translation
from django.views import defaults

from tests.web.test_security import assert_strict

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_back_to_default():
    """A request activates its language for the thread; the next test starts afresh."""
    yield
    translation.deactivate()

NOT_FOUND = {"en": "Page not found", "ru": "Страница не найдена"}
FAILED = {"en": "Something went wrong", "ru": "Что-то пошло не так"}


def test_tests_run_with_debug_off():
    assert django_settings.DEBUG is False  # else Django shows its own technical pages


@pytest.mark.parametrize("lang", ["en", "ru"])
def test_an_unknown_address_gives_the_styled_404_in_the_browsers_language(lang):
    r = Client().get("/no/such/page/", HTTP_ACCEPT_LANGUAGE=f"{lang},en;q=0.5")
    html = r.content.decode()
    assert r.status_code == 404
    assert f'<html lang="{lang}">' in html and 'id="error-page"' in html
    assert NOT_FOUND[lang] in html and "/static/smmdesk/desk.css" in html
    assert_strict(r, "404")


def test_the_language_cookie_chooses_the_404_language():
    client = Client()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = "ru"
    html = client.get("/no/such/page/").content.decode()
    assert NOT_FOUND["ru"] in html and '<html lang="ru">' in html


def test_a_workspace_that_is_not_there_gives_the_404_in_the_users_language(owner):
    owner.language = "ru"
    owner.save()
    client = Client()
    client.force_login(owner)
    r = client.get("/w/nonexistent/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 404
    assert NOT_FOUND["ru"] in r.content.decode()
    assert_strict(r, "404 signed in")


@override_settings(ROOT_URLCONF="tests.web.boom_urls")
@pytest.mark.parametrize("lang", ["en", "ru"])
def test_a_failing_view_gives_the_styled_500_in_the_browsers_language(lang):
    r = Client(raise_request_exception=False).get("/boom/", HTTP_ACCEPT_LANGUAGE=lang)
    html = r.content.decode()
    assert r.status_code == 500
    assert FAILED[lang] in html and f'<html lang="{lang}">' in html
    assert "RuntimeError" not in html and "a bug in a view" not in html
    assert_strict(r, "500")


def test_the_500_page_renders_without_database_or_request_context(django_assert_num_queries):
    request = RequestFactory().get("/")  # no user, no session, no middleware ran
    with translation.override("ru"), django_assert_num_queries(0):
        r = defaults.server_error(request)
    html = r.content.decode()
    assert r.status_code == 500 and FAILED["ru"] in html and 'id="error-page"' in html

"""Switching the interface language on the profile page: the page after it, flash
message included, is in the new language."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _language_back_to_default():
    """A request activates its language for the thread; the next test starts afresh."""
    yield
    translation.deactivate()


def save(client, language: str, **headers):
    return client.post(reverse("web:profile"), {"name": "Olena", "language": language,
                                                "save_profile": "1"}, follow=True, **headers)


def flash(response) -> str:
    html = response.content.decode()
    return html.split('class="messages"', 1)[1].split("</ul>", 1)[0]


@pytest.mark.parametrize("old, new, said", [("", "ru", "Профиль сохранён."),
                                            ("ru", "uk", "Профіль збережено."),
                                            ("uk", "be", "Профіль захаваны."),
                                            ("be", "en", "Profile saved.")])
def test_the_flash_is_in_the_new_language(owner, old, new, said):
    owner.language = old
    owner.save()
    client = Client()
    client.force_login(owner)
    r = save(client, new)
    assert f'lang="{new}"' in r.content.decode()
    assert said in flash(r)


def test_back_to_the_browsers_language_the_flash_follows_the_browser(owner):
    owner.language = "ru"
    owner.save()
    client = Client()
    client.force_login(owner)
    r = save(client, "", HTTP_ACCEPT_LANGUAGE="uk,en;q=0.5")
    assert "Профіль збережено." in flash(r)

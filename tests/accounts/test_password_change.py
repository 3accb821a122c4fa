"""The password change page, linked from the profile."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(owner):
    owner.set_password("old coffee beans")
    owner.save()
    client = Client()
    assert client.post("/login/", {"username": owner.email,
                                   "password": "old coffee beans"}).status_code == 302
    return client


def test_the_profile_links_to_the_password_page(signed_in):
    assert 'href="/profile/password/"' in signed_in.get("/profile/").content.decode()
    page = signed_in.get("/profile/password/")
    assert page.status_code == 200 and 'name="old_password"' in page.content.decode()


def test_it_changes_the_password_and_keeps_this_session(signed_in, owner):
    r = signed_in.post("/profile/password/", {
        "old_password": "old coffee beans", "new_password1": "fresh roast 2026!",
        "new_password2": "fresh roast 2026!"}, follow=True)
    assert r.redirect_chain[-1][0] == "/profile/"
    assert "Your password was changed." in r.content.decode()
    owner.refresh_from_db()
    assert owner.check_password("fresh roast 2026!")
    assert signed_in.get("/profile/").status_code == 200


def test_a_wrong_old_password_changes_nothing(signed_in, owner):
    r = signed_in.post("/profile/password/", {
        "old_password": "guess", "new_password1": "fresh roast 2026!",
        "new_password2": "fresh roast 2026!"})
    assert r.status_code == 200 and "incorrectly" in r.content.decode()
    owner.refresh_from_db()
    assert owner.check_password("old coffee beans")


def test_the_page_is_translated(signed_in, owner):
    owner.language = "uk"
    owner.save(update_fields=["language"])
    page = signed_in.get("/profile/password/").content.decode()
    assert '<html lang="uk">' in page and "Старий пароль" in page  # Django's own catalogue


def test_nobody_signed_in_is_sent_to_log_in(db):
    r = Client().get("/profile/password/")
    assert r.status_code == 302 and r.url.startswith("/login/")

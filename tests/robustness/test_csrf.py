"""A form sent without its CSRF token (a forged request from another site, or a page left open
until its token expired) is refused with 403 and a page that says, in the person's language,
what happened and what to do, and nothing is written.

Every URL of the site is tried (outside the Wagtail and Django admins, whose forms are
Wagtail's and Django's own), from the URL configuration itself: a new page is covered by this
test the day it is added.  The CSRF check runs before the view, so the ids in the URLs need not
exist."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.utils import translation

from tests.robustness.helpers import snapshot

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("admin/", "django-admin/", "documents/", "static/", "media/", "^media/")


def _sample(pattern: str) -> str:
    """A URL for ``pattern``: every parameter filled with a plausible value."""
    path = re.sub(r"<int:\w+>", "1", pattern)
    path = re.sub(r"<(?:str|slug):\w+>", "abc", path)
    path = re.sub(r"\(\?P<uidb36>[^)]*\)", "1", path)
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "abc", path)
    path = path.replace("^", "").replace("$", "")
    return "/" + path


def site_urls() -> list[str]:
    """Every URL pattern of the site outside the admins, as a sample URL."""
    urls: list[str] = []

    def walk(resolver: URLResolver, prefix: str) -> None:
        for entry in resolver.url_patterns:
            text = str(entry.pattern)
            if isinstance(entry, URLResolver):
                if (prefix + text).startswith(SKIPPED_PREFIXES):
                    continue
                walk(
                    entry, prefix + ("" if "i18n" in type(entry.pattern).__name__.lower() else text)
                )
            elif isinstance(entry, URLPattern):
                full = prefix + text
                if full.startswith(SKIPPED_PREFIXES) or "((?:" in full:  # Wagtail's catch-all
                    continue
                urls.append(
                    _sample(full)
                    if not isinstance(entry.pattern, RoutePattern) or "<" in full
                    else "/" + full
                )

    walk(get_resolver(), "")
    return sorted(set(urls)) + ["/", "/courses/"]  # and pages served by Wagtail


def test_every_site_url_is_listed():
    """A sanity check of the enumeration: the forms people use are among the URLs tried."""
    urls = site_urls()
    for expected in [
        "/volunteer/join/1/",
        "/organisations/apply/",
        "/accounts/signup/",
        "/accounts/login/",
        "/accounts/password/reset/",
        "/profile/",
        "/runs/1/enrol/",
        "/enrolments/1/cancel/",
        "/check-in/",
        "/surveys/1/",
        "/lessons/1/check/",
        "/mentoring/pairs/1/log/",
        "/opportunities/1/apply/",
        "/members/posts/new/",
        "/members/posts/1/comments/",
        "/calendar/abc.ics",
    ]:
        assert expected in urls, expected
    assert not any(url.startswith(("/admin/", "/django-admin/")) for url in urls)


@pytest.mark.parametrize("signed_in_as", ["anonymous", "person"])
def test_posts_without_the_csrf_token_are_refused_everywhere(signed_in_as, home_page, person):
    client = Client(enforce_csrf_checks=True)
    if signed_in_as == "person":
        client.force_login(person)
    before = snapshot()
    refused = []
    for url in site_urls():
        response = client.post(url, {"email": "hanako@example.jp", "full_name": "兵庫 花子"})
        assert response.status_code == 403, (url, response.status_code)
        refused.append(url)
    assert snapshot() == before
    assert len(refused) > 60


def test_the_csrf_page_says_what_happened_in_the_persons_language(home_page):
    client = Client(enforce_csrf_checks=True)
    response = client.post("/organisations/apply/", {"name": "つながり"})
    assert response.status_code == 403
    page = response.content.decode()
    assert '<html lang="ja">' in page
    with translation.override("ja"):
        for text in (
            "This form has expired",
            "Nothing you entered has been saved. Please go back, reload the page and send the "
            "form again.",
            "Go to the home page",
        ):
            assert translation.gettext(text) in page
    assert "ホーム" in page  # the link home, in Japanese
    assert "DEBUG" not in page and "CSRF" not in page  # no jargon

    english = client.post("/en/organisations/apply/", {"name": "Tsunagari"})
    assert english.status_code == 403
    assert '<html lang="en">' in english.content.decode()
    assert "This form has expired" in english.content.decode()


def test_a_forged_sign_up_with_a_wrong_token_is_refused(home_page):
    """A token that is present but not the cookie's is refused the same way."""
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/signup/")  # sets the CSRF cookie
    before = snapshot()
    response = client.post(
        "/accounts/signup/",
        {
            "csrfmiddlewaretoken": "x" * 64,
            "email": "forged@example.jp",
            "password1": "tsunagari-2026-kobe",
            "password2": "tsunagari-2026-kobe",
            "full_name": "偽 太郎",
            "full_name_kana": "にせ たろう",
            "accept_privacy": "on",
        },
    )
    assert response.status_code == 403
    assert snapshot() == before

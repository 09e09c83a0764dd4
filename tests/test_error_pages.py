"""The standalone error pages (400, 403_csrf, 500, 503) share one frame, templates/errors/base.html:
each must still say, in the person's language, what happened, link home and load only the error
stylesheet, without touching the database (it may be what failed)."""

from __future__ import annotations

import re

import pytest
from django.template import loader
from django.utils import translation
from django.utils.translation import gettext

from tests.test_security_headers import inline_code_problems

PAGES = {
    "400.html": (
        "We could not read what you sent",
        "It was too large, or not in a form we accept. Nothing has been saved. Please go back, "
        "shorten any very long text and try again.",
    ),
    "403_csrf.html": (
        "This form has expired",
        "Nothing you entered has been saved. Please go back, reload the page and send the form "
        "again.",
    ),
    "500.html": (
        "Something went wrong",
        "Sorry, there was a problem on our side. Please try again in a few minutes. If it keeps "
        "happening, please contact the platform office.",
    ),
    "503.html": (
        "The site is briefly unavailable",
        "We could not reach our database just now, so this page could not be shown. What you just "
        "sent may not have been saved: please wait a minute, then reload the page and check.",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["ja", "en"])
@pytest.mark.parametrize("name", sorted(PAGES))
def test_each_error_page_stands_alone_in_the_persons_language(
    name, language, django_assert_num_queries
):
    title, message = PAGES[name]
    with translation.override(language), django_assert_num_queries(0):
        page = loader.get_template(name).render()  # as Django renders 500.html: no context
        title, message, home = gettext(title), gettext(message), gettext("Go to the home page")

    assert page.startswith("<!DOCTYPE html>")
    assert f'<html lang="{language}">' in page
    assert re.search(r"<title>(.*?)</title>", page).group(1) == title
    assert re.search(r"<h1>(.*?)</h1>", page).group(1) == title
    assert f"<p>{message}</p>" in page
    assert f'<a href="/">{home}</a>' in page
    assert '<link rel="stylesheet" href="/static/css/error.css">' in page
    assert page.count("<link ") == 1 and "<script" not in page
    assert '<meta name="robots" content="noindex">' in page
    if language == "ja":
        assert title != PAGES[name][0], "the Japanese title is not translated"


def test_the_error_pages_extend_the_shared_frame_and_have_no_inline_code():
    from django.conf import settings

    directory = settings.TEMPLATES[0]["DIRS"][0]
    for name in [*PAGES, "errors/base.html"]:
        with open(f"{directory}/{name}", encoding="utf-8") as source:
            text = source.read()
        assert inline_code_problems(text) == [], name
        if name != "errors/base.html":
            assert text.startswith('{% extends "errors/base.html" %}'), name

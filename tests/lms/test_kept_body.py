"""Kept staff bodies spliced into their page as UTF-8 (lms.pagecache.with_kept_body): the body
appears once, where the template shows it, with this request's CSRF token and filled
placeholders, Japanese intact; the frame around it is rendered as usual."""

import re

import pytest
from django.test import RequestFactory, override_settings

from lms.pagecache import CSRF_PLACEHOLDER, KEPT_BODY, with_kept_body

FRAME = (
    "<title>{{ title }}</title><main>{% block content %}{{ kept_body }}{% endblock %}</main>"
    "<footer>{{ title }}</footer>"
)
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {"frame.html": FRAME, "no-body.html": "<title>{{ title }}</title>"},
                )
            ]
        },
    }
]
PLACEHOLDER = "bulk-fields-placeholder"


@pytest.fixture
def request_():
    return RequestFactory().get("/admin/courses/runs/1/attendance/")


@override_settings(TEMPLATES=TEMPLATES)
def test_the_body_is_spliced_where_the_template_shows_it_with_the_requests_token(request_):
    body = (
        f'<form><input name="csrfmiddlewaretoken" value="{CSRF_PLACEHOLDER}">'
        f"<td>山﨑 髙子</td>{PLACEHOLDER}</form>"
    ).encode()

    response = with_kept_body(
        request_,
        "frame.html",
        {"title": "出席: 多職種合同研修 <第1期>"},
        body,
        fill=lambda: {PLACEHOLDER: "<select><option>第2期</option></select>"},
    )
    html = response.render().content.decode()

    # The request's own token (masked anew each time it is asked for), its cookie to be set.
    token = re.search(r'csrfmiddlewaretoken" value="([^"]*)"', html)[1]
    assert len(token) == 64 and token != CSRF_PLACEHOLDER
    assert request_.META["CSRF_COOKIE_NEEDS_UPDATE"]
    assert html == (
        "<title>出席: 多職種合同研修 &lt;第1期&gt;</title><main>"
        f'<form><input name="csrfmiddlewaretoken" value="{token}">'
        "<td>山﨑 髙子</td><select><option>第2期</option></select></form>"
        "</main><footer>出席: 多職種合同研修 &lt;第1期&gt;</footer>"
    )
    assert KEPT_BODY not in html and CSRF_PLACEHOLDER not in html


@override_settings(TEMPLATES=TEMPLATES)
def test_a_body_without_forms_asks_for_no_token(request_):
    response = with_kept_body(request_, "frame.html", {"title": "一覧"}, "<p>なし</p>".encode())

    assert response.render().content.decode().count("<p>なし</p>") == 1
    assert "CSRF_COOKIE" not in request_.META  # get_token was never called


@override_settings(TEMPLATES=TEMPLATES)
def test_a_template_that_does_not_show_the_body_is_an_error_not_a_page_without_it(request_):
    response = with_kept_body(request_, "no-body.html", {"title": "一覧"}, b"<p>body</p>")

    with pytest.raises(ValueError, match="kept_body"):
        response.render()

"""Bad input in URLs: search and catalogue filters and page numbers (unknown values, control
characters, broken UTF-8), garbage tokens, codes and serials where a URL takes any text
(calendar feed, certificate verification and download, invitation, allauth's confirmation and
password-reset keys), ids too large for the database in calendar (.ics) links, and the
person's own data as JSON.  The answer is a page (filters ignored and explained), 400 or 404,
never a server error, and nothing is written."""

from __future__ import annotations

import json

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from certificates.models import Certificate
from lms.models import CalendarFeed
from tests.factories import CoursePageFactory, CourseRunFactory, SessionFactory
from tests.robustness.conftest import fresh_cache
from tests.robustness.helpers import FAST, JAPANESE, SOME, assert_not_server_error, snapshot
from tests.robustness.strategies import (
    RAW_BAD_BYTES,
    nasty_date,
    nasty_id,
    nasty_number,
    nasty_path_segment,
    nasty_value,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def public_pages(home_page, directory_page, news_index, case_study_index):
    """Every public page that takes filters or a page number, with a course to list."""
    run = CourseRunFactory(course=CoursePageFactory(parent=None))
    SessionFactory(run=run)
    return run


FILTERS = {
    "/search/": ["q", "page"],
    "/courses/": [
        "q",
        "field",
        "profession",
        "format",
        "kind",
        "municipality",
        "date_from",
        "date_to",
        "has_seats",
        "page",
    ],
    "/organisations/": ["q", "group", "field", "municipality", "page"],
    "/activities/": ["q", "municipality", "field", "day", "audience", "page"],
    "/case-studies/": ["field", "page"],
    "/news/": ["page"],
    "/opportunities/": ["page", "q"],
}


def _filter_errors(response) -> list[str]:
    context = response.context or {}
    form = context.get("filter_form") or context.get("form")
    if form is None or not hasattr(form, "errors") or not form.is_bound:
        return []
    return [str(error) for errors in form.errors.values() for error in errors]


@SOME
@given(
    page=st.sampled_from(sorted(FILTERS)),
    values=st.lists(
        st.one_of(nasty_value(), nasty_date(), nasty_number()), min_size=10, max_size=10
    ),
)
def test_filters_and_page_numbers_with_garbage_show_the_page(page, values, public_pages):
    """Every filter gets a nasty value: the page is shown (200), the bad filters are
    explained in Japanese and ignored, and nothing is written."""
    query = dict(zip(FILTERS[page], values, strict=False))
    before = snapshot()
    response = Client().get(page, query)
    assert response.status_code == 200, (page, query, response.status_code)
    for error in _filter_errors(response):
        assert JAPANESE.search(error), error
    assert snapshot() == before


@pytest.mark.parametrize("page", sorted(FILTERS))
@pytest.mark.parametrize("raw", RAW_BAD_BYTES)
def test_filters_with_bytes_that_are_not_utf8(page, raw, public_pages):
    query = "&".join(f"{name}={raw}" for name in FILTERS[page])
    response = Client().get(f"{page}?{query}")
    assert response.status_code == 200


def test_members_list_filters_with_garbage(role_user):
    from lms import roles

    client = Client()
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    for raw in [*RAW_BAD_BYTES, "9" * 40, "-1", "1e400", "NaN"]:
        response = client.get(f"/members/?q={raw}&field={raw}&kind={raw}&page={raw}")
        assert response.status_code == 200


# --- Text in URLs: tokens, codes, serials -------------------------------------------------------


@SOME
@given(token=nasty_path_segment())
def test_calendar_feed_with_a_garbage_token_is_not_found(token, person):
    CalendarFeed.objects.get_or_create(user=person)
    before = snapshot()
    response = Client().get(f"/calendar/{token}.ics")
    assert response.status_code == 404
    assert snapshot() == before


@SOME
@given(code=nasty_path_segment(), typed=nasty_value(max_size=100))
def test_certificate_verification_with_garbage(code, typed, home_page):
    """The code in the QR link, or typed into the form: "not found" (404) or the form with an
    error in Japanese; never a server error."""
    fresh_cache()
    client = Client()
    before = snapshot()
    response = client.get(f"/certificates/verify/{code}/")
    assert response.status_code in (404, 301, 302), response.status_code
    typed_response = client.get("/certificates/verify/", {"code": typed})
    assert_not_server_error(typed_response)
    if typed_response.status_code == 200:
        errors = typed_response.context["form"].errors.get("code", [])
        assert errors and all(JAPANESE.search(str(e)) for e in errors), errors
    else:
        assert typed_response.status_code == 302  # a well-formed code: to its own page
    assert snapshot() == before


@FAST
@given(serial=nasty_path_segment())
def test_certificate_download_with_a_garbage_serial_is_not_found(serial, signed_in):
    assert signed_in.get(f"/certificates/{serial}/download/").status_code == 404
    assert Certificate.objects.count() == 0


@FAST
@given(key=nasty_path_segment(), uid=st.sampled_from(["1", "zz", "0", "9" * 30]))
def test_account_confirmation_and_reset_links_with_garbage_keys(key, uid, person):
    """allauth's links: a page saying the link is invalid, never a server error; nobody is
    confirmed and no password changes."""
    client = Client()
    me = type(person).objects.filter(pk=person.pk)
    before = snapshot(rows=(me,))
    for path in (
        f"/accounts/confirm-email/{key}/",
        f"/accounts/password/reset/key/{uid}-{key}/",
    ):
        assert client.get(path).status_code in (200, 302, 404)
        assert client.post(path, {"password1": "x", "password2": "x"}).status_code in (
            200,
            302,
            404,
        )
    assert snapshot(rows=(me,)) == before


# --- Calendar (.ics) links and JSON ------------------------------------------------------------


@FAST
@given(
    tampered=nasty_id(),
    path=st.sampled_from(
        [
            "/sessions/{}/calendar.ics",
            "/sessions/{}/google/",
            "/runs/{}/calendar.ics",
            "/mentoring/meetings/{}/calendar.ics",
            "/certificates/verify/{}/",
        ]
    ),
)
def test_calendar_links_with_ids_that_do_not_exist_are_not_found(tampered, path, signed_in):
    assert signed_in.get(path.format(tampered)).status_code == 404


def test_calendar_links_of_a_real_session_are_calendars(public_pages, signed_in):
    session = public_pages.sessions.first()
    for path in (f"/sessions/{session.pk}/calendar.ics", f"/runs/{public_pages.pk}/calendar.ics"):
        response = Client().get(path, {"garbage": "\x00", "page": "9" * 40})
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        assert b"BEGIN:VCALENDAR" in response.content


def test_personal_data_download_is_json_whatever_the_query(signed_in, person):
    response = signed_in.get("/profile/my-data/", {"format": "\x00", "page": "-1"})
    assert response.status_code == 200
    data = json.loads(response.content)
    assert person.email in json.dumps(data, ensure_ascii=False)

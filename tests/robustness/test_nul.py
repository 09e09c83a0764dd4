"""NUL (and its company: broken UTF-8, a lone surrogate) in every place a request can carry
text that no form field checks first: query strings, text in URLs, hidden fields and values
views read by hand.  PostgreSQL refuses NUL in any query ("text fields cannot contain NUL"),
so a NUL that reaches the database is a server error there and not on SQLite: this module
sends one to every such place, deterministically, and is worth most when run on PostgreSQL
(``DATABASE_URL=postgres://…``)."""

from __future__ import annotations

import pytest
from django.test import Client

from lms import roles
from tests.factories import EnrolmentFactory, OrganisationFactory, SessionFactory
from tests.robustness.helpers import FORM, assert_not_server_error, encode_form, snapshot
from tests.robustness.strategies import RAW_BAD_BYTES

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

BAD = ["%00", "a%00b", *RAW_BAD_BYTES]


@pytest.fixture
def world(run, person, role_user, directory_page, news_index, case_study_index):
    """One of everything the URLs below point at."""
    from organisations.models import MemberRole, Membership
    from tests.opportunities.conftest import make_opportunity, volunteer
    from tests.surveys.conftest import make_survey

    session = SessionFactory(run=run)
    enrolment = EnrolmentFactory(run=run, user=person)
    organisation = OrganisationFactory(slug="himeji")
    membership = Membership.objects.create(
        organisation=organisation, user=person, role=MemberRole.ADMIN
    )
    coordinator = role_user(roles.COORDINATORS, is_staff=True)
    profile = volunteer()
    return {
        "run": run.pk,
        "session": session.pk,
        "enrolment": enrolment.pk,
        "course": run.course_id,
        "organisation": organisation.slug,
        "membership": membership.pk,
        "opportunity": make_opportunity(organisation).pk,
        "survey": make_survey().pk,
        "profile": profile.pk,
        "coordinator": coordinator,
    }


# (path, query-string names) for the pages anyone can open.
PUBLIC_QUERIES = [
    ("/search/", ["q", "page"]),
    ("/courses/", ["q", "field", "profession", "format", "kind", "municipality", "date_from"]),
    ("/organisations/", ["q", "group", "field", "municipality", "page"]),
    ("/activities/", ["q", "municipality", "field", "day", "audience", "page"]),
    ("/case-studies/", ["field", "page"]),
    ("/news/", ["page"]),
    ("/opportunities/", ["page"]),
    ("/certificates/verify/", ["code"]),
    ("/accounts/login/", ["next"]),
    ("/accounts/signup/", ["next"]),
]

# Text where a URL takes any text.
PUBLIC_PATHS = [
    "/calendar/{bad}.ics",
    "/certificates/verify/{bad}/",
    "/members/digest/unsubscribe/{bad}/",
    "/accounts/confirm-email/{bad}/",
    "/accounts/password/reset/key/1-{bad}/",
    "/check-in/{session}/1/{bad}/",
]
SIGNED_IN_PATHS = [
    "/certificates/{bad}/download/",
    "/organisations/invitations/{bad}/",
]


@pytest.mark.parametrize("bad", BAD)
def test_public_query_strings(bad, world):
    client = Client()
    before = snapshot()
    for path, names in PUBLIC_QUERIES:
        query = "&".join(f"{name}={bad}" for name in names)
        response = client.get(f"{path}?{query}")
        assert response.status_code in (200, 302), (path, response.status_code)
    assert snapshot() == before


@pytest.mark.parametrize("bad", BAD)
def test_text_in_urls(bad, world, person):
    anonymous, signed_in = Client(), Client()
    signed_in.force_login(person)
    before = snapshot()
    for client, paths in ((anonymous, PUBLIC_PATHS), (signed_in, SIGNED_IN_PATHS)):
        for template in paths:
            path = template.format(bad=bad, **world)
            for response in (client.get(path), client.post(path)):
                assert_not_server_error(response)
                assert response.status_code in (200, 302, 400, 403, 404), (path, response)
    assert snapshot() == before


# (path, fields) a signed-in person posts, with the fields the views read by hand.  Cancelling
# reads only ``next``, which never stops the person's own action (the place is cancelled and its
# notice written): test_own_forms.py checks it with every kind of text, NUL included.
OWN_POSTS = [
    ("/runs/{run}/enrol/", ["next"]),
    ("/profile/calendar/", ["action"]),
    ("/lessons/999999/check/", ["q-abc"]),
    ("/check-in/", ["code"]),
    ("/sessions/{session}/code/", ["code"]),
    ("/opportunities/{opportunity}/apply/", ["message"]),
    ("/members/digest/", ["weekly_digest"]),
    ("/organisations/{organisation}/members/{membership}/", ["action", "role"]),
    ("/organisations/{organisation}/invite/", ["email", "role"]),
    ("/i18n/setlang/", ["language", "next"]),
]

# Staff pages of our own in the Wagtail admin, with the fields they read by hand.
STAFF_POSTS = [
    ("/admin/courses/runs/{run}/add/", ["email"]),
    ("/admin/courses/enrolments/{enrolment}/move/", ["to_run"]),
    ("/admin/courses/runs/{run}/groups/assign/", ["group-{enrolment}", "group-x"]),
    ("/admin/courses/runs/{run}/groups/generate/", ["group_size"]),
    ("/admin/courses/runs/{run}/message/", ["audience", "subject", "body"]),
    ("/admin/courses/requests/{enrolment}/reject/", ["reason"]),
    ("/admin/courses/enrolments/{enrolment}/feedback/", ["feedback"]),
    ("/sessions/{session}/roster/mark/", ["enrolment", "status", "next"]),
    ("/sessions/{session}/roster/walk-in/", ["email", "next"]),
    ("/sessions/{session}/roster/rest-absent/", ["confirm", "next"]),
    ("/admin/volunteers/bulk/", ["action", "profiles", "to_stage", "run", "query"]),
    ("/admin/volunteers/{profile}/enrol/", ["run"]),
    ("/admin/volunteers/{profile}/note/", ["body"]),
    ("/admin/volunteers/{profile}/stage/", ["to_stage", "note"]),
    ("/admin/volunteers/{profile}/hours/", ["date", "minutes", "activity"]),
    ("/admin/mentoring/alerts/acknowledge/", ["key", "note"]),
    ("/admin/organisations/applications/999999/", ["decision", "message"]),
    ("/admin/exchange/posts/999999/hide/", ["action", "next"]),
]
STAFF_QUERIES = [
    ("/admin/courses/runs/{run}/participants/", ["status", "organisation", "format"]),
    ("/admin/courses/runs/{run}/attendance/", ["format"]),
    ("/sessions/{session}/roster/", ["q"]),
    ("/sessions/{session}/roster/live/", ["q"]),
    ("/admin/volunteers/", ["q", "stage", "municipality", "field", "availability", "page"]),
    ("/admin/volunteers/report/", ["by", "format"]),
    ("/admin/surveys/reports/{survey}/runs/{run}/", ["format"]),
    ("/admin/organisations/report/", ["format", "table"]),
    ("/admin/mentoring/alerts/", ["page"]),
    ("/admin/exchange/posts/", ["page"]),
    ("/admin/snippets/courses/courserun/add/", ["course"]),
]


def _post_each(client, table, world, bad) -> None:
    for template, names in table:
        path = template.format(**world)
        for name in names:
            body = encode_form({}, raw={name.format(**world): bad})
            response = client.post(path, body, content_type=FORM)
            assert_not_server_error(response)
            assert response.status_code in (200, 302, 400, 403, 404), (path, name, response)


def _unchanged(before: dict, after: dict, bad: str) -> None:
    """With a NUL, nothing is written.  Broken UTF-8 arrives as U+FFFD, a visible character,
    so a note saying "�" may be saved.  A checkbox is ticked by any value and the calendar
    action makes a new private feed whatever it says: those two are left out."""
    if "%00" not in bad:
        return
    ignore = {"lms.CalendarFeed", "exchange.DigestPreference"}
    assert {k: v for k, v in after.items() if k not in ignore} == {
        k: v for k, v in before.items() if k not in ignore
    }


@pytest.mark.parametrize("bad", BAD)
def test_fields_read_by_hand_in_a_persons_forms(bad, world, signed_in):
    before = snapshot()
    _post_each(signed_in, OWN_POSTS, world, bad)
    _unchanged(before, snapshot(), bad)


@pytest.mark.parametrize("bad", BAD)
def test_fields_read_by_hand_in_staff_pages(bad, world):
    client = Client()
    client.force_login(world["coordinator"])
    before = snapshot()
    _post_each(client, STAFF_POSTS, world, bad)
    _unchanged(before, snapshot(), bad)
    for template, names in STAFF_QUERIES:
        path = template.format(**world)
        query = "&".join(f"{name}={bad}" for name in names)
        response = client.get(f"{path}?{query}")
        assert response.status_code == 200, (path, response.status_code)


# --- Ids too large for the database in every choice of a model -------------------------------

HUGE = ["9223372036854775808", "9" * 40, "-9223372036854775809", "1e3"]

# (who, path, the fields that choose rows of a table by id)
CHOICE_FIELDS = [
    ("anonymous", "/volunteer/join/1/", ["municipality"]),
    (
        "anonymous",
        "/organisations/apply/",
        ["organisation_type", "fields", "municipality", "municipalities_served"],
    ),
    ("person", "/profile/", ["profession", "organisation_group", "municipality"]),
    (
        "admin",
        "/organisations/{organisation}/opportunities/new/",
        ["activity", "municipality", "fields", "required_course"],
    ),
    ("admin", "/organisations/{organisation}/activities/new/", ["municipality"]),
    ("admin", "/organisations/{organisation}/profile/", ["fields", "municipalities_served"]),
    ("admin", "/members/posts/new/", ["organisation", "fields"]),
    ("coordinator", "/admin/volunteers/enter/", ["municipality", "fields_of_interest"]),
    ("coordinator", "/admin/volunteers/bulk/", ["profiles", "run"]),
]


@pytest.mark.parametrize("value", HUGE)
def test_ids_too_large_for_the_database_in_choices(value, world, person):
    clients = {
        "anonymous": Client(),
        "person": Client(),
        "admin": Client(),
        "coordinator": Client(),
    }
    clients["person"].force_login(person)
    clients["admin"].force_login(person)  # the organisation's admin (see ``world``)
    clients["coordinator"].force_login(world["coordinator"])
    before = snapshot()
    for who, template, names in CHOICE_FIELDS:
        path = template.format(**world)
        for name in names:
            response = clients[who].post(path, {name: value, "website": "", "nickname": ""})
            assert_not_server_error(response)
    assert snapshot() == before
    for path in ("/courses/", "/organisations/", "/activities/", "/case-studies/"):
        query = "&".join(f"{n}={value}" for n in ("field", "profession", "municipality", "group"))
        assert Client().get(f"{path}?{query}").status_code == 200

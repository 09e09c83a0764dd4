"""Public pages kept for anonymous visitors (lms.pagecache): served from memory for one cache
read, never to signed-in people, never stale after a change commits, never with someone else's
CSRF token, message or password-protected page."""

import pytest
from django.contrib.messages import constants
from django.contrib.messages.storage.base import Message
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import caches
from django.db import transaction
from django.http import HttpRequest
from django.template import engines
from django.template.response import TemplateResponse
from django.test import Client
from django.urls import path
from wagtail.models import PageViewRestriction

from courses.services.enrolment import enrolment_create
from lms import pagecache
from tests.factories import CourseIndexPageFactory, CoursePageFactory, CourseRunFactory, UserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("page_cache_on")]

COURSE_TITLE = "多職種で考える孤独・孤立支援"


@pytest.fixture
def course(home_page, django_capture_on_commit_callbacks):
    catalogue = CourseIndexPageFactory(parent=home_page)
    page = CoursePageFactory(parent=catalogue, title=COURSE_TITLE, slug="kodoku")
    CourseRunFactory(course=page, capacity=2)
    return page


def _kept(response) -> bool:
    """A kept page is answered without rendering a template (no context)."""
    return response.status_code == 200 and response.context is None


def test_an_anonymous_visitor_gets_the_kept_page_the_second_time(client, course):
    first = client.get(course.url)
    second = Client().get(course.url)

    assert first.status_code == 200 and not _kept(first)
    assert _kept(second)
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]
    # The middleware above still runs on a kept page: the site's security headers are there.
    assert "Content-Security-Policy" in second and second["X-Frame-Options"] == "DENY"


def test_signed_in_people_always_get_their_own_page(client, course):
    client.get(course.url)
    signed_in = Client()
    signed_in.force_login(UserFactory())

    response = signed_in.get(course.url)

    assert not _kept(response)
    assert "ログインして申し込む" not in response.content.decode()
    assert b"csrfmiddlewaretoken" in response.content  # the enrol form, with their own token


def test_a_kept_page_costs_one_query_with_the_sites_database_cache(site_cache, course):
    Client().get(course.url)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = Client().get(course.url)

    assert _kept(response)
    assert len(queries) == 1, [q["sql"] for q in queries]  # the shared version


def test_publishing_a_change_shows_at_once(client, course, django_capture_on_commit_callbacks):
    client.get(course.url)
    assert _kept(Client().get(course.url))

    with django_capture_on_commit_callbacks(execute=True):
        course.title = "孤独・孤立支援の基礎（改訂版）"
        course.save_revision().publish()

    response = Client().get(course.url)
    assert not _kept(response)
    assert "孤独・孤立支援の基礎（改訂版）" in response.content.decode()


def test_a_seat_taken_shows_at_once_on_the_course_and_the_catalogue(
    course, django_capture_on_commit_callbacks
):
    catalogue_url = course.get_parent().url
    for url in (course.url, catalogue_url):
        Client().get(url)
    assert "2席" in Client().get(course.url).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        enrolment_create(run=course.runs.get(), user=UserFactory())

    course_page = Client().get(course.url)
    assert not _kept(course_page)
    assert "残り1席" in course_page.content.decode()
    assert not _kept(Client().get(catalogue_url))


def test_a_change_rolled_back_keeps_the_pages(course, django_capture_on_commit_callbacks):
    Client().get(course.url)
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            run = course.runs.get()
            run.capacity = 30
            run.save()
            raise RuntimeError("cancelled")

    assert _kept(Client().get(course.url))


def test_many_changes_in_one_transaction_bump_once(
    course, monkeypatch, django_capture_on_commit_callbacks
):
    bumps = []
    monkeypatch.setattr(pagecache, "bump_version", lambda **kind: bumps.append(kind))
    run = course.runs.get()
    for _transaction in range(2):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            for capacity in (3, 4, 5):
                run.capacity = capacity
                run.save()
    assert bumps == [{"seats_only": False}] * 2

    # Places taken bump the seats part only, once per transaction too; with a content change
    # in the same transaction, both parts once each.
    bumps.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for _person in range(3):
            enrolment_create(run=run, user=UserFactory())
    assert bumps == [{"seats_only": True}]
    bumps.clear()
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        enrolment_create(run=run, user=UserFactory())
        run.capacity = 6
        run.save()
    assert sorted(kind["seats_only"] for kind in bumps) == [False, True]


def test_changes_to_private_records_keep_the_pages(course, django_capture_on_commit_callbacks):
    """Signing in (last_login) or a mail being queued says nothing public pages show."""
    Client().get(course.url)
    with django_capture_on_commit_callbacks(execute=True):
        member = UserFactory()
        member.first_name = "太郎"
        member.save()

    assert _kept(Client().get(course.url))


def test_only_public_content_is_listened_to():
    """Bulk deletes of private rows (mail log and audit purges) keep Django's fast path, which a
    delete receiver for every model would take away.  (Accounts are listened to by the staff
    lists kept whole, which show names: ``lms.selectors.ACCOUNTS_SHOWN_VERSION``.  They are
    never deleted in bulk, only anonymised, or removed one by one in the admin.  Attendance
    records are listened to by the kept rosters and matrices, ``courses.selectors
    .SHEETS_VERSION``: their deletes cannot take the fast path anyway, their changes go with
    them.)"""
    from django.db.models.signals import post_delete, post_save

    from audit.models import AuditEvent
    from courses.models import CoursePage, CourseRun, Enrolment
    from lms.models import OutboundEmail

    for private in (OutboundEmail, AuditEvent):
        assert not post_delete.has_listeners(private), private
    for public in (CourseRun, Enrolment, CoursePage):
        assert post_save.has_listeners(public) and post_delete.has_listeners(public), public


def test_a_lost_version_makes_every_kept_page_stale(course):
    Client().get(course.url)
    caches["default"].clear()  # the shared store restarted or culled the version

    assert not _kept(Client().get(course.url))


def test_a_password_protected_page_is_never_kept(course):
    restriction = PageViewRestriction.objects.create(
        page=course, restriction_type=PageViewRestriction.PASSWORD, password="つながり"
    )
    insider = Client()
    insider.post(
        f"/_util/authenticate_with_password/{restriction.pk}/{course.pk}/",
        {"password": "つながり", "return_url": course.url},
    )
    assert COURSE_TITLE in insider.get(course.url).content.decode()

    outsider = Client().get(course.url)

    assert outsider.status_code == 200 and not _kept(outsider)
    assert 'type="password"' in outsider.content.decode()


def test_a_page_with_a_message_is_neither_served_from_nor_kept(course):
    Client().get(course.url)
    with_message = Client()
    storage = CookieStorage(HttpRequest())
    with_message.cookies["messages"] = storage._encode(
        [Message(constants.SUCCESS, "ログアウトしました。")]
    )

    response = with_message.get(course.url)

    assert not _kept(response)
    assert "ログアウトしました。" in response.content.decode()
    assert "ログアウトしました。" not in Client().get(course.url).content.decode()


def test_the_language_is_part_of_the_key(course):
    japanese = Client().get(course.url)
    english = Client().get("/en" + course.url)

    assert english.status_code == 200 and not _kept(english)
    assert japanese.content != english.content
    assert _kept(Client().get("/en" + course.url))


def _form_view(request):
    template = engines["django"].from_string("<form method='post'>{% csrf_token %}</form>")
    return TemplateResponse(request, template)


def _plain_view(request):
    template = engines["django"].from_string("<p>{{ request.GET.q }}</p>")
    return TemplateResponse(request, template)


urlpatterns = [
    path("form/", pagecache.cache_public_page(_form_view)),
    path("plain/", pagecache.cache_public_page(_plain_view)),
    path("undecorated/", _plain_view),
]


@pytest.mark.urls(__name__)
def test_a_page_carrying_a_csrf_token_is_never_kept():
    Client().get("/form/")
    second = Client().get("/form/")

    assert not _kept(second)
    assert b"csrfmiddlewaretoken" in second.content
    assert "csrftoken" in second.cookies  # each visitor gets a token of their own


@pytest.mark.urls(__name__)
def test_only_marked_views_are_kept_and_the_query_string_is_part_of_the_key():
    Client().get("/plain/?q=a")
    Client().get("/undecorated/?q=a")

    assert _kept(Client().get("/plain/?q=a"))
    assert Client().get("/plain/?q=b").content == b"<p>b</p>"
    assert not _kept(Client().get("/undecorated/?q=a"))


@pytest.mark.urls(__name__)
def test_switched_off_nothing_is_kept(settings):
    settings.PUBLIC_PAGE_CACHE_SECONDS = 0
    Client().get("/plain/?q=a")

    assert not _kept(Client().get("/plain/?q=a"))


# --- The site menu and the office's contact details, kept for every page ---------------------


def _menu_and_footer(content: bytes) -> tuple[str, str]:
    html = content.decode()
    return (
        html.split('<nav class="main-nav"', 1)[1].split("</nav>", 1)[0],
        html.split('<footer class="site-footer"', 1)[1],
    )


def test_signed_in_pages_get_the_menu_and_office_kept_until_they_change(
    course, django_capture_on_commit_callbacks
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cms.models import PlatformOffice

    with django_capture_on_commit_callbacks(execute=True):
        office = PlatformOffice.load()
        office.name = "兵庫県孤独・孤立対策官民連携プラットフォーム事務局"
        office.save()
        catalogue = course.get_parent().specific
        catalogue.show_in_menus = True
        catalogue.title = "研修を探す"
        catalogue.save_revision().publish()
    person = Client()
    person.force_login(UserFactory())
    person.get("/learning/")
    with CaptureQueriesContext(connection) as queries:
        first = person.get("/learning/")
    menu, footer = _menu_and_footer(first.content)
    assert "研修を探す" in menu and "事務局" in footer
    # Neither the menu's pages (public() reads the view restrictions) nor the setting were read.
    menu_or_office = ("wagtailcore_pageviewrestriction", "cms_platformoffice", "wagtailcore_locale")
    assert not [q["sql"] for q in queries if any(table in q["sql"] for table in menu_or_office)]

    with django_capture_on_commit_callbacks(execute=True):
        catalogue.title = "研修一覧"
        catalogue.save_revision().publish()
        office.name = "県PF事務局"
        office.save()
    menu, footer = _menu_and_footer(person.get("/learning/").content)
    assert "研修一覧" in menu and "研修を探す" not in menu
    assert "県PF事務局" in footer and "プラットフォーム事務局" not in footer

    with django_capture_on_commit_callbacks(execute=True):
        catalogue.show_in_menus = False
        catalogue.save_revision().publish()
    menu, _footer = _menu_and_footer(person.get("/learning/").content)
    assert "研修一覧" not in menu


def test_the_menu_follows_the_language(course, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        catalogue = course.get_parent().specific
        catalogue.show_in_menus = True
        catalogue.save_revision().publish()
    person = Client()
    person.force_login(UserFactory())
    japanese, _ = _menu_and_footer(person.get("/learning/").content)
    english, _ = _menu_and_footer(person.get("/en/learning/").content)

    assert "マイ学習" in japanese or "学習" in japanese
    assert "My learning" in english and "My learning" not in japanese

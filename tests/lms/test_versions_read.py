"""Shared versions read once per request, all together (lms.pagecache.read_versions): a staff
page needs the public version, the sidebar's (which also guards everyone's permissions) and
its own list's; the site's cache table is read for them once, and a version bumped during the
request is read again."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from lms import pagecache, roles
from lms.admin_sidebar import SIDEBAR_VERSION
from mentoring.selectors import ALERTS_VERSION
from tests.mentoring.helpers import active_pair, mentee, mentor, programme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("site_cache")]


def _cache_reads(queries) -> list[str]:
    return [q["sql"] for q in queries.captured_queries if 'FROM "lms_cache"' in q["sql"]]


def test_every_version_is_read_in_the_first_read_of_a_request():
    with pagecache.versions_read_once():  # none drawn yet: each is drawn, then read
        public = pagecache.current_version()
        sidebar = SIDEBAR_VERSION.current()
        alerts = ALERTS_VERSION.current()
        assert (pagecache.current_version(), SIDEBAR_VERSION.current()) == (public, sidebar)
    assert len({public, sidebar, alerts}) == 3

    with pagecache.versions_read_once(), CaptureQueriesContext(connection) as queries:
        assert ALERTS_VERSION.current() == alerts
        assert SIDEBAR_VERSION.current() == sidebar
        assert pagecache.current_version() == public

    assert len(_cache_reads(queries)) == 1


def test_a_version_bumped_during_the_request_is_read_again():
    with pagecache.versions_read_once():
        public = pagecache.current_version()
        sidebar = SIDEBAR_VERSION.current()
        alerts = ALERTS_VERSION.current()

        ALERTS_VERSION.bump()
        pagecache.bump_version(seats_only=True)

        assert ALERTS_VERSION.current() != alerts
        assert pagecache.current_version() != public
        assert pagecache.current_version().split(".")[0] == public.split(".")[0]
        assert SIDEBAR_VERSION.current() == sidebar


def test_each_request_reads_the_versions_anew():
    with pagecache.versions_read_once():
        alerts = ALERTS_VERSION.current()
    ALERTS_VERSION.bump()  # another process's change, between two requests
    with pagecache.versions_read_once():
        assert ALERTS_VERSION.current() != alerts


def test_outside_a_request_each_version_is_read_when_asked():
    alerts = ALERTS_VERSION.current()
    ALERTS_VERSION.bump()
    assert ALERTS_VERSION.current() != alerts


def test_a_staff_page_reads_the_cache_once_and_no_permissions(client, role_user):
    prog = programme(quiet_after_weeks=4)
    active_pair(prog, mentor("先輩 一郎"), mentee(prog, "後輩 花子"), by=None)
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    assert client.get("/admin/mentoring/alerts/").status_code == 200

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/admin/mentoring/alerts/")

    assert response.status_code == 200
    assert len(_cache_reads(queries)) == 1
    assert not [q for q in queries.captured_queries if "auth_permission" in q["sql"]]


def test_a_version_bumped_between_drawing_and_reading_it_is_still_given(monkeypatch):
    """Another process bumps (removes) a version right after this one drew it: the request
    goes on with the version it drew, which nothing kept later matches."""
    from django.core.cache import cache

    real_add = cache.add

    def add_then_bumped_elsewhere(key, value, timeout=None):
        added = real_add(key, value, timeout=timeout)
        cache.delete(key)
        return added

    monkeypatch.setattr(cache, "add", add_then_bumped_elsewhere)
    with pagecache.versions_read_once():
        sidebar = SIDEBAR_VERSION.current()
        public = pagecache.current_version()
    monkeypatch.undo()

    assert sidebar and public
    assert SIDEBAR_VERSION.current() != sidebar

"""A shared version bumped only once each writing transaction commits
(``lms.versioned.SharedVersion(after_commit=True)``): never inside the transaction (with the
database cache that would lock its row until the commit), once however many changes, and not
trusted by the transaction that changed its sources before it commits."""

import pytest

from lms import pagecache
from lms.versioned import SharedVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def version(monkeypatch):
    monkeypatch.setattr(pagecache, "_VERSION_KEYS", list(pagecache._VERSION_KEYS))
    return SharedVersion("test-after-commit", (), seconds=60, after_commit=True)


def test_changes_bump_it_once_after_the_commit_and_are_not_trusted_before(
    version, django_capture_on_commit_callbacks, monkeypatch
):
    bumps = []
    real_bump = version.bump
    monkeypatch.setattr(version, "bump", lambda: bumps.append("bumped") or real_bump())
    built = []

    def build():
        built.append("built")
        return len(built)

    assert version.kept("value", build) == 1
    assert version.kept("value", build) == 1
    before = version.current()

    with django_capture_on_commit_callbacks() as callbacks:
        for _ in range(3):
            version.changed(using="default")
        assert bumps == []  # nothing written to the shared cache inside the transaction
        assert version.written_here()
        assert version.kept("value", build) == 2  # its own changes: built afresh, not kept
        assert version.current() == before
    for callback in callbacks:
        callback()
    assert bumps == ["bumped"]

    assert not version.written_here()
    assert version.current() != before
    assert version.kept("value", build) == 3
    assert version.kept("value", build) == 3


@pytest.mark.usefixtures("site_cache")
def test_sign_ups_and_logged_sessions_lock_no_cache_row_inside_their_transaction(
    django_capture_on_commit_callbacks,
):
    """With the database cache, a version bumped inside the transaction is a row locked until
    the commit: in a volunteer sign-up campaign every sign-up would queue on the volunteer
    list's version, and every mentor logging a session on the alerts' one.  They write the
    cache only after the commit."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from lms.settings import CACHE_TABLE
    from mentoring import services as mentoring_services
    from mentoring.selectors import ALERTS_VERSION
    from tests.factories import UserFactory
    from tests.mentoring.helpers import active_pair, mentee, mentor, programme
    from tests.volunteers.test_pipeline import register
    from volunteers.selectors import VOLUNTEER_LIST_VERSION

    prog = programme()
    pair = active_pair(prog, mentor("先輩 一"), mentee(prog, "後輩 一"), by=None)
    resident = UserFactory(full_name="播磨 太郎", full_name_kana="はりま たろう")
    for version in (ALERTS_VERSION, VOLUNTEER_LIST_VERSION):
        version.current()  # drawn, so a bump has a row to remove
    before = {version: version.current() for version in (ALERTS_VERSION, VOLUNTEER_LIST_VERSION)}

    with django_capture_on_commit_callbacks() as callbacks:
        with CaptureQueriesContext(connection) as inside, transaction.atomic():
            register(resident)
            mentoring_services.session_log(
                pair=pair,
                by=pair.mentor,
                data={"date": timezone.localdate(), "duration_minutes": 45, "mode": "online"},
            )
    writes = [
        query["sql"]
        for query in inside.captured_queries
        if CACHE_TABLE in query["sql"] and not query["sql"].lstrip().upper().startswith("SELECT")
    ]
    assert writes == []
    assert callbacks  # the bumps wait for the commit

    for callback in callbacks:
        callback()
    for version, drawn in before.items():
        assert version.current() != drawn

"""The coordinators' alert list stays cheap with hundreds of quiet pairs (issue #9): every
alert is counted from plain values, only the page's alerts are read with their people."""

import datetime as dt
import re

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from lms import roles
from lms.models import User
from lms.selectors import ACCOUNTS_SHOWN_VERSION
from mentoring import admin_views, selectors
from mentoring.models import Pair
from tests.html import rows_written, without_csrf_tokens
from tests.mentoring.helpers import active_pair, mentee, mentor, programme

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


def quiet_pairs(prog, start: int, count: int) -> list[Pair]:
    """Pairs started long ago without a session: each is a "quiet" alert."""
    pairs = []
    for n in range(start, start + count):
        pair = active_pair(prog, mentor(f"先輩 {n:03}"), mentee(prog, f"後輩 {n:03}"), by=None)
        pairs.append(pair)
    Pair.objects.filter(pk__in=[p.pk for p in pairs]).update(
        starts_on=timezone.localdate() - dt.timedelta(weeks=10)
    )
    return pairs


def test_entries_come_newest_pair_first_and_alerts_fill_in_the_people():
    prog = programme(quiet_after_weeks=4)
    pairs = quiet_pairs(prog, 0, 3)
    Pair.objects.filter(pk=pairs[0].pk).update(created_at=timezone.now() + dt.timedelta(days=1))

    entries = selectors.alert_entries()
    assert [e.pair_id for e in entries] == [pairs[0].pk, pairs[2].pk, pairs[1].pk]
    assert all(e.pair is None and e.mentor is None for e in entries)

    full = selectors.alerts()
    assert [a.key for a in full] == [e.key for e in entries]
    assert [a.pair.mentee.full_name for a in full] == ["後輩 000", "後輩 002", "後輩 001"]
    assert all(a.mentor == a.pair.mentor for a in full)


def test_the_alert_page_costs_the_same_queries_for_3_and_60_quiet_pairs(
    client, role_user, monkeypatch, django_assert_num_queries, django_assert_max_num_queries
):
    monkeypatch.setattr(admin_views, "ALERTS_PER_PAGE", 10)
    prog = programme(quiet_after_weeks=4)
    quiet_pairs(prog, 0, 3)
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    client.get("/admin/mentoring/alerts/")
    selectors.ALERTS_VERSION.bump()  # the list built afresh, as after any change
    with django_assert_max_num_queries(20) as few:
        client.get("/admin/mentoring/alerts/")

    quiet_pairs(prog, 3, 57)
    with django_assert_num_queries(len(few.captured_queries)):
        page = client.get("/admin/mentoring/alerts/?page=2")

    html = page.content.decode()
    assert "60" in html.split('class="alert-count"')[1].split("</p>")[0]
    rows = html.count('<tr class="alert-quiet">')
    assert rows == 10
    # Page 2 of the newest-first list: pairs 049 to 040, each with its own mentor.
    assert "後輩 049" in html and "先輩 049" in html and "後輩 040" in html
    assert "後輩 050" not in html and "後輩 039" not in html


def _reads_pairs(queries) -> bool:
    return any("mentoring_mentoringsession" in q["sql"] for q in queries.captured_queries)


def _alert_keys(client) -> list[str]:
    page = client.get("/admin/mentoring/alerts/")
    assert page.status_code == 200
    return re.findall(r'name="key" value="([^"]+)"', page.content.decode())


def test_the_list_is_kept_until_something_it_shows_changes(client, role_user, committed):
    """Built once for every coordinator (issue #9); each kind of change, committed on its
    own as in production, shows on the next page: a session logged, an acknowledgement, a
    change request, a mentor's capacity, a pair ended, a programme's quiet spell, and a
    person's data erased."""
    from mentoring import services
    from mentoring.models import ChangeRequest, MentorProfile

    with committed():
        prog = programme(quiet_after_weeks=4)
        first, second, third = quiet_pairs(prog, 0, 3)
    coordinator = role_user(roles.COORDINATORS, is_staff=True)
    client.force_login(coordinator)
    assert len(_alert_keys(client)) == 3
    with CaptureQueriesContext(connection) as kept:
        keys = _alert_keys(client)
    assert not _reads_pairs(kept)  # the list itself was kept
    assert len(keys) == 3

    with committed():
        services.session_log(
            pair=first,
            by=first.mentor,
            data={"date": timezone.localdate(), "duration_minutes": 60, "mode": "online"},
        )
    assert not any(key.startswith(f"quiet:{first.pk}:") for key in _alert_keys(client))

    with committed():
        services.alert_acknowledge(key=_alert_keys(client)[0], by=coordinator)
    assert len(_alert_keys(client)) == 1

    with committed():
        request = services.change_request(pair=third, by=third.mentee, reason="相性が合わない")
    assert f"change:{request.pk}" in _alert_keys(client)

    profile = MentorProfile.objects.get(user=third.mentor)
    with committed():
        profile.capacity = 0
        profile.save()
    assert any(key.startswith(f"over:{third.mentor_id}:") for key in _alert_keys(client))

    with committed():
        prog.quiet_after_weeks = 52
        prog.save()
    assert not any(key.startswith("quiet:") for key in _alert_keys(client))

    with committed():
        apps.get_app_config("mentoring").erase_personal_data(third.mentee)  # sends no signal
    detail = next(
        a.detail for a in selectors.kept_alert_entries() if a.key == f"change:{request.pk}"
    )
    assert detail == "" == ChangeRequest.objects.get(pk=request.pk).reason


def test_the_kept_list_follows_the_day_and_the_language():
    prog = programme(quiet_after_weeks=4)
    pair = quiet_pairs(prog, 0, 1)[0]
    Pair.objects.filter(pk=pair.pk).update(starts_on=timezone.localdate() - dt.timedelta(weeks=4))
    selectors.ALERTS_VERSION.bump()
    yesterday = timezone.now() - dt.timedelta(days=1)

    assert selectors.kept_alert_entries(now=yesterday) == []
    assert [a.pair_id for a in selectors.kept_alert_entries()] == [pair.pk]  # quiet from today
    with translation.override("en"):
        english = selectors.kept_alert_entries()
    assert english[0].title == "No session for 4 weeks or more"
    assert selectors.kept_alert_entries()[0].title != english[0].title


def test_rows_are_written_once_and_show_names_as_they_are_now(client, role_user, monkeypatch):
    prog = programme(quiet_after_weeks=4)
    first, _second = quiet_pairs(prog, 0, 2)
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    written = rows_written(monkeypatch, admin_views, lambda context: context["alert"].key)
    html = client.get("/admin/mentoring/alerts/").content.decode()
    assert len(written) == 2 and "後輩 000" in html
    again = client.get("/admin/mentoring/alerts/").content.decode()
    assert without_csrf_tokens(again) == without_csrf_tokens(html)
    assert len(written) == 2  # nothing written again

    renamed = User.objects.get(pk=first.mentee_id)
    renamed.full_name = "新しい 名前"
    renamed.save(update_fields=["full_name"])
    html = client.get("/admin/mentoring/alerts/").content.decode()
    assert "新しい 名前" in html and "後輩 000" not in html
    assert len(written) == 3 and written[2].startswith(f"quiet:{first.pk}:")  # its row only
    # A change that sends no signal shows once the accounts' version is bumped.
    User.objects.filter(pk=first.mentee_id).update(withdrawn_at=timezone.now())
    ACCOUNTS_SHOWN_VERSION.bump()
    assert "新しい 名前" not in client.get("/admin/mentoring/alerts/").content.decode()


def test_an_alert_is_acknowledged_from_the_kept_list_with_its_own_token(role_user):
    from django.test import Client

    from mentoring.models import AlertAcknowledgement

    prog = programme(quiet_after_weeks=4)
    quiet_pairs(prog, 0, 1)
    client = Client(enforce_csrf_checks=True)
    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    client.get("/admin/mentoring/alerts/")
    html = client.get("/admin/mentoring/alerts/").content.decode()  # rows kept
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    key = re.search(r'name="key" value="([^"]+)"', html).group(1)

    answer = client.post(
        "/admin/mentoring/alerts/acknowledge/",
        {"csrfmiddlewaretoken": token, "key": key, "note": "電話した"},
    )

    assert answer.status_code == 302
    assert AlertAcknowledgement.objects.filter(key=key, note="電話した").exists()
    assert 'name="key"' not in client.get("/admin/mentoring/alerts/").content.decode()


def test_an_alert_whose_pair_is_gone_is_left_out_of_the_rows():
    """A pair deleted between keeping the list and reading the page's names (a person's
    account deleted meanwhile) leaves its alert out, not an error page."""
    prog = programme(quiet_after_weeks=4)
    kept, gone = quiet_pairs(prog, 0, 2)
    entries = selectors.alert_entries()
    Pair.objects.filter(pk=gone.pk).delete()

    assert [row.pair_id for row in selectors.alert_rows(entries)] == [kept.pk]

"""The coordinators' alert list stays cheap with hundreds of quiet pairs (issue #9): every
alert is counted from plain values, only the page's alerts are read with their people."""

import datetime as dt

import pytest
from django.utils import timezone

from lms import roles
from mentoring import admin_views, selectors
from mentoring.models import Pair
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

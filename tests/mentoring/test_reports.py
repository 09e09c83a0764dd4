"""Mentoring reports (issue #8, item 8): sessions and hours per pair and per programme, pairs by
status, the weekly load trend, the admin pages with their chart and CSV, who may see them, and
their cost in queries."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import Http404
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from lms import roles
from mentoring import report_views, reports, services
from mentoring.models import (
    MentoringProgramme,
    MentoringSession,
    MentorProfile,
    Pair,
    PairStatus,
)
from tests.factories import UserFactory

pytestmark = [pytest.mark.django_db]

# A Wednesday in ISO week 2026-W21 (Monday 18 May), at noon in Japan.
NOW = dt.datetime(2026, 5, 20, 3, 0, tzinfo=dt.UTC)


def programme(title: str = "支援者メンタリング", **kwargs) -> MentoringProgramme:
    return MentoringProgramme.objects.create(title=title, **kwargs)


def pair(prog, *, mentor=None, mentee=None, status=PairStatus.ACTIVE, **kwargs) -> Pair:
    return Pair.objects.create(
        programme=prog,
        mentor=mentor or UserFactory(),
        mentee=mentee or UserFactory(),
        status=status,
        **kwargs,
    )


def session(the_pair, day: dt.date, minutes: int = 60, *, load=None, confirmed=False):
    return MentoringSession.objects.create(
        pair=the_pair,
        date=day,
        duration_minutes=minutes,
        mode="online",
        mentor_load=load,
        logged_by=the_pair.mentor,
        confirmed_by_mentee_at=NOW if confirmed else None,
    )


def report_url(prog) -> str:
    return reverse("mentoring_programme_report", args=[prog.pk])


@pytest.fixture
def coordinator(role_user):
    return role_user(roles.COORDINATORS, is_staff=True)


# --- The figures --------------------------------------------------------------------------------


def test_sessions_hours_and_confirmations_per_pair_and_in_total():
    prog = programme()
    yamada = UserFactory(full_name="山田 太郎", full_name_kana="やまだ たろう")
    sato = UserFactory(full_name="佐藤 花子", full_name_kana="さとう はなこ")
    busy = pair(prog, mentor=yamada, mentee=sato)
    session(busy, dt.date(2026, 5, 1), 60, confirmed=True)
    session(busy, dt.date(2026, 5, 12), 50)
    # One logged through the service, as a mentor does.
    MentorProfile.objects.create(user=yamada)
    services.session_log(
        pair=busy,
        by=yamada,
        data={"date": dt.date(2026, 4, 20), "duration_minutes": 30, "mode": "phone"},
    )
    once = pair(prog)
    session(once, dt.date(2026, 4, 3), 90, confirmed=True)
    draft = pair(prog, status=PairStatus.PROPOSED)
    session(pair(programme("別のプログラム")), dt.date(2026, 5, 1), 240)  # not counted

    report = reports.programme_report(programme=prog, now=NOW)

    rows = {row.pair_id: row for row in report.pairs}
    assert set(rows) == {busy.pk, once.pk, draft.pk}
    assert rows[busy.pk].mentor_name == "山田 太郎"
    assert rows[busy.pk].mentee_name == "佐藤 花子"
    assert rows[busy.pk].status == "active"
    assert (rows[busy.pk].sessions, rows[busy.pk].hours, rows[busy.pk].confirmed) == (3, 2.3, 1)
    assert rows[busy.pk].last_session_on == dt.date(2026, 5, 12)
    assert (rows[once.pk].sessions, rows[once.pk].hours, rows[once.pk].confirmed) == (1, 1.5, 1)
    assert rows[once.pk].last_session_on == dt.date(2026, 4, 3)
    assert (rows[draft.pk].sessions, rows[draft.pk].hours, rows[draft.pk].confirmed) == (0, 0, 0)
    assert rows[draft.pk].last_session_on is None
    # Totals from the minutes: 230 minutes is 3.8 hours.
    assert (report.total_sessions, report.total_hours, report.total_pairs) == (4, 3.8, 3)
    assert report.as_of == dt.date(2026, 5, 20)
    # Pairs under way come first, drafts after them.
    assert [row.pair_id for row in report.pairs][-1] == draft.pk


def test_pairs_by_status_lists_every_status_even_with_none():
    prog = programme()
    pair(prog)
    pair(prog)
    pair(prog, status=PairStatus.ENDED, ended_on=dt.date(2026, 3, 1))
    pair(programme("別"), status=PairStatus.PAUSED)  # another programme

    report = reports.programme_report(programme=prog, now=NOW)

    assert [(s.status, s.count) for s in report.by_status] == [
        ("proposed", 0),
        ("active", 2),
        ("paused", 0),
        ("ended", 1),
    ]
    assert [s.label for s in report.by_status] == [str(s.label) for s in PairStatus]


def test_an_empty_programme_has_zero_totals_and_an_empty_trend():
    report = reports.programme_report(programme=programme(), now=NOW)

    assert (report.pairs, report.total_sessions, report.total_hours, report.total_pairs) == (
        [],
        0,
        0,
        0,
    )
    assert [s.count for s in report.by_status] == [0, 0, 0, 0]
    assert len(report.load_trend) == 12
    assert all(w.average is None and w.reported == 0 for w in report.load_trend)


def test_load_trend_averages_each_iso_week_of_the_last_twelve():
    prog = programme()
    one, two = pair(prog), pair(prog)
    session(one, dt.date(2026, 5, 18), load=2)  # Monday of this week
    session(two, dt.date(2026, 5, 20), load=3)  # today
    session(two, dt.date(2026, 5, 19))  # no load reported: not counted
    session(one, dt.date(2026, 5, 10), load=4)  # Sunday of 2026-W19
    session(one, dt.date(2026, 5, 4), load=1)  # Monday of 2026-W19
    session(one, dt.date(2026, 5, 5), load=1)
    session(one, dt.date(2026, 3, 2), load=4)  # Monday of 2026-W10, the oldest week shown
    session(one, dt.date(2026, 3, 1), load=1)  # 2026-W09: too old
    session(pair(programme("別")), dt.date(2026, 5, 19), load=4)  # another programme

    trend = reports.programme_report(programme=prog, now=NOW).load_trend

    assert [w.week for w in trend] == [f"2026-W{n:02d}" for n in range(10, 22)]
    assert trend[0].starts_on == dt.date(2026, 3, 2)
    assert trend[-1].starts_on == dt.date(2026, 5, 18)
    by_week = {w.week: (w.average, w.reported) for w in trend}
    assert by_week["2026-W21"] == (2.5, 2)
    assert by_week["2026-W19"] == (2.0, 3)
    assert by_week["2026-W10"] == (4.0, 1)
    assert by_week["2026-W20"] == (None, 0)
    assert sum(w.reported for w in trend) == 6


def test_load_trend_weeks_cross_the_new_year_the_iso_way():
    prog = programme()
    one = pair(prog)
    session(one, dt.date(2025, 12, 31), load=3)  # a Wednesday of ISO week 2026-W01
    session(one, dt.date(2025, 12, 28), load=1)  # a Sunday of 2025-W52

    trend = reports.programme_report(
        programme=prog, now=dt.datetime(2026, 1, 7, 3, 0, tzinfo=dt.UTC)
    ).load_trend

    assert [w.week for w in trend][-3:] == ["2025-W52", "2026-W01", "2026-W02"]
    assert [(w.average, w.reported) for w in trend[-3:]] == [(1.0, 1), (3.0, 1), (None, 0)]
    assert trend[-2].starts_on == dt.date(2025, 12, 29)


def test_overview_of_the_active_programmes():
    first, second = programme("あおぞら"), programme("かがやき")
    programme("おわり", is_active=False)
    a = pair(first)
    session(a, dt.date(2026, 5, 1), 45)
    session(a, dt.date(2026, 5, 8), 45)
    pair(first, status=PairStatus.PROPOSED)
    pair(second, status=PairStatus.PAUSED)

    overview = reports.programmes_overview()

    assert [item.programme for item in overview] == [first, second]
    assert [s.count for s in overview[0].by_status] == [1, 1, 0, 0]
    assert (overview[0].total_pairs, overview[0].total_sessions, overview[0].total_hours) == (
        2,
        2,
        1.5,
    )
    assert [s.count for s in overview[1].by_status] == [0, 0, 1, 0]
    assert (overview[1].total_pairs, overview[1].total_sessions, overview[1].total_hours) == (
        1,
        0,
        0,
    )


def test_the_figures_cost_the_same_queries_for_3_and_30_pairs(django_assert_num_queries):
    prog = programme()

    def add(n: int) -> None:
        for i in range(n):
            one = pair(prog, status=[PairStatus.ACTIVE, PairStatus.PAUSED][i % 2])
            for week in range(i % 4):
                session(one, dt.date(2026, 5, 18) - dt.timedelta(weeks=week), load=1 + i % 4)

    add(3)
    with CaptureQueriesContext(connection) as few:
        reports.programme_report(programme=prog, now=NOW)
        reports.programmes_overview()
    add(27)
    with django_assert_num_queries(len(few)):
        report = reports.programme_report(programme=prog, now=NOW)
        reports.programmes_overview()
    assert len(few) == 5  # two for the programme, three for the overview
    assert report.total_pairs == 30


# --- The admin pages ----------------------------------------------------------------------------


def test_the_report_urls_are_admin_pages():
    prog = programme()
    assert reverse("mentoring_reports") == "/admin/mentoring/reports/"
    assert report_url(prog) == f"/admin/mentoring/reports/{prog.pk}/"


def test_the_index_lists_active_programmes_with_links(client, coordinator):
    prog = programme("あおぞらメンタリング")
    programme("終了したプログラム", is_active=False)
    session(pair(prog), dt.date(2026, 5, 1), 90)
    client.force_login(coordinator)

    response = client.get(reverse("mentoring_reports"))

    assert response.status_code == 200
    page = response.content.decode()
    assert "あおぞらメンタリング" in page
    assert report_url(prog) in page
    assert "終了したプログラム" not in page
    assert "<td>1.5</td>" in page


def test_the_programme_page_shows_tables_and_an_accessible_chart(client, coordinator):
    prog = programme("あおぞらメンタリング")
    one = pair(prog, mentor=UserFactory(full_name="山田 太郎"))
    session(one, timezone.localdate() - dt.timedelta(days=1), 90, load=3)
    client.force_login(coordinator)

    response = client.get(report_url(prog))

    assert response.status_code == 200
    page = response.content.decode()
    assert "あおぞらメンタリング" in page
    assert "山田 太郎" in page
    assert "admin-mentoring-report.css" in page
    assert '<ul class="load-chart" aria-labelledby="load-chart-heading">' in page
    assert page.count('<progress max="4"') == 12
    assert '<progress max="4" value="3.0" aria-hidden="true">' in page
    assert "<script" not in page.split('<div class="nice-padding">', 1)[1].split("</ul>", 1)[0]
    assert response.context["report"].total_hours == 1.5


def test_an_unknown_programme_is_not_found(client, coordinator):
    client.force_login(coordinator)
    assert client.get("/admin/mentoring/reports/999999/").status_code == 404
    request = RequestFactory().get("/admin/mentoring/reports/999999/")
    request.user = coordinator
    with pytest.raises(Http404):
        report_views.programme_report_view(request, 999999)


def test_csv_download_is_excel_friendly_and_formula_safe(client, coordinator):
    prog = programme()
    one = pair(
        prog,
        mentor=UserFactory(full_name="山田 太郎", full_name_kana="あ"),
        mentee=UserFactory(full_name="=HYPERLINK(1)"),
    )
    session(one, dt.date(2026, 5, 1), 60, confirmed=True)
    session(one, dt.date(2026, 5, 8), 30)
    pair(prog, status=PairStatus.PROPOSED, mentor=UserFactory(full_name_kana="ん"))
    client.force_login(coordinator)

    response = client.get(report_url(prog), {"format": "csv"})

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f"mentoring-programme-{prog.pk}.csv" in response["Content-Disposition"]
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert len(rows) == 3
    assert len(rows[0]) == 7
    assert rows[1] == [
        "山田 太郎",
        "'=HYPERLINK(1)",
        str(PairStatus.ACTIVE.label),
        "2",
        "1.5",
        "1",
        "2026-05-08",
    ]
    assert rows[2][2:] == [str(PairStatus.PROPOSED.label), "0", "0.0", "0", ""]


def test_the_reports_need_the_permission_to_see_pairs(client, role_user):
    prog = programme()
    pair(prog, mentor=UserFactory(full_name="山田 太郎"))
    plain = UserFactory()
    editor = role_user(roles.CONTENT_EDITORS, is_staff=True)  # in the admin, not mentoring

    # The views themselves refuse with 403 (PermissionDenied) ...
    factory = RequestFactory()
    for user in (plain, editor):
        request = factory.get(f"/admin/mentoring/reports/{prog.pk}/", {"format": "csv"})
        request.user = user
        with pytest.raises(PermissionDenied):
            report_views.programme_report_view(request, prog.pk)
        request = factory.get("/admin/mentoring/reports/")
        request.user = user
        with pytest.raises(PermissionDenied):
            report_views.reports_index(request)
    # ... and through the admin, Wagtail turns the refusal into a redirect.
    for user in (plain, editor):
        client.force_login(user)
        for url in (reverse("mentoring_reports"), report_url(prog)):
            response = client.get(url, {"format": "csv"})
            assert response.status_code == 302
            assert not response.get("Content-Disposition")
            assert "山田 太郎" not in response.content.decode()


def test_coordinators_have_the_permission_and_superusers_too(client, coordinator):
    assert Group.objects.get(name=roles.COORDINATORS).permissions.filter(
        content_type__app_label="mentoring", codename="view_pair"
    )
    assert not coordinator.is_superuser
    prog = programme()
    admin = UserFactory(is_staff=True, is_superuser=True)
    for user in (coordinator, admin):
        client.force_login(user)
        assert client.get(reverse("mentoring_reports")).status_code == 200
        assert client.get(report_url(prog)).status_code == 200


def test_the_page_costs_the_same_queries_for_3_and_30_pairs(
    client, coordinator, django_assert_num_queries
):
    prog = programme()

    def add(n: int) -> None:
        for i in range(n):
            one = pair(prog, status=[PairStatus.ACTIVE, PairStatus.ENDED][i % 2])
            for week in range(1 + i % 3):
                session(one, timezone.localdate() - dt.timedelta(weeks=week), load=1 + i % 4)

    add(3)
    client.force_login(coordinator)
    client.get(report_url(prog))  # warm caches (site, locale, menu)
    pages = [
        (report_url(prog), {}),
        (report_url(prog), {"format": "csv"}),
        (reverse("mentoring_reports"), {}),
    ]
    counts = []
    for url, params in pages:
        with CaptureQueriesContext(connection) as few:
            assert client.get(url, params).status_code == 200
        counts.append(len(few))

    add(27)
    for (url, params), count in zip(pages, counts, strict=True):
        with django_assert_num_queries(count):
            response = client.get(url, params)
        assert response.status_code == 200
    assert response.context["overview"][0].total_pairs == 30

"""Volunteer pipeline reports (issue #7, item 8): the funnel by municipality and by field, time
spent in each stage, the admin page with its chart and CSV, who may see it, and its cost."""

import csv
import datetime as dt
import io

import pytest
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from lms import roles
from lms.models import Field, Municipality
from lms.services import user_anonymise
from tests.factories import UserFactory
from volunteers import report_views, reports, services
from volunteers.models import PIPELINE, Stage, StageChange

pytestmark = pytest.mark.django_db

HIMEJI = "282014"
KOBE = "281000"
KOBE_NADA = "281026"
T0 = dt.datetime(2026, 4, 1, 9, 0, tzinfo=dt.UTC)


def municipality(code: str) -> Municipality:
    return Municipality.objects.get(code=code)


def kobe_chuo() -> Municipality:
    return Municipality.objects.get(parent__code=KOBE, name="中央区")


def person(place: Municipality | None = None, *, fields=(), history=()):
    """A registered volunteer moved through ``history``: (stage, day) pairs after T0, the
    registration itself at day 0 unless the first pair is ("applied", day)."""
    profile = services.volunteer_register(
        user=UserFactory(),
        data={
            "municipality": place or municipality(HIMEJI),
            "age_band": "40s",
            "fields": list(fields),
        },
        now=T0,
    )
    steps = list(history)
    start = steps.pop(0)[1] if steps and steps[0][0] == Stage.APPLIED else 0
    days = [start]
    for stage, day in steps:
        services.volunteer_stage_move(
            profile=profile, to_stage=stage, by=None, now=T0 + dt.timedelta(days=day)
        )
        days.append(day)
    # changed_at is set on creation: put each change at its day, in the order they were made.
    for change, day in zip(profile.stage_changes.order_by("pk"), days, strict=True):
        StageChange.objects.filter(pk=change.pk).update(changed_at=T0 + dt.timedelta(days=day))
    profile.refresh_from_db()
    return profile


def counts_by_name(funnel) -> dict[str, list[int]]:
    return {row.name: row.counts for row in funnel.rows}


# --- The funnel ---------------------------------------------------------------------------------


def test_funnel_counts_everyone_who_reached_a_stage_even_skipped_or_withdrawn():
    skipped = person(history=[(Stage.CONTACTED, 1), (Stage.TRAINING, 5)])  # no orientation
    withdrawn = person(history=[(Stage.CONTACTED, 1), (Stage.ORIENTATION, 3)])
    person(history=[(Stage.CONTACTED, 2), (Stage.PAUSED, 4)])
    person()
    user_anonymise(user=withdrawn.user)
    withdrawn.refresh_from_db()

    funnel = reports.pipeline_funnel(group_by="municipality")

    assert withdrawn.stage == Stage.WITHDRAWN and withdrawn.user.withdrawn_at is not None
    assert skipped.stage == Stage.TRAINING
    assert funnel.stages == PIPELINE
    #                                  applied, contacted, orientation, training, active, ...
    assert counts_by_name(funnel) == {"姫路市": [4, 3, 2, 1, 0, 0, 0]}
    assert funnel.total.counts == [4, 3, 2, 1, 0, 0, 0]


def test_a_leader_counts_at_every_stage_and_a_later_step_back_does_not_undo_it():
    person(history=[(Stage.CONTACTED, 1), (Stage.LEADER, 30), (Stage.ACTIVE, 40)])

    funnel = reports.pipeline_funnel(group_by="municipality")

    assert funnel.total.counts == [1, 1, 1, 1, 1, 1, 1]


def test_kobe_wards_roll_up_to_kobe():
    person(municipality(KOBE_NADA), history=[(Stage.CONTACTED, 1)])
    person(kobe_chuo(), history=[(Stage.CONTACTED, 1), (Stage.ORIENTATION, 2)])
    person(municipality(KOBE))
    person(municipality(HIMEJI), history=[(Stage.CONTACTED, 1)])

    funnel = reports.pipeline_funnel(group_by="municipality")

    assert counts_by_name(funnel) == {
        "神戸市": [3, 2, 1, 0, 0, 0, 0],
        "姫路市": [1, 1, 0, 0, 0, 0, 0],
    }
    assert [row.name for row in funnel.rows] == ["神戸市", "姫路市"]  # official order
    assert funnel.total.counts == [4, 3, 1, 0, 0, 0, 0]


def test_field_grouping_counts_a_person_in_each_field_and_once_in_the_total():
    bosai = Field.objects.get(slug="disaster-prevention")
    kosodate = Field.objects.get(slug="child-rearing")
    person(fields=[bosai, kosodate], history=[(Stage.CONTACTED, 1), (Stage.ORIENTATION, 2)])
    person(fields=[bosai])
    person(fields=[], history=[(Stage.CONTACTED, 1)])

    funnel = reports.pipeline_funnel(group_by="field")

    rows = counts_by_name(funnel)
    assert rows["防災"] == [2, 1, 1, 0, 0, 0, 0]
    assert rows["子育て"] == [1, 1, 1, 0, 0, 0, 0]
    assert funnel.rows[-1].counts == [1, 1, 0, 0, 0, 0, 0]  # the "no field given" group
    assert len(rows) == 3
    assert funnel.total.counts == [3, 2, 1, 0, 0, 0, 0]


def test_an_empty_pipeline_has_no_groups_and_zero_totals():
    funnel = reports.pipeline_funnel(group_by="field")

    assert funnel.rows == []
    assert funnel.total.counts == [0] * len(PIPELINE)
    with pytest.raises(ValueError):
        reports.pipeline_funnel(group_by="age")


# --- Time in each stage -------------------------------------------------------------------------


def test_time_in_stage_medians_averages_and_people_still_there():
    person(history=[(Stage.CONTACTED, 2), (Stage.ORIENTATION, 5)])  # still in orientation: 5 days
    person(history=[(Stage.CONTACTED, 4), (Stage.PAUSED, 6), (Stage.CONTACTED, 7)])
    person(history=[(Stage.CONTACTED, 9)])  # applied for 9 days, contacted for 1 so far
    person(history=[(Stage.APPLIED, 9)])  # applied 1 day ago

    times = {row.stage: row for row in reports.time_in_stage(now=T0 + dt.timedelta(days=10))}

    assert list(times) == [*PIPELINE, Stage.PAUSED]
    applied = times[Stage.APPLIED]
    assert (applied.completed, applied.median_days, applied.average_days) == (3, 4.0, 5.0)
    assert (applied.still_there, applied.still_there_median_days) == (1, 1.0)
    contacted = times[Stage.CONTACTED]
    assert (contacted.completed, contacted.median_days, contacted.average_days) == (2, 2.5, 2.5)
    assert (contacted.still_there, contacted.still_there_median_days) == (2, 2.0)
    orientation = times[Stage.ORIENTATION]
    assert (orientation.completed, orientation.median_days, orientation.average_days) == (
        0,
        None,
        None,
    )
    assert (orientation.still_there, orientation.still_there_median_days) == (1, 5.0)
    paused = times[Stage.PAUSED]
    assert (paused.completed, paused.median_days, paused.still_there) == (1, 1.0, 0)
    assert times[Stage.LEADER].completed == times[Stage.LEADER].still_there == 0


def test_a_withdrawal_ends_the_stay_before_it_and_is_not_a_stage_of_its_own():
    leaver = person(history=[(Stage.CONTACTED, 3)])
    user_anonymise(user=leaver.user)
    StageChange.objects.filter(profile=leaver, to_stage=Stage.WITHDRAWN).update(
        changed_at=T0 + dt.timedelta(days=7)
    )

    times = {row.stage: row for row in reports.time_in_stage(now=T0 + dt.timedelta(days=30))}

    assert (times[Stage.CONTACTED].completed, times[Stage.CONTACTED].median_days) == (1, 4.0)
    assert times[Stage.CONTACTED].still_there == 0
    assert Stage.WITHDRAWN not in times


# --- The admin page -----------------------------------------------------------------------------


@pytest.fixture
def coordinator(role_user):
    return role_user(roles.COORDINATORS, is_staff=True)


def test_the_report_url_is_the_admin_page():
    assert reverse("volunteers_report") == "/admin/volunteers/report/"


def test_coordinators_see_the_chart_and_both_tables(client, coordinator):
    person(municipality(KOBE_NADA), history=[(Stage.CONTACTED, 1), (Stage.TRAINING, 3)])
    person(history=[(Stage.CONTACTED, 1)])
    client.force_login(coordinator)

    response = client.get("/admin/volunteers/report/")

    assert response.status_code == 200
    assert response.context["group_by"] == "municipality"
    assert [bar["count"] for bar in response.context["bars"]] == [2, 2, 1, 1, 0, 0, 0]
    assert [bar["percent"] for bar in response.context["bars"]] == [100, 100, 50, 50, 0, 0, 0]
    assert len(response.context["stage_times"]) == len(PIPELINE) + 1
    html = response.content.decode()
    assert 'class="funnel-chart"' in html
    assert '<progress max="2" value="1" aria-hidden="true">' in html
    assert '<th scope="row">神戸市</th><td>1</td><td>1</td><td>1</td><td>1</td>' in html
    assert '<th scope="row">姫路市</th><td>1</td><td>1</td><td>0</td>' in html
    assert "css/admin-volunteers-report.css" in html


def test_by_field_and_unknown_groupings(client, coordinator):
    person(fields=[Field.objects.get(slug="disaster-prevention")])
    client.force_login(coordinator)

    by_field = client.get("/admin/volunteers/report/", {"by": "field"})
    unknown = client.get("/admin/volunteers/report/", {"by": "<script>"})

    assert by_field.context["group_by"] == "field"
    assert '<th scope="row">防災</th><td>1</td>' in by_field.content.decode()
    assert unknown.context["group_by"] == "municipality"
    assert '<th scope="row">姫路市</th><td>1</td>' in unknown.content.decode()


def test_csv_download_is_excel_friendly_and_formula_safe(client, coordinator):
    person(municipality(KOBE_NADA), history=[(Stage.CONTACTED, 1)])
    person(history=[(Stage.CONTACTED, 1), (Stage.ORIENTATION, 2)])
    formula = Field.objects.create(name="=HYPERLINK(1)", slug="formula")
    person(fields=[formula])
    client.force_login(coordinator)

    by_place = client.get("/admin/volunteers/report/", {"format": "csv"})
    by_field = client.get("/admin/volunteers/report/", {"format": "csv", "by": "field"})

    assert by_place["Content-Type"] == "text/csv; charset=utf-8"
    assert "volunteer-pipeline-by-municipality.csv" in by_place["Content-Disposition"]
    body = by_place.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][1:] == [str(stage.label) for stage in PIPELINE]
    assert rows[1:] == [
        ["神戸市", "1", "1", "0", "0", "0", "0", "0"],
        ["姫路市", "2", "1", "1", "0", "0", "0", "0"],
        [rows[-1][0], "3", "2", "1", "0", "0", "0", "0"],  # the total
    ]
    field_rows = list(csv.reader(io.StringIO(by_field.content.decode("utf-8").lstrip("\ufeff"))))
    assert ["'=HYPERLINK(1)", "1", "0", "0", "0", "0", "0", "0"] in field_rows
    assert "volunteer-pipeline-by-field.csv" in by_field["Content-Disposition"]


def test_the_report_needs_the_permission_to_see_volunteers(client, role_user):
    person()
    plain = UserFactory()
    editor = role_user(roles.CONTENT_EDITORS, is_staff=True)  # in the admin, not volunteers

    # The view itself refuses with 403 (PermissionDenied) ...
    request = RequestFactory().get("/admin/volunteers/report/", {"format": "csv"})
    for user in (plain, editor):
        request.user = user
        with pytest.raises(PermissionDenied):
            report_views.pipeline_report(request)
    # ... and through the admin, Wagtail turns the refusal into a redirect with a message.
    for user in (plain, editor):
        client.force_login(user)
        response = client.get("/admin/volunteers/report/", {"format": "csv"})
        assert response.status_code == 302
        assert not response.get("Content-Disposition")
        assert "姫路市" not in response.content.decode()


def test_coordinators_have_the_permission_and_superusers_too(client, coordinator):
    assert Group.objects.get(name=roles.COORDINATORS).permissions.filter(
        codename="view_volunteerprofile"
    )
    admin = UserFactory(is_staff=True, is_superuser=True)
    for user in (coordinator, admin):
        client.force_login(user)
        assert client.get("/admin/volunteers/report/").status_code == 200


def test_the_page_costs_the_same_queries_for_3_and_30_people(
    client, coordinator, django_assert_num_queries
):
    places = [municipality(HIMEJI), municipality(KOBE_NADA), kobe_chuo()]
    fields = list(Field.objects.all()[:4])

    def add(n: int, offset: int) -> None:
        for i in range(offset, offset + n):
            person(
                places[i % 3],
                fields=fields[: i % 4],
                history=[(Stage.CONTACTED, 1), (PIPELINE[2 + i % 5], 3)],
            )

    add(3, 0)
    client.force_login(coordinator)
    client.get("/admin/volunteers/report/")  # warm caches (site, locale, menu)
    variants = [{"by": "municipality"}, {"by": "field"}, {"format": "csv"}]
    counts = []
    for params in variants:
        with CaptureQueriesContext(connection) as few:
            assert client.get("/admin/volunteers/report/", params).status_code == 200
        counts.append(len(few))

    add(27, 3)
    for params, count in zip(variants, counts, strict=True):
        with django_assert_num_queries(count):
            response = client.get("/admin/volunteers/report/", params)
        assert response.status_code == 200
    assert response.content.decode("utf-8").splitlines()[-1].split(",")[1] == "30"

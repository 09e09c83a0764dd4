"""Survey reports (issue #11 item 5): per run and per course, counts and response rate,
averages and distributions, counts per option, free text; no names except for identified
questions; groups with fewer than 5 answers hidden; CSV with a byte-order mark; who may see
them; a fixed number of queries."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from surveys import reports
from tests.factories import UserFactory
from tests.surveys.conftest import answered, finished_run, invite, participants, questions

pytestmark = [pytest.mark.django_db]


def run_url(survey, run, **query) -> str:
    url = reverse("surveys_run_report", args=[survey.pk, run.pk])
    return url + ("?format=csv" if query.get("csv") else "")


def course_url(survey, course, **query) -> str:
    url = reverse("surveys_course_report", args=[survey.pk, course.pk])
    return url + ("?format=csv" if query.get("csv") else "")


def read_csv(response) -> list[list[str]]:
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.fixture
def staff_client(client, coordinator):
    client.force_login(coordinator)
    return client


# --- Figures -------------------------------------------------------------------------------------


def test_a_run_report_counts_averages_and_options(survey):
    run = finished_run()
    answered(
        survey, run, 3, scale=5, choice="講義", themes=["防災", "子ども"], comment="とても良い"
    )
    answered(survey, run, 2, scale=2, choice="事例検討", themes=["防災"])
    invite(survey, participants(run, 1)[0])  # invited, not answered

    report = reports.run_report(survey=survey, run=run)
    assert (report.invited, report.responses, report.rate, report.hidden) == (6, 5, 83, False)
    scale, choice, multi, text, named = report.questions
    assert scale.average == 3.8 and scale.answered == 5
    assert [(bar.label, bar.count, bar.percent) for bar in scale.bars] == [
        ("1", 0, 0),
        ("2", 2, 40),
        ("3", 0, 0),
        ("4", 0, 0),
        ("5", 3, 60),
    ]
    assert [(bar.label, bar.count) for bar in choice.bars] == [
        ("事例検討", 2),
        ("グループワーク", 0),
        ("講義", 3),
    ]
    assert [(bar.label, bar.count, bar.percent) for bar in multi.bars] == [
        ("防災", 5, 100),
        ("子ども", 3, 60),
        ("高齢者", 0, 0),
    ]
    assert text.texts == ["とても良い"] * 3 and text.answered == 3
    assert named.named == [] and named.texts == []


def test_the_course_report_adds_up_its_runs_and_lists_them(survey):
    spring, autumn = finished_run(), None
    autumn = finished_run()
    autumn.course = spring.course
    autumn.save()
    answered(survey, spring, 5, scale=4)
    answered(survey, autumn, 6, scale=2)

    report = reports.course_report(survey=survey, course=spring.course)
    assert (report.invited, report.responses) == (11, 11)
    assert report.questions[0].average == round((5 * 4 + 6 * 2) / 11, 1)
    rows = {row.run: row for row in report.by_run}
    assert (rows[spring].responses, rows[spring].averages[0], rows[spring].hidden) == (
        5,
        4.0,
        False,
    )
    assert (rows[autumn].responses, rows[autumn].averages[0], rows[autumn].hidden) == (
        6,
        2.0,
        False,
    )


# --- Small groups --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("responses", "hidden"),
    [
        ({}, set()),
        ({"a": 12}, set()),
        ({"a": 12, "b": 0}, set()),  # no answers: nothing to hide
        ({"a": 4}, {"a"}),
        ({"a": 12, "b": 3, "c": 9}, {"b", "c"}),  # b alone would be the total minus a and c
        ({"a": 12, "b": 3, "c": 2}, {"b", "c"}),  # b and c together are 5
        ({"a": 6, "b": 1, "c": 1, "d": 7}, {"a", "b", "c"}),
    ],
)
def test_hidden_groups_include_a_shown_one_when_the_hidden_could_be_worked_out(responses, hidden):
    assert reports.hidden_groups(responses) == hidden


def test_a_run_with_fewer_than_5_answers_shows_counts_but_no_results(survey, staff_client):
    run = finished_run()
    answered(survey, run, 4, scale=1, comment="講師の声が小さかった")
    report = reports.run_report(survey=survey, run=run)
    assert (report.responses, report.hidden) == (4, True)
    assert all(not result.bars and not result.texts for result in report.questions)

    html = staff_client.get(run_url(survey, run)).content.decode()
    assert "講師の声が小さかった" not in html
    assert "Fewer than 5 answers" in html or "5件未満" in html
    rows = read_csv(staff_client.get(run_url(survey, run, csv=True)))
    assert len(rows) == 1  # the header only


def test_in_a_course_a_small_run_is_hidden_and_so_is_the_next_smallest(survey, staff_client):
    big, small, middle = finished_run(), finished_run(), finished_run()
    for run in (small, middle):
        run.course = big.course
        run.save()
    answered(survey, big, 8, scale=5)
    answered(survey, middle, 6, scale=4)
    answered(survey, small, 2, scale=1, comment="小さな回の感想")

    report = reports.course_report(survey=survey, course=big.course)
    rows = {row.run: row for row in report.by_run}
    assert (rows[big].hidden, rows[middle].hidden, rows[small].hidden) == (False, True, True)
    assert rows[small].averages == [None] and rows[big].averages == [5.0]
    # The course's results include every answer; the small run's text is not tied to its run.
    assert report.questions[0].answered == 16
    assert "小さな回の感想" in report.questions[3].texts
    # Each run's own report follows the same decision.
    assert reports.run_report(survey=survey, run=middle).hidden_with_others is True
    assert reports.run_report(survey=survey, run=big).hidden is False

    rows = read_csv(staff_client.get(course_url(survey, big.course, csv=True)))
    labels = [row[0] for row in rows[1:]]
    assert labels.count(big.title) == 8
    assert small.title not in labels and middle.title not in labels
    assert labels.count(str(reports._("Runs with fewer than 5 answers (together)"))) == 8


# --- Names ---------------------------------------------------------------------------------------


def test_names_appear_only_with_the_answers_to_identified_questions(survey, staff_client):
    run = finished_run()
    anonymous = answered(survey, run, 4, scale=3, comment="匿名の感想です")
    (volunteer,) = answered(
        survey, run, 1, scale=5, comment="名前付きの人の匿名感想", named="防災の話"
    )
    hidden_name = anonymous[0].enrolment.user.full_name
    shown_name = volunteer.enrolment.user.full_name

    html = staff_client.get(run_url(survey, run)).content.decode()
    assert hidden_name not in html
    assert shown_name in html and "防災の話" in html
    assert "名前付きの人の匿名感想" in html  # listed, but not next to the name

    rows = read_csv(staff_client.get(run_url(survey, run, csv=True)))
    header, body = rows[0], rows[1:]
    assert header == [
        "Run" if header[0] == "Run" else header[0],
        *[question.text for question in questions(survey)],
        header[-1],
    ]
    assert all(hidden_name not in cell for row in body for cell in row)
    named_rows = [row for row in body if row[-1]]
    assert named_rows == [[run.title, "", "", "", "", "防災の話", shown_name]]
    # The named person's anonymous answers are in a row of their own, without the name.
    anonymous_row = next(row for row in body if "名前付きの人の匿名感想" in row)
    assert anonymous_row[-1] == "" and anonymous_row[5] == ""
    assert len(body) == 6


def test_csv_cells_that_look_like_formulas_are_escaped(survey, staff_client):
    run = finished_run()
    answered(survey, run, 5, comment='=HYPERLINK("http://example.com")')
    rows = read_csv(staff_client.get(run_url(survey, run, csv=True)))
    assert rows[1][4].startswith("'=")


# --- Pages, permissions and cost -----------------------------------------------------------------


def test_the_report_pages_show_the_figures(survey, staff_client):
    run = finished_run()
    answered(survey, run, 5, scale=4, choice="講義")
    index = staff_client.get(reverse("surveys_reports"))
    assert index.status_code == 200
    assert run.course.title in index.content.decode()
    assert run_url(survey, run) in index.content.decode()

    html = staff_client.get(run_url(survey, run)).content.decode()
    assert "4.0" in html and "講義" in html and "<progress" in html
    course_html = staff_client.get(course_url(survey, run.course)).content.decode()
    assert run.title in course_html


def test_only_people_who_may_view_surveys_see_the_reports(client, survey, role_user):
    from django.contrib.auth.models import Permission

    from lms import roles

    run = finished_run()
    answered(survey, run, 5, comment="秘密の感想")
    urls = [
        reverse("surveys_reports"),
        run_url(survey, run),
        run_url(survey, run, csv=True),
        course_url(survey, run.course),
        course_url(survey, run.course, csv=True),
    ]
    client.force_login(UserFactory())  # no admin access: sent to sign in
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url

    # Admin access without the survey permission: refused (Wagtail may send them to the
    # dashboard with a message instead of a 403).
    staff = UserFactory(is_staff=True)
    staff.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(staff)
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert "秘密の感想" not in response.content.decode()

    client.force_login(role_user(roles.COORDINATORS, is_staff=True))
    assert all(client.get(url).status_code == 200 for url in urls)


def test_the_surveys_menu_is_shown_only_with_the_permission(client, coordinator, role_user):
    from lms import roles

    client.force_login(coordinator)
    assert reverse("surveys_reports") in client.get("/admin/").content.decode()
    client.force_login(role_user(roles.CONTENT_EDITORS, is_staff=True))
    assert reverse("surveys_reports") not in client.get("/admin/").content.decode()


@pytest.mark.parametrize("scope", ["run", "course", "run-csv", "course-csv", "index"])
def test_report_pages_cost_the_same_queries_for_3_or_30_answers(
    survey, staff_client, scope, django_assert_max_num_queries
):
    """Figures come from a few aggregate queries, whatever the number of runs and answers."""

    def url(run):
        return {
            "run": run_url(survey, run),
            "course": course_url(survey, run.course),
            "run-csv": run_url(survey, run, csv=True),
            "course-csv": course_url(survey, run.course, csv=True),
            "index": reverse("surveys_reports"),
        }[scope]

    small = finished_run()
    answered(survey, small, 3, named="テーマ")
    staff_client.get(url(small))  # warm caches (permissions, site)
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(url(small)).status_code == 200
    budget = len(few.captured_queries)  # read now: each request clears Django's query log

    large = finished_run()
    for _ in range(3):
        extra = finished_run()
        extra.course = large.course
        extra.save()
        answered(survey, extra, 5, themes=["防災"], comment="感想", named="テーマ")
    answered(survey, large, 15, named="テーマ")
    staff_client.get(url(large))
    with django_assert_max_num_queries(budget):
        assert staff_client.get(url(large)).status_code == 200

"""Staff see each run's participants with numbers at a glance and export them as CSV."""

import csv
import io

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext

from courses import services
from courses.models import EnrolmentStatus
from lms import roles
from lms.models import Municipality, OrganisationGroup, Profession
from tests.factories import CourseRunFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def coordinator(client, home_page):
    person = UserFactory(is_staff=True)
    person.groups.add(Group.objects.get(name=roles.COORDINATORS))
    client.force_login(person)
    return person


def _fill(run, count, **user_fields):
    return [
        services.enrolment_create(run=run, user=UserFactory(**user_fields)) for _ in range(count)
    ]


def test_participant_list_shows_names_and_numbers(client, coordinator):
    run = CourseRunFactory(capacity=2)
    nurse = Profession.objects.get(slug="public-health-nurse")
    _fill(run, 2, profession=nurse, full_name="保健 花子")
    _fill(run, 1, full_name="待機 太郎")

    page = client.get(f"/admin/courses/runs/{run.pk}/participants/")

    assert page.status_code == 200
    numbers = page.context["numbers"]
    assert (numbers["capacity"], numbers["enrolled"], numbers["waiting"]) == (2, 2, 1)
    assert numbers["by_profession"][0]["n"] == 2
    html = page.content.decode()
    assert "保健 花子" in html and "待機 太郎" in html


def test_participant_list_filters_by_status_profession_and_municipality(client, coordinator):
    run = CourseRunFactory(capacity=1)
    chuo = Municipality.objects.get(code="281107")  # 神戸市中央区
    kobe = Municipality.objects.get(code="281000")
    services.enrolment_create(run=run, user=UserFactory(full_name="中央区 在住", municipality=chuo))
    services.enrolment_create(run=run, user=UserFactory(full_name="姫路 在住"))

    waiting = client.get(
        f"/admin/courses/runs/{run.pk}/participants/", {"status": EnrolmentStatus.WAITLISTED}
    )
    in_kobe = client.get(f"/admin/courses/runs/{run.pk}/participants/", {"municipality": kobe.pk})

    assert [e.user.full_name for e in waiting.context["participants"]] == ["姫路 在住"]
    assert [e.user.full_name for e in in_kobe.context["participants"]] == ["中央区 在住"]


def test_participant_list_filters_by_organisation_and_its_kind(client, coordinator):
    run = CourseRunFactory()
    council = OrganisationGroup.objects.get(slug="private-support")
    services.enrolment_create(
        run=run,
        user=UserFactory(
            full_name="社協 職員",
            organisation_name="西宮市社会福祉協議会",
            organisation_group=council,
        ),
    )
    services.enrolment_create(
        run=run, user=UserFactory(full_name="市役所 職員", organisation_name="西宮市役所")
    )
    url = f"/admin/courses/runs/{run.pk}/participants/"

    by_name = client.get(url, {"organisation": "社会福祉協議会"})
    by_kind = client.get(url, {"organisation_group": council.pk})
    tampered = client.get(url, {"organisation_group": "9999"})

    assert [e.user.full_name for e in by_name.context["participants"]] == ["社協 職員"]
    assert [e.user.full_name for e in by_kind.context["participants"]] == ["社協 職員"]
    assert "当事者支援を行う民間団体" in by_kind.content.decode()
    # An unknown kind is reported next to the field and filters nothing.
    assert tampered.context["form"].errors["organisation_group"]
    assert len(tampered.context["participants"]) == 2


def test_csv_export_has_a_bom_japanese_names_and_no_formulas(client, coordinator):
    run = CourseRunFactory()
    services.enrolment_create(run=run, user=UserFactory(full_name="髙橋 﨑子"))
    services.enrolment_create(
        run=run, user=UserFactory(full_name="悪意 太郎", organisation_name="=HYPERLINK(1)")
    )

    response = client.get(f"/admin/courses/runs/{run.pk}/participants/", {"format": "csv"})

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    body = response.content.decode("utf-8")
    assert body.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert rows[0][0] == "氏名"
    names = {row[0] for row in rows[1:]}
    assert names == {"髙橋 﨑子", "悪意 太郎"}
    assert "'=HYPERLINK(1)" in body


def test_participant_list_is_for_staff_with_the_permission_only(client, home_page):
    run = CourseRunFactory()
    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name=roles.CONTENT_EDITORS))
    client.force_login(editor)

    response = client.get(f"/admin/courses/runs/{run.pk}/participants/", {"format": "csv"})

    assert response.status_code in (302, 403)
    assert not response.get("Content-Disposition")


def test_participant_list_costs_the_same_queries_for_5_and_40_people(client, coordinator):
    def count(people):
        run = CourseRunFactory(capacity=people)
        _fill(run, people)
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/admin/courses/runs/{run.pk}/participants/")
        return len(queries)

    client.get("/admin/")  # the admin's sidebar, kept for both (lms.admin_sidebar)
    assert count(5) == count(40)


def test_staff_write_one_message_to_everyone_with_a_seat(
    client, coordinator, django_capture_on_commit_callbacks
):
    from lms.models import OutboundEmail

    run = CourseRunFactory(capacity=2)
    seated = _fill(run, 2)
    _fill(run, 1)  # waiting: not addressed
    OutboundEmail.objects.all().delete()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/admin/courses/runs/{run.pk}/message/",
            {
                "audience": "seats",
                "subject": "持ち物のご案内",
                "body": "筆記用具をお持ちください。",
            },
        )

    assert response.status_code == 302
    sent = OutboundEmail.objects.filter(template="courses/email/staff_message")
    assert sorted(sent.values_list("recipient", flat=True)) == sorted(e.user.email for e in seated)
    assert set(sent.values_list("subject", flat=True)) == {"持ち物のご案内"}


@pytest.mark.parametrize(
    "data",
    [
        {"audience": "seats", "subject": "", "body": "本文"},
        {"audience": "seats", "subject": "件名", "body": "   "},
        {"audience": "everyone", "subject": "件名", "body": "本文"},
        {"audience": "seats", "subject": "件名\x00", "body": "本文"},
    ],
)
def test_a_message_without_subject_body_or_audience_sends_nothing(client, coordinator, data):
    from lms.models import OutboundEmail

    run = CourseRunFactory()
    _fill(run, 1)
    OutboundEmail.objects.all().delete()

    response = client.post(f"/admin/courses/runs/{run.pk}/message/", data, follow=True)

    assert response.status_code == 200
    assert not OutboundEmail.objects.exists()


def test_staff_add_a_registered_person_even_after_the_window(client, coordinator):
    from django.utils import timezone

    run = CourseRunFactory(
        capacity=1,
        requires_approval=True,
        enrolment_opens_at=timezone.now() - timezone.timedelta(days=10),
        enrolment_closes_at=timezone.now() - timezone.timedelta(days=1),
    )
    person = UserFactory(email="counter@example.jp")

    client.post(f"/admin/courses/runs/{run.pk}/add/", {"email": "Counter@example.jp"})
    client.post(f"/admin/courses/runs/{run.pk}/add/", {"email": "nobody@example.jp"})
    second = UserFactory(email="second@example.jp")
    client.post(f"/admin/courses/runs/{run.pk}/add/", {"email": "second@example.jp"})

    statuses = dict(run.enrolments.values_list("user__email", "status"))
    assert statuses == {
        person.email: EnrolmentStatus.ENROLLED,  # staff skip the approval step
        second.email: EnrolmentStatus.WAITLISTED,  # but never the seat limit
    }


def test_staff_move_a_person_to_another_run_and_the_seat_goes_to_the_next(client, coordinator):
    first_run = CourseRunFactory(capacity=1)
    later_run = CourseRunFactory(course=first_run.course, capacity=5)
    mover, waiting = _fill(first_run, 2)

    response = client.post(f"/admin/courses/enrolments/{mover.pk}/move/", {"to_run": later_run.pk})

    assert response.status_code == 302
    mover.refresh_from_db()
    waiting.refresh_from_db()
    assert mover.status == EnrolmentStatus.CANCELLED
    assert waiting.status == EnrolmentStatus.OFFERED
    assert later_run.enrolments.get(user=mover.user).status == EnrolmentStatus.ENROLLED


@pytest.mark.parametrize("to_run", ["", "abc", "999999", "same", "other-course"])
def test_a_move_to_a_wrong_run_changes_nothing(client, coordinator, to_run):
    run = CourseRunFactory()
    other_course_run = CourseRunFactory()
    (enrolment,) = _fill(run, 1)
    target = {"same": run.pk, "other-course": other_course_run.pk}.get(to_run, to_run)

    client.post(f"/admin/courses/enrolments/{enrolment.pk}/move/", {"to_run": target})

    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert not other_course_run.enrolments.exists()

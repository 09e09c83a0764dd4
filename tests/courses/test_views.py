"""Participants enrol, cancel and answer seat offers through the site; staff decide on
requests in the admin.  Each view only reaches the signed-in person's own enrolments."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from courses import services
from courses.models import (
    CourseIndexPage,
    CoursePage,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Session,
    SessionModality,
)
from lms import roles
from tests.factories import UserFactory, add_page

pytestmark = pytest.mark.django_db
JOIN_LINK = "https://meet.example.jp/secret-room"


@pytest.fixture
def course(home_page):
    catalogue = add_page(home_page, CourseIndexPage(title="研修をさがす", slug="courses"))
    return add_page(
        catalogue,
        CoursePage(title="地域防災リーダー養成講座", slug="bosai", summary="防災を学ぶ講座です。"),
    )


def make_run(course, *, capacity=2, requires_approval=False, **overrides) -> CourseRun:
    today = timezone.localdate()
    now = timezone.now()
    fields = {
        "course": course,
        "title": "第1期",
        "starts_on": today + dt.timedelta(days=10),
        "ends_on": today + dt.timedelta(days=20),
        "capacity": capacity,
        "enrolment_opens_at": now - dt.timedelta(days=1),
        "enrolment_closes_at": now + dt.timedelta(days=5),
        "requires_approval": requires_approval,
    }
    run = CourseRun.objects.create(**{**fields, **overrides})
    Session.objects.create(
        run=run,
        title="第1回",
        starts_at=now + dt.timedelta(days=10),
        ends_at=now + dt.timedelta(days=10, hours=3),
        modality=SessionModality.ONLINE,
        online_url=JOIN_LINK,
    )
    return run


def test_enrol_button_gives_a_seat_and_my_learning_tells_when_the_join_button_comes(client, course):
    run = make_run(course)
    person = UserFactory()
    client.force_login(person)

    response = client.post(f"/runs/{run.pk}/enrol/", {"next": "/courses/bosai/"}, follow=True)

    assert response.redirect_chain[-1][0] == "/courses/bosai/"
    assert Enrolment.objects.get(user=person).status == EnrolmentStatus.ENROLLED
    learning = client.get("/learning/").content.decode()
    assert "地域防災リーダー養成講座" in learning
    # The meeting link is given only through the join button, during the session window.
    assert "参加ボタンは開始の30分前にここに表示されます" in learning
    assert JOIN_LINK not in learning


def test_join_link_is_never_shown_to_people_without_a_seat(client, course):
    run = make_run(course, capacity=1)
    services.enrolment_create(run=run, user=UserFactory())
    waiting = UserFactory()
    client.force_login(waiting)
    client.post(f"/runs/{run.pk}/enrol/")

    assert Enrolment.objects.get(user=waiting).status == EnrolmentStatus.WAITLISTED
    assert JOIN_LINK not in client.get("/learning/").content.decode()
    assert JOIN_LINK not in client.get("/courses/bosai/").content.decode()


def test_course_page_shows_the_right_button_for_each_state(client, course):
    open_run = make_run(course, capacity=1)
    page = client.get("/courses/bosai/").content.decode()
    assert "/accounts/login/?next=" in page  # anonymous: sign in first

    client.force_login(UserFactory())
    assert f'action="/runs/{open_run.pk}/enrol/"' in client.get("/courses/bosai/").content.decode()

    services.enrolment_create(run=open_run, user=UserFactory())
    page = client.get("/courses/bosai/").content.decode()
    assert "Join the waiting list" in page or "キャンセル待ち" in page


def test_enrol_twice_or_after_the_window_changes_nothing(client, course):
    run = make_run(course)
    person = UserFactory()
    client.force_login(person)
    client.post(f"/runs/{run.pk}/enrol/")

    client.post(f"/runs/{run.pk}/enrol/")
    assert Enrolment.objects.filter(user=person).count() == 1

    closed = make_run(
        course,
        enrolment_opens_at=timezone.now() - dt.timedelta(days=10),
        enrolment_closes_at=timezone.now() - dt.timedelta(days=1),
    )
    response = client.post(f"/runs/{closed.pk}/enrol/", follow=True)
    assert response.status_code == 200
    assert not Enrolment.objects.filter(run=closed).exists()
    assert list(response.context["messages"])


def test_enrol_requires_sign_in_and_post(client, course):
    run = make_run(course)
    response = client.post(f"/runs/{run.pk}/enrol/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")

    client.force_login(UserFactory())
    assert client.get(f"/runs/{run.pk}/enrol/").status_code == 405
    assert client.post("/runs/999999/enrol/").status_code == 404
    assert not Enrolment.objects.exists()


def test_nobody_can_cancel_or_accept_someone_elses_place(client, course):
    run = make_run(course)
    owner = UserFactory()
    enrolment = services.enrolment_create(run=run, user=owner)
    client.force_login(UserFactory())

    assert client.post(f"/enrolments/{enrolment.pk}/cancel/").status_code == 404
    assert client.post(f"/enrolments/{enrolment.pk}/accept/").status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED


def test_cancel_offers_the_seat_and_the_next_person_accepts_it(client, course):
    run = make_run(course, capacity=1)
    first, second = UserFactory(), UserFactory()
    mine = services.enrolment_create(run=run, user=first)
    theirs = services.enrolment_create(run=run, user=second)

    client.force_login(first)
    client.post(f"/enrolments/{mine.pk}/cancel/")
    theirs.refresh_from_db()
    assert theirs.status == EnrolmentStatus.OFFERED

    client.force_login(second)
    assert "/accept/" in client.get("/learning/").content.decode()
    client.post(f"/enrolments/{theirs.pk}/accept/")
    theirs.refresh_from_db()
    assert theirs.status == EnrolmentStatus.ENROLLED


def test_staff_approve_and_reject_requests_in_the_admin(client, course):
    run = make_run(course, capacity=5, requires_approval=True)
    approved = services.enrolment_create(run=run, user=UserFactory(full_name="承認 される"))
    rejected = services.enrolment_create(run=run, user=UserFactory(full_name="見送り となる"))
    coordinator = UserFactory(is_staff=True)
    coordinator.groups.add(Group.objects.get(name=roles.COORDINATORS))
    client.force_login(coordinator)

    listing = client.get("/admin/courses/requests/").content.decode()
    assert "承認 される" in listing and "見送り となる" in listing

    client.post(f"/admin/courses/requests/{approved.pk}/approve/")
    client.post(
        f"/admin/courses/requests/{rejected.pk}/reject/", {"reason": "定員の職種枠が埋まりました"}
    )
    client.post(f"/admin/courses/requests/{rejected.pk}/reject/", {"reason": ""})

    approved.refresh_from_db()
    rejected.refresh_from_db()
    assert approved.status == EnrolmentStatus.ENROLLED
    assert (rejected.status, rejected.decision_reason) == (
        EnrolmentStatus.REJECTED,
        "定員の職種枠が埋まりました",
    )


def test_people_without_the_permission_cannot_decide_requests(client, course):
    run = make_run(course, requires_approval=True)
    pending = services.enrolment_create(run=run, user=UserFactory())
    editor = UserFactory(is_staff=True)
    editor.groups.add(Group.objects.get(name=roles.CONTENT_EDITORS))
    client.force_login(editor)

    assert client.post(f"/admin/courses/requests/{pending.pk}/approve/").status_code in (302, 403)
    pending.refresh_from_db()
    assert pending.status == EnrolmentStatus.PENDING

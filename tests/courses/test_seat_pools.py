"""Seats reserved by profession (職種別の優先枠), seats that open without anyone leaving, and the
reminder before a seat offer expires."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from courses import services
from courses.models import SEAT_STATUSES, Enrolment, EnrolmentStatus
from lms import roles
from lms.models import OutboundEmail, Profession
from tests.admin_forms import admin_form_data
from tests.factories import (
    CourseRunFactory,
    EnrolmentFactory,
    RunSeatPoolFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]

ENROLLED = EnrolmentStatus.ENROLLED
WAITLISTED = EnrolmentStatus.WAITLISTED
OFFERED = EnrolmentStatus.OFFERED


@pytest.fixture
def professions(home_page) -> dict[str, Profession]:
    return {
        "nurse": Profession.objects.get(name="看護師"),
        "social_worker": Profession.objects.get(name="社会福祉士"),
        "official": Profession.objects.get(name="行政職員"),
    }


@pytest.fixture
def pooled_run(professions):
    """6 seats: 2 reserved for nurses, 2 for social workers, 2 open to everyone."""
    run = CourseRunFactory(capacity=6)
    nurses = RunSeatPoolFactory(run=run, name="医療職", seats=2, professions=[professions["nurse"]])
    welfare = RunSeatPoolFactory(
        run=run, name="福祉職", seats=2, professions=[professions["social_worker"]]
    )
    return run, nurses, welfare


def enrol(run, profession):
    return services.enrolment_create(run=run, user=UserFactory(profession=profession))


def test_one_profession_cannot_fill_a_run_with_reserved_seats(pooled_run, professions):
    run, nurses, welfare = pooled_run

    officials = [enrol(run, professions["official"]) for _ in range(4)]

    assert [e.status for e in officials] == [ENROLLED, ENROLLED, WAITLISTED, WAITLISTED]
    assert {e.seat_pool_id for e in officials[:2]} == {None}
    # The reserved seats are still there for the professions they were kept for.
    nurse = enrol(run, professions["nurse"])
    worker = enrol(run, professions["social_worker"])
    assert (nurse.status, nurse.seat_pool_id) == (ENROLLED, nurses.pk)
    assert (worker.status, worker.seat_pool_id) == (ENROLLED, welfare.pk)


def test_a_profession_whose_reserved_seats_are_taken_uses_the_open_seats(pooled_run, professions):
    run, nurses, _welfare = pooled_run

    placed = [enrol(run, professions["nurse"]) for _ in range(5)]

    assert [(e.status, e.seat_pool_id) for e in placed] == [
        (ENROLLED, nurses.pk),
        (ENROLLED, nurses.pk),
        (ENROLLED, None),
        (ENROLLED, None),
        (WAITLISTED, None),
    ]
    assert Enrolment.objects.filter(run=run, status__in=SEAT_STATUSES).count() == 4


def test_a_freed_reserved_seat_is_offered_to_the_first_waiting_person_who_may_take_it(
    pooled_run, professions
):
    run, nurses, _welfare = pooled_run
    leaving, *_others = [enrol(run, professions["nurse"]) for _ in range(4)]  # 2 reserved, 2 open
    official_waiting = enrol(run, professions["official"])
    nurse_waiting = enrol(run, professions["nurse"])
    assert leaving.seat_pool_id == nurses.pk

    services.enrolment_cancel(enrolment=leaving)

    # The official waited longer, but the freed seat is kept for nurses.
    official_waiting.refresh_from_db()
    nurse_waiting.refresh_from_db()
    assert official_waiting.status == WAITLISTED
    assert (nurse_waiting.status, nurse_waiting.seat_pool_id) == (OFFERED, nurses.pk)


def test_a_freed_open_seat_goes_to_the_longest_waiting_person(pooled_run, professions):
    run, _nurses, _welfare = pooled_run
    open_seats = [enrol(run, professions["official"]) for _ in range(2)]
    first = enrol(run, professions["official"])
    second = enrol(run, professions["nurse"])  # gets a reserved seat straight away
    assert second.status == ENROLLED

    services.enrolment_cancel(enrolment=open_seats[0])

    first.refresh_from_db()
    assert (first.status, first.seat_pool_id) == (OFFERED, None)


def test_released_reserved_seats_are_offered_to_whoever_waits(pooled_run, professions):
    run, _nurses, _welfare = pooled_run
    officials = [enrol(run, professions["official"]) for _ in range(4)]
    now = timezone.now()
    run.seat_pools_release_at = now + timedelta(days=1)
    run.save()

    assert services.free_seats_offer(now=now) == 0
    assert services.free_seats_offer(now=now + timedelta(days=1)) == 2
    assert services.free_seats_offer(now=now + timedelta(days=1)) == 0  # safe to run twice

    assert [Enrolment.objects.get(pk=e.pk).status for e in officials] == [
        ENROLLED,
        ENROLLED,
        OFFERED,
        OFFERED,
    ]


def test_seats_added_by_staff_are_offered_to_the_people_waiting(
    django_capture_on_commit_callbacks,
):
    run = CourseRunFactory(capacity=1)
    EnrolmentFactory(run=run)
    waiting = EnrolmentFactory(run=run, status=WAITLISTED)
    run.capacity = 2
    run.save()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.free_seats_offer() == 1

    waiting.refresh_from_db()
    assert waiting.status == OFFERED
    assert OutboundEmail.objects.filter(recipient=waiting.user.email).count() == 1


def test_a_pooled_run_never_gives_more_seats_than_it_has(pooled_run, professions):
    run, _nurses, _welfare = pooled_run
    mix = ["nurse", "official", "social_worker", "nurse", "nurse", "official", "nurse", "official"]

    for name in mix * 2:
        enrol(run, professions[name])

    assert Enrolment.objects.filter(run=run, status__in=SEAT_STATUSES).count() == 6
    for pool in run.seat_pools.all():
        assert pool.enrolments.filter(status__in=SEAT_STATUSES).count() <= pool.seats


# --- The run form in the admin ----------------------------------------------------------------


@pytest.fixture
def coordinator_client(client):
    coordinator = UserFactory(is_staff=True)
    coordinator.groups.add(Group.objects.get(name=roles.COORDINATORS))
    client.force_login(coordinator)
    return client


def run_form_data(client, run) -> tuple[str, dict]:
    url = f"/admin/snippets/courses/courserun/edit/{run.pk}/"
    return url, admin_form_data(client.get(url).context["form"])


def test_staff_reserve_seats_on_the_run_form(coordinator_client, professions):
    run = CourseRunFactory(capacity=10)
    SessionFactory(run=run)
    url, data = run_form_data(coordinator_client, run)
    data.update(
        {
            "seat_pools-TOTAL_FORMS": "1",
            "seat_pools-0-name": "医療職",
            "seat_pools-0-seats": "4",
            "seat_pools-0-professions": [str(professions["nurse"].pk)],
            "seat_pools-0-ORDER": "1",
        }
    )

    response = coordinator_client.post(url, data)

    assert response.status_code == 302
    pool = run.seat_pools.get()
    assert (pool.name, pool.seats) == ("医療職", 4)
    assert list(pool.professions.all()) == [professions["nurse"]]


def test_reserved_seats_beyond_the_run_are_refused(coordinator_client, professions):
    run = CourseRunFactory(capacity=3)
    SessionFactory(run=run)
    url, data = run_form_data(coordinator_client, run)
    data.update(
        {
            "seat_pools-TOTAL_FORMS": "2",
            "seat_pools-0-name": "医療職",
            "seat_pools-0-seats": "2",
            "seat_pools-0-professions": [str(professions["nurse"].pk)],
            "seat_pools-1-name": "看護",
            "seat_pools-1-seats": "2",
            "seat_pools-1-professions": [str(professions["nurse"].pk)],
        }
    )

    response = coordinator_client.post(url, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert "予約席の合計（4）" in str(form.errors["capacity"])
    second_row = form.formsets["seat_pools"].forms[1]
    assert "看護師" in str(second_row.errors["professions"])
    assert not run.seat_pools.exists()


# --- Offer reminders ---------------------------------------------------------------------------


def test_a_person_holding_an_offer_is_reminded_once_when_a_quarter_of_the_time_is_left(
    django_capture_on_commit_callbacks,
):
    run = CourseRunFactory(offer_hours=48)
    offer = EnrolmentFactory(run=run, status=OFFERED, user=UserFactory(preferred_language="ja"))
    expires = offer.offer_expires_at

    with django_capture_on_commit_callbacks(execute=True):
        assert services.offer_reminders_send(now=expires - timedelta(hours=13)) == 0
        assert services.offer_reminders_send(now=expires - timedelta(hours=12)) == 1
        assert services.offer_reminders_send(now=expires - timedelta(hours=11)) == 0

    message = OutboundEmail.objects.get(recipient=offer.user.email)
    assert message.template == "courses/email/offer_expiring"
    assert "まもなく" in message.subject
    assert run.course.title in message.body_text


def test_a_short_offer_is_reminded_a_quarter_of_its_time_before_it_expires():
    run = CourseRunFactory(offer_hours=8)
    offer = EnrolmentFactory(run=run, status=OFFERED)
    expires = offer.offer_expires_at

    assert services.offer_reminders_send(now=expires - timedelta(hours=3)) == 0
    assert services.offer_reminders_send(now=expires - timedelta(hours=2)) == 1


def test_expired_or_answered_offers_are_not_reminded():
    run = CourseRunFactory()
    expired = EnrolmentFactory(run=run, status=OFFERED)
    accepted = EnrolmentFactory(run=run, status=ENROLLED)

    assert services.offer_reminders_send(now=expired.offer_expires_at + timedelta(minutes=1)) == 0
    assert not OutboundEmail.objects.filter(recipient=accepted.user.email).exists()


def test_the_periodic_task_does_all_three_steps_and_is_safe_to_run_twice():
    from courses.tasks import handle_seat_offers

    run = CourseRunFactory(capacity=1)
    EnrolmentFactory(run=run)
    EnrolmentFactory(run=run, status=WAITLISTED)
    run.capacity = 2
    run.save()

    assert handle_seat_offers() == {"expired": 0, "offered": 1, "reminded": 0}
    assert handle_seat_offers() == {"expired": 0, "offered": 0, "reminded": 0}


def test_the_course_page_shows_the_reserved_seats_and_the_right_button(
    client, pooled_run, professions
):
    run, _nurses, _welfare = pooled_run
    for _ in range(2):
        enrol(run, professions["official"])  # the open seats are gone

    client.force_login(UserFactory(profession=professions["nurse"]))
    nurse_page = client.get(run.course.url).content.decode()
    client.force_login(UserFactory(profession=professions["official"]))
    official_page = client.get(run.course.url).content.decode()

    assert "医療職: 残り2席" in nurse_page
    assert "福祉職: 残り2席" in nurse_page
    assert ">申し込む</button>" in nurse_page
    assert ">キャンセル待ちに登録する</button>" in official_page


# --- Runs on the course page in the admin -----------------------------------------------------


def test_the_course_page_editor_lists_its_runs_and_adds_one_for_it(client):
    run = CourseRunFactory(title="2026年度 第7期", capacity=12)
    EnrolmentFactory(run=run)
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)

    editor = client.get(f"/admin/pages/{run.course.pk}/edit/").content.decode()
    add_form = client.get(f"/admin/snippets/courses/courserun/add/?course={run.course.pk}")
    tampered = client.get("/admin/snippets/courses/courserun/add/?course=abc")

    assert "2026年度 第7期" in editor
    assert f"/admin/snippets/courses/courserun/add/?course={run.course.pk}" in editor
    assert f"/admin/courses/runs/{run.pk}/participants/" in editor
    assert add_form.context["form"]["course"].value() == run.course.pk
    assert tampered.status_code == 200 and tampered.context["form"]["course"].value() is None

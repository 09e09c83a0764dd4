"""courses.selectors: what course pages and My learning show, and what it costs in queries."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from courses import selectors, services
from courses.models import CourseIndexPage, CoursePage, EnrolmentStatus, RunStatus
from lms.models import Profession
from tests.factories import (
    CourseRunFactory,
    EnrolmentFactory,
    RunSeatPoolFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

ENROLLED = EnrolmentStatus.ENROLLED
WAITLISTED = EnrolmentStatus.WAITLISTED
OFFERED = EnrolmentStatus.OFFERED
PENDING = EnrolmentStatus.PENDING
CANCELLED = EnrolmentStatus.CANCELLED
COMPLETED = EnrolmentStatus.COMPLETED


@pytest.fixture
def index(home_page) -> CourseIndexPage:
    page = CourseIndexPage(title="研修・講座", slug="courses")
    home_page.add_child(instance=page)
    page.save_revision().publish()
    return page


def make_course(index: CourseIndexPage, slug: str = "bousai-leader") -> CoursePage:
    page = CoursePage(
        title=f"地域防災リーダー養成講座 {slug}", slug=slug, summary="多職種の合同研修です。"
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


@pytest.fixture
def course(index) -> CoursePage:
    return make_course(index)


def waiting(run, minutes_ago: int, user=None):
    """A waiting-list place taken ``minutes_ago``."""
    return EnrolmentFactory(
        run=run,
        user=user or UserFactory(),
        status=WAITLISTED,
        waitlisted_at=timezone.now() - timedelta(minutes=minutes_ago),
    )


def upcoming(course, user) -> dict[str, object]:
    return {
        run.title: run for run in selectors.run_list_upcoming_for_course(course=course, user=user)
    }


# --- run_list_upcoming_for_course ------------------------------------------------------------


def test_run_list_upcoming_for_course_counts_seats_left_and_people_waiting(course):
    full = CourseRunFactory(course=course, title="満席", capacity=3)
    EnrolmentFactory.create_batch(2, run=full, status=ENROLLED)
    EnrolmentFactory(run=full, status=OFFERED)  # an offered seat is held for that person
    EnrolmentFactory(run=full, status=CANCELLED)
    EnrolmentFactory(run=full, status=PENDING)
    waiting(full, 20)
    waiting(full, 10)
    roomy = CourseRunFactory(course=course, title="空きあり", capacity=5)
    EnrolmentFactory(run=roomy, status=ENROLLED)
    overbooked = CourseRunFactory(course=course, title="定員変更", capacity=1)
    EnrolmentFactory.create_batch(2, run=overbooked, status=ENROLLED)  # staff lowered capacity

    runs = upcoming(course, UserFactory())

    assert (runs["満席"].seats_left, runs["満席"].waiting_count) == (0, 2)
    assert (runs["空きあり"].seats_left, runs["空きあり"].waiting_count) == (4, 0)
    assert (runs["定員変更"].seats_left, runs["定員変更"].waiting_count) == (0, 0)


def test_run_list_upcoming_for_course_gives_my_enrolment_and_my_position(course):
    me = UserFactory()
    queue_run = CourseRunFactory(course=course, title="待ち", capacity=1)
    EnrolmentFactory(run=queue_run, status=ENROLLED)
    waiting(queue_run, 30)
    mine = waiting(queue_run, 20, user=me)
    waiting(queue_run, 10)
    seat_run = CourseRunFactory(course=course, title="受講", capacity=5)
    my_seat = EnrolmentFactory(run=seat_run, user=me, status=ENROLLED)
    left_run = CourseRunFactory(course=course, title="取消", capacity=5)
    EnrolmentFactory(run=left_run, user=me, status=CANCELLED)

    runs = upcoming(course, me)

    assert runs["待ち"].my_enrolment == mine
    assert runs["待ち"].my_position == 2
    assert runs["受講"].my_enrolment == my_seat
    assert runs["受講"].my_position is None
    assert runs["取消"].my_enrolment is None
    assert runs["取消"].my_position is None


def test_run_list_upcoming_for_course_moves_me_up_when_someone_ahead_leaves(course):
    me = UserFactory()
    run = CourseRunFactory(course=course, title="待ち", capacity=0)
    ahead = waiting(run, 30)
    waiting(run, 20, user=me)
    assert upcoming(course, me)["待ち"].my_position == 2

    services.enrolment_cancel(enrolment=ahead)

    assert upcoming(course, me)["待ち"].my_position == 1


def test_run_list_upcoming_for_course_orders_people_who_joined_at_the_same_moment(course):
    """Equal timestamps are served in arrival order (the primary key), as offers are."""
    run = CourseRunFactory(course=course, title="待ち", capacity=0)
    moment = timezone.now()
    first, second = UserFactory(), UserFactory()
    EnrolmentFactory(run=run, user=first, status=WAITLISTED, waitlisted_at=moment)
    EnrolmentFactory(run=run, user=second, status=WAITLISTED, waitlisted_at=moment)

    assert upcoming(course, first)["待ち"].my_position == 1
    assert upcoming(course, second)["待ち"].my_position == 2


def test_run_list_upcoming_for_course_shows_only_scheduled_runs_that_have_not_ended(index):
    course = make_course(index)
    today = timezone.localdate()
    CourseRunFactory(course=course, title="今後", starts_on=today + timedelta(days=3))
    CourseRunFactory(
        course=course, title="本日終了", starts_on=today - timedelta(days=1), ends_on=today
    )
    CourseRunFactory(
        course=course,
        title="終了",
        starts_on=today - timedelta(days=10),
        ends_on=today - timedelta(days=1),
        enrolment_opens_at=timezone.now() - timedelta(days=30),
        enrolment_closes_at=timezone.now() - timedelta(days=11),
    )
    CourseRunFactory(course=course, title="中止", status=RunStatus.CANCELLED)
    CourseRunFactory(course=make_course(index, slug="other"), title="別の講座")

    runs = selectors.run_list_upcoming_for_course(course=course, user=None)

    assert [run.title for run in runs] == ["本日終了", "今後"]


def test_run_list_upcoming_for_course_tells_whether_enrolment_is_open(course):
    now = timezone.now()
    CourseRunFactory(course=course, title="受付中")
    CourseRunFactory(
        course=course,
        title="受付前",
        enrolment_opens_at=now + timedelta(days=1),
        enrolment_closes_at=now + timedelta(days=5),
    )

    runs = upcoming(course, None)

    assert runs["受付中"].is_open is True
    assert runs["受付前"].is_open is False


@pytest.mark.parametrize("visitor", [None, AnonymousUser()], ids=["none", "anonymous"])
def test_run_list_upcoming_for_course_gives_visitors_no_place(course, visitor):
    run = CourseRunFactory(course=course, title="第1期", capacity=1)
    EnrolmentFactory(run=run, status=ENROLLED)
    waiting(run, 5)

    shown = upcoming(course, visitor)["第1期"]

    assert (shown.my_enrolment, shown.my_position) == (None, None)
    assert (shown.seats_left, shown.waiting_count) == (0, 1)


# --- enrolment_list_for_learner --------------------------------------------------------------


def test_enrolment_list_for_learner_splits_current_and_past_places(index):
    me = UserFactory()
    today = timezone.localdate()
    course = make_course(index)
    ended = CourseRunFactory(
        course=course,
        title="昨年度",
        starts_on=today - timedelta(days=40),
        ends_on=today - timedelta(days=1),
        enrolment_opens_at=timezone.now() - timedelta(days=90),
        enrolment_closes_at=timezone.now() - timedelta(days=41),
    )
    done = EnrolmentFactory(run=ended, user=me, status=COMPLETED)
    soon = CourseRunFactory(course=course, title="来月", starts_on=today + timedelta(days=30))
    seat = EnrolmentFactory(run=soon, user=me, status=ENROLLED)
    queue_run = CourseRunFactory(
        course=make_course(index, slug="second"), title="待ち", starts_on=today + timedelta(days=5)
    )
    waiting(queue_run, 30)
    queued = waiting(queue_run, 10, user=me)
    EnrolmentFactory(run=CourseRunFactory(course=course, title="取消"), user=me, status=CANCELLED)
    EnrolmentFactory(run=soon, status=ENROLLED)  # someone else

    places = selectors.enrolment_list_for_learner(user=me)

    assert places["current"] == [queued, seat]
    assert places["past"] == [done]
    assert places["current"][0].position == 2
    assert getattr(places["current"][1], "position", None) is None


def test_enrolment_list_for_learner_brings_each_runs_sessions_in_order(course):
    me = UserFactory()
    run = CourseRunFactory(course=course)
    later = SessionFactory(run=run, title="第2回")
    later.starts_at += timedelta(days=7)
    later.ends_at += timedelta(days=7)
    later.save()
    first = SessionFactory(run=run, title="第1回")
    EnrolmentFactory(run=run, user=me, status=ENROLLED)

    [place] = selectors.enrolment_list_for_learner(user=me)["current"]

    assert [row["pk"] for row in place.session_rows] == [first.pk, later.pk]
    assert [row["title"] for row in place.session_rows] == ["第1回", "第2回"]
    assert place.run.course.specific == course


# --- Query counts ----------------------------------------------------------------------------


def _course_with_runs(index, me, count: int, slug: str) -> CoursePage:
    """``count`` runs, each with two sessions, a seat reserved for nurses, a full room and a
    queue that ``me`` is in."""
    course = make_course(index, slug=slug)
    nurse = Profession.objects.get(name="看護師")
    for n in range(count):
        run = CourseRunFactory(course=course, title=f"第{n}期", capacity=2)
        RunSeatPoolFactory(run=run, seats=1, professions=[nurse])
        SessionFactory.create_batch(2, run=run)
        EnrolmentFactory(run=run, status=ENROLLED)
        waiting(run, 30)
        waiting(run, 20, user=me)
    return course


def _queries(function, **kwargs) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as captured:
        result = function(**kwargs)
    return len(captured), result


def test_run_list_upcoming_for_course_costs_the_same_for_2_and_20_runs(index):
    me = UserFactory()
    few_course = _course_with_runs(index, me, 2, slug="few")
    many_course = _course_with_runs(index, me, 20, slug="many")

    few, few_runs = _queries(selectors.run_list_upcoming_for_course, course=few_course, user=me)
    many, many_runs = _queries(selectors.run_list_upcoming_for_course, course=many_course, user=me)

    assert [run.my_position for run in few_runs] == [2] * 2
    assert [run.my_position for run in many_runs] == [2] * 20
    assert all(len(run.sessions.all()) == 2 for run in many_runs)
    assert [run.reserved_seats_left[0][1] for run in many_runs] == [1] * 20
    assert not any(run.seat_for_me for run in many_runs)  # only the nurses' seat is free
    assert many == few
    assert few <= 6


def test_enrolment_list_for_learner_costs_the_same_for_2_and_20_places(index):
    few_person, many_person = UserFactory(), UserFactory()
    _course_with_runs(index, few_person, 2, slug="few")
    _course_with_runs(index, many_person, 20, slug="many")
    selectors.enrolment_list_for_learner(user=few_person)  # caches the site's root paths

    few, few_places = _queries(selectors.enrolment_list_for_learner, user=few_person)
    many, many_places = _queries(selectors.enrolment_list_for_learner, user=many_person)

    assert [place.position for place in many_places["current"]] == [2] * 20
    assert len(few_places["current"]) == 2
    assert many == few

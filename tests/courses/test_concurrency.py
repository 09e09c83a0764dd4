"""Enrolment under real concurrency, on PostgreSQL (STYLE.md C5/C10).

Each test starts its threads behind a barrier so their transactions collide, lets every thread
use its own database connection (closed at the end), and checks the committed result: capacity
never exceeded, nobody enrolled twice, nobody lost from the waiting list, every freed seat
offered exactly once.  SQLite serialises writers at BEGIN instead and is not raced here.
"""

import contextlib
import itertools
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Count
from django.utils import timezone

from courses import services
from courses.models import (
    ACTIVE_STATUSES,
    SEAT_STATUSES,
    AttendanceStatus,
    CourseIndexPage,
    CoursePage,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    Session,
)
from courses.services import EnrolmentError
from courses.services import enrolment as enrolment_module
from courses.services import sessions as sessions_module
from lms.models import OutboundEmail
from tests.factories import (
    CourseRunFactory,
    EnrolmentFactory,
    SessionFactory,
    UserFactory,
    VenueFactory,
)

logger = logging.getLogger(__name__)

# serialized_rollback: the flush after a transactional test would otherwise also remove the
# rows the data migrations load (municipalities, professions, role groups) for later tests.
pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ENROLLED = EnrolmentStatus.ENROLLED
WAITLISTED = EnrolmentStatus.WAITLISTED
OFFERED = EnrolmentStatus.OFFERED
CANCELLED = EnrolmentStatus.CANCELLED


@pytest.fixture
def course(home_page) -> CoursePage:
    index = CourseIndexPage(title="研修・講座", slug="courses")
    home_page.add_child(instance=index)
    index.save_revision().publish()
    page = CoursePage(
        title="多職種合同研修 地域包括ケア", slug="joint-care", summary="多職種の合同研修です。"
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def race(calls: list[Callable[[], object]]) -> list[object]:
    """Run every call in its own thread, all released at once; return each call's result or
    the exception it raised, in the order given."""
    barrier = threading.Barrier(len(calls))
    outcomes: list[object] = [None] * len(calls)

    def work(index: int, call: Callable[[], object]) -> None:
        try:
            connection.ensure_connection()  # connect first, so the race is the transactions
            barrier.wait(timeout=30)
            outcomes[index] = call()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    return outcomes


class SeatWatcher:
    """Counts a run's taken seats over and over while a race runs, to catch any moment
    (any committed state) in which the run holds more people than it has seats."""

    def __init__(self, run: CourseRun):
        self.run_id = run.pk
        self.counts: list[int] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch)

    def _watch(self) -> None:
        try:
            while not self._stop.is_set():
                self.counts.append(
                    Enrolment.objects.filter(run_id=self.run_id, status__in=SEAT_STATUSES).count()
                )
        finally:
            connection.close()

    def __enter__(self) -> "SeatWatcher":
        self._thread.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop.set()
        self._thread.join(timeout=30)


def by_status(run: CourseRun) -> Counter:
    return Counter(Enrolment.objects.filter(run=run).values_list("status", flat=True))


def mails(template: str) -> Counter:
    """How many messages of ``courses/email/<template>`` each recipient got."""
    return Counter(
        OutboundEmail.objects.filter(template=f"courses/email/{template}").values_list(
            "recipient", flat=True
        )
    )


def test_enrolment_create_race_of_24_people_for_5_seats_never_overbooks(course):
    run = CourseRunFactory(course=course, capacity=5)
    people = UserFactory.create_batch(24)

    started = time.monotonic()
    outcomes = race(
        [lambda person=person: services.enrolment_create(run=run, user=person) for person in people]
    )
    elapsed = time.monotonic() - started

    assert [o for o in outcomes if not isinstance(o, Enrolment)] == []
    assert by_status(run) == {ENROLLED: 5, WAITLISTED: 19}
    rows = Enrolment.objects.filter(run=run)
    assert sorted(rows.values_list("user_id", flat=True)) == sorted(p.pk for p in people)
    queue = list(rows.filter(status=WAITLISTED).order_by("waitlisted_at", "pk"))
    assert len({e.waitlisted_at for e in queue}) == 19
    # The queue follows the order in which the run's lock let people in (their insert order).
    assert [e.pk for e in queue] == sorted(e.pk for e in queue)
    assert max(e.pk for e in rows.filter(status=ENROLLED)) < min(e.pk for e in queue)
    # One email each, sent after the commit that decided it.
    assert sum(mails("enrolled").values()) == 5
    assert sum(mails("waitlisted").values()) == 19
    assert set(mails("enrolled")) | set(mails("waitlisted")) == {p.email for p in people}
    logger.info("24 threads for 5 seats: %s in %.2fs", dict(by_status(run)), elapsed)


def test_enrolment_create_race_for_the_same_person_makes_one_active_place(course):
    run = CourseRunFactory(course=course, capacity=5)
    rounds = 10
    people = UserFactory.create_batch(rounds)

    refusals = 0
    for person in people:
        outcomes = race([lambda person=person: services.enrolment_create(run=run, user=person)] * 2)
        assert sorted(type(o).__name__ for o in outcomes) == ["Enrolment", "EnrolmentError"]
        refusals += sum(isinstance(o, EnrolmentError) for o in outcomes)

    for person in people:
        assert Enrolment.objects.filter(run=run, user=person).count() == 1
    assert Enrolment.objects.filter(run=run, status__in=ACTIVE_STATUSES).count() == rounds
    assert by_status(run) == {ENROLLED: 5, WAITLISTED: 5}
    logger.info("same person twice, %d rounds: %d refused, none doubled", rounds, refusals)


def test_cancel_and_accept_race_never_overbooks_and_offers_each_freed_seat_once(course):
    """10 seats: 5 enrolled people cancel while 5 people holding offers accept them, with 5
    more waiting.  The 5 freed seats go to the 5 waiting people, one offer each."""
    run = CourseRunFactory(course=course, capacity=10, offer_hours=48)
    earlier = timezone.now() - timedelta(hours=3)
    seated = EnrolmentFactory.create_batch(5, run=run, status=ENROLLED)
    offers = [
        EnrolmentFactory(run=run, status=OFFERED, waitlisted_at=earlier - timedelta(minutes=n))
        for n in range(5)
    ]
    queue = [
        EnrolmentFactory(run=run, status=WAITLISTED, waitlisted_at=earlier + timedelta(minutes=n))
        for n in range(5)
    ]
    calls = [lambda e=e: services.enrolment_cancel(enrolment=e) for e in seated] + [
        lambda e=e: services.offer_accept(enrolment=e, user=e.user) for e in offers
    ]

    with SeatWatcher(run) as watcher:
        outcomes = race(calls)

    assert [o for o in outcomes if not isinstance(o, Enrolment)] == []
    assert max(watcher.counts) <= run.capacity
    assert by_status(run) == {CANCELLED: 5, ENROLLED: 5, OFFERED: 5}
    assert set(Enrolment.objects.filter(run=run, status=ENROLLED)) == set(offers)
    assert set(Enrolment.objects.filter(run=run, status=OFFERED)) == set(queue)
    assert mails("offered") == Counter({e.user.email: 1 for e in queue})
    logger.info(
        "5 cancel + 5 accept, capacity 10: %s; seats seen %d..%d over %d samples",
        dict(by_status(run)),
        min(watcher.counts),
        max(watcher.counts),
        len(watcher.counts),
    )


def test_mixed_race_keeps_the_queue_fair_and_offers_each_freed_seat_once(course):
    """5 seats: 3 enrolled cancel, one offer is accepted and one declined, and 5 newcomers
    enrol, all at once.  4 seats are freed; they go to the first 4 of the 5 people already
    waiting, and every newcomer queues behind the fifth."""
    run = CourseRunFactory(course=course, capacity=5, offer_hours=48)
    earlier = timezone.now() - timedelta(hours=3)
    seated = EnrolmentFactory.create_batch(3, run=run, status=ENROLLED)
    accepter, decliner = (
        EnrolmentFactory(run=run, status=OFFERED, waitlisted_at=earlier - timedelta(minutes=n))
        for n in (2, 1)
    )
    queue = [
        EnrolmentFactory(run=run, status=WAITLISTED, waitlisted_at=earlier + timedelta(minutes=n))
        for n in range(5)
    ]
    newcomers = UserFactory.create_batch(5)
    calls = (
        [lambda e=e: services.enrolment_cancel(enrolment=e) for e in seated]
        + [
            lambda: services.offer_accept(enrolment=accepter, user=accepter.user),
            lambda: services.offer_decline(enrolment=decliner, user=decliner.user),
        ]
        + [lambda u=u: services.enrolment_create(run=run, user=u) for u in newcomers]
    )

    with SeatWatcher(run) as watcher:
        outcomes = race(calls)

    assert [o for o in outcomes if not isinstance(o, Enrolment)] == []
    assert max(watcher.counts) <= run.capacity
    assert by_status(run) == {CANCELLED: 4, ENROLLED: 1, OFFERED: 4, WAITLISTED: 6}
    assert Enrolment.objects.get(pk=accepter.pk).status == ENROLLED
    assert set(Enrolment.objects.filter(run=run, status=OFFERED)) == set(queue[:4])
    still_waiting = list(
        Enrolment.objects.filter(run=run, status=WAITLISTED).order_by("waitlisted_at", "pk")
    )
    assert still_waiting[0] == queue[4]
    assert {e.user_id for e in still_waiting[1:]} == {u.pk for u in newcomers}
    assert mails("offered") == Counter({e.user.email: 1 for e in queue[:4]})
    logger.info("mixed race, capacity 5: %s", dict(by_status(run)))


def test_offers_expire_run_by_several_workers_at_once_passes_each_offer_on_once(course):
    run = CourseRunFactory(course=course, capacity=3, offer_hours=48)
    now = timezone.now()
    lapsed = [
        EnrolmentFactory(
            run=run,
            status=OFFERED,
            waitlisted_at=now - timedelta(days=3, minutes=n),
            offer_expires_at=now - timedelta(minutes=1),
        )
        for n in range(3)
    ]
    queue = [
        EnrolmentFactory(run=run, status=WAITLISTED, waitlisted_at=now - timedelta(hours=5 - n))
        for n in range(5)
    ]

    outcomes = race([lambda: services.offers_expire(now=now)] * 4)

    assert sum(outcomes) == 3
    assert by_status(run) == {CANCELLED: 3, OFFERED: 3, WAITLISTED: 2}
    assert set(Enrolment.objects.filter(run=run, status=CANCELLED)) == set(lapsed)
    assert set(Enrolment.objects.filter(run=run, status=OFFERED)) == set(queue[:3])
    assert mails("offer_expired") == Counter({e.user.email: 1 for e in lapsed})
    assert mails("offered") == Counter({e.user.email: 1 for e in queue[:3]})
    logger.info("4 workers expiring 3 offers: each returned %s", outcomes)


def test_accept_and_decline_of_one_offer_at_once_have_exactly_one_winner(course):
    """Two tabs: the same person accepts and declines the same offer at the same moment.
    Exactly one wins, and the run ends consistent with it (never a lost, accepted seat)."""
    winners = Counter()
    for n in range(10):
        run = CourseRunFactory(course=course, title=f"第{n}期", capacity=1)
        offer = EnrolmentFactory(run=run, status=OFFERED)
        nxt = EnrolmentFactory(run=run, status=WAITLISTED)

        accepted, declined = race(
            [
                lambda offer=offer: services.offer_accept(enrolment=offer, user=offer.user),
                lambda offer=offer: services.offer_decline(enrolment=offer, user=offer.user),
            ]
        )

        assert sorted(type(o).__name__ for o in (accepted, declined)) == [
            "Enrolment",
            "EnrolmentError",
        ]
        offer.refresh_from_db()
        nxt.refresh_from_db()
        if isinstance(accepted, Enrolment):
            winners["accept"] += 1
            assert (offer.status, nxt.status) == (ENROLLED, WAITLISTED)
        else:
            winners["decline"] += 1
            assert (offer.status, nxt.status) == (CANCELLED, OFFERED)
        assert Enrolment.objects.filter(run=run, status__in=SEAT_STATUSES).count() == 1
    logger.info("accept vs decline, 10 rounds: %s", dict(winners))


def test_moves_in_opposite_directions_at_once_neither_deadlock_nor_overbook(course):
    """Two staff move people between two full runs in opposite directions at the same moment:
    both runs are locked in primary-key order, so neither move deadlocks, and no run ends up
    with more people in seats than it has seats."""
    first = CourseRunFactory(course=course, capacity=2)
    second = CourseRunFactory(course=course, capacity=2)
    a_people = [services.enrolment_create(run=first, user=UserFactory()) for _ in range(2)]
    b_people = [services.enrolment_create(run=second, user=UserFactory()) for _ in range(2)]

    calls = []
    for mine, theirs in zip(a_people, b_people, strict=True):
        calls.append(lambda e=mine: services.enrolment_move(enrolment=e, to_run=second))
        calls.append(lambda e=theirs: services.enrolment_move(enrolment=e, to_run=first))
    outcomes = race(calls)

    assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
    for run in (first, second):
        seats = Enrolment.objects.filter(run=run, status__in=SEAT_STATUSES).count()
        assert seats <= run.capacity
        assert (
            not Enrolment.objects.filter(run=run, status__in=ACTIVE_STATUSES)
            .values("user")
            .annotate(n=Count("pk"))
            .filter(n__gt=1)
            .exists()
        )
    total_active = Enrolment.objects.filter(
        run__in=[first, second], status__in=ACTIVE_STATUSES
    ).count()
    assert total_active == 4  # everyone still has exactly one place somewhere


def test_race_for_a_run_with_reserved_seats_keeps_every_pool_within_its_seats(course):
    """20 officials and 10 nurses race for 6 seats, 3 of them kept for nurses: the 3 reserved
    seats go to nurses and the 3 open ones to whoever is faster, never more."""
    from lms.models import Profession
    from tests.factories import RunSeatPoolFactory

    nurse, official = Profession.objects.get(name="看護師"), Profession.objects.get(name="行政職員")
    run = CourseRunFactory(course=course, capacity=6)
    nurses_pool = RunSeatPoolFactory(run=run, seats=3, professions=[nurse])
    people = UserFactory.create_batch(20, profession=official) + UserFactory.create_batch(
        10, profession=nurse
    )

    with SeatWatcher(run) as watcher:
        outcomes = race(
            [
                lambda person=person: services.enrolment_create(run=run, user=person)
                for person in people
            ]
        )

    assert [o for o in outcomes if not isinstance(o, Enrolment)] == []
    assert max(watcher.counts) <= 6
    seated = Enrolment.objects.filter(run=run, status__in=SEAT_STATUSES)
    assert seated.count() == 6
    assert seated.filter(seat_pool=nurses_pool, user__profession=nurse).count() == 3
    assert seated.filter(seat_pool=nurses_pool).count() == 3
    assert seated.filter(seat_pool=None).count() == 3
    assert by_status(run)[WAITLISTED] == 24


def test_two_staff_marking_the_same_person_at_once_keep_one_record_and_both_changes(course):
    from courses.models import Attendance, AttendanceChange, AttendanceStatus
    from tests.factories import SessionFactory

    run = CourseRunFactory(course=course)
    session = SessionFactory(run=run)
    enrolment = EnrolmentFactory(run=run)
    marks = [AttendanceStatus.PRESENT, AttendanceStatus.LATE] * 4

    outcomes = race(
        [
            lambda status=status: services.attendance_record(
                enrolment=enrolment, session=session, status=status
            )
            for status in marks
        ]
    )

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    record = Attendance.objects.get(enrolment=enrolment, session=session)
    changes = list(AttendanceChange.objects.filter(attendance=record).order_by("pk"))
    # Every change is chained: each old value is the previous new value, the last is the record.
    assert changes[0].old_status == ""
    for before, after in itertools.pairwise(changes):
        assert after.old_status == before.new_status
    assert changes[-1].new_status == record.status


def test_a_double_scan_racing_a_staff_roster_keeps_one_record_and_the_first_arrival(course):
    """Eight scans of the QR code at once (a double tap, two phones) while staff close the
    roster: one record, the person present, never marked absent over their scan."""
    from courses.models import Attendance, AttendanceChange, AttendanceStatus
    from tests.factories import SessionFactory

    run = CourseRunFactory(course=course, starts_on=timezone.localdate())
    now = timezone.now()
    session = SessionFactory(run=run, starts_at=now, ends_at=now + timedelta(hours=2))
    enrolment = EnrolmentFactory(run=run)
    others = [EnrolmentFactory(run=run) for _ in range(3)]

    calls = [
        lambda: services.attendance_check_in(session=session, user=enrolment.user, arrived_at=now)
        for _ in range(8)
    ] + [lambda: services.attendance_mark_rest_absent(session=session)]
    outcomes = race(calls)

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    records = Attendance.objects.filter(session=session)
    assert records.count() == 4
    mine = records.get(enrolment=enrolment)
    # Either the scans came first (present, kept) or the close did (absent, then one scan
    # turned it into present): the person is present either way, with at most two changes.
    assert mine.status == AttendanceStatus.PRESENT
    assert AttendanceChange.objects.filter(attendance=mine).count() <= 2
    assert set(records.exclude(enrolment=enrolment).values_list("status", flat=True)) == {
        AttendanceStatus.ABSENT
    }
    assert len(others) == 3


def test_a_run_locked_by_an_enrolment_leaves_its_course_page_and_other_runs_free(
    course, monkeypatch
):
    """While one run's lock is held (a rush), editors publish the course page and people enrol
    in the course's other runs without waiting: the lock is the run's own row.  Before, the
    lock also took the course page's rows it reads with the run."""
    rushed, other = CourseRunFactory(course=course), CourseRunFactory(course=course)
    in_lock, release = threading.Event(), threading.Event()
    real_give = enrolment_module._give_seat_or_queue

    def held(run, enrolment, now):
        if run.pk == rushed.pk:
            in_lock.set()
            release.wait(timeout=30)
        return real_give(run, enrolment, now)

    monkeypatch.setattr(enrolment_module, "_give_seat_or_queue", held)
    holder = threading.Thread(target=race, args=([lambda: enrol(rushed)],))
    holder.start()
    try:
        assert in_lock.wait(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")  # fail, not hang, if it waits
        page = CoursePage.objects.get(pk=course.pk)
        page.title = "多職種合同研修 地域包括ケア（改訂）"
        page.save_revision().publish()
        assert enrol(other).status == ENROLLED
    finally:
        release.set()
        holder.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert Enrolment.objects.get(run=rushed).status == ENROLLED
    assert CoursePage.objects.get(pk=course.pk).title.endswith("（改訂）")


def enrol(run: CourseRun) -> Enrolment:
    return services.enrolment_create(run=run, user=UserFactory())


def test_locks_on_places_take_only_the_rows_they_mean(course):
    """Every row lock taken by enrolment, moves, reflections and lessons names its own table
    when its query joins others (PostgreSQL locks the rows of every joined table otherwise:
    a learner finishing a lesson locked the run's row, which every enrolment waits for)."""
    from django.test.utils import CaptureQueriesContext

    from lessons.services import lesson_complete
    from tests.lessons.test_lessons import add_lesson

    course.requires_lessons = True
    course.save_revision().publish()
    first, second = CourseRunFactory(course=course), CourseRunFactory(course=course)
    lesson = add_lesson(CoursePage.objects.get(pk=course.pk), "第1回 孤立に気づく")
    person, staff = UserFactory(), UserFactory()

    with CaptureQueriesContext(connection) as captured:
        place = services.enrolment_create(run=first, user=person)
        services.enrolment_move(enrolment=place, to_run=second)
        place = Enrolment.objects.get(user=person, run=second)
        lesson_complete(user=person, lesson=lesson)
        services.reflection_submit(
            enrolment=place,
            text="地域の方とつながる大切さを学びました。次の活動では声かけから始めます。",
        )
        services.reflection_feedback_give(enrolment=place, by=staff, text="ありがとうございます。")

    locking = [q["sql"] for q in captured.captured_queries if " FOR UPDATE" in q["sql"]]
    assert len(locking) >= 5
    too_wide = [sql for sql in locking if " JOIN " in sql and " FOR UPDATE OF " not in sql]
    assert too_wide == []


def test_a_place_completed_by_a_lesson_while_staff_cancel_it_stays_completed(course, monkeypatch):
    """A lesson completes a place (locking only that place) while staff cancel it (locking the
    run): the cancellation waits for the completion and then finds a completed place, which it
    refuses, instead of overwriting the completion with "cancelled" after the completion's
    certificate and survey were already on their way."""
    from lessons.services import lesson_complete
    from tests.lessons.test_lessons import add_lesson

    course.requires_lessons = True
    course.save_revision().publish()
    run = CourseRunFactory(course=course)
    lesson = add_lesson(CoursePage.objects.get(pk=course.pk), "第1回 孤立に気づく")
    person = UserFactory()
    place = services.enrolment_create(run=run, user=person)

    cancelled = _cancel_while_completing(
        place, lambda: lesson_complete(user=person, lesson=lesson), services, monkeypatch
    )

    place.refresh_from_db()
    assert place.status == EnrolmentStatus.COMPLETED
    assert isinstance(cancelled, EnrolmentError)


def test_a_place_completed_by_an_attendance_mark_while_staff_cancel_it_stays_completed(
    home_page, monkeypatch
):
    """The same race for staff marking the last session: the mark has only ever locked the
    place, never the run, so this cancellation overwrote the completion before the session
    that added the place's own lock."""
    from courses.services import attendance as attendance_services
    from tests.courses.helpers import run_with_sessions

    run, (first, last) = run_with_sessions(days_from_today=[-3, -1], min_attendance_percent=100)
    place = EnrolmentFactory(run=run)
    services.attendance_record(enrolment=place, session=first, status="present")

    cancelled = _cancel_while_completing(
        place,
        lambda: services.attendance_record(enrolment=place, session=last, status="present"),
        attendance_services,
        monkeypatch,
    )

    place.refresh_from_db()
    assert place.status == EnrolmentStatus.COMPLETED
    assert isinstance(cancelled, EnrolmentError)


def _cancel_while_completing(place, complete, module, monkeypatch) -> object:
    """Run ``complete`` in a thread and hold its transaction open just after it evaluated the
    place (``module.completion_evaluate``); meanwhile staff cancel the place in another.
    Returns what the cancellation returned or raised."""
    in_lock, release = threading.Event(), threading.Event()
    real_evaluate = module.completion_evaluate

    def held(**kwargs):
        changed = real_evaluate(**kwargs)
        in_lock.set()
        release.wait(timeout=30)  # the completion's transaction is still open
        return changed

    monkeypatch.setattr(module, "completion_evaluate", held)
    completing = threading.Thread(target=race, args=([complete],))
    completing.start()
    assert in_lock.wait(timeout=30)
    cancelled: list[object] = []
    staff = threading.Thread(
        target=lambda: cancelled.extend(
            race([lambda: services.enrolment_cancel(enrolment=place, by_staff=True)])
        )
    )
    staff.start()
    time.sleep(1)  # the cancellation is waiting for the place's lock
    release.set()
    completing.join(timeout=30)
    staff.join(timeout=30)
    return cancelled[0]


def test_check_ins_go_on_while_a_session_change_is_being_announced(course, monkeypatch):
    """The announcement of a change to a later session writes its notices holding the run's
    lock and its sessions' rows; people checking in to today's session (an attendance row
    pointing at a session needs the session's key share) do not wait for it.  With the
    sessions locked ``FOR UPDATE`` they waited for the whole writing."""
    today = timezone.localdate()
    run = CourseRunFactory(course=course, starts_on=today, ends_on=today + timedelta(days=7))
    starts = timezone.now() - timedelta(minutes=5)
    now_session = SessionFactory(run=run, starts_at=starts, ends_at=starts + timedelta(hours=2))
    later = SessionFactory(
        run=run, starts_at=starts + timedelta(days=2), ends_at=starts + timedelta(days=2, hours=2)
    )
    services.session_changes_announce(run=run)
    person = UserFactory()
    services.enrolment_create(run=run, user=person, by_staff=True)
    Session.objects.filter(pk=later.pk).update(venue=VenueFactory())
    with _announcement_held_at(sessions_module, "_notices_queue", monkeypatch, run):
        record = services.attendance_check_in(
            session=Session.objects.get(pk=now_session.pk), user=person, arrived_at=timezone.now()
        )
    assert record.status in (AttendanceStatus.PRESENT, AttendanceStatus.LATE)
    assert OutboundEmail.objects.filter(template="courses/email/session_changed").count() == 1


@contextlib.contextmanager
def _announcement_held_at(module, name: str, monkeypatch, run):
    """Announce ``run``'s session changes in a thread held inside ``module.name`` (while it
    renders, or while it writes under the locks) for as long as the block runs; the block's
    statements fail after 3 s of waiting for a lock instead of hanging."""
    reached, release = threading.Event(), threading.Event()
    real = getattr(module, name)

    def held(*args, **kwargs):
        reached.set()
        release.wait(timeout=30)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, held)
    outcome: list[object] = []
    announcer = threading.Thread(
        target=lambda: outcome.extend(race([lambda: services.session_changes_announce(run=run)]))
    )
    announcer.start()
    try:
        assert reached.wait(timeout=30), outcome
        with connection.cursor() as cursor:
            cursor.execute("SET lock_timeout = '3s'")
        yield
    finally:
        release.set()
        announcer.join(timeout=30)
        with connection.cursor() as cursor:
            cursor.execute("RESET lock_timeout")
    assert not announcer.is_alive()
    assert not isinstance(outcome[0], Exception), outcome[0]


def test_enrolments_in_the_run_go_on_while_a_session_change_is_being_rendered(course, monkeypatch):
    """A whole run's notices take seconds to render; they are rendered before the run is
    locked, so a person enrolling meanwhile gets their seat at once (with the run locked
    while rendering, they waited for all of it), and the notices, made again under the lock
    as the run changed, include them."""
    run = CourseRunFactory(course=course, capacity=5)
    session = SessionFactory(run=run)
    services.session_changes_announce(run=run)
    first = UserFactory()
    services.enrolment_create(run=run, user=first)
    Session.objects.filter(pk=session.pk).update(venue=VenueFactory())
    newcomer = UserFactory()

    with _announcement_held_at(sessions_module, "_notices_render", monkeypatch, run):
        place = services.enrolment_create(run=run, user=newcomer)

    assert place.status == EnrolmentStatus.ENROLLED
    told = OutboundEmail.objects.filter(template="courses/email/session_changed")
    assert sorted(told.values_list("recipient", flat=True)) == sorted([first.email, newcomer.email])

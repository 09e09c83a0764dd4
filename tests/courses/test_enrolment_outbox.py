"""An enrolment and its confirmation email are written in one transaction: both exist or
neither does, and the email is handed to the worker only after commit.  The email is rendered
before the run lock is taken, so the lock covers only the check and the two inserts; if the
run's sessions changed meanwhile, the invites are made again from the current ones.

Only the email of the outcome foreseen from the run before the lock is rendered (a seat with
its invites, or the waiting list); when the forecast misses, the right one is rendered under
the lock, so each person still gets exactly the email of what they got."""

from __future__ import annotations

import datetime as dt
import threading

import icalendar
import pytest
from django.db import IntegrityError, connection
from django.utils import timezone

from courses import services
from courses.models import CourseRun, Enrolment, EnrolmentStatus
from courses.services import enrolment as enrolment_module
from lms import notifications
from lms.models import OutboundEmail, OutboundEmailStatus, Profession
from tests.factories import (
    CourseRunFactory,
    EnrolmentFactory,
    RunSeatPoolFactory,
    SessionFactory,
    UserFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("home_page")]


@pytest.fixture
def enqueued(monkeypatch) -> list[tuple[str, list[int]]]:
    """The tasks handed to the worker, as (task, message ids) (the broker is outside this
    test: only the hand-over is recorded)."""
    tasks: list[tuple[str, list[int]]] = []
    monkeypatch.setattr(
        notifications, "async_task", lambda task, ids, **kw: tasks.append((task, ids))
    )
    return tasks


@pytest.fixture
def run():
    run = CourseRunFactory(capacity=1)
    SessionFactory(run=run)
    SessionFactory(
        run=run, starts_at=SessionFactory.build(run=run).starts_at + dt.timedelta(days=1)
    )
    return run


def _emails(user) -> list[OutboundEmail]:
    return list(OutboundEmail.objects.filter(recipient=user.email).order_by("pk"))


def _templates(user) -> list[str]:
    return [e.template.removeprefix("courses/email/") for e in _emails(user)]


@pytest.fixture
def renders(monkeypatch) -> list[tuple[str, str]]:
    """Every notice ``enrolment_create`` renders, as (recipient, template), in order: a spy
    that hands each call on to the real renderer."""
    seen: list[tuple[str, str]] = []
    real_render = enrolment_module._notices_render

    def spy(enrolment, template, **kwargs):
        seen.append((enrolment.user.email, template))
        return real_render(enrolment, template, **kwargs)

    monkeypatch.setattr(enrolment_module, "_notices_render", spy)
    return seen


def _before_the_lock(monkeypatch, meanwhile) -> None:
    """Run ``meanwhile`` (someone else's change) after the email is rendered and just before
    the request takes the run lock."""
    real_lock = enrolment_module._lock_run

    def lock(run_id):
        monkeypatch.setattr(enrolment_module, "_lock_run", real_lock)  # once
        meanwhile()
        return real_lock(run_id)

    monkeypatch.setattr(enrolment_module, "_lock_run", lock)


def test_a_seat_and_its_emails_are_written_together_and_sent_after_commit(
    run, enqueued, django_capture_on_commit_callbacks
):
    person = UserFactory()

    with django_capture_on_commit_callbacks() as callbacks:
        enrolment = services.enrolment_create(run=run, user=person)
        # Inside the transaction: the rows are there, nothing has been handed to the worker.
        emails = _emails(person)
        assert Enrolment.objects.get(pk=enrolment.pk).status == EnrolmentStatus.ENROLLED
        assert [e.template for e in emails] == [
            "courses/email/enrolled",
            "courses/email/session_invite",
            "courses/email/session_invite",
        ]
        assert {e.status for e in emails} == {OutboundEmailStatus.QUEUED}
        assert run.course.title in emails[0].subject
        assert all(e.calendar_method == "REQUEST" for e in emails[1:])
        assert enqueued == []

    for callback in callbacks:
        callback()
    # One task for the three: the broker's row and the worker's fetch are not paid per email.
    assert enqueued == [("lms.tasks.deliver_emails", [e.pk for e in emails])]


@pytest.mark.parametrize("outcome", ["waitlisted", "pending"])
def test_a_waiting_place_or_a_request_and_its_email_are_written_together(
    run, outcome, django_capture_on_commit_callbacks
):
    if outcome == "waitlisted":
        services.enrolment_create(run=run, user=UserFactory())  # the only seat
    else:
        run.requires_approval = True
        run.save()
    person = UserFactory()

    with django_capture_on_commit_callbacks():
        enrolment = services.enrolment_create(run=run, user=person)
        assert enrolment.status == outcome
        assert [e.template for e in _emails(person)] == [f"courses/email/{outcome}"]
        assert _emails(person)[0].calendar == ""


def test_when_writing_the_emails_fails_no_place_is_taken(
    run, monkeypatch, django_capture_on_commit_callbacks
):
    """Fault injection: the outbox insert (one statement for the confirmation and its invites)
    fails; the enrolment is rolled back with it and the seat stays free."""
    written: list[list[str]] = []

    def failing_insert(rows, *args, **kwargs):
        written.append([row.template for row in rows])
        raise IntegrityError("outbox insert failed")

    monkeypatch.setattr(OutboundEmail.objects, "bulk_create", failing_insert)
    person = UserFactory()

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(IntegrityError):
        services.enrolment_create(run=run, user=person)

    assert written == [["courses/email/enrolled"] + ["courses/email/session_invite"] * 2]
    assert not Enrolment.objects.filter(user=person).exists()
    assert _emails(person) == []
    assert callbacks == []  # nothing left to hand to the worker
    monkeypatch.undo()
    other = UserFactory()
    assert services.enrolment_create(run=run, user=other).status == EnrolmentStatus.ENROLLED


def test_a_cancellation_and_the_offer_it_frees_are_written_with_it(
    run, enqueued, django_capture_on_commit_callbacks
):
    """The notices of a change other than a new place (here a cancellation, and the offer of
    the seat it frees) are in the outbox inside the change's transaction too: a worker stopping
    after the commit cannot lose them."""
    person, waiting = UserFactory(), UserFactory()
    place = services.enrolment_create(run=run, user=person)
    services.enrolment_create(run=run, user=waiting)
    sent_before = {user: len(_emails(user)) for user in (person, waiting)}

    with django_capture_on_commit_callbacks() as callbacks:
        services.enrolment_cancel(enrolment=place)
        cancelled = _emails(person)[sent_before[person] :]
        offered = _emails(waiting)[sent_before[waiting] :]
        assert [e.template for e in cancelled] == [
            "courses/email/cancelled",
            "courses/email/session_invite",
            "courses/email/session_invite",
        ]
        assert {e.calendar_method for e in cancelled[1:]} == {"CANCEL"}
        assert [e.template for e in offered] == ["courses/email/offered"]
        assert enqueued == []

    for callback in callbacks:
        callback()
    assert [ids for _task, ids in enqueued] == [
        [e.pk for e in cancelled],
        [e.pk for e in offered],
    ]


def test_when_a_cancellation_notice_cannot_be_written_the_place_is_kept(
    run, monkeypatch, django_capture_on_commit_callbacks
):
    """Fault injection: the outbox insert fails while a place is cancelled.  The person keeps
    their seat, the person waiting is not offered it, and the sessions' revisions (raised by a
    personal CANCEL) are as they were: nothing half done."""
    person, waiting = UserFactory(), UserFactory()
    place = services.enrolment_create(run=run, user=person)
    second = services.enrolment_create(run=run, user=waiting)
    sequences = list(run.sessions.order_by("pk").values_list("sequence", flat=True))

    def failing_insert(rows, *args, **kwargs):
        raise IntegrityError("outbox insert failed")

    monkeypatch.setattr(OutboundEmail.objects, "bulk_create", failing_insert)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(IntegrityError):
        services.enrolment_cancel(enrolment=place)

    assert Enrolment.objects.get(pk=place.pk).status == EnrolmentStatus.ENROLLED
    assert Enrolment.objects.get(pk=second.pk).status == EnrolmentStatus.WAITLISTED
    assert list(run.sessions.order_by("pk").values_list("sequence", flat=True)) == sequences
    assert callbacks == []
    monkeypatch.undo()
    services.enrolment_cancel(enrolment=place)
    assert Enrolment.objects.get(pk=second.pk).status == EnrolmentStatus.OFFERED


def test_the_email_is_rendered_before_the_run_lock_is_taken(run, monkeypatch):
    events: list[str] = []
    real_render, real_lock = enrolment_module._notices_render, enrolment_module._lock_run

    def render(enrolment, template, **kwargs):
        events.append(f"render {template}")
        return real_render(enrolment, template, **kwargs)

    def lock(run_id):
        events.append("lock")
        return real_lock(run_id)

    monkeypatch.setattr(enrolment_module, "_notices_render", render)
    monkeypatch.setattr(enrolment_module, "_lock_run", lock)

    services.enrolment_create(run=run, user=UserFactory())

    assert events == ["render enrolled", "lock"]


def test_invites_follow_a_session_changed_between_rendering_and_the_lock(run, monkeypatch):
    session = run.sessions.order_by("starts_at").first()
    real_lock = enrolment_module._lock_run

    def staff_move_the_session_then_lock(run_id):
        session.starts_at += dt.timedelta(hours=3)
        session.ends_at += dt.timedelta(hours=3)
        session.save()
        return real_lock(run_id)

    monkeypatch.setattr(enrolment_module, "_lock_run", staff_move_the_session_then_lock)
    person = UserFactory()

    services.enrolment_create(run=run, user=person)

    def stamp(moment):
        return f"DTSTART;TZID=Asia/Tokyo:{timezone.localtime(moment).strftime('%Y%m%dT%H%M%S')}"

    invites = [e.calendar for e in _emails(person) if e.calendar]
    starts = [line for c in invites for line in c.splitlines() if line.startswith("DTSTART;")]
    assert len(invites) == 2
    assert stamp(session.starts_at) in starts, starts
    assert stamp(session.starts_at - dt.timedelta(hours=3)) not in starts, starts


def test_with_a_free_seat_only_the_seat_email_is_rendered(run, renders):
    person = UserFactory()

    enrolment = services.enrolment_create(run=run, user=person)

    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert renders == [(person.email, "enrolled")]
    assert _templates(person) == ["enrolled", "session_invite", "session_invite"]
    assert [e.calendar_method for e in _emails(person)] == ["", "REQUEST", "REQUEST"]


def test_on_a_full_run_only_the_waiting_list_email_is_rendered(run, renders):
    EnrolmentFactory(run=run)  # the only seat
    person = UserFactory()

    enrolment = services.enrolment_create(run=run, user=person)

    assert enrolment.status == EnrolmentStatus.WAITLISTED
    assert renders == [(person.email, "waitlisted")]
    assert _templates(person) == ["waitlisted"]
    assert _emails(person)[0].calendar == ""


def test_a_free_seat_someone_waiting_can_take_is_foreseen_as_theirs(run, renders):
    """Staff added a seat while someone waits: the seat is offered to them, so the newcomer
    is foreseen (rightly) on the waiting list, behind them."""
    EnrolmentFactory(run=run)
    waiting = EnrolmentFactory(run=run, status=EnrolmentStatus.WAITLISTED)
    run.capacity = 2
    run.save()
    person = UserFactory()

    enrolment = services.enrolment_create(run=run, user=person)

    assert enrolment.status == EnrolmentStatus.WAITLISTED
    waiting.refresh_from_db()
    assert waiting.status == EnrolmentStatus.OFFERED
    assert renders == [(person.email, "waitlisted")]
    assert _templates(person) == ["waitlisted"]


@pytest.mark.parametrize("how", ["the seat is taken before the lock", "a forced forecast"])
def test_a_seat_foreseen_but_gone_under_the_lock_sends_the_waiting_list_email_only(
    run, renders, monkeypatch, how, django_capture_on_commit_callbacks
):
    if how == "the seat is taken before the lock":
        _before_the_lock(monkeypatch, lambda: EnrolmentFactory(run=run))
    else:
        EnrolmentFactory(run=run)
        monkeypatch.setattr(enrolment_module, "_seat_foreseen", lambda *args: True)
    person = UserFactory()

    with django_capture_on_commit_callbacks():
        enrolment = services.enrolment_create(run=run, user=person)

    assert enrolment.status == EnrolmentStatus.WAITLISTED
    # The seat email (foreseen) was rendered and dropped; the waiting-list one, under the lock.
    assert renders == [(person.email, "enrolled"), (person.email, "waitlisted")]
    assert _templates(person) == ["waitlisted"]
    assert _emails(person)[0].calendar == ""


def test_a_seat_freed_before_the_lock_gets_the_seat_email_with_current_invites(
    run, renders, monkeypatch
):
    holder = EnrolmentFactory(run=run)
    session = run.sessions.order_by("starts_at").first()

    def cancel_and_rename_a_session():
        services.enrolment_cancel(enrolment=holder)
        session.title = "会場変更のお知らせあり"
        session.save()

    _before_the_lock(monkeypatch, cancel_and_rename_a_session)
    person = UserFactory()

    enrolment = services.enrolment_create(run=run, user=person)

    assert enrolment.status == EnrolmentStatus.ENROLLED
    assert renders[0] == (person.email, "waitlisted")
    assert renders[1:] == [(person.email, "enrolled")]
    assert _templates(person) == ["enrolled", "session_invite", "session_invite"]
    # Parsed: a long SUMMARY line is folded every 75 octets, wherever the factory's numbered
    # titles put the fold.
    summaries = [
        str(event["SUMMARY"])
        for email in _emails(person)
        if email.calendar
        for event in icalendar.Calendar.from_ical(email.calendar).walk("VEVENT")
    ]
    assert any("会場変更のお知らせあり" in summary for summary in summaries)


@pytest.fixture
def two_pools(run):
    """Two seats, one kept for nurses and one for social workers; a nurse has taken hers."""
    nurse = Profession.objects.get(name="看護師")
    social_worker = Profession.objects.get(name="社会福祉士")
    run.capacity = 2
    run.save()
    nurses = RunSeatPoolFactory(run=run, seats=1, professions=[nurse])
    welfare = RunSeatPoolFactory(run=run, seats=1, professions=[social_worker])
    EnrolmentFactory(run=run, seat_pool=nurses, user=UserFactory(profession=nurse))
    return {"nurse": nurse, "social_worker": social_worker, "official": None}, welfare


@pytest.mark.parametrize(
    ("profession", "outcome"),
    [
        ("nurse", EnrolmentStatus.WAITLISTED),  # her pool is full, the free seat is not hers
        ("official", EnrolmentStatus.WAITLISTED),  # no pool and no open seat
        ("social_worker", EnrolmentStatus.ENROLLED),  # the free seat is kept for her
    ],
)
def test_seats_kept_per_profession_are_foreseen_for_that_profession(
    run, two_pools, renders, profession, outcome
):
    professions, welfare = two_pools
    person = UserFactory(profession=professions[profession])

    enrolment = services.enrolment_create(run=run, user=person)

    assert enrolment.status == outcome
    assert renders == [(person.email, outcome)]
    if outcome == EnrolmentStatus.ENROLLED:
        assert enrolment.seat_pool == welfare
        assert _templates(person) == ["enrolled", "session_invite", "session_invite"]
    else:
        assert _templates(person) == ["waitlisted"]


@pytest.mark.parametrize("by_staff", [False, True])
def test_a_run_that_needs_approval_renders_the_request_or_for_staff_the_seat(
    run, renders, by_staff
):
    run.requires_approval = True
    run.save()
    person = UserFactory()

    enrolment = services.enrolment_create(run=run, user=person, by_staff=by_staff)

    outcome = EnrolmentStatus.ENROLLED if by_staff else EnrolmentStatus.PENDING
    assert enrolment.status == outcome
    assert renders == [(person.email, outcome)]
    assert _templates(person)[0] == outcome


def test_a_closed_run_renders_nothing(run, renders):
    run.enrolment_closes_at = timezone.now() - dt.timedelta(minutes=1)
    run.save()
    person = UserFactory()

    with pytest.raises(services.EnrolmentError):
        services.enrolment_create(run=run, user=person)

    assert renders == []
    assert _emails(person) == []
    assert not Enrolment.objects.filter(user=person).exists()


def test_the_forecast_reads_the_waiting_list_only_when_a_seat_is_free(
    run, django_assert_num_queries
):
    """Seat pools and the seats taken: two queries on a full run, whatever its waiting list;
    the waiting list is a third one, read only when a seat is free."""
    EnrolmentFactory(run=run)
    EnrolmentFactory.create_batch(3, run=run, status=EnrolmentStatus.WAITLISTED)
    person = UserFactory()

    with django_assert_num_queries(2):
        assert enrolment_module._seat_foreseen(run, person, timezone.now()) is False
    CourseRun.objects.filter(pk=run.pk).update(capacity=5)
    run = CourseRun.objects.select_related("course").get(pk=run.pk)
    with django_assert_num_queries(3):
        # Three seats go to the people waiting; one is left for the newcomer.
        assert enrolment_module._seat_foreseen(run, person, timezone.now()) is True


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_rush_for_few_seats_gives_everyone_the_one_email_of_what_they_got(home_page, renders):
    """Ten people race for three seats: most foresee a seat that is gone by the time they get
    the lock.  Each still gets exactly the email of their outcome, the seated ones with the
    invites of the run's two sessions."""
    run = CourseRunFactory(capacity=3)
    SessionFactory(run=run)
    SessionFactory(
        run=run, starts_at=SessionFactory.build(run=run).starts_at + dt.timedelta(days=1)
    )
    people = UserFactory.create_batch(10)
    barrier, outcomes = threading.Barrier(len(people)), {}

    def enrol(person):
        try:
            connection.ensure_connection()
            barrier.wait(timeout=30)
            outcomes[person.email] = services.enrolment_create(run=run, user=person).status
        finally:
            connection.close()

    threads = [threading.Thread(target=enrol, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert sorted(outcomes.values()) == ["enrolled"] * 3 + ["waitlisted"] * 7
    for person in people:
        if outcomes[person.email] == EnrolmentStatus.ENROLLED:
            assert _templates(person) == ["enrolled", "session_invite", "session_invite"]
        else:
            assert _templates(person) == ["waitlisted"]
        # The last render for each person is the email they got.
        assert [t for e, t in renders if e == person.email][-1] == outcomes[person.email]

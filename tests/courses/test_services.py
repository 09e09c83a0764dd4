"""courses.services: enrolment, the fair waiting list, offers, approval, and the emails they send.

Every refusal is checked twice: the EnrolmentError, and that the database is exactly as before.
"""

import datetime as dt
from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from courses import services
from courses.models import (
    SEAT_STATUSES,
    CourseIndexPage,
    CoursePage,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    RunStatus,
)
from courses.services import EnrolmentError
from lms.models import OutboundEmail
from tests.courses.helpers import notices_fail_for_run
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

ENROLLED = EnrolmentStatus.ENROLLED
WAITLISTED = EnrolmentStatus.WAITLISTED
OFFERED = EnrolmentStatus.OFFERED
PENDING = EnrolmentStatus.PENDING
CANCELLED = EnrolmentStatus.CANCELLED
REJECTED = EnrolmentStatus.REJECTED


# --- Building data ---------------------------------------------------------------------------


@pytest.fixture
def course(home_page) -> CoursePage:
    index = CourseIndexPage(title="研修・講座", slug="courses")
    home_page.add_child(instance=index)
    index.save_revision().publish()
    page = CoursePage(
        title="地域防災リーダー養成講座",
        slug="bousai-leader",
        summary="多職種で地域の防災を考える合同研修です。",
    )
    index.add_child(instance=page)
    page.save_revision().publish()
    return page


def make_run(course: CoursePage, **fields) -> CourseRun:
    """A run whose enrolment window is open now, starting in a month."""
    now = timezone.now()
    today = timezone.localdate()
    defaults = {
        "title": "2026年度 第1期",
        "starts_on": today + timedelta(days=30),
        "ends_on": today + timedelta(days=31),
        "capacity": 2,
        "enrolment_opens_at": now - timedelta(days=1),
        "enrolment_closes_at": now + timedelta(days=20),
    }
    return CourseRun.objects.create(course=course, **{**defaults, **fields})


def place(run: CourseRun, status: str, user=None, **fields) -> Enrolment:
    """An enrolment row written directly, to set the scene without going through the rules."""
    if status == WAITLISTED:
        fields.setdefault("waitlisted_at", timezone.now())
    if status == OFFERED:
        fields.setdefault("waitlisted_at", timezone.now() - timedelta(days=1))
        fields.setdefault("offer_expires_at", timezone.now() + timedelta(hours=run.offer_hours))
    return Enrolment.objects.create(run=run, user=user or UserFactory(), status=status, **fields)


def snapshot(run: CourseRun) -> list[tuple]:
    """Everything the rules may change about a run's enrolments."""
    return list(
        Enrolment.objects.filter(run=run)
        .order_by("pk")
        .values_list(
            "pk", "user_id", "status", "waitlisted_at", "offer_expires_at", "decision_reason"
        )
    )


def statuses(run: CourseRun) -> dict[int, str]:
    return dict(Enrolment.objects.filter(run=run).values_list("user_id", "status"))


def seats_taken(run: CourseRun) -> int:
    return Enrolment.objects.filter(run=run, status__in=SEAT_STATUSES).count()


@pytest.fixture
def run(course) -> CourseRun:
    return make_run(course)


# --- enrolment_create ------------------------------------------------------------------------


def test_enrolment_create_gives_a_seat_when_one_is_free(run):
    person = UserFactory()

    enrolment = services.enrolment_create(run=run, user=person)

    stored = Enrolment.objects.get(pk=enrolment.pk)
    assert (stored.run, stored.user, stored.status) == (run, person, ENROLLED)
    assert stored.waitlisted_at is None
    assert stored.offer_expires_at is None


def test_places_are_not_written_to_wagtails_reference_index(run):
    """A run's people are on its roster, not its "usage": indexing them cost four statements
    per write of a place."""
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex

    enrolment = services.enrolment_create(run=run, user=UserFactory())
    services.enrolment_cancel(enrolment=enrolment)
    kind = ContentType.objects.get_for_model(type(enrolment))
    assert not ReferenceIndex.objects.filter(content_type=kind).exists()


def test_enrolment_create_puts_people_on_the_waiting_list_in_order_when_full(run):
    seated = [services.enrolment_create(run=run, user=UserFactory()) for _ in range(2)]
    start = timezone.now()
    waiting = [
        services.enrolment_create(run=run, user=UserFactory(), now=start + timedelta(seconds=n))
        for n in range(3)
    ]

    assert [e.status for e in seated] == [ENROLLED, ENROLLED]
    queue = list(
        Enrolment.objects.filter(run=run, status=WAITLISTED).order_by("waitlisted_at", "pk")
    )
    assert [e.pk for e in queue] == [e.pk for e in waiting]
    assert [e.waitlisted_at for e in queue] == [start + timedelta(seconds=n) for n in range(3)]
    assert seats_taken(run) == run.capacity


def test_enrolment_create_never_lets_a_newcomer_jump_a_waiting_person(run):
    """Staff added a seat while someone waits: the seat is offered to them, not given to the
    newcomer."""
    place(run, ENROLLED)
    place(run, ENROLLED)
    waiting = place(run, WAITLISTED, waitlisted_at=timezone.now() - timedelta(hours=1))
    run.capacity = 3
    run.save()

    newcomer = services.enrolment_create(run=run, user=UserFactory())

    assert newcomer.status == WAITLISTED
    assert newcomer.waitlisted_at > waiting.waitlisted_at
    assert Enrolment.objects.get(pk=waiting.pk).status == OFFERED


def test_enrolment_create_never_lets_a_newcomer_take_a_seat_on_offer(run):
    first = services.enrolment_create(run=run, user=UserFactory())
    services.enrolment_create(run=run, user=UserFactory())
    waiting = services.enrolment_create(run=run, user=UserFactory())
    services.enrolment_cancel(enrolment=first)
    assert Enrolment.objects.get(pk=waiting.pk).status == OFFERED

    newcomer = services.enrolment_create(run=run, user=UserFactory())

    assert newcomer.status == WAITLISTED
    assert seats_taken(run) == run.capacity


def test_enrolment_create_makes_a_pending_request_when_the_run_needs_approval(course):
    run = make_run(course, requires_approval=True)

    enrolment = services.enrolment_create(run=run, user=UserFactory())

    stored = Enrolment.objects.get(pk=enrolment.pk)
    assert stored.status == PENDING
    assert stored.waitlisted_at is None
    assert seats_taken(run) == 0


@pytest.mark.parametrize(
    "window",
    [
        pytest.param({"opens": 1, "closes": 5}, id="before-it-opens"),
        pytest.param({"opens": -5, "closes": -1}, id="after-it-closes"),
    ],
)
def test_enrolment_create_refuses_outside_the_window_and_changes_nothing(
    course, window, django_capture_on_commit_callbacks
):
    now = timezone.now()
    run = make_run(
        course,
        enrolment_opens_at=now + timedelta(days=window["opens"]),
        enrolment_closes_at=now + timedelta(days=window["closes"]),
    )
    place(run, ENROLLED)
    before = snapshot(run)
    person = UserFactory()

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(EnrolmentError):
        services.enrolment_create(run=run, user=person)

    assert snapshot(run) == before
    assert callbacks == []


def test_enrolment_create_refuses_a_cancelled_run_and_changes_nothing(
    course, django_capture_on_commit_callbacks
):
    run = make_run(course, status=RunStatus.CANCELLED)
    person = UserFactory()

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(EnrolmentError):
        services.enrolment_create(run=run, user=person)

    assert not Enrolment.objects.filter(run=run).exists()
    assert callbacks == []


@pytest.mark.parametrize("status", [ENROLLED, WAITLISTED, OFFERED, PENDING])
def test_enrolment_create_refuses_a_second_place_for_the_same_person(run, status):
    person = UserFactory()
    place(run, status, user=person)
    before = snapshot(run)

    with pytest.raises(EnrolmentError, match="すでに申し込んで"):
        services.enrolment_create(run=run, user=person)

    assert snapshot(run) == before


def test_enrolment_constraint_allows_one_active_place_per_person_even_without_the_service(run):
    person = UserFactory()
    place(run, ENROLLED, user=person)

    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            run=run, user=person, status=WAITLISTED, waitlisted_at=timezone.now()
        )

    assert Enrolment.objects.filter(run=run, user=person).count() == 1


def test_enrolment_constraint_keeps_any_number_of_cancelled_places_beside_an_active_one(run):
    person = UserFactory()
    place(run, CANCELLED, user=person)
    place(run, REJECTED, user=person)
    place(run, ENROLLED, user=person)

    assert Enrolment.objects.filter(run=run, user=person).count() == 3


def test_enrolment_create_accepts_a_person_who_cancelled_before(run):
    person = UserFactory()
    first = services.enrolment_create(run=run, user=person)
    services.enrolment_cancel(enrolment=first)

    again = services.enrolment_create(run=run, user=person)

    assert again.pk != first.pk
    assert Enrolment.objects.get(pk=again.pk).status == ENROLLED
    assert Enrolment.objects.get(pk=first.pk).status == CANCELLED


# --- enrolment_cancel ------------------------------------------------------------------------


def test_enrolment_cancel_frees_the_seat_and_offers_it_to_the_first_person_waiting(course):
    run = make_run(course, capacity=1, offer_hours=24)
    seated = place(run, ENROLLED)
    first = place(run, WAITLISTED, waitlisted_at=timezone.now() - timedelta(hours=2))
    second = place(run, WAITLISTED, waitlisted_at=timezone.now() - timedelta(hours=1))
    now = timezone.now()

    cancelled = services.enrolment_cancel(enrolment=seated, now=now)

    assert cancelled.status == CANCELLED
    assert Enrolment.objects.get(pk=seated.pk).status == CANCELLED
    offered = Enrolment.objects.get(pk=first.pk)
    assert offered.status == OFFERED
    assert offered.offer_expires_at == now + timedelta(hours=24)
    assert Enrolment.objects.get(pk=second.pk).status == WAITLISTED
    assert seats_taken(run) == 1


def test_enrolment_cancel_of_a_waiting_place_offers_nothing(course):
    run = make_run(course, capacity=1)
    place(run, ENROLLED)
    first = place(run, WAITLISTED, waitlisted_at=timezone.now() - timedelta(hours=2))
    second = place(run, WAITLISTED, waitlisted_at=timezone.now() - timedelta(hours=1))

    services.enrolment_cancel(enrolment=first)

    assert Enrolment.objects.get(pk=first.pk).status == CANCELLED
    assert Enrolment.objects.get(pk=second.pk).status == WAITLISTED
    assert seats_taken(run) == 1


def test_enrolment_cancel_after_the_deadline_is_refused_for_the_participant(course):
    now = timezone.now()
    run = make_run(course, cancellation_deadline=now - timedelta(hours=1))
    seated = place(run, ENROLLED)
    place(run, ENROLLED)
    place(run, WAITLISTED)
    before = snapshot(run)

    with pytest.raises(EnrolmentError, match="キャンセル期限"):
        services.enrolment_cancel(enrolment=seated, now=now)

    assert snapshot(run) == before


def test_enrolment_cancel_before_the_deadline_is_allowed_for_the_participant(course):
    now = timezone.now()
    run = make_run(course, cancellation_deadline=now + timedelta(hours=1))
    seated = place(run, ENROLLED)

    services.enrolment_cancel(enrolment=seated, now=now)

    assert Enrolment.objects.get(pk=seated.pk).status == CANCELLED


def test_enrolment_cancel_after_the_deadline_is_allowed_for_staff(course):
    now = timezone.now()
    run = make_run(course, capacity=1, cancellation_deadline=now - timedelta(hours=1))
    seated = place(run, ENROLLED)
    waiting = place(run, WAITLISTED)

    services.enrolment_cancel(enrolment=seated, by_staff=True, now=now)

    assert Enrolment.objects.get(pk=seated.pk).status == CANCELLED
    assert Enrolment.objects.get(pk=waiting.pk).status == OFFERED


def test_enrolment_cancel_after_the_deadline_still_lets_people_leave_the_waiting_list(course):
    now = timezone.now()
    run = make_run(course, capacity=1, cancellation_deadline=now - timedelta(hours=1))
    place(run, ENROLLED)
    waiting = place(run, WAITLISTED)

    services.enrolment_cancel(enrolment=waiting, now=now)

    assert Enrolment.objects.get(pk=waiting.pk).status == CANCELLED


def test_enrolment_cancel_twice_is_refused(course):
    run = make_run(course, capacity=1)
    seated = place(run, ENROLLED)
    waiting = place(run, WAITLISTED)
    services.enrolment_cancel(enrolment=seated)
    before = snapshot(run)

    with pytest.raises(EnrolmentError):
        services.enrolment_cancel(enrolment=seated)

    assert snapshot(run) == before
    assert Enrolment.objects.filter(run=run, status=OFFERED).get().pk == waiting.pk


# --- offer_accept / offer_decline ------------------------------------------------------------


@pytest.fixture
def offered_run(course):
    """A full run of one seat whose holder has cancelled: the first of two waiting people holds
    an offer that expires in 48 hours."""
    run = make_run(course, capacity=1, offer_hours=48)
    seated = place(run, ENROLLED)
    first = place(run, WAITLISTED, waitlisted_at=timezone.now() - timedelta(hours=2))
    second = place(run, WAITLISTED, waitlisted_at=timezone.now() - timedelta(hours=1))
    services.enrolment_cancel(enrolment=seated)
    offer = Enrolment.objects.get(pk=first.pk)
    assert offer.status == OFFERED
    return run, offer, Enrolment.objects.get(pk=second.pk)


def test_offer_accept_before_expiry_gives_the_seat(offered_run):
    run, offer, second = offered_run

    services.offer_accept(enrolment=offer, user=offer.user)

    stored = Enrolment.objects.get(pk=offer.pk)
    assert stored.status == ENROLLED
    assert stored.offer_expires_at is None
    assert Enrolment.objects.get(pk=second.pk).status == WAITLISTED
    assert seats_taken(run) == 1


def test_offer_accept_after_expiry_is_refused_and_changes_nothing(offered_run):
    run, offer, _second = offered_run
    before = snapshot(run)

    with pytest.raises(EnrolmentError, match="回答期限"):
        services.offer_accept(
            enrolment=offer, user=offer.user, now=offer.offer_expires_at + timedelta(seconds=1)
        )

    assert snapshot(run) == before


def test_offer_accept_of_someone_elses_offer_is_refused(offered_run):
    run, offer, second = offered_run
    before = snapshot(run)

    with pytest.raises(EnrolmentError):
        services.offer_accept(enrolment=offer, user=second.user)
    with pytest.raises(EnrolmentError):
        services.offer_decline(enrolment=offer, user=second.user)

    assert snapshot(run) == before


def test_offer_accept_without_an_offer_is_refused(offered_run):
    run, _offer, second = offered_run
    before = snapshot(run)

    with pytest.raises(EnrolmentError):
        services.offer_accept(enrolment=second, user=second.user)

    assert snapshot(run) == before


def test_offer_decline_passes_the_seat_to_the_next_person(offered_run):
    run, offer, second = offered_run
    now = timezone.now()

    services.offer_decline(enrolment=offer, user=offer.user, now=now)

    assert Enrolment.objects.get(pk=offer.pk).status == CANCELLED
    passed_on = Enrolment.objects.get(pk=second.pk)
    assert passed_on.status == OFFERED
    assert passed_on.offer_expires_at == now + timedelta(hours=run.offer_hours)
    assert seats_taken(run) == 1


def test_offer_decline_after_the_offer_was_accepted_is_refused(offered_run):
    """A second tab still shows the offer: declining there must not cancel the seat that was
    accepted in the first tab."""
    run, offer, _second = offered_run
    stale_offer = Enrolment.objects.get(pk=offer.pk)
    services.offer_accept(enrolment=offer, user=offer.user)
    before = snapshot(run)

    with pytest.raises(EnrolmentError):
        services.offer_decline(enrolment=stale_offer, user=offer.user)

    assert snapshot(run) == before
    assert Enrolment.objects.get(pk=offer.pk).status == ENROLLED


# --- offers_expire ---------------------------------------------------------------------------


def test_offers_expire_cancels_expired_offers_with_a_reason_and_offers_the_seat_on(offered_run):
    run, offer, second = offered_run
    later = offer.offer_expires_at + timedelta(minutes=1)

    expired = services.offers_expire(now=later)

    assert expired == 1
    lapsed = Enrolment.objects.get(pk=offer.pk)
    assert lapsed.status == CANCELLED
    assert lapsed.decision_reason
    passed_on = Enrolment.objects.get(pk=second.pk)
    assert passed_on.status == OFFERED
    assert passed_on.offer_expires_at == later + timedelta(hours=run.offer_hours)
    assert seats_taken(run) == 1


def test_offers_expire_twice_changes_nothing_more(offered_run):
    run, offer, _second = offered_run
    later = offer.offer_expires_at + timedelta(minutes=1)
    services.offers_expire(now=later)
    after_first = snapshot(run)

    assert services.offers_expire(now=later) == 0
    assert snapshot(run) == after_first


def test_one_run_whose_notice_fails_does_not_hold_up_the_seat_offers_job(
    course, offered_run, monkeypatch
):
    """Notices are written in the run's transaction, so a notice that cannot be rendered rolls
    that run back; the job still passes the other runs' offers on, offers their seats and
    sends its reminders, then fails naming the run (tried again next time)."""
    from courses import tasks
    from courses.services import base

    run, offer, second = offered_run
    other = make_run(course, capacity=1, offer_hours=48)
    stale = place(other, OFFERED, offer_expires_at=timezone.now() - timedelta(minutes=1))
    notices_fail_for_run(monkeypatch, base, run.pk)
    Enrolment.objects.filter(pk=offer.pk).update(offer_expires_at=timezone.now())
    with pytest.raises(services.RunSweepError) as failed:
        tasks.handle_seat_offers()

    assert failed.value.run_ids == [run.pk]
    assert Enrolment.objects.get(pk=stale.pk).status == CANCELLED
    assert Enrolment.objects.get(pk=offer.pk).status == OFFERED  # rolled back, as it was
    assert Enrolment.objects.get(pk=second.pk).status == WAITLISTED
    monkeypatch.undo()
    assert tasks.handle_seat_offers()["expired"] == 1
    assert Enrolment.objects.get(pk=second.pk).status == OFFERED


def test_offers_expire_leaves_offers_that_have_not_expired(offered_run):
    run, offer, _second = offered_run
    before = snapshot(run)

    assert services.offers_expire(now=offer.offer_expires_at - timedelta(minutes=1)) == 0
    assert snapshot(run) == before


def test_offers_expire_frees_the_seat_when_nobody_is_waiting(course):
    run = make_run(course, capacity=1)
    offer = place(run, OFFERED, offer_expires_at=timezone.now() - timedelta(minutes=1))

    assert services.offers_expire() == 1

    assert Enrolment.objects.get(pk=offer.pk).status == CANCELLED
    assert seats_taken(run) == 0


def test_offers_expire_handles_each_run_on_its_own(course):
    now = timezone.now()
    run_a = make_run(course, title="第1期", capacity=1)
    run_b = make_run(course, title="第2期", capacity=1)
    lapsed_a = place(run_a, OFFERED, offer_expires_at=now - timedelta(minutes=1))
    waiting_a = place(run_a, WAITLISTED)
    current_b = place(run_b, OFFERED, offer_expires_at=now + timedelta(hours=1))
    waiting_b = place(run_b, WAITLISTED)

    assert services.offers_expire(now=now) == 1

    assert statuses(run_a) == {lapsed_a.user_id: CANCELLED, waiting_a.user_id: OFFERED}
    assert statuses(run_b) == {current_b.user_id: OFFERED, waiting_b.user_id: WAITLISTED}


# --- enrolment_approve / enrolment_reject ----------------------------------------------------


@pytest.fixture
def approval_run(course) -> CourseRun:
    return make_run(course, capacity=1, requires_approval=True)


def test_enrolment_approve_gives_a_seat_when_one_is_free(approval_run):
    request = services.enrolment_create(run=approval_run, user=UserFactory())

    services.enrolment_approve(enrolment=request)

    stored = Enrolment.objects.get(pk=request.pk)
    assert stored.status == ENROLLED
    assert stored.waitlisted_at is None


def test_enrolment_approve_puts_the_person_on_the_waiting_list_when_full(approval_run):
    place(approval_run, ENROLLED)
    request = services.enrolment_create(run=approval_run, user=UserFactory())
    now = timezone.now()

    services.enrolment_approve(enrolment=request, now=now)

    stored = Enrolment.objects.get(pk=request.pk)
    assert stored.status == WAITLISTED
    assert stored.waitlisted_at == now
    assert seats_taken(approval_run) == 1


def test_enrolment_reject_stores_the_reason_the_person_sees(approval_run):
    request = services.enrolment_create(run=approval_run, user=UserFactory())

    services.enrolment_reject(enrolment=request, reason="  定員に達したため、次期をご案内します。 ")

    stored = Enrolment.objects.get(pk=request.pk)
    assert stored.status == REJECTED
    assert stored.decision_reason == "定員に達したため、次期をご案内します。"


@pytest.mark.parametrize("reason", ["", "   \n"])
def test_enrolment_reject_requires_a_reason(approval_run, reason):
    request = services.enrolment_create(run=approval_run, user=UserFactory())
    before = snapshot(approval_run)

    with pytest.raises(EnrolmentError, match="理由"):
        services.enrolment_reject(enrolment=request, reason=reason)

    assert snapshot(approval_run) == before


@pytest.mark.parametrize("status", [ENROLLED, WAITLISTED, OFFERED, CANCELLED, REJECTED])
def test_enrolment_approve_and_reject_refuse_anything_but_a_pending_request(approval_run, status):
    enrolment = place(approval_run, status)
    before = snapshot(approval_run)

    with pytest.raises(EnrolmentError):
        services.enrolment_approve(enrolment=enrolment)
    with pytest.raises(EnrolmentError):
        services.enrolment_reject(enrolment=enrolment, reason="重複のため")

    assert snapshot(approval_run) == before


# --- Notifications ---------------------------------------------------------------------------


def emails_to(person) -> list[tuple[str, str]]:
    return list(
        OutboundEmail.objects.filter(recipient=person.email)
        .order_by("pk")
        .values_list("template", "language")
    )


@pytest.mark.parametrize(
    ("language", "date_text"), [("ja", "2027年1月15日"), ("en", "Jan. 15, 2027")]
)
def test_enrolment_create_emails_the_confirmation_in_the_persons_language(
    course, django_capture_on_commit_callbacks, language, date_text
):
    """The dates are formatted by Django's own locale data, so the body shows which language
    it was rendered in even before our catalogue translates the wording."""
    run = make_run(course, starts_on=dt.date(2027, 1, 15), ends_on=dt.date(2027, 1, 16))
    person = UserFactory(preferred_language=language)

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_create(run=run, user=person)

    message = OutboundEmail.objects.get(recipient=person.email)
    assert (message.template, message.language) == ("courses/email/enrolled", language)
    assert course.title in message.subject
    assert date_text in message.body_text
    with translation.override(language):
        assert reverse("courses:my_learning") in message.body_text


@pytest.mark.parametrize("language", ["ja", "en"])
def test_enrolment_create_emails_the_waiting_list_and_pending_steps(
    course, django_capture_on_commit_callbacks, language
):
    full = make_run(course, title="第1期", capacity=0)
    approval = make_run(course, title="第2期", requires_approval=True)
    person = UserFactory(preferred_language=language)

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_create(run=full, user=person)
        services.enrolment_create(run=approval, user=person)

    assert emails_to(person) == [
        ("courses/email/waitlisted", language),
        ("courses/email/pending", language),
    ]


def test_enrolment_create_that_is_refused_sends_no_email(
    course, django_capture_on_commit_callbacks
):
    run = make_run(course, status=RunStatus.CANCELLED)
    person = UserFactory()

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(EnrolmentError):
        services.enrolment_create(run=run, user=person)

    assert emails_to(person) == []


def test_enrolment_cancel_emails_the_cancellation_and_the_offer(
    course, django_capture_on_commit_callbacks
):
    run = make_run(course, capacity=1)
    seated = place(run, ENROLLED, user=UserFactory(preferred_language="ja"))
    waiting = place(run, WAITLISTED, user=UserFactory(preferred_language="en"))

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_cancel(enrolment=seated)

    assert emails_to(seated.user) == [("courses/email/cancelled", "ja")]
    assert emails_to(waiting.user) == [("courses/email/offered", "en")]
    offer_mail = OutboundEmail.objects.get(recipient=waiting.user.email)
    assert course.title in offer_mail.subject


def test_offer_steps_email_acceptance_expiry_and_the_next_offer(
    offered_run, django_capture_on_commit_callbacks
):
    run, offer, second = offered_run
    later = offer.offer_expires_at + timedelta(minutes=1)

    with django_capture_on_commit_callbacks(execute=True):
        services.offers_expire(now=later)
    with django_capture_on_commit_callbacks(execute=True):
        services.offer_accept(enrolment=second, user=second.user, now=later)

    lang = offer.user.preferred_language
    # The offer itself was written to the outbox with the cancellation that freed the seat.
    assert emails_to(offer.user) == [
        ("courses/email/offered", lang),
        ("courses/email/offer_expired", lang),
    ]
    assert emails_to(second.user) == [
        ("courses/email/offered", lang),
        ("courses/email/enrolled", lang),
    ]


def test_approval_steps_email_the_decision_and_the_reason(
    approval_run, django_capture_on_commit_callbacks
):
    approved = place(approval_run, PENDING, user=UserFactory(preferred_language="en"))
    rejected = place(approval_run, PENDING, user=UserFactory(preferred_language="ja"))

    with django_capture_on_commit_callbacks(execute=True):
        services.enrolment_approve(enrolment=approved)
        services.enrolment_reject(enrolment=rejected, reason="対象職種ではないため")

    assert emails_to(approved.user) == [("courses/email/enrolled", "en")]
    assert emails_to(rejected.user) == [("courses/email/rejected", "ja")]
    assert (
        "対象職種ではないため" in OutboundEmail.objects.get(recipient=rejected.user.email).body_text
    )


def test_the_migration_removes_places_written_to_the_reference_index_before(run):
    """Rows written before places left the index would never be cleaned up."""
    import importlib

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType
    from wagtail.models import ReferenceIndex

    migration = importlib.import_module("courses.migrations.0009_enrolments_out_of_reference_index")
    enrolment = services.enrolment_create(run=run, user=UserFactory())
    kind = ContentType.objects.get_for_model(type(enrolment))
    run_kind = ContentType.objects.get_for_model(type(run))
    ReferenceIndex.objects.create(
        content_type=kind,
        base_content_type=kind,
        object_id=str(enrolment.pk),
        to_content_type=run_kind,
        to_object_id=str(run.pk),
        model_path="run",
        content_path="run",
        content_path_hash=ReferenceIndex._get_content_path_hash("run"),
    )

    migration.forwards(apps, None)

    assert not ReferenceIndex.objects.filter(base_content_type=kind).exists()

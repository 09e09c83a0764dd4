"""The django-q2 cluster killed in the middle of a bulk certificate run or a reminder batch
(issue 10): a new cluster finishes the job with nothing done twice and nothing skipped.

Each case starts a real ``manage.py qcluster`` (two workers) on a copy of the test database,
with django-q2 on the database broker and again on Redis, lets it work, SIGKILLs its whole
process group once some but not all of the work is done, and starts a new one.

- Database broker: a task a worker had taken stays in the queue, locked, until ``retry``
  seconds have passed, and then runs again (tests/faults/cluster_settings.py shortens retry
  to seconds).  The new cluster alone finishes the job.
- Redis: the broker forgets a task once it is taken, so the tasks the killed cluster held are
  gone.  The app's own periodic jobs (lms/schedules.py) find the work that is still missing
  in the database and do it; here they run as the scheduler runs them, on the new cluster.

Idempotence makes a second run harmless: one certificate per enrolment (the enrolment row is
locked), serial numbers from a counter taken in the transaction that inserts the certificate
(a killed transaction gives its number back), one reminder per person and session (a unique
row written in the same transaction as its email), one delivery per email (claimed by a
conditional UPDATE).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time

import pytest
from django.utils import timezone

from tests.faults.conftest import note, use_broker, wait_for

BROKERS = ["orm", "redis"]
CERTIFICATES = 24
REMINDERS = 80
# Time for the work the tests wait for (on a loaded two-core machine); the cases take far less.
DEADLINE = 90


def _redis_for(kind: str, request) -> str | None:
    return request.getfixturevalue("redis_url") if kind == "redis" else None


def _queued_in_redis(redis_url: str) -> int:
    import redis

    return redis.Redis.from_url(redis_url).llen("django_q:hyogo:q")


def _settle(count, *, kind: str, redis_url: str | None, quiet: float = 3.0) -> int:
    """Wait until the broker has nothing left to hand out and ``count()`` has stopped changing
    for ``quiet`` seconds (the tasks in the workers' hands are done); returns the count."""
    if kind == "redis":
        wait_for(
            lambda: _queued_in_redis(redis_url) == 0, timeout=DEADLINE, what="Redis queue empty"
        )
    else:
        from django_q.models import OrmQ

        wait_for(lambda: not OrmQ.objects.exists(), timeout=DEADLINE, what="database queue empty")
    last, since = count(), time.monotonic()
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() - since < quiet:
        time.sleep(0.2)
        now = count()
        if now != last:
            last, since = now, time.monotonic()
        if time.monotonic() > deadline:
            pytest.fail("the work never settled")
    return last


def _run_schedules(*names: str) -> None:
    """Run these periodic jobs now, as the cluster's scheduler does when they are due: the
    scheduler turns each due Schedule into a task on the broker and the cluster runs it."""
    from django_q.brokers import get_broker
    from django_q.models import Schedule
    from django_q.scheduler import scheduler

    from lms.schedules import schedules_ensure

    schedules_ensure()
    Schedule.objects.exclude(name__in=names).update(next_run=timezone.now() + dt.timedelta(days=1))
    Schedule.objects.filter(name__in=names).update(
        next_run=timezone.now() - dt.timedelta(seconds=1)
    )
    scheduler(broker=get_broker())


def _later(minutes: int = 20) -> None:
    """Time passes: what the recovery jobs wait for (a task's own chance to run first, a stale
    claim) is this much further in the past.  A message's ``created_at`` moves only while it
    is still queued (its Message-ID is made from it once it is sent)."""
    from django.db.models import F

    from certificates.models import Certificate
    from lms.models import OutboundEmail, OutboundEmailStatus

    ago = dt.timedelta(minutes=minutes)
    Certificate.objects.update(issued_at=F("issued_at") - ago)
    OutboundEmail.objects.filter(status=OutboundEmailStatus.QUEUED).update(
        created_at=F("created_at") - ago
    )
    OutboundEmail.objects.filter(claimed_at__isnull=False).update(claimed_at=F("claimed_at") - ago)


# --- a bulk certificate run ----------------------------------------------------------------------


def _completed_run(count: int):
    from courses.models import EnrolmentStatus
    from tests.factories import CourseRunFactory, EnrolmentFactory

    today = timezone.localdate()
    run = CourseRunFactory(
        title="一括発行 障害試験",
        starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=1),
        enrolment_opens_at=timezone.now() - dt.timedelta(days=60),
        enrolment_closes_at=timezone.now() - dt.timedelta(days=31),
        capacity=count,
    )
    completed = timezone.now() - dt.timedelta(days=1)
    for _ in range(count):
        EnrolmentFactory(run=run, status=EnrolmentStatus.COMPLETED, completed_at=completed)
    return run


def test_the_periodic_job_issues_the_certificates_whose_task_was_lost(home_page):
    """What recovers certificates on Redis: completed enrolments without a certificate, once
    their own task has had its chance, get one; nothing else is touched."""
    from certificates import tasks
    from certificates.models import Certificate
    from certificates.services import certificate_issue
    from courses.models import EnrolmentStatus
    from tests.factories import EnrolmentFactory, UserFactory

    run = _completed_run(0)
    long_ago = timezone.now() - dt.timedelta(hours=2)

    def completed(**kwargs):
        return EnrolmentFactory(
            run=run, status=EnrolmentStatus.COMPLETED, completed_at=long_ago, **kwargs
        )

    lost = completed()
    just_now = EnrolmentFactory(
        run=run, status=EnrolmentStatus.COMPLETED, completed_at=timezone.now()
    )
    has_one = completed()
    certificate_issue(enrolment=has_one)
    nameless = completed(user=UserFactory(full_name=""))
    EnrolmentFactory(run=run)  # still enrolled: no certificate

    assert tasks.issue_missing() == 1

    issued = Certificate.objects.get(enrolment=lost)
    assert issued.pdf and issued.holder_name == lost.user.full_name
    assert Certificate.objects.filter(enrolment=has_one).count() == 1
    assert not Certificate.objects.filter(enrolment__in=[just_now, nameless]).exists()
    assert Certificate.objects.count() == 2
    assert tasks.issue_missing() == 0  # idempotent


@pytest.mark.parametrize("kind", BROKERS)
def test_a_bulk_certificate_run_survives_the_cluster_being_killed(
    kind, request, shared_database, clusters
):
    from certificates.models import Certificate, CertificateStatus, SerialCounter
    from certificates.services import certificates_issue_for_run

    redis_url = _redis_for(kind, request)
    private_root = clusters.private_root
    with shared_database.active(), use_broker(kind, redis_url):
        run = _completed_run(CERTIFICATES)
        assert certificates_issue_for_run(run=run) == CERTIFICATES

        def issued() -> int:
            return Certificate.objects.filter(enrolment__run=run).count()

        first = clusters(shared_database, broker=kind, redis_url=redis_url)
        started = time.monotonic()
        wait_for(lambda: issued() >= CERTIFICATES // 4, timeout=DEADLINE, what="a quarter issued")
        first.kill()
        at_kill = issued()
        assert 0 < at_kill < CERTIFICATES, "the cluster must die with the run half done"
        timings = {
            "killed_after_s": round(time.monotonic() - started, 1),
            "issued_at_kill": at_kill,
        }

        clusters(shared_database, broker=kind, redis_url=redis_url)
        restarted = time.monotonic()

        def complete() -> int:
            return Certificate.objects.filter(enrolment__run=run).exclude(pdf="").count()

        if kind == "orm":
            # The new cluster alone: the tasks the dead one held come back after `retry`.
            wait_for(lambda: complete() == CERTIFICATES, timeout=DEADLINE, what="every PDF")
        else:
            after_restart = _settle(complete, kind=kind, redis_url=redis_url)
            timings["complete_before_periodic_jobs"] = after_restart
            _later()
            _run_schedules("certificates-missing", "certificate-pdfs")
            wait_for(lambda: complete() == CERTIFICATES, timeout=DEADLINE, what="every PDF")
        timings["finished_after_restart_s"] = round(time.monotonic() - restarted, 1)
        note(request, **timings)

        certificates = list(Certificate.objects.filter(enrolment__run=run))
        assert len(certificates) == CERTIFICATES
        assert len({c.enrolment_id for c in certificates}) == CERTIFICATES  # one each
        assert {c.status for c in certificates} == {CertificateStatus.VALID}
        for certificate in certificates:
            stored = private_root / certificate.pdf.name
            assert stored.exists(), certificate.serial
            data = stored.read_bytes()
            assert data.startswith(b"%PDF-")
            assert hashlib.sha256(data).hexdigest() == certificate.pdf_sha256
        # Serial numbers: unique and contiguous from 1, no number lost to the killed workers.
        numbers = sorted(int(c.serial.rsplit("-", 1)[1]) for c in certificates)
        assert numbers == list(range(1, CERTIFICATES + 1))
        assert SerialCounter.objects.get().last_number == CERTIFICATES


# --- a reminder batch ----------------------------------------------------------------------------


def _session_tomorrow_morning(count: int):
    """An in-person session in three hours (due for its day-before reminder) with ``count``
    people enrolled."""
    from tests.factories import EnrolmentFactory, SessionFactory

    starts = timezone.now() + dt.timedelta(hours=3)
    session = SessionFactory(
        title="ふりかえり会", starts_at=starts, ends_at=starts + dt.timedelta(hours=2)
    )
    for _ in range(count):
        EnrolmentFactory(run=session.run)
    return session


@pytest.mark.parametrize("kind", BROKERS)
def test_a_reminder_batch_survives_the_cluster_being_killed(
    kind, request, shared_database, clusters, smtp_server
):
    from courses.models import Enrolment, SessionReminder
    from lms.models import OutboundEmail, OutboundEmailStatus

    redis_url = _redis_for(kind, request)
    smtp_server.start()
    with shared_database.active(), use_broker(kind, redis_url):
        session = _session_tomorrow_morning(REMINDERS)
        people = set(
            Enrolment.objects.filter(run=session.run).values_list("user__email", flat=True)
        )
        _run_schedules("session-reminders")  # the batch, queued as the scheduler queues it

        def reminded() -> int:
            return SessionReminder.objects.filter(session=session).count()

        reminder_emails = OutboundEmail.objects.filter(template="courses/email/session_reminder")

        first = clusters(
            shared_database, broker=kind, redis_url=redis_url, smtp_port=smtp_server.port
        )
        started = time.monotonic()
        wait_for(
            lambda: reminded() >= REMINDERS // 4,
            timeout=DEADLINE,
            interval=0.02,
            what="a quarter reminded",
        )
        first.kill()
        at_kill = reminded()
        # Claimed by a worker that is now dead: the SMTP server may or may not have taken them.
        in_doubt = reminder_emails.filter(status=OutboundEmailStatus.SENDING).count()
        assert 0 < at_kill < REMINDERS, "the cluster must die with the batch half done"
        figures = {
            "killed_after_s": round(time.monotonic() - started, 1),
            "reminded_at_kill": at_kill,
            "emails_in_doubt_at_kill": in_doubt,
        }

        clusters(shared_database, broker=kind, redis_url=redis_url, smtp_port=smtp_server.port)
        restarted = time.monotonic()
        if kind == "orm":
            # The batch the dead cluster held comes back after `retry` and finishes.
            wait_for(lambda: reminded() == REMINDERS, timeout=DEADLINE, what="everyone reminded")
        else:
            figures["reminded_before_periodic_job"] = _settle(
                reminded, kind=kind, redis_url=redis_url
            )
            _run_schedules("session-reminders")  # its next run, fifteen minutes later
            wait_for(lambda: reminded() == REMINDERS, timeout=DEADLINE, what="everyone reminded")

        # Mail: what the dead workers left claimed or queued goes out through the requeue job.
        def sent() -> int:
            return reminder_emails.filter(status=OutboundEmailStatus.SENT).count()

        figures["sent_before_requeue"] = _settle(sent, kind=kind, redis_url=redis_url)
        _later()
        _run_schedules("requeue-undelivered-emails")
        wait_for(lambda: sent() == REMINDERS, timeout=DEADLINE, what="every reminder sent")
        figures["finished_after_restart_s"] = round(time.monotonic() - restarted, 1)

        # Exactly once in the database: one reminder row and one email per person.
        reminders = list(SessionReminder.objects.filter(session=session))
        assert len(reminders) == len({r.enrolment_id for r in reminders}) == REMINDERS
        emails = list(reminder_emails)
        assert sorted(e.recipient for e in emails) == sorted(people)
        assert {e.status for e in emails} == {OutboundEmailStatus.SENT}
        assert all(session.title in e.body_text for e in emails)

    # And at the SMTP server: each person received their one reminder.  A message a dead
    # worker had handed over without hearing back (in doubt) may arrive twice; then both
    # copies carry the same Message-ID, so mail servers and clients show it once.
    received = [m for m in smtp_server.messages if str(m["To"]) in people]
    per_person = {}
    for message in received:
        per_person.setdefault(str(message["To"]), set()).add(str(message["Message-ID"]))
    assert set(per_person) == people  # nobody skipped
    assert all(len(ids) == 1 for ids in per_person.values())  # never two different reminders
    copies = len(received) - REMINDERS
    assert 0 <= copies <= in_doubt
    figures["smtp_copies_beyond_one"] = copies
    figures["smtp_received"] = len(received)
    note(request, **figures)

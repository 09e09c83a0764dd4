"""Certificates under real concurrency, on PostgreSQL: issuing the same enrolment from many
workers at once gives one certificate; issuing many at once gives sequential serials without
gaps or duplicates (issue #5)."""

import pytest
from django.utils import timezone

from certificates import services
from certificates.models import Certificate
from courses.models import EnrolmentStatus
from tests.courses.test_concurrency import race
from tests.factories import CourseRunFactory, EnrolmentFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.mark.usefixtures("home_page")
def test_eight_workers_issuing_one_enrolment_make_one_certificate():
    enrolment = EnrolmentFactory(status=EnrolmentStatus.COMPLETED)

    outcomes = race([lambda: services.certificate_issue(enrolment=enrolment)] * 8)

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert Certificate.objects.count() == 1
    assert {o.pk for o in outcomes} == {Certificate.objects.get().pk}


@pytest.mark.usefixtures("home_page")
def test_twelve_certificates_at_once_get_serials_one_to_twelve():
    run = CourseRunFactory(capacity=20)
    enrolments = [EnrolmentFactory(run=run, status=EnrolmentStatus.COMPLETED) for _ in range(12)]

    outcomes = race(
        [lambda e=enrolment: services.certificate_issue(enrolment=e) for enrolment in enrolments]
    )

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    year = timezone.localdate().year
    assert sorted(Certificate.objects.values_list("serial", flat=True)) == [
        f"HYOGO-{year}-JT-{n:06d}" for n in range(1, 13)
    ]


@pytest.mark.usefixtures("home_page")
def test_serials_stay_gap_free_when_some_issues_are_refused_or_their_pdfs_fail(monkeypatch):
    """Twelve at once: three people have no name (refused before a number is taken), and the
    PDFs of three more fail after their certificate is committed.  Nine certificates, numbered
    one to nine, each with its own enrolment; the failed ones keep their serial and get their
    PDF when the task runs again."""
    import threading

    from certificates import rendering
    from certificates.tasks import issue_certificate
    from tests.factories import UserFactory

    run = CourseRunFactory(capacity=20)
    nameless = [
        EnrolmentFactory(run=run, user=UserFactory(full_name=""), status=EnrolmentStatus.COMPLETED)
        for _ in range(3)
    ]
    named = [EnrolmentFactory(run=run, status=EnrolmentStatus.COMPLETED) for _ in range(9)]
    real_render, lock, calls = rendering.render_certificate_pdf, threading.Lock(), [0]

    def every_third_fails(certificate, **kwargs):
        with lock:
            calls[0] += 1
            fail = calls[0] % 3 == 0
        if fail:
            raise OSError("renderer crashed")
        return real_render(certificate, **kwargs)

    monkeypatch.setattr(rendering, "render_certificate_pdf", every_third_fails)
    outcomes = race([lambda e=e: issue_certificate(e.pk) for e in [*nameless, *named]])

    failed = [o for o in outcomes if isinstance(o, Exception)]
    assert len(failed) == 3 and all(isinstance(o, services.CertificatePdfError) for o in failed)
    assert outcomes[:3] == [None, None, None]  # refused: no name
    year = timezone.localdate().year
    certificates = Certificate.objects.order_by("serial")
    assert [c.serial for c in certificates] == [f"HYOGO-{year}-JT-{n:06d}" for n in range(1, 10)]
    assert {c.enrolment_id for c in certificates} == {e.pk for e in named}
    assert sum(1 for c in certificates if not c.pdf) == 3

    monkeypatch.setattr(rendering, "render_certificate_pdf", real_render)
    race([lambda e=e: issue_certificate(e.pk) for e in named])  # every task again, at once
    assert Certificate.objects.count() == 9
    assert not Certificate.objects.filter(pdf="").exists()


@pytest.mark.usefixtures("home_page")
def test_rendering_is_outside_the_lock(monkeypatch):
    """Four certificates of one kind and year at once: each renderer waits until all four are
    rendering.  That only happens if the serial's lock is released before rendering; one after
    another, the barrier times out and the renders fail."""
    import threading

    from certificates import rendering

    run = CourseRunFactory(capacity=20)
    enrolments = [EnrolmentFactory(run=run, status=EnrolmentStatus.COMPLETED) for _ in range(4)]
    all_rendering = threading.Barrier(4, timeout=20)

    def render(*args, **kwargs):
        all_rendering.wait()
        return b"%PDF-1.7 test"

    monkeypatch.setattr(rendering, "render_certificate_pdf", render)

    outcomes = race([lambda e=e: services.certificate_issue(enrolment=e) for e in enrolments])

    assert [o for o in outcomes if isinstance(o, Exception)] == []
    assert not Certificate.objects.filter(pdf="").exists()

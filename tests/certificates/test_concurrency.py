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

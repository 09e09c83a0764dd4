"""Read-side queries for certificates."""

from __future__ import annotations

from django.db.models import QuerySet

from certificates.models import Certificate, CertificateStatus
from courses.models import Attendance, Enrolment


def learning_minutes_for_enrolment(enrolment: Enrolment) -> int:
    """The learning time attendance gives (the rule of courses.completion), in one query."""
    from courses.selectors import attendance_minutes

    return sum(
        attendance_minutes(record, record.session)
        for record in Attendance.objects.filter(enrolment=enrolment).select_related("session")
    )


def certificate_for_verification(code: str) -> Certificate | None:
    """The certificate a verification code names, with the one that superseded it."""
    if not code:
        return None
    return (
        Certificate.objects.select_related("superseded_by").filter(verification_code=code).first()
    )


def certificates_for_holder(*, user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(enrolment__user=user).exclude(
        status=CertificateStatus.SUPERSEDED
    )

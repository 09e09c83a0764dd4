"""Read-side queries for certificates."""

from __future__ import annotations

from django.db.models import QuerySet

from certificates.models import Certificate, CertificateStatus
from courses.models import Attendance, Enrolment, SessionStatus
from lms.statements import ANY_KEY, IdStatement


def learning_minutes_for_enrolment(enrolment: Enrolment) -> int:
    """The learning time attendance gives (the rule of courses.completion), in one query."""
    from courses.selectors import attendance_minutes

    return sum(
        attendance_minutes(record, record.session)
        for record in Attendance.objects.filter(enrolment=enrolment)
        .exclude(session__status=SessionStatus.CANCELLED)
        .select_related("session")
    )


# The public verification page's lookup, built once (``lms.statements``): anyone with a
# certificate's code asks for it, and building the query took longer than running it.
VERIFICATION = IdStatement(
    lambda alias, code: Certificate.objects.using(alias).filter(verification_code=code),
    stand_in=ANY_KEY,
)


def certificate_for_verification(code: str) -> Certificate | None:
    """The certificate a verification code names (codes are unique), in one query; the one
    that superseded it is read only for a superseded certificate, which the page links to."""
    if not code:
        return None
    return VERIFICATION.instance(code, model=Certificate)


def certificates_for_holder(*, user) -> QuerySet[Certificate]:
    return Certificate.objects.filter(enrolment__user=user).exclude(
        status=CertificateStatus.SUPERSEDED
    )


def run_certificates(*, run) -> dict:
    """A run's people with a seat and their current certificate, with the issue progress, in
    two queries."""
    from courses.models import EnrolmentStatus

    enrolments = list(
        Enrolment.objects.filter(
            run=run, status__in=[EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]
        )
        .select_related("user")
        .order_by("user__full_name_kana", "pk")
    )
    current = {
        c.enrolment_id: c
        for c in Certificate.objects.filter(enrolment__run=run).exclude(
            status=CertificateStatus.SUPERSEDED
        )
    }
    for enrolment in enrolments:
        enrolment.certificate = current.get(enrolment.pk)
    completed = [e for e in enrolments if e.status == EnrolmentStatus.COMPLETED]
    return {
        "run": run,
        "enrolments": enrolments,
        "completed": len(completed),
        "issued": sum(1 for e in completed if e.certificate),
        # For the ZIP: valid certificates only (a revoked one is not handed out again).
        "certificates": [
            c for c in current.values() if c.pdf and c.status == CertificateStatus.VALID
        ],
    }

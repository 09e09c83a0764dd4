"""django-q2 entry points for certificates.  Safe to run twice or at once (see services)."""

from certificates import services
from courses.models import Enrolment


def issue_certificate(enrolment_id: int) -> str | None:
    """Issue the certificate of a completed enrolment; returns its serial."""
    enrolment = Enrolment.objects.filter(pk=enrolment_id).first()
    if enrolment is None:
        return None
    try:
        return services.certificate_issue(enrolment=enrolment).serial
    except services.CertificateError:
        return None  # no longer completed (e.g. cancelled meanwhile): nothing to issue

"""django-q2 entry points for certificates.  Safe to run twice or at once (see services)."""

from certificates import services
from courses.models import Enrolment


def issue_certificate(enrolment_id: int) -> str | None:
    """Issue the certificate of a completed enrolment, or render the missing PDF of the one it
    already has; returns its serial.  A PDF that could not be made fails the task (so it shows
    among the failed tasks) but the certificate stays issued; running the task again, or the
    periodic ``render_missing_pdfs``, makes the PDF."""
    try:
        return services.certificate_issue(enrolment_id=enrolment_id).serial
    except Enrolment.DoesNotExist:
        return None  # deleted meanwhile: nothing to issue
    except services.CertificateError:
        return None  # no longer completed (e.g. cancelled meanwhile): nothing to issue


def render_missing_pdfs() -> int:
    """Periodic: the PDFs of valid certificates that are still missing, e.g. after a failed
    rendering (see lms/schedules.py)."""
    return services.certificates_render_missing_pdfs()


def issue_missing() -> int:
    """Periodic: certificates of completed enrolments whose issuing task was lost (see
    lms/schedules.py)."""
    return services.certificates_issue_missing()

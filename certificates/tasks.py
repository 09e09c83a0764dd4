"""django-q2 entry points for certificates.  Safe to run twice or at once (see services)."""

import logging
import time

from certificates import services
from courses.models import Enrolment

logger = logging.getLogger(__name__)


class CertificateBatchError(Exception):
    """Some enrolments of a batch got no certificate or no PDF; the others did."""

    def __init__(self, failed: list[int], serials: list[str]):
        super().__init__(
            f"{len(failed)} of {len(failed) + len(serials)} certificates failed "
            f"(enrolments {', '.join(map(str, failed))}); the periodic jobs make them"
        )
        self.failed, self.serials = failed, serials


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


def issue_certificates(enrolment_ids: list[int]) -> list[str]:
    """Staff's "issue for the whole run", a batch per task (the broker's cost per task is as
    large as a certificate's): ``issue_certificate`` for each enrolment in turn, each its own
    transaction, so the batch is as safe to run twice as one certificate is.  One that fails
    does not stop the others; the task then fails naming the enrolments (it shows among the
    failed tasks), and the periodic ``issue_missing`` and ``render_missing_pdfs`` make what is
    missing.  A batch that has run for ``batch_seconds`` queues the enrolments it has not
    reached as a new task.  Returns the serials issued (or completed) by this task."""
    from lms.taskqueue import async_task, batch_seconds

    deadline = time.monotonic() + batch_seconds()
    serials, failed = [], []
    for index, enrolment_id in enumerate(enrolment_ids):
        if index and time.monotonic() > deadline:
            rest = enrolment_ids[index:]
            async_task(
                "certificates.tasks.issue_certificates",
                rest,
                task_name=f"certificates-{rest[0]}-{rest[-1]}",
                group="certificates-rest",
            )
            break
        try:
            serial = issue_certificate(enrolment_id)
        except services.CertificatePdfError:
            failed.append(enrolment_id)  # issued, without PDF; logged where it failed
            continue
        except Exception:  # noqa: BLE001 - one enrolment's failure must not stop the batch
            logger.exception("Issuing the certificate of enrolment %s failed", enrolment_id)
            failed.append(enrolment_id)
            continue
        if serial is not None:
            serials.append(serial)
    if failed:
        raise CertificateBatchError(failed, serials)
    return serials


def render_missing_pdfs() -> int:
    """Periodic: the PDFs of valid certificates that are still missing, e.g. after a failed
    rendering (see lms/schedules.py)."""
    return services.certificates_render_missing_pdfs()


def issue_missing() -> int:
    """Periodic: certificates of completed enrolments whose issuing task was lost (see
    lms/schedules.py)."""
    return services.certificates_issue_missing()

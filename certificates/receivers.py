"""A completed enrolment gets its certificate from a background task (rendering a PDF does not
belong in the request that marked the last attendance)."""

from django.dispatch import receiver

from courses.models import Enrolment
from courses.signals import enrolment_completed
from lms.taskqueue import async_task


@receiver(enrolment_completed, sender=Enrolment, dispatch_uid="certificates-issue-on-completion")
def issue_on_completion(sender, enrolment, **kwargs) -> None:
    async_task(
        "certificates.tasks.issue_certificate",
        enrolment.pk,
        task_name=f"certificate-{enrolment.pk}",
        group="certificates",
    )

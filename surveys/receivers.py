"""A completed self-paced course (no sessions) invites its participant to the survey, in the
background like the certificate."""

from django.dispatch import receiver

from courses.models import Enrolment
from courses.signals import enrolment_completed
from lms.taskqueue import async_task


@receiver(enrolment_completed, sender=Enrolment, dispatch_uid="surveys-invite-on-completion")
def invite_on_completion(sender, enrolment, **kwargs) -> None:
    async_task(
        "surveys.tasks.invite_completed",
        enrolment.pk,
        task_name=f"survey-invite-{enrolment.pk}",
        group="surveys",
    )

"""A completed course can move a volunteer on (training requirements).  The check runs in the
background, like the certificate, so marking the last attendance stays quick."""

from django.dispatch import receiver

from courses.models import Enrolment
from courses.signals import enrolment_completed
from lms.taskqueue import async_task


@receiver(enrolment_completed, sender=Enrolment, dispatch_uid="volunteers-stage-on-completion")
def move_on_after_training(sender, enrolment, **kwargs) -> None:
    async_task(
        "volunteers.tasks.training_completed",
        enrolment.pk,
        task_name=f"volunteer-training-{enrolment.pk}",
        group="volunteers",
    )

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    """Training courses, runs, sessions, enrolment, attendance and certificates (issues #3-#6)."""

    name = "courses"
    verbose_name = _("Courses")

    def personal_data(self, user) -> dict:
        """The person's enrolments, for the "download my data" export (lms.selectors)."""
        from courses.models import Enrolment

        return {
            "enrolments": [
                {
                    "course": enrolment.run.course.title,
                    "run": enrolment.run.title,
                    "status": enrolment.status,
                    "applied_at": enrolment.created_at.isoformat(),
                    "reserved_seat": enrolment.seat_pool.name if enrolment.seat_pool else None,
                    "breakout_group": enrolment.breakout_group,
                    "reason_given": enrolment.decision_reason or None,
                }
                for enrolment in Enrolment.objects.filter(user=user)
                .select_related("run__course", "seat_pool")
                .order_by("created_at", "pk")
            ]
        }

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoursesConfig(AppConfig):
    """Training courses, runs, sessions, enrolment, attendance and certificates (issues #3-#6)."""

    name = "courses"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from courses.selectors.attendance import SHEETS_VERSION

        SHEETS_VERSION.connect()

    def calendar_events(self, user, now) -> list:
        """The person's sessions for their private calendar feed (lms.views.calendar_feed)."""
        from courses import selectors

        return selectors.session_calendar_events(
            selectors.feed_sessions_for_user(user=user, now=now), for_participant=True
        )

    def calendar_fingerprint(self, user) -> tuple:
        """What the person's course events depend on besides public content (the public
        version) and the day: their places, and the sessions' sequence numbers (lms.selectors
        .personal_calendar)."""
        from courses import selectors

        return selectors.feed_fingerprint_for_user(user=user)

    def calendar_changed_at(self, user):
        """When the person's places last changed (an enrolment or a cancellation changes the
        feed without changing any session)."""
        from django.db.models import Max

        from courses.models import Enrolment

        return Enrolment.objects.filter(user=user).aggregate(latest=Max("updated_at"))["latest"]

    def erase_personal_data(self, user) -> None:
        """Before the account is anonymised (lms.services.user_anonymise): places not yet
        taken up are cancelled (the seat goes to the next person waiting) and what the person
        wrote or was told is removed; attendance and completions stay for the counts."""
        from courses.services import enrolment_erase_for_person

        enrolment_erase_for_person(user=user)

    def personal_data(self, user) -> dict:
        """The person's enrolments with their attendance, for the "download my data" export
        (lms.selectors)."""
        from django.db.models import Prefetch

        from courses.models import Attendance, Enrolment

        def attendance(enrolment) -> list[dict]:
            return [
                {
                    "session": record.session.title,
                    "starts_at": record.session.starts_at.isoformat(),
                    "status": record.status,
                    "evidence": record.evidence,
                    "checked_in_at": record.arrived_at.isoformat() if record.arrived_at else None,
                    "note": record.note or None,
                }
                for record in enrolment.attendances.all()
            ]

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
                    "completion": enrolment.completion or None,
                    "completed_at": (
                        enrolment.completed_at.isoformat() if enrolment.completed_at else None
                    ),
                    "reflection": enrolment.reflection or None,
                    "reflection_answers": enrolment.reflection_answers or None,
                    "reflection_feedback": enrolment.reflection_feedback or None,
                    "attendance": attendance(enrolment),
                }
                for enrolment in Enrolment.objects.filter(user=user)
                .select_related("run__course", "seat_pool")
                .prefetch_related(
                    Prefetch(
                        "attendances",
                        queryset=Attendance.objects.select_related("session").order_by(
                            "session__starts_at"
                        ),
                    )
                )
                .order_by("created_at", "pk")
            ]
        }

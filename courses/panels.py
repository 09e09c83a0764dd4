"""An editor panel that shows a course's runs on its page in the admin.

Runs are operational records (seats, enrolments) and deliberately not part of the page's
revisions, so they are not an InlinePanel; this panel lists them with their numbers and links
to edit each run, see its participants, or add a run for this course."""

from django.urls import reverse
from wagtail.admin.panels import Panel


class CourseRunsPanel(Panel):
    class BoundPanel(Panel.BoundPanel):
        template_name = "courses/admin/panels/course_runs.html"

        def get_context_data(self, parent_context=None):
            from courses.models import CourseRun
            from courses.selectors import runs_with_counts

            context = super().get_context_data(parent_context)
            course = self.instance
            context["runs"] = (
                list(
                    runs_with_counts(CourseRun.objects.filter(course=course)).order_by(
                        "-starts_on", "-pk"
                    )
                )
                if course.pk
                else []
            )
            context["add_url"] = (
                reverse("wagtailsnippets_courses_courserun:add") + f"?course={course.pk}"
                if course.pk
                else None
            )
            return context


class SessionNoticePanel(Panel):
    """On a run's edit form, above its sessions: how many people a change will notify."""

    class BoundPanel(Panel.BoundPanel):
        template_name = "courses/admin/panels/session_notice.html"

        def get_context_data(self, parent_context=None):
            from courses.models import SEAT_STATUSES, Enrolment

            context = super().get_context_data(parent_context)
            run = self.instance
            context["people"] = (
                Enrolment.objects.filter(run=run, status__in=SEAT_STATUSES).count() if run.pk else 0
            )
            return context

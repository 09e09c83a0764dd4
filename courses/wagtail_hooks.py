"""Staff manage venues, runs (with their sessions) and enrolments in the Wagtail admin."""

from django.contrib import messages
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from wagtail import hooks
from wagtail.admin.ui.tables import Column
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import CreateView, SnippetViewSet

from courses import admin_views, services
from courses.models import SEAT_STATUSES, CoursePage, CourseRun, Enrolment, Venue
from lms.wagtail_hooks import (
    PermissionMenuItem,
    PersonalDataChooserViewSet,
    ProtectedDeleteView,
    ReadOnlyPermissionPolicy,
)


class VenueViewSet(SnippetViewSet):
    model = Venue
    icon = "site"
    list_display = ["name", "municipality", "address"]
    search_fields = ["name", "address"]
    delete_view_class = ProtectedDeleteView


class RunLinkColumn(Column):
    """A link from each run to one of its staff pages (participants, attendance)."""

    cell_template_name = "courses/admin/participants_link_cell.html"

    def __init__(self, name, *, url_name: str, **kwargs):
        super().__init__(name, **kwargs)
        self.url_name = url_name

    def get_value(self, instance):
        return self.label

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["url"] = reverse(self.url_name, args=[instance.pk])
        return context


class CourseRunCreateView(CreateView):
    """ "Add a run" on a course page opens this with ``?course=<page id>``: the course is
    filled in."""

    def get_initial_form_instance(self):
        instance = super().get_initial_form_instance()
        course_id = self.request.GET.get("course", "")
        # isascii: "²" is a digit to isdigit() but not to int(); id, not pk, so that an id too
        # large for the database is "no such course" (see lessons.views._lesson).
        if (
            course_id.isascii()
            and course_id.isdigit()
            and CoursePage.objects.filter(id=int(course_id)).exists()
        ):
            instance = instance or CourseRun()
            instance.course_id = int(course_id)
        return instance


class CourseRunViewSet(SnippetViewSet):
    model = CourseRun
    add_view_class = CourseRunCreateView
    icon = "date"
    list_display = [
        "course",
        "title",
        "starts_on",
        "capacity",
        "requires_approval",
        "status",
        RunLinkColumn("participants", label=_("Participants"), url_name="courses_run_participants"),
        RunLinkColumn("attendance", label=_("Attendance"), url_name="courses_run_attendance"),
        RunLinkColumn("lessons", label=_("Online lessons"), url_name="lessons_run_progress"),
        RunLinkColumn("reflections", label=_("Reflections"), url_name="courses_run_reflections"),
    ]
    list_filter = ["status", "requires_approval"]
    search_fields = ["title", "course__title"]
    delete_view_class = ProtectedDeleteView


class EnrolmentViewSet(SnippetViewSet):
    """Enrolments change only through the enrolment rules (services), never by editing rows."""

    model = Enrolment
    icon = "user"
    list_display = ["user", "run", "status", "created_at"]
    list_filter = ["status"]
    search_fields = ["user__full_name", "user__full_name_kana", "user__email"]
    inspect_view_enabled = True
    copy_view_enabled = False
    chooser_viewset_class = PersonalDataChooserViewSet


class TrainingGroup(ViewSetGroup):
    menu_label = _("Training")
    menu_icon = "date"
    menu_order = 150
    items = (CourseRunViewSet, VenueViewSet, EnrolmentViewSet)


register_permission_policy(Enrolment, ReadOnlyPermissionPolicy(Enrolment))
register_snippet(TrainingGroup)


@hooks.register("register_admin_urls")
def register_enrolment_admin_urls():
    return [
        path("courses/requests/", admin_views.pending_requests, name="courses_pending_requests"),
        path(
            "courses/requests/<int:enrolment_id>/approve/",
            admin_views.approve_request,
            name="courses_approve_request",
        ),
        path(
            "courses/runs/<int:run_id>/participants/",
            admin_views.run_participants,
            name="courses_run_participants",
        ),
        path(
            "courses/runs/<int:run_id>/groups/",
            admin_views.run_breakouts,
            name="courses_run_breakouts",
        ),
        path(
            "courses/runs/<int:run_id>/groups/print/",
            admin_views.run_breakouts_print,
            name="courses_run_breakouts_print",
        ),
        path(
            "courses/runs/<int:run_id>/groups/generate/",
            admin_views.generate_breakouts,
            name="courses_generate_breakouts",
        ),
        path(
            "courses/runs/<int:run_id>/groups/assign/",
            admin_views.assign_breakouts,
            name="courses_assign_breakouts",
        ),
        path(
            "courses/runs/<int:run_id>/add/",
            admin_views.add_participant,
            name="courses_add_participant",
        ),
        path(
            "courses/enrolments/<int:enrolment_id>/move/",
            admin_views.move_participant,
            name="courses_move_participant",
        ),
        path(
            "courses/runs/<int:run_id>/message/",
            admin_views.message_participants,
            name="courses_message_participants",
        ),
        path(
            "courses/runs/<int:run_id>/attendance/",
            admin_views.run_attendance,
            name="courses_run_attendance",
        ),
        path(
            "courses/enrolments/<int:enrolment_id>/sign-off/",
            admin_views.sign_off,
            name="courses_sign_off",
        ),
        path("courses/today/", admin_views.sessions_today, name="courses_sessions_today"),
        path(
            "courses/runs/<int:run_id>/reflections/",
            admin_views.run_reflections,
            name="courses_run_reflections",
        ),
        path(
            "courses/enrolments/<int:enrolment_id>/feedback/",
            admin_views.reflection_feedback,
            name="courses_reflection_feedback",
        ),
        path(
            "courses/sessions/<int:session_id>/roster/",
            admin_views.session_roster,
            name="courses_session_roster",
        ),
        path(
            "courses/follow-up/",
            admin_views.completion_follow_up,
            name="courses_completion_follow_up",
        ),
        path(
            "courses/requests/<int:enrolment_id>/reject/",
            admin_views.reject_request,
            name="courses_reject_request",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_pending_requests_menu_item():
    return PermissionMenuItem(
        _("Enrolment requests"),
        reverse("courses_pending_requests"),
        icon_name="tasks",
        order=151,
        permission="courses.change_enrolment",
    )


@hooks.register("register_admin_menu_item")
def register_sessions_today_menu_item():
    return PermissionMenuItem(
        _("Sessions today"),
        reverse("courses_sessions_today"),
        icon_name="time",
        order=150,
        permission="courses.view_attendance",
    )


@hooks.register("register_admin_menu_item")
def register_follow_up_menu_item():
    return PermissionMenuItem(
        _("Completion follow-up"),
        reverse("courses_completion_follow_up"),
        icon_name="help",
        order=152,
        permission="courses.view_attendance",
    )


@hooks.register("after_edit_snippet")
@hooks.register("after_create_snippet")
def announce_session_changes(request, instance):
    """After staff save a run, tell its participants about changed or cancelled sessions (in a
    task: a full run's notices take seconds to render)."""
    if isinstance(instance, CourseRun):
        announced = services.session_changes_announce_later(run=instance)
        if announced:
            people = instance.enrolments.filter(status__in=SEAT_STATUSES).count()
            messages.info(
                request,
                ngettext(
                    "Changes to %(sessions)d session are being sent to %(people)d people.",
                    "Changes to %(sessions)d sessions are being sent to %(people)d people.",
                    announced,
                )
                % {"sessions": announced, "people": people},
            )

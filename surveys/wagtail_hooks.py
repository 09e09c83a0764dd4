"""The coordinators' "Surveys" menu: surveys with their questions as snippets, and the
reports."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.wagtail_hooks import PermissionMenuItem, ProtectedDeleteView
from surveys import admin_views
from surveys.models import Survey

VIEW = "surveys.view_survey"


class SurveyViewSet(SnippetViewSet):
    model = Survey
    icon = "form"
    add_to_admin_menu = False
    list_display = ["title", "course_kind", "is_active"]
    list_filter = ["course_kind", "is_active"]
    search_fields = ["title"]
    delete_view_class = ProtectedDeleteView  # surveys with invitations or answers stay


register_snippet(SurveyViewSet)


@hooks.register("register_admin_urls")
def register_survey_admin_urls():
    return [
        path("surveys/reports/", admin_views.report_index, name="surveys_reports"),
        path(
            "surveys/reports/<int:survey_id>/courses/<int:course_id>/",
            admin_views.course_report,
            name="surveys_course_report",
        ),
        path(
            "surveys/reports/<int:survey_id>/runs/<int:run_id>/",
            admin_views.run_report,
            name="surveys_run_report",
        ),
    ]


class SurveysMenuItem(SubmenuMenuItem):
    def is_shown(self, request):
        return request.user.has_perm(VIEW)


@hooks.register("register_admin_menu_item")
def register_surveys_menu():
    def item(label, url, icon, order):
        return PermissionMenuItem(label, url, icon_name=icon, order=order, permission=VIEW)

    return SurveysMenuItem(
        _("Surveys"),
        Menu(
            items=[
                item(_("Surveys"), reverse("wagtailsnippets_surveys_survey:list"), "form", 1),
                item(_("Survey reports"), reverse("surveys_reports"), "doc-full", 2),
            ]
        ),
        icon_name="form",
        name="surveys",
        order=162,
    )

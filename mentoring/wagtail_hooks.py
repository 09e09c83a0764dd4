"""The coordinators' "Mentoring" menu: programmes, mentors and mentees as snippets, each
programme's pairs and suggestions, alerts and reports."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.models import AVAILABILITY_FLAGS
from lms.wagtail_hooks import PermissionMenuItem, PersonalDataChooserViewSet
from mentoring import admin_views, report_views
from mentoring.models import MenteeProfile, MentoringProgramme, MentorProfile

VIEW = "mentoring.view_pair"


class PairsLinkColumn(Column):
    cell_template_name = "courses/admin/participants_link_cell.html"

    def get_value(self, instance):
        return self.label

    def get_cell_context_data(self, instance, parent_context):
        context = super().get_cell_context_data(instance, parent_context)
        context["url"] = reverse("mentoring_programme", args=[instance.pk])
        return context


class ProgrammeViewSet(SnippetViewSet):
    model = MentoringProgramme
    icon = "group"
    add_to_admin_menu = False
    list_display = ["title", "cohort", "is_active", PairsLinkColumn("pairs", label=_("Pairs"))]


# The profile forms start with what matching compares; listed here because the model's field
# order puts the shared availability flags (lms.models.AvailabilityFields) first.
MATCHING_FIELDS = ["fields", "municipality", "online_ok", *AVAILABILITY_FLAGS]


class MentorViewSet(SnippetViewSet):
    model = MentorProfile
    panels = [
        FieldPanel(name)
        for name in [*MATCHING_FIELDS, "user", "capacity", "experience_years", "bio", "accepting"]
    ]
    icon = "user"
    add_to_admin_menu = False
    list_display = ["user", "capacity", "municipality", "accepting"]
    search_fields = ["user__full_name", "user__full_name_kana"]
    chooser_viewset_class = PersonalDataChooserViewSet


class MenteeViewSet(SnippetViewSet):
    model = MenteeProfile
    panels = [FieldPanel(name) for name in [*MATCHING_FIELDS, "user", "programme", "hopes"]]
    icon = "user"
    add_to_admin_menu = False
    list_display = ["user", "programme", "municipality"]
    list_filter = ["programme"]
    search_fields = ["user__full_name", "user__full_name_kana"]
    chooser_viewset_class = PersonalDataChooserViewSet


for viewset in (ProgrammeViewSet, MentorViewSet, MenteeViewSet):
    register_snippet(viewset)


@hooks.register("register_admin_urls")
def register_mentoring_admin_urls():
    return [
        path("mentoring/alerts/", admin_views.alert_list, name="mentoring_alerts"),
        path(
            "mentoring/alerts/acknowledge/",
            admin_views.alert_acknowledge,
            name="mentoring_alert_acknowledge",
        ),
        path("mentoring/reports/", report_views.reports_index, name="mentoring_reports"),
        path(
            "mentoring/reports/<int:programme_id>/",
            report_views.programme_report_view,
            name="mentoring_programme_report",
        ),
        path(
            "mentoring/programmes/<int:programme_id>/",
            admin_views.programme_pairs,
            name="mentoring_programme",
        ),
        path(
            "mentoring/programmes/<int:programme_id>/suggest/",
            admin_views.suggest_all,
            name="mentoring_suggest_all",
        ),
        path(
            "mentoring/programmes/<int:programme_id>/confirm-all/",
            admin_views.drafts_confirm_all,
            name="mentoring_confirm_all",
        ),
        path(
            "mentoring/programmes/<int:programme_id>/mentees/<int:user_id>/",
            admin_views.candidates,
            name="mentoring_candidates",
        ),
        path(
            "mentoring/programmes/<int:programme_id>/mentees/<int:user_id>/propose/",
            admin_views.propose,
            name="mentoring_propose",
        ),
        path(
            "mentoring/drafts/<int:pair_id>/",
            admin_views.draft_decide,
            name="mentoring_draft_decide",
        ),
        path("mentoring/pairs/<int:pair_id>/", admin_views.pair_admin, name="mentoring_pair"),
        path(
            "mentoring/pairs/<int:pair_id>/status/",
            admin_views.pair_status,
            name="mentoring_pair_status",
        ),
    ]


class MentoringMenuItem(SubmenuMenuItem):
    def is_shown(self, request):
        return request.user.has_perm(VIEW)


@hooks.register("register_admin_menu_item")
def register_mentoring_menu():
    def item(label, url, icon, order, permission=VIEW):
        return PermissionMenuItem(label, url, icon_name=icon, order=order, permission=permission)

    return MentoringMenuItem(
        _("Mentoring"),
        Menu(
            items=[
                item(_("Alerts"), reverse("mentoring_alerts"), "warning", 1),
                item(
                    _("Programmes and pairs"),
                    reverse("wagtailsnippets_mentoring_mentoringprogramme:list"),
                    "group",
                    2,
                ),
                item(
                    _("Mentors"),
                    reverse("wagtailsnippets_mentoring_mentorprofile:list"),
                    "user",
                    3,
                    "mentoring.view_mentorprofile",
                ),
                item(
                    _("Mentees"),
                    reverse("wagtailsnippets_mentoring_menteeprofile:list"),
                    "user",
                    4,
                    "mentoring.view_menteeprofile",
                ),
                item(_("Reports"), reverse("mentoring_reports"), "doc-full", 5),
            ]
        ),
        icon_name="group",
        name="mentoring",
        order=161,
    )

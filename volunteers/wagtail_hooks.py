"""The coordinators' "Volunteers" menu in the Wagtail admin, and training requirements as an
editable snippet."""

from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import Menu, SubmenuMenuItem
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from lms.wagtail_hooks import PermissionMenuItem
from volunteers import admin_views, report_views
from volunteers.models import StageRequirement

VIEW = "volunteers.view_volunteerprofile"


class StageRequirementViewSet(SnippetViewSet):
    model = StageRequirement
    icon = "tick-inverse"
    menu_label = _("Training requirements")
    add_to_admin_menu = False
    list_display = ["stage", "course_kind", "next_stage"]


register_snippet(StageRequirementViewSet)


@hooks.register("register_admin_urls")
def register_volunteer_admin_urls():
    return [
        path("volunteers/", admin_views.volunteer_list, name="volunteers_list"),
        path("volunteers/bulk/", admin_views.volunteer_bulk, name="volunteers_bulk"),
        path("volunteers/board/", admin_views.volunteer_board, name="volunteers_board"),
        path("volunteers/enter/", admin_views.volunteer_enter, name="volunteers_enter"),
        path("volunteers/waiting/", admin_views.waiting_list, name="volunteers_waiting"),
        path("volunteers/duplicates/", admin_views.duplicate_list, name="volunteers_duplicates"),
        path(
            "volunteers/duplicates/<int:flag_id>/",
            admin_views.duplicate_resolve,
            name="volunteers_duplicate_resolve",
        ),
        path("volunteers/leaders/", admin_views.leader_candidates, name="volunteers_candidates"),
        path(
            "volunteers/leaders/<int:profile_id>/invite/",
            admin_views.leader_invite,
            name="volunteers_leader_invite",
        ),
        path("volunteers/report/", report_views.pipeline_report, name="volunteers_report"),
        path(
            "volunteers/<int:profile_id>/", admin_views.volunteer_detail, name="volunteers_detail"
        ),
        path(
            "volunteers/<int:profile_id>/<slug:action>/",
            admin_views.volunteer_update,
            name="volunteers_update",
        ),
    ]


@hooks.register("register_admin_menu_item")
def register_volunteers_menu():
    def item(label, url_name, icon, order, permission=VIEW):
        return PermissionMenuItem(
            label, reverse(url_name), icon_name=icon, order=order, permission=permission
        )

    items = [
        item(_("Board"), "volunteers_board", "table", 1),
        item(_("List"), "volunteers_list", "list-ul", 2),
        item(_("Waiting for contact"), "volunteers_waiting", "time", 3),
        item(_("Likely duplicates"), "volunteers_duplicates", "warning", 4),
        item(_("Leader candidates"), "volunteers_candidates", "pick", 5),
        item(_("Pipeline report"), "volunteers_report", "doc-full", 6),
        item(
            _("Enter a paper form"),
            "volunteers_enter",
            "plus",
            7,
            "volunteers.add_volunteerprofile",
        ),
        item(
            _("Training requirements"),
            "wagtailsnippets_volunteers_stagerequirement:list",
            "tick-inverse",
            8,
            "volunteers.view_stagerequirement",
        ),
    ]
    return VolunteersMenuItem(
        _("Volunteers"), Menu(items=items), icon_name="group", name="volunteers", order=160
    )


class VolunteersMenuItem(SubmenuMenuItem):
    def is_shown(self, request):
        return request.user.has_perm(VIEW)

"""Certificates in the Wagtail admin: designs per course kind (editable), the register of
issued certificates (read-only: they change through revoke and reissue), run pages."""

from django.urls import path
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from certificates import admin_views
from certificates.models import Certificate, CertificateDesign
from lms.wagtail_hooks import PersonalDataChooserViewSet, ReadOnlyPermissionPolicy


class CertificateDesignViewSet(SnippetViewSet):
    model = CertificateDesign
    icon = "doc-full"
    list_display = ["kind", "issuer_name", "signer_title", "signer_name"]


class CertificateViewSet(SnippetViewSet):
    model = Certificate
    icon = "tick-inverse"
    list_display = ["serial", "holder_name", "course_title", "status", "issued_at"]
    list_filter = ["status", "course_kind"]
    search_fields = ["serial", "holder_name", "holder_name_kana", "course_title"]
    inspect_view_enabled = True
    copy_view_enabled = False
    chooser_viewset_class = PersonalDataChooserViewSet


class CertificatesGroup(ViewSetGroup):
    menu_label = _("Certificates")
    menu_icon = "tick-inverse"
    menu_order = 153
    items = (CertificateViewSet, CertificateDesignViewSet)


register_permission_policy(Certificate, ReadOnlyPermissionPolicy(Certificate))
register_snippet(CertificatesGroup)


@hooks.register("register_admin_urls")
def register_certificate_admin_urls():
    return [
        path(
            "certificates/runs/<int:run_id>/", admin_views.run_certificates, name="certificates_run"
        ),
        path(
            "certificates/runs/<int:run_id>/issue/",
            admin_views.issue_for_run,
            name="certificates_issue_for_run",
        ),
        path(
            "certificates/enrolments/<int:enrolment_id>/issue/",
            admin_views.issue_by_hand,
            name="certificates_issue_by_hand",
        ),
        path(
            "certificates/<int:certificate_id>/revoke/",
            admin_views.revoke,
            name="certificates_revoke",
        ),
        path(
            "certificates/<int:certificate_id>/reissue/",
            admin_views.reissue,
            name="certificates_reissue",
        ),
    ]

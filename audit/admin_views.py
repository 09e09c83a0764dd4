"""The audit log in the Wagtail admin: events newest first, filtered by action, actor and
dates, 50 to a page; superusers can also download the filtered log as CSV."""

from __future__ import annotations

import json

from django.contrib.auth.decorators import permission_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext, pgettext

from audit import selectors
from audit.forms import AuditFilterForm
from audit.models import AuditAction, AuditEvent
from audit.services import audit_retention_days
from lms.csv import csv_response
from volunteers.models import Stage

PER_PAGE = 50

# Where an event's subject can be looked at in the admin, by (app label, model).
SUBJECT_URLS = {
    ("volunteers", "volunteerprofile"): ("volunteers_detail", "profile_id"),
    ("certificates", "certificate"): ("wagtailsnippets_certificates_certificate:inspect", "pk"),
    ("lms", "user"): ("wagtailusers_users:edit", "pk"),
}


@permission_required("audit.view_auditevent", raise_exception=True)
def event_list(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(request.GET or None)
    events = selectors.audit_event_list(**form.valid_filters())
    if request.GET.get("format") == "csv":
        if not request.user.is_superuser:
            raise PermissionDenied
        return _csv(request, events)
    page = Paginator(events, PER_PAGE).get_page(request.GET.get("page"))
    for event in page:
        event.description = describe(event)
        event.subject_url = subject_url(event)
    return TemplateResponse(
        request,
        "audit/admin/event_list.html",
        {
            "form": form,
            "page": page,
            "query": form.query_string(),
            "can_export": request.user.is_superuser,
            "retention_days": audit_retention_days(),
        },
    )


def _csv(request: HttpRequest, events) -> HttpResponse:
    header = [
        _("When"),
        _("Who"),
        _("Action"),
        pgettext("audit log", "Subject"),
        _("Detail"),
        _("Client address"),
    ]
    rows = (
        [
            timezone.localtime(event.created_at).isoformat(timespec="seconds"),
            event.actor_label,
            event.get_action_display(),
            event.subject_label,
            json.dumps(event.detail, ensure_ascii=False, sort_keys=True),
            event.client_address or "",
        ]
        for event in events.iterator(chunk_size=2000)
    )
    filename = f"audit-log-{timezone.localdate():%Y%m%d}.csv"
    return csv_response(filename, header, rows, request=request)


def subject_url(event: AuditEvent) -> str:
    """The admin page of the event's subject, when there is one."""
    if event.subject_type is None or not event.subject_id.isdigit():
        return ""
    target = SUBJECT_URLS.get((event.subject_type.app_label, event.subject_type.model))
    if target is None:
        return ""
    name, kwarg = target
    try:
        return reverse(name, kwargs={kwarg: int(event.subject_id)})
    except NoReverseMatch:
        return ""


def _stage(value) -> str:
    return str(Stage(value).label) if value in Stage.values else str(value or "—")


def describe(event: AuditEvent) -> str:
    """The event's detail in words, for the page (the CSV has the raw detail)."""
    detail = event.detail or {}
    if event.action == AuditAction.CHANGE_STAGE:
        return _("%(from)s → %(to)s") % {
            "from": _stage(detail.get("from")),
            "to": _stage(detail.get("to")),
        }
    if event.action == AuditAction.EXPORT:
        rows = int(detail.get("rows", 0))
        return ngettext("%(file)s (%(rows)d row)", "%(file)s (%(rows)d rows)", rows) % {
            "file": detail.get("file", ""),
            "rows": rows,
        }
    if event.action == AuditAction.MERGE:
        return _("Registration #%(merged)s merged into #%(kept)s") % {
            "merged": detail.get("merged_profile", "?"),
            "kept": detail.get("kept_profile", "?"),
        }
    if event.action == AuditAction.ANONYMISE:
        reasons = {
            "own_request": _("At the person's own request"),
            "abandoned_application": _("Unfinished application, anonymised automatically"),
            "staff": _("By staff"),
        }
        return str(reasons.get(detail.get("reason"), ""))
    if event.action == AuditAction.VIEW_CONTACT:
        screens = {
            "volunteer": _("Volunteer's page"),
            "duplicates": _("Likely duplicates"),
        }
        return str(screens.get(detail.get("screen"), ""))
    if event.action == AuditAction.REISSUE_CERTIFICATE and detail.get("new_certificate"):
        return _("Replaced by certificate #%(new)s") % {"new": detail["new_certificate"]}
    return ""

"""Coordinators' mentoring screens in the Wagtail admin: a programme's pairs and drafts,
"suggest for everyone", candidates for one mentee with scores and reasons, a pair's page
(logs with notes and load, change requests, status), and the alert list."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import get_template, render_to_string
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from lms.models import User
from lms.pagecache import (
    CSRF_PLACEHOLDER,
    STAFF_LIST_STORE,
    with_kept_body,
    written_once,
)
from lms.selectors import staff_list_name
from lms.text import whole_number
from mentoring import selectors, services
from mentoring.forms import AcknowledgeForm, PairStatusForm
from mentoring.models import MenteeProfile, MentoringProgramme, Pair, PairStatus

can_view = permission_required("mentoring.view_pair", raise_exception=True)
can_change = permission_required("mentoring.change_pair", raise_exception=True)


@can_view
def programme_pairs(request, programme_id: int):
    programme = get_object_or_404(MentoringProgramme, pk=programme_id)
    pairs = list(selectors.programme_pairs(programme=programme))
    paired = {p.mentee_id for p in pairs if p.status != PairStatus.ENDED}
    waiting = [
        m
        for m in MenteeProfile.objects.filter(programme=programme)
        .select_related("user", "municipality__parent")
        .order_by("user__full_name_kana")
        if m.user_id not in paired
    ]
    return TemplateResponse(
        request,
        "mentoring/admin/programme.html",
        {
            "programme": programme,
            "drafts": [p for p in pairs if p.status == PairStatus.PROPOSED],
            "pairs": [p for p in pairs if p.status != PairStatus.PROPOSED],
            "waiting": waiting,
        },
    )


@require_POST
@can_change
def suggest_all(request, programme_id: int):
    programme = get_object_or_404(MentoringProgramme, pk=programme_id)
    created = services.suggestions_create(programme=programme, by=request.user)
    messages.success(
        request,
        ngettext(
            "%(count)d suggestion made. Review it before confirming: nobody has been told yet.",
            "%(count)d suggestions made. Review them before confirming: nobody has been told yet.",
            len(created),
        )
        % {"count": len(created)},
    )
    return redirect("mentoring_programme", programme_id=programme.pk)


@can_view
def candidates(request, programme_id: int, user_id: int):
    """The best mentors for one mentee, with the reasons in words; propose one as a draft."""
    programme = get_object_or_404(MentoringProgramme, pk=programme_id)
    mentee = get_object_or_404(
        MenteeProfile.objects.select_related("user"), programme=programme, user_id=user_id
    )
    return TemplateResponse(
        request,
        "mentoring/admin/candidates.html",
        {
            "programme": programme,
            "mentee": mentee,
            "candidates": selectors.candidates_for(programme=programme, mentee_user_id=user_id),
            "draft": Pair.objects.filter(
                programme=programme, mentee_id=user_id, status=PairStatus.PROPOSED
            ).first(),
        },
    )


@require_POST
@can_change
def propose(request, programme_id: int, user_id: int):
    """Propose this mentor (a new draft, or a changed draft)."""
    programme = get_object_or_404(MentoringProgramme, pk=programme_id)
    mentee = get_object_or_404(User, pk=user_id, mentee_profiles__programme=programme)
    mentor = get_object_or_404(
        User, pk=whole_number(request.POST.get("mentor")) or 0, mentor_profile__isnull=False
    )
    match = next(
        (
            c
            for c in selectors.candidates_for(
                programme=programme, mentee_user_id=user_id, limit=100
            )
            if c.mentor.user_id == mentor.pk
        ),
        None,
    )
    draft = Pair.objects.filter(
        programme=programme, mentee=mentee, status=PairStatus.PROPOSED
    ).first()
    try:
        if draft:
            draft = services.pair_change_mentor(pair=draft, mentor=mentor, by=request.user)
            if match:
                Pair.objects.filter(pk=draft.pk).update(score=match.score, reasons=match.reasons)
        else:
            services.pair_propose(
                programme=programme,
                mentor=mentor,
                mentee=mentee,
                by=request.user,
                score=match.score if match else None,
                reasons=match.reasons if match else [],
            )
    except services.MentoringError as error:
        messages.error(request, str(error))
        return redirect("mentoring_candidates", programme_id=programme.pk, user_id=user_id)
    messages.success(request, _("Proposed. Confirm it to tell both people."))
    return redirect("mentoring_programme", programme_id=programme.pk)


@require_POST
@can_change
def draft_decide(request, pair_id: int):
    """Confirm (both people are told) or discard a draft."""
    pair = get_object_or_404(Pair.objects.select_related("mentee"), pk=pair_id)
    try:
        if request.POST.get("decision") == "discard":
            services.pair_discard(pair=pair)
            messages.success(request, _("Suggestion discarded."))
        else:
            services.pair_confirm(pair=pair, by=request.user)
            messages.success(
                request,
                _("Confirmed. %(mentee)s and the mentor have been told.")
                % {"mentee": pair.mentee.get_full_name()},
            )
    except services.MentoringError as error:
        messages.error(request, str(error))
    return redirect("mentoring_programme", programme_id=pair.programme_id)


@require_POST
@can_change
def drafts_confirm_all(request, programme_id: int):
    programme = get_object_or_404(MentoringProgramme, pk=programme_id)
    drafts = list(
        Pair.objects.filter(programme=programme, status=PairStatus.PROPOSED).select_related(
            "mentee"
        )
    )
    confirmed, problems = services.pairs_confirm(pairs=drafts, by=request.user)
    messages.success(request, _("%(count)d pairs confirmed.") % {"count": confirmed})
    for problem in problems:
        messages.error(request, problem)
    return redirect("mentoring_programme", programme_id=programme.pk)


@can_view
def pair_admin(request, pair_id: int):
    pair = get_object_or_404(
        Pair.objects.select_related("mentor", "mentee", "programme"), pk=pair_id
    )
    return TemplateResponse(
        request,
        "mentoring/admin/pair.html",
        {
            "pair": pair,
            "sessions": list(pair.sessions.order_by("-date", "-pk")),
            "change_requests": list(pair.change_requests.all()),
            "meetings": list(pair.meetings.order_by("-starts_at")[:10]),
            "status_form": PairStatusForm(),
        },
    )


@require_POST
@can_change
def pair_status(request, pair_id: int):
    pair = get_object_or_404(Pair, pk=pair_id)
    form = PairStatusForm(request.POST)
    if form.is_valid():
        try:
            services.pair_set_status(
                pair=pair,
                status=form.cleaned_data["status"],
                by=request.user,
                reason=form.cleaned_data["reason"],
            )
        except services.MentoringError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Saved."))
    else:
        messages.error(request, _("Choose the new status."))
    return redirect("mentoring_pair", pair_id=pair.pk)


ALERTS_PER_PAGE = 50


@can_view
def alert_list(request):
    """The alerts below the admin frame, the same for every coordinator: kept per page,
    language and day until anything they show changes (``selectors.ALERTS_VERSION``, and the
    people's names: ``ACCOUNTS_SHOWN_VERSION``).  Every alert is counted, but only the page's
    are read with their people."""
    name = staff_list_name(request, timezone.localdate().isoformat())
    body = selectors.ALERTS_VERSION.kept(
        name, lambda: _alert_list_body(request), store=STAFF_LIST_STORE
    )
    return with_kept_body(request, "mentoring/admin/alerts.html", {}, body)


def _alert_list_body(request) -> bytes:
    """The alert list as HTML (UTF-8, see ``with_kept_body``), its forms with
    ``CSRF_PLACEHOLDER`` for the token."""
    alerts = selectors.kept_alert_entries()
    page = Paginator(alerts, ALERTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = selectors.alert_rows(list(page.object_list))
    return render_to_string(
        "mentoring/admin/includes/alert_list_body.html",
        {
            "page_obj": page,
            "rows": _alert_rows_html(page.object_list),
            "alert_count": len(alerts),
            "csrf_token": CSRF_PLACEHOLDER,  # above the request's own
        },
        request=request,
    ).encode()


def _alert_rows_html(rows: list[selectors.AlertRow]) -> str:
    """The alerts' rows as HTML, each written once (``lms.pagecache.written_once``, named by
    its values, the names included): coordinators open the list again and again, and an
    acknowledgement changes one row of it."""
    template = get_template("mentoring/admin/includes/alert_row.html")

    def write(missing: list[selectors.AlertRow]) -> list[str]:
        # The request's own token replaces the placeholder below.
        return [template.render({"alert": row, "csrf_token": CSRF_PLACEHOLDER}) for row in missing]

    # Safe: each row is a rendered (escaped) template.
    return mark_safe(written_once("mentoring-alert", rows, write))


@require_POST
@can_change
def alert_acknowledge(request):
    form = AcknowledgeForm(request.POST)
    # The key is a hidden field: only an alert on the list can be acknowledged (a tampered
    # key would leave a row that hides nothing).
    if form.is_valid() and form.cleaned_data["key"] in {
        a.key for a in selectors.kept_alert_entries()
    }:
        services.alert_acknowledge(
            key=form.cleaned_data["key"], by=request.user, note=form.cleaned_data["note"]
        )
        messages.success(request, _("Noted. The alert is hidden until something new happens."))
    return redirect("mentoring_alerts")

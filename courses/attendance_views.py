"""Attendance pages (issue #4): the staff roster and projector screen, and participants'
self check-in (QR link, typed code), online join and code, and apologies.

Views only check the request and turn domain errors into messages; the rules are in
courses.services (writes), courses.selectors (reads) and courses.checkin (codes).
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from urllib.parse import quote

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.contrib.auth.views import redirect_to_login
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.utils.dateparse import parse_datetime
from django.utils.http import quote_etag, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from courses import checkin, selectors, services
from courses.forms import ApologyForm, AttendanceCodeForm, WalkInForm
from courses.models import STAFF_ATTENDANCE_CHOICES, AttendanceStatus, Enrolment, Session
from lms import ratelimit
from lms.models import User
from lms.pagecache import CSRF_PLACEHOLDER, with_kept_body
from lms.text import whole_number


def can_take_attendance(view):
    """Coordinators only: others signed in get 403, visitors are sent to sign in."""
    return login_required(
        permission_required("courses.change_attendance", raise_exception=True)(view)
    )


PENDING_CHECK_IN_KEY = "courses.pending_check_in"
# A scan made before signing in still counts if the person signs in within this time.
PENDING_CHECK_IN_SECONDS = 15 * 60
CODE_TRIES_WINDOW_SECONDS = 10 * 60
DAY_SECONDS = 24 * 60 * 60


# --- Staff: roster and projector screen ---------------------------------------------------------


def _back_to_roster(request, session_id: int, anchor: str = ""):
    """Back to the roster the form was on (the site page or the admin one), at the person."""
    target = request.POST.get("next", "")
    if not (
        target.startswith("/")
        and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure())
    ):
        target = reverse("courses:roster", args=[session_id])
    # Not redirect(): a tampered "abc" would be taken for a view name and fail.
    return HttpResponseRedirect(target + (f"#{anchor}" if anchor else ""))


def roster_response(
    request, session_id: int, roster_url: str, template_name: str, *, in_admin: bool = False
) -> TemplateResponse:
    """The roster page, its heading and body; the site view and the admin view both use it.
    The whole roster is kept while nothing it shows changed (``selectors.kept_roster``), not
    each search of it; the people's rows are written once (``selectors.roster_rows_html``)."""
    query = request.GET.get("q", "")[:100]
    # A search is written afresh each time (nothing kept).
    fingerprint = None if query else lambda: selectors.roster_fingerprint(request, session_id)

    def build() -> tuple[selectors.RosterHeading, bytes]:
        session = get_object_or_404(selectors.sessions_for_roster(), pk=session_id)
        context = selectors.roster_for_session(session=session, query=query)
        body = render_to_string(
            "courses/attendance/includes/roster_body.html",
            context
            | {
                "rows_html": selectors.roster_rows_html(context["people"]),
                "walk_in_form": WalkInForm(),
                "online_code": checkin.online_code(session.pk) if session.has_online_part else "",
                "roster_url": roster_url,
                # Where a mark comes back to: the same roster, with the same search.
                "mark_next": roster_url + (f"?q={quote(query, safe='/')}" if query else ""),
                "in_admin": in_admin,
                "csrf_token": CSRF_PLACEHOLDER,  # above the request's own
            },
            request=request,
        )
        return selectors.RosterHeading.of(session), body.encode()

    variant = "admin" if in_admin else "site"
    heading, body = selectors.kept_roster(request, session_id, variant, fingerprint, build)
    return with_kept_body(request, template_name, {"heading": heading}, body)


@never_cache
@can_take_attendance
def roster(request, session_id: int):
    return roster_response(
        request,
        session_id,
        reverse("courses:roster", args=[session_id]),
        "courses/attendance/roster.html",
    )


def _wants_json(request) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _mark_posted(data) -> tuple[int | None, str]:
    """(enrolment, status) of a mark: the roster's button says both ("<enrolment>:<status>",
    as the whole list is one form); a client may also post them as two fields."""
    if "mark" in data:
        enrolment, _sep, status = data["mark"].partition(":")
    else:
        enrolment, status = data.get("enrolment"), data.get("status", "")
    return whole_number(enrolment), status


@require_POST
@can_take_attendance
def roster_mark(request, session_id: int):
    session = get_object_or_404(Session, pk=session_id)
    enrolment_id, status = _mark_posted(request.POST)
    enrolment = get_object_or_404(Enrolment, pk=enrolment_id or 0, run_id=session.run_id)
    try:
        if status not in STAFF_ATTENDANCE_CHOICES:
            raise services.EnrolmentError(_("Choose one of the attendance choices."))
        services.attendance_record(
            enrolment=enrolment, session=session, status=status, by=request.user
        )
    except services.EnrolmentError as exc:
        if _wants_json(request):
            return JsonResponse({"error": str(exc)}, status=400)
        messages.error(request, str(exc))
    if _wants_json(request):
        return roster_live(request, session_id)
    return _back_to_roster(request, session.pk, f"person-{enrolment.pk}")


@require_POST
@can_take_attendance
def roster_rest_absent(request, session_id: int):
    session = get_object_or_404(Session, pk=session_id)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm that everyone present has been marked."))
        return _back_to_roster(request, session.pk)
    try:
        count = services.attendance_mark_rest_absent(session=session, by=request.user)
    except services.EnrolmentError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(count)d people were marked absent.") % {"count": count})
    return _back_to_roster(request, session.pk)


@require_POST
@can_take_attendance
def roster_walk_in(request, session_id: int):
    session = get_object_or_404(Session.objects.select_related("run"), pk=session_id)
    form = WalkInForm(request.POST)
    person = (
        User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
        if form.is_valid()
        else None
    )
    if person is None:
        messages.error(
            request,
            _(
                "Nobody is registered with that email address. The person can sign up on "
                "their phone first, then you add them here."
            ),
        )
        return _back_to_roster(request, session.pk)
    try:
        attendance = services.walk_in_add(session=session, user=person, by=request.user)
    except services.EnrolmentError as exc:
        messages.error(request, str(exc))
        return _back_to_roster(request, session.pk)
    messages.success(
        request,
        _("%(name)s was added and marked %(status)s.")
        % {"name": person.get_full_name(), "status": attendance.get_status_display()},
    )
    return _back_to_roster(request, session.pk, f"person-{attendance.enrolment_id}")


@never_cache
@can_take_attendance
def roster_live(request, session_id: int):
    """Statuses and counts for the roster's live update (check-ins arrive while staff watch),
    asked for every ten seconds by each phone showing the roster.  Kept as the roster page
    is (``selectors.kept_roster``), with an ETag: while nothing changed, the phone's
    ``If-None-Match`` gets a bodiless 304 instead of 300 people again."""

    def build() -> tuple[str, bytes]:
        session = get_object_or_404(Session, pk=session_id)
        context = selectors.roster_for_session(session=session)
        people = {
            row.enrolment_id: {"status": row.status, "label": row.label, "detail": row.detail}
            for row in selectors.roster_rows(context["people"])
        }
        body = json.dumps(
            {"counts": context["counts"], "people": people}, cls=DjangoJSONEncoder
        ).encode()
        return quote_etag(hashlib.md5(body, usedforsecurity=False).hexdigest()), body

    etag, body = selectors.kept_roster(
        request,
        session_id,
        "live",
        lambda: selectors.roster_fingerprint(request, session_id),
        build,
    )
    response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    if request.method not in ("GET", "HEAD"):
        return response  # a mark's answer (``roster_mark``): saved, never "412"
    return get_conditional_response(request, etag=etag, response=response)


@never_cache
@can_take_attendance
def check_in_screen(request, session_id: int):
    """Full screen for the venue projector: the rotating QR code and the typed code."""
    session = get_object_or_404(Session.objects.select_related("run__course"), pk=session_id)
    return TemplateResponse(
        request,
        "courses/attendance/check_in_screen.html",
        {"session": session, **_screen_code(request, session)},
    )


@never_cache
@can_take_attendance
def check_in_screen_code(request, session_id: int):
    session = get_object_or_404(Session, pk=session_id)
    code = _screen_code(request, session)
    counts = selectors.arrivals_for_session(session=session)
    return JsonResponse(
        {
            "svg": code["qr_svg"],
            "url": code["qr_url"],
            "typed_code": code["typed_code"],
            "seconds_left": code["seconds_left"],
            "arrived": counts["arrived"],
            "total": counts["total"],
        }
    )


def _screen_code(request, session: Session) -> dict:
    now = timezone.now()
    window = checkin.window_at(now)
    url = request.build_absolute_uri(
        reverse(
            "courses:check_in_qr", args=[session.pk, window, checkin.qr_token(session.pk, window)]
        )
    )
    rotation = settings.ATTENDANCE_CODE_ROTATION_SECONDS
    return {
        "qr_url": url,
        "qr_svg": segno.make(url, error="m").svg_inline(scale=10, border=2, dark="#000"),
        "typed_code": checkin.typed_code(session.pk, window),
        "seconds_left": rotation - int(now.timestamp()) % rotation,
        "window": checkin.checkin_window(session.starts_at, session.ends_at),
        "is_open": checkin.checkin_window(session.starts_at, session.ends_at).is_open(now),
    }


# --- Participants: check-in, online join and code, apologies ----------------------------------


def _result(request, *, ok: bool, message: str, session: Session | None = None, status=200):
    return TemplateResponse(
        request,
        "courses/attendance/check_in_result.html",
        {"ok": ok, "message": message, "session": session},
        status=status,
    )


def _checked_in_message(attendance) -> str:
    if attendance.status == AttendanceStatus.LATE:
        return _("You are checked in (arrived late). Welcome!")
    return _("You are checked in. Welcome!")


@never_cache
def check_in_qr(request, session_id: int, window: int, token: str):
    """Where the projected QR code leads.  The token proves the person saw the screen in the
    last seconds; signing in first is allowed (the scan time is kept for a while)."""
    session = get_object_or_404(Session.objects.select_related("run__course"), pk=session_id)
    now = timezone.now()
    verdict = checkin.check_qr(session.pk, window, token, now)
    if verdict is checkin.CodeCheck.WRONG:
        return _result(
            request,
            ok=False,
            session=session,
            message=_(
                "This code is not for this session. Please scan the code shown on the screen "
                "in your room, or type the number shown under it."
            ),
            status=400,
        )
    if verdict is checkin.CodeCheck.EXPIRED:
        return _result(
            request,
            ok=False,
            session=session,
            message=_(
                "This code has expired; the code on the screen changes every few seconds. "
                "Please scan it again."
            ),
            status=400,
        )
    if not request.user.is_authenticated:
        request.session[PENDING_CHECK_IN_KEY] = {"session": session.pk, "at": now.isoformat()}
        return redirect_to_login(reverse("courses:check_in_pending"))
    return _check_in(request, session, arrived_at=now)


@never_cache
@login_required
def check_in_pending(request):
    """After signing in from a scan: check in with the time of the scan."""
    pending = request.session.pop(PENDING_CHECK_IN_KEY, None) or {}
    scanned_at = parse_datetime(pending.get("at", "")) if pending else None
    if (
        scanned_at is None
        or (timezone.now() - scanned_at).total_seconds() > PENDING_CHECK_IN_SECONDS
    ):
        messages.error(request, _("Please scan the code on the screen again."))
        return redirect("courses:check_in_code")
    session = get_object_or_404(
        Session.objects.select_related("run__course"), pk=pending["session"]
    )
    return _check_in(request, session, arrived_at=scanned_at)


def _check_in(request, session: Session, *, arrived_at: datetime):
    try:
        attendance = services.attendance_check_in(
            session=session, user=request.user, arrived_at=arrived_at
        )
    except services.EnrolmentError as exc:
        return _result(request, ok=False, session=session, message=str(exc), status=400)
    return _result(request, ok=True, session=session, message=_checked_in_message(attendance))


def _try_limits(request) -> list[tuple[str, int, int]]:
    """(cache key, window in seconds, wrong codes allowed) for each limit on typed codes: per
    person for ten minutes; per person for a day, so that a whole session of patient guessing
    stays futile (at most ATTENDANCE_CODE_MAX_TRIES_PER_DAY × 2 valid codes in 10,000); per
    address, so that several accounts on one device cannot pool their tries (a venue's shared
    wifi stays well under it: people rarely mistype)."""
    person, address = request.user.pk, ratelimit.client_address(request)
    return [
        (
            f"attendance-code-tries:{person}",
            CODE_TRIES_WINDOW_SECONDS,
            settings.ATTENDANCE_CODE_MAX_TRIES,
        ),
        (
            f"attendance-code-tries-day:{person}",
            DAY_SECONDS,
            settings.ATTENDANCE_CODE_MAX_TRIES_PER_DAY,
        ),
        (
            f"attendance-code-tries-ip:{address}",
            CODE_TRIES_WINDOW_SECONDS,
            settings.ATTENDANCE_CODE_MAX_TRIES_PER_ADDRESS,
        ),
    ]


def _too_many_tries(request) -> bool:
    return any(ratelimit.count(key) >= limit for key, _window, limit in _try_limits(request))


def _count_wrong_try(request) -> None:
    """Wrong codes only, in the shared cache."""
    for key, window, _limit in _try_limits(request):
        ratelimit.hit(key, window)


def _too_many_message() -> str:
    return _("Too many wrong codes. Please wait ten minutes, or ask the staff to mark you present.")


@never_cache
@login_required
def check_in_code(request):
    """The typed fallback: the 4-digit number under the QR code."""
    now = timezone.now()
    form = AttendanceCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _too_many_tries(request):
            return _result(request, ok=False, message=_too_many_message(), status=429)
        code = checkin.normalise_code(form.cleaned_data["code"])
        open_sessions = selectors.sessions_open_for_check_in(user=request.user, now=now)
        session = next(
            (
                s
                for s in open_sessions
                if checkin.check_typed(s.pk, code, now) is checkin.CodeCheck.VALID
            ),
            None,
        )
        if session is not None:
            return _check_in(request, session, arrived_at=now)
        _count_wrong_try(request)
        form.add_error(
            "code",
            _("That number does not match the screen. Type the number shown now and try again.")
            if open_sessions
            else _("None of your sessions is open for check-in now."),
        )
    return TemplateResponse(request, "courses/attendance/check_in_code.html", {"form": form})


def _own_session(request, session_id: int) -> tuple[Session, Enrolment]:
    session = get_object_or_404(Session.objects.select_related("run__course"), pk=session_id)
    enrolment = get_object_or_404(
        Enrolment,
        run_id=session.run_id,
        user=request.user,
        status__in=services.ATTENDING_STATUSES,
    )
    return session, enrolment


@require_POST
@login_required
def online_join(request, session_id: int):
    session, _enrolment = _own_session(request, session_id)
    try:
        url = services.online_join(session=session, user=request.user)
    except services.EnrolmentError as exc:
        messages.error(request, str(exc))
        return redirect("courses:my_learning")
    return HttpResponseRedirect(url)


@login_required
def online_code(request, session_id: int):
    session, _enrolment = _own_session(request, session_id)
    form = AttendanceCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _too_many_tries(request):
            return _result(request, ok=False, message=_too_many_message(), status=429)
        try:
            attendance = services.online_code_enter(
                session=session, user=request.user, code=form.cleaned_data["code"]
            )
        except services.WrongCode as exc:
            _count_wrong_try(request)
            form.add_error("code", str(exc))
        except services.CheckInError as exc:
            form.add_error("code", str(exc))
        else:
            if attendance.status == AttendanceStatus.JOINED:
                message = _(
                    "Code received. Please also join the session with the button on My learning."
                )
            else:
                message = _("Thank you, your attendance is confirmed.")
            return _result(request, ok=True, session=session, message=message)
    return TemplateResponse(
        request, "courses/attendance/online_code.html", {"form": form, "session": session}
    )


@login_required
def apology(request, session_id: int):
    session, enrolment = _own_session(request, session_id)
    form = ApologyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_apologise(
                enrolment=enrolment, session=session, reason=form.cleaned_data["reason"]
            )
        except services.EnrolmentError as exc:
            form.add_error("reason", str(exc))
        else:
            messages.success(
                request, _("Thank you for letting us know. The organisers will see it.")
            )
            return redirect("courses:my_learning")
    return TemplateResponse(
        request, "courses/attendance/apology.html", {"form": form, "session": session}
    )

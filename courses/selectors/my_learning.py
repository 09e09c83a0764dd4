"""My learning: a person's own courses, with their sessions, what they can do at each
(check in, join, apologise), completion, learning minutes and make-up runs.

A person with 30 places sees a few hundred sessions, so each session reaches the template as
plain values (``MySession``): dates already formatted, links already built and labels already
translated.  Model instances, ``{% url %}``, ``|date`` and ``get_*_display`` per row cost
several times more than the page's queries (issue #9)."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypedDict

from django.apps import apps
from django.conf import settings
from django.db.models import (
    Count,
    Max,
    Q,
    QuerySet,
    Sum,
)
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as format_date
from django.utils.formats import get_format
from django.utils.html import escape
from wagtail.models import Page, Site

from courses.checkin import checkin_window
from courses.completion import CompletionRules, SessionFacts, minutes_learned
from courses.models import (
    Attendance,
    AttendanceStatus,
    Enrolment,
    EnrolmentStatus,
    Session,
    SessionModality,
    SessionStatus,
)
from courses.selectors.attendance import ARRIVED_STATUSES
from courses.selectors.completion import (
    attach_make_up_runs,
    completion_extras,
    evaluation_for_enrolment,
)
from courses.selectors.enrolment import waiting_ahead_annotation
from lms.lookups import sum_of_times, summary_of_related
from lms.models import Municipality, User
from lms.pagecache import (
    CSRF_PLACEHOLDER,
    PERSONAL_STORE,
    compact_html,
    end_of_day,
    keep_value,
    keeps_values,
    kept_value,
)
from lms.statements import IdStatement

# As ``Session.has_online_part`` and ``has_venue_part``, for sessions read as values.
ONLINE_PART = {SessionModality.ONLINE, SessionModality.HYBRID}
VENUE_PART = {SessionModality.IN_PERSON, SessionModality.HYBRID}


class MySession(TypedDict):
    """One session of a run on My learning, ready to print.  The person's own record and
    actions are filled only for places with a seat.  A dict, as the template language looks
    keys up first.  What everyone sees is escaped here, once (``escape`` gives safe strings
    the template prints as they are): the title alone is printed three times per row."""

    pk: int
    title: str
    cancelled: bool
    status_label: str  # "" while scheduled
    mandatory: bool
    starts_iso: str  # for <time datetime>
    ends_iso: str
    date: str  # the start date as the active language writes it (DATE_FORMAT)
    starts_time: str  # "H:i"
    ends_time: str
    modality: str  # as shown
    venue_name: str  # "" without a venue
    place: str  # the venue's municipality as shown (a ward with its city)
    map_url: str
    upcoming: bool  # not cancelled and not over: the calendar links on a seat's list
    ics_url: str
    google_url: str
    record_status: str  # the person's attendance, "" before any record
    record_label: str
    record_note: str
    online_url: str
    join_url: str  # "Join online" (a form posting to us) while the window is open
    code_url: str  # entering the attendance code, idem until checked in
    can_check_in: bool  # at the venue, with the number on the screen
    apology_url: str  # "I cannot attend", before the start
    join_hint: bool  # "the join button appears here N minutes before the start"


# A session's row for a place without a seat: no record, nothing to do there.
NOT_MINE = {
    "record_status": "",
    "record_label": "",
    "record_note": "",
    "online_url": "",
    "join_url": "",
    "code_url": "",
    "can_check_in": False,
    "apology_url": "",
    "join_hint": False,
}


@dataclass(frozen=True)
class MyLearningPage:
    """My learning below its heading, as HTML (UTF-8, see ``lms.pagecache.with_kept_body``)
    with ``CSRF_PLACEHOLDER`` for the token, the meeting hosts its "Join online" forms lead to
    (for the page's Content-Security-Policy) and when time alone changes it next."""

    body: bytes
    form_targets: tuple[str, ...]
    changes_at: dt.datetime


def my_learning_page(request: HttpRequest) -> MyLearningPage:
    """The signed-in person's My learning.  A person opens it again and again (to check in, to
    join, after each step) and it is mostly unchanged, while building it for 30 places takes
    tens of milliseconds: what was built is kept in the process's store for people's pages,
    named by the person, their language and a fingerprint of everything of theirs it shows
    (``learning_fingerprint``, one query), under the public version (sessions, runs, course
    and lesson pages; with its seats part while they wait for a place, as their number on the
    waiting list moves with others' places), until time alone would change it."""
    if not keeps_values(request):
        return _build_my_learning(request)
    fingerprint = learning_fingerprint(request.user)
    digest = hashlib.sha256(repr(fingerprint).encode()).hexdigest()
    name = f"my-learning:{request.user.pk}:{digest}"
    waiting = fingerprint[0] is not None  # a count of waiting places, if any
    found, page = kept_value(request, name, seats=waiting, store=PERSONAL_STORE)
    now = timezone.now()
    if found and now < page.changes_at:
        return page
    page = _build_my_learning(request, now)
    keep_for = max(1, int((page.changes_at - now).total_seconds()))
    keep_value(request, name, page, timeout=keep_for, store=PERSONAL_STORE)
    return page


def _build_my_learning(request: HttpRequest, now: dt.datetime | None = None) -> MyLearningPage:
    places = enrolment_list_for_learner(user=request.user, request=request, now=now)
    body = render_to_string(
        "courses/includes/my_learning_body.html",
        {
            **places,
            "checkin_opens_minutes": settings.ATTENDANCE_CHECKIN_OPENS_MINUTES,
            "csrf_token": CSRF_PLACEHOLDER,  # above the request's own
        },
        request=request,
    )
    body = compact_html(body).encode()
    form_targets = tuple(
        row["online_url"]
        for enrolment in places["current"]
        for row in enrolment.session_rows
        if row["join_url"]
    )
    return MyLearningPage(body=body, form_targets=form_targets, changes_at=places["changes_at"])


def learning_fingerprint(user: User) -> tuple:
    """In one query, everything of the person's own that My learning shows, so that any change
    to it gives another value: their places (how many, the last change, how many wait), their
    attendance records, certificates (the PDF is stored by an update no signal sees: counted
    by what the page shows of them), online lessons opened and done, checks passed,
    mentoring sessions they confirmed and survey invitations (open ones are asked for).
    Every change to places and records sets their ``updated_at`` (updates too).  What
    everyone sees (sessions, runs, pages) is public content, under the public version; time
    alone is ``MyLearningPage.changes_at``.

    The query is built once (``lms.statements``): building it costs more than running it."""
    return LEARNING_FINGERPRINT.rows(user.pk, model=User)[0]


def _learning_fingerprint_of(alias: str, person: int) -> QuerySet:
    """One row of the person's: each part as one text (see ``lms.lookups.summary_of_related``)."""
    Certificate = apps.get_model("certificates", "Certificate")  # noqa: N806
    LessonProgress = apps.get_model("lessons", "LessonProgress")  # noqa: N806
    QuizAttempt = apps.get_model("lessons", "QuizAttempt")  # noqa: N806
    MentoringSession = apps.get_model("mentoring", "MentoringSession")  # noqa: N806
    SurveyInvitation = apps.get_model("surveys", "SurveyInvitation")  # noqa: N806
    # Times are summed, not their largest taken: a change stamped before another but
    # committed after it must change the value too (lms.lookups.EpochMicroseconds).
    parts = {
        "waiting": summary_of_related(
            Enrolment.objects.filter(status=EnrolmentStatus.WAITLISTED), "user", Count("pk")
        ),
        "places": summary_of_related(
            Enrolment.objects.all(), "user", Count("pk"), sum_of_times("updated_at")
        ),
        "records": summary_of_related(
            Attendance.objects.all(), "enrolment__user", Count("pk"), sum_of_times("updated_at")
        ),
        "certificates": summary_of_related(
            Certificate.objects.all(),
            "enrolment__user",
            Count("pk"),
            Max("pk"),
            Count("pk", filter=Q(status="valid") & ~Q(pdf="")),
            Count("pk", filter=Q(status="revoked")),
        ),
        "lessons": summary_of_related(
            LessonProgress.objects.all(),
            "user",
            Count("pk"),
            sum_of_times("opened_at"),
            Count("completed_at"),
        ),
        "checks": summary_of_related(
            QuizAttempt.objects.filter(passed=True), "user", Count("lesson", distinct=True)
        ),
        # Confirmed sessions count for the runs their programme is linked to (a programme is
        # edited as a snippet, not public content): the links are part of it.
        "mentoring": summary_of_related(
            MentoringSession.objects.filter(confirmed_by_mentee_at__isnull=False),
            "pair__mentee",
            Count("pk"),
            Sum("pair__programme__cohort_id"),
            Count("pair__programme__cohort_id"),
        ),
        "surveys": summary_of_related(
            SurveyInvitation.objects.all(),
            "enrolment__user",
            Count("pk"),
            Count("pk", filter=Q(answered_at__isnull=True)),
            sum_of_times("updated_at"),
        ),
    }
    return User.objects.using(alias).filter(pk=person).annotate(**parts).values_list(*parts)


LEARNING_FINGERPRINT = IdStatement(_learning_fingerprint_of)


def enrolment_list_for_learner(
    *, user: User, request: HttpRequest | None = None, now: dt.datetime | None = None
) -> dict:
    """My learning: current places (with their sessions as ``session_rows``) and past courses,
    and ``changes_at``: the next moment time alone changes them (a session's check-in window
    opens or closes, it starts or ends, a later run stops taking enrolments, the day ends).
    ``request`` makes page links as ``{% pageurl %}`` would and shares the site's root paths
    with the rest of the page (one cache read)."""
    enrolments = list(
        Enrolment.objects.filter(user=user)
        .exclude(status=EnrolmentStatus.CANCELLED)
        .annotate(waiting_ahead=waiting_ahead_annotation())
        .select_related("run__course")
        .prefetch_related("certificates")  # issue #5: the holder's download link
        .order_by("run__starts_on", "pk")
    )
    now = now or timezone.now()
    today = timezone.localdate(now)
    page_url = _page_urls(request)
    current, past = [], []
    for enrolment in enrolments:
        (past if enrolment.run.ends_on < today else current).append(enrolment)
        enrolment.has_seat = enrolment.status in (
            EnrolmentStatus.ENROLLED,
            EnrolmentStatus.COMPLETED,
        )
        enrolment.can_cancel = enrolment.status in (
            EnrolmentStatus.PENDING,
            EnrolmentStatus.ENROLLED,
            EnrolmentStatus.WAITLISTED,
        )
        if enrolment.status == EnrolmentStatus.WAITLISTED:
            enrolment.position = enrolment.waiting_ahead + 1
        enrolment.session_rows = []
    seated = [e for e in enrolments if e.has_seat]
    # Shown for current places, counted for places with a seat (past ones too).
    sessions = _sessions_by_run({e.run_id for e in current + seated}, request)
    total_minutes = _attach_my_attendance(seated, sessions, now)
    self_paced_minutes = _attach_lesson_progress(user, seated, page_url)
    making_up = [
        e for e in enrolments if getattr(e, "evaluation", None) and e.evaluation.is_not_possible
    ]
    attach_make_up_runs(making_up, now)
    _attach_session_rows(current, sessions, now)
    run_calendar, cancel = _url_for_pk("courses:run_ics"), _url_for_pk("courses:cancel")
    for enrolment in current:
        enrolment.course_url = page_url(enrolment.run.course)
        enrolment.calendar_url = run_calendar(enrolment.run_id)
        enrolment.cancel_url = cancel(enrolment.pk)
    return {
        "current": current,
        "past": past,
        "total_minutes": total_minutes + self_paced_minutes,
        "self_paced_minutes": self_paced_minutes,
        "changes_at": _next_change(now, sessions, making_up),
    }


def _next_change(
    now: dt.datetime, sessions: dict[int, list[dict]], making_up: list[Enrolment]
) -> dt.datetime:
    """The first moment after ``now`` at which My learning would show something else with no
    change to the data: the day's end (current places become past ones), each session's
    check-in window opening and closing, its start (no more apologies) and end (no longer
    upcoming; counted for completion), a later run's enrolment closing."""
    moments = [end_of_day(now)]
    for run_sessions in sessions.values():
        for session in run_sessions:
            window = checkin_window(session["starts_at"], session["ends_at"])
            # The window is open up to its last moment included: closed just after it.
            closed = window.closes_at + dt.timedelta(microseconds=1)
            moments += [window.opens_at, session["starts_at"], session["ends_at"], closed]
    for enrolment in making_up:
        moments += [run.enrolment_closes_at for run in enrolment.make_up_runs]
    return min(moment for moment in moments if moment and moment > now)


def _page_urls(request: HttpRequest | None) -> Callable[[Page], str | None]:
    """A page's URL as ``{% pageurl %}`` gives it, the site's root paths read once: kept on
    the request as Wagtail does (the header menu then reuses them) or, without a request,
    handed to each page (``page.url`` otherwise reads the shared cache once per page)."""
    urls: dict[int, str | None] = {}
    root_paths = []

    def url(page: Page) -> str | None:
        if page.pk not in urls:
            if request is not None:
                urls[page.pk] = page.get_url(request)
            else:
                if not root_paths:
                    root_paths.append(Site.get_site_root_paths())
                page._wagtail_cached_site_root_paths = root_paths[0]
                urls[page.pk] = page.url
        return urls[page.pk]

    return url


def _sessions_by_run(run_ids: set[int], request: HttpRequest | None) -> dict[int, list[dict]]:
    """Each run's sessions in order, as plain values with their venue and municipality, each
    with ``shown``: what everyone sees of it on My learning (``_shown``).  Sessions are public
    content: with a request they are kept per run and language in the process's page store
    under the public version (``lms.pagecache``), so a person's page reads only the runs not
    kept yet, in one query, with no model instances."""
    from lms.pagecache import keep_value, keeps_values, kept_value

    sessions: dict[int, list[dict]] = {}
    keeping = request is not None and keeps_values(request)
    missing = set()
    for run_id in run_ids:
        found, kept = False, None
        if keeping:
            found, kept = kept_value(request, f"my-learning-sessions:{run_id}")
        if found:
            sessions[run_id] = kept
        else:
            missing.add(run_id)
    if not missing:
        return sessions
    for run_id in missing:
        sessions[run_id] = []
    shown = _session_shower()
    for row in (
        Session.objects.filter(run_id__in=missing)
        .order_by("starts_at", "pk")
        .values(
            "pk",
            "run_id",
            "title",
            "starts_at",
            "ends_at",
            "modality",
            "status",
            "is_mandatory",
            "online_url",
            "venue_id",
            "venue__name",
            "venue__map_url",
            "venue__municipality_id",
            "venue__municipality__name",
            "venue__municipality__name_en",
            "venue__municipality__kind",
            "venue__municipality__parent_id",
            "venue__municipality__parent__name",
            "venue__municipality__parent__name_en",
        )
    ):
        row["shown"] = shown(row)
        sessions[row["run_id"]].append(row)
    if keeping:
        for run_id in missing:
            keep_value(request, f"my-learning-sessions:{run_id}", sessions[run_id])
    return sessions


def _attach_lesson_progress(
    user: User, enrolments: list[Enrolment], page_url: Callable[[Page], str | None]
) -> int:
    """Online lessons (issue #11): "3 of 5 lessons" and where to resume per course; returns
    the self-paced minutes (lessons done, estimated minutes, each course counted once)."""
    from lessons.selectors import progress_by_course

    progress = progress_by_course(
        user_ids={user.pk}, course_ids={e.run.course_id for e in enrolments}
    )
    for enrolment in enrolments:
        enrolment.lesson_progress = progress.get((user.pk, enrolment.run.course_id))
        resume = enrolment.lesson_progress and enrolment.lesson_progress.resume
        enrolment.resume_url = page_url(resume) if resume else ""
    return sum(p.minutes_done for p in progress.values())


def _attach_my_attendance(
    enrolments: list[Enrolment], sessions: dict[int, list[dict]], now: dt.datetime
) -> int:
    """Each place's own attendance records (``enrolment.records``: session id -> record
    values), the completion evaluation and learning minutes, from one query.  Returns the
    person's total learning minutes."""
    records: dict[int, dict[int, dict]] = {e.pk: {} for e in enrolments}
    for record in Attendance.objects.filter(enrolment__in=[e.pk for e in enrolments]).values(
        "enrolment_id", "session_id", "status", "note", "arrived_at", "minutes_present"
    ):
        records[record["enrolment_id"]][record["session_id"]] = record
    extras = completion_extras(enrolments, {e.run_id: e.run.course for e in enrolments})
    total = 0
    for enrolment in enrolments:
        enrolment.records = mine = records[enrolment.pk]
        enrolment.minutes_learned = 0
        statuses = {}
        facts = []
        for session in sessions[enrolment.run_id]:
            if session["status"] == SessionStatus.CANCELLED:
                continue
            facts.append(
                SessionFacts(session["pk"], session["is_mandatory"], session["ends_at"] <= now)
            )
            record = mine.get(session["pk"])
            if record:
                statuses[session["pk"]] = record["status"]
                enrolment.minutes_learned += minutes_learned(
                    status=record["status"],
                    starts_at=session["starts_at"],
                    ends_at=session["ends_at"],
                    arrived_at=record["arrived_at"],
                    minutes_present=record["minutes_present"],
                )
        enrolment.evaluation = evaluation_for_enrolment(
            enrolment,
            rules=CompletionRules.for_course(enrolment.run.course),
            sessions=facts,
            statuses=statuses,
            extras=extras,
        )
        total += enrolment.minutes_learned
    return total


def _url_for_pk(name: str) -> Callable[[int], str]:
    """``reverse(name, args=[pk])`` for many pks with one reverse: the pk is the only variable
    part of these paths, and a reverse costs more than the rest of a row."""
    marker = "987654321"
    head, _, tail = reverse(name, args=[int(marker)]).partition(marker)
    return lambda pk: f"{head}{pk}{tail}"


def _attach_session_rows(
    enrolments: list[Enrolment], sessions: dict[int, list[dict]], now: dt.datetime
) -> None:
    """``enrolment.session_rows``: the run's sessions as ``MySession``; with a seat, also the
    person's record and what they can do there now (check in, join, enter the code, send an
    apology)."""
    record_labels = {value: str(label) for value, label in AttendanceStatus.choices}
    join, code = _url_for_pk("courses:online_join"), _url_for_pk("courses:online_code")
    apology = _url_for_pk("courses:apology")
    shown: dict[int, dict] = {}  # session id -> what everyone sees, now
    for enrolment in enrolments:
        for session in sessions[enrolment.run_id]:
            pk = session["pk"]
            if pk not in shown:
                shown[pk] = {
                    **session["shown"],
                    "upcoming": session["status"] != SessionStatus.CANCELLED
                    and session["ends_at"] > now,
                }
            if not enrolment.has_seat:
                enrolment.session_rows.append(MySession(**shown[pk], **NOT_MINE))
                continue
            record = enrolment.records.get(pk)
            live = session["status"] != SessionStatus.CANCELLED
            window_open = live and checkin_window(session["starts_at"], session["ends_at"]).is_open(
                now
            )
            settled = record is not None and record["status"] in ARRIVED_STATUSES
            online = session["modality"] in ONLINE_PART
            can_join = window_open and online
            enrolment.session_rows.append(
                MySession(
                    **shown[pk],
                    record_status=record["status"] if record else "",
                    record_label=record_labels.get(record["status"], record["status"])
                    if record
                    else "",
                    record_note=record["note"] if record else "",
                    online_url=session["online_url"],
                    join_url=join(pk) if can_join else "",
                    code_url=code(pk) if can_join and not settled else "",
                    can_check_in=window_open and session["modality"] in VENUE_PART and not settled,
                    apology_url=apology(pk)
                    if live
                    and now < session["starts_at"]
                    and (record is None or record["status"] != AttendanceStatus.EXCUSED)
                    else "",
                    join_hint=online and not can_join and shown[pk]["upcoming"],
                )
            )


def _session_shower() -> Callable[[dict], dict]:
    """What everyone sees of a session on My learning, as ``MySession`` fields escaped for HTML
    (all but ``upcoming``, which changes with the time), in the active language."""
    # Read now (str): kept values are pickled, and a lazy translation cannot be.
    modalities = {value: escape(str(label)) for value, label in SessionModality.choices}
    statuses = {value: escape(str(label)) for value, label in SessionStatus.choices}
    ics, google = _url_for_pk("courses:session_ics"), _url_for_pk("courses:session_google")
    date_format = get_format("DATE_FORMAT")  # as ``|date:"DATE_FORMAT"`` in the language shown
    places: dict[int, str] = {}

    def shown(session: dict) -> dict:
        starts_at = timezone.localtime(session["starts_at"])
        ends_at = timezone.localtime(session["ends_at"])
        municipality_id = session["venue__municipality_id"]
        if municipality_id is not None and municipality_id not in places:
            places[municipality_id] = escape(_municipality_name(session))
        return {
            "pk": session["pk"],
            "title": escape(session["title"]),
            "cancelled": session["status"] == SessionStatus.CANCELLED,
            "status_label": ""
            if session["status"] == SessionStatus.SCHEDULED
            else statuses.get(session["status"], session["status"]),
            "mandatory": session["is_mandatory"],
            "starts_iso": escape(starts_at.isoformat()),
            "ends_iso": escape(ends_at.isoformat()),
            "date": escape(format_date(starts_at, date_format)),
            "starts_time": escape(f"{starts_at.hour:02d}:{starts_at.minute:02d}"),  # |time:"H:i"
            "ends_time": escape(f"{ends_at.hour:02d}:{ends_at.minute:02d}"),
            "modality": modalities.get(session["modality"], session["modality"]),
            "venue_name": escape(session["venue__name"] or ""),
            "place": places.get(municipality_id, ""),
            "map_url": escape(session["venue__map_url"] or ""),
            "ics_url": escape(ics(session["pk"])),
            "google_url": escape(google(session["pk"])),
        }

    return shown


def _municipality_name(session: dict) -> str:
    """The venue's municipality as ``Municipality.display_name`` shows it (a ward with its
    city, English names on English pages), from the session's values."""
    parent_id = session["venue__municipality__parent_id"]
    parent = (
        Municipality(
            pk=parent_id,
            name=session["venue__municipality__parent__name"],
            name_en=session["venue__municipality__parent__name_en"],
        )
        if parent_id
        else None
    )
    return Municipality(
        pk=session["venue__municipality_id"],
        name=session["venue__municipality__name"],
        name_en=session["venue__municipality__name_en"],
        kind=session["venue__municipality__kind"],
        parent=parent,
    ).display_name

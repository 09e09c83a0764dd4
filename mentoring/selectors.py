"""Read-side queries for mentoring (issue #8): what matching needs, the pairs a person may
see (a mentor their own, a mentee their own), the mentee's page, and coordinators' alerts."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Window
from django.db.models.functions import RowNumber
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lms.models import User
from lms.statements import IdStatement
from lms.versioned import SharedVersion
from mentoring.matching import Person, rank_mentors
from mentoring.models import (
    CAPACITY_STATUSES,
    AlertAcknowledgement,
    ChangeRequest,
    Meeting,
    MenteeProfile,
    MentoringProgramme,
    MentoringSession,
    MentorProfile,
    Pair,
    PairStatus,
)

OPEN_STATUSES = [PairStatus.PROPOSED, PairStatus.ACTIVE, PairStatus.PAUSED]
HIGH_LOAD = 3  # on the 1–4 scale: "heavy" or "too heavy"


@dataclass
class MatchingFacts:
    mentors: list[Person]
    mentees: list[Person]
    free: dict[int, int]  # mentor user id -> places not taken by pairs or drafts
    mentee_profiles: dict[int, MenteeProfile]


def _person(profile, *, experience: int = 0) -> Person:
    fields = list(profile.fields.all())
    return Person(
        user_id=profile.user_id,
        name=profile.user.full_name_kana or profile.user.full_name,
        profession_id=profile.user.profession_id,
        field_ids=frozenset(f.pk for f in fields),
        field_names={f.pk: str(f) for f in fields},
        municipality=profile.municipality,
        online_ok=profile.online_ok,
        slots=frozenset(profile.slots),
        experience_years=experience,
    )


def matching_facts(*, programme: MentoringProgramme) -> MatchingFacts:
    """Mentors accepting mentees with their free places, and the programme's mentees without
    an open pair: five queries whatever their numbers."""
    taken = dict(
        Pair.objects.filter(status__in=[*CAPACITY_STATUSES, PairStatus.PROPOSED])
        .values_list("mentor")
        .annotate(n=Count("pk"))
        .order_by()
    )
    mentor_profiles = list(
        MentorProfile.objects.filter(accepting=True, user__is_active=True)
        .select_related("user", "municipality__parent")
        .prefetch_related("fields")
        .order_by("pk")
    )
    paired = Pair.objects.filter(programme=programme, status__in=OPEN_STATUSES).values("mentee")
    mentee_profiles = list(
        MenteeProfile.objects.filter(programme=programme, user__is_active=True)
        .exclude(user__in=paired)
        .select_related("user", "municipality__parent")
        .prefetch_related("fields")
        .order_by("pk")
    )
    return MatchingFacts(
        mentors=[_person(p, experience=p.experience_years) for p in mentor_profiles],
        mentees=[_person(p) for p in mentee_profiles],
        free={p.user_id: max(p.capacity - taken.get(p.user_id, 0), 0) for p in mentor_profiles},
        mentee_profiles={p.user_id: p for p in mentee_profiles},
    )


def candidates_for(*, programme: MentoringProgramme, mentee_user_id: int, limit: int = 10):
    """The best mentors for one mentee, with scores and reasons (for choosing by hand)."""
    facts = matching_facts(programme=programme)
    mentee = next((m for m in facts.mentees if m.user_id == mentee_user_id), None)
    if mentee is None:
        return []
    return rank_mentors(
        mentee, facts.mentors, facts.free, cross_profession=programme.cross_profession
    )[:limit]


def programme_pairs(*, programme: MentoringProgramme) -> QuerySet[Pair]:
    last_session = MentoringSession.objects.filter(pair=OuterRef("pk")).order_by("-date")
    return (
        Pair.objects.filter(programme=programme)
        .select_related("mentor", "mentee", "mentor__profession", "mentee__profession")
        .annotate(
            session_count=Count("sessions"),
            last_session_on=Subquery(last_session.values("date")[:1]),
        )
        .order_by("status", "mentee__full_name_kana", "pk")
    )


# --- What each person may see ------------------------------------------------------------------


def pair_for_person(*, pair_id: int, user: User) -> Pair:
    """A pair its mentor or mentee may open; anyone else gets "not found" (no hint that it
    exists).  Drafts are invisible to both until confirmed."""
    pair = (
        Pair.objects.filter(pk=pair_id)
        .filter(Q(mentor=user) | Q(mentee=user))
        .exclude(status=PairStatus.PROPOSED)
        .select_related("mentor", "mentee", "programme")
        .first()
    )
    if pair is None:
        raise Http404
    return pair


def my_mentoring(*, user: User, now: dt.datetime | None = None) -> dict:
    """The person's own page: pairs as a mentor (with their logs) and as a mentee (mentor,
    upcoming meetings, next steps, sessions to confirm).  A fixed number of queries."""
    now = now or timezone.now()
    upcoming = Prefetch(
        "meetings",
        queryset=Meeting.objects.filter(cancelled=False, ends_at__gte=now).order_by("starts_at"),
        to_attr="upcoming_meetings",
    )
    sessions = Prefetch(
        "sessions", queryset=MentoringSession.objects.order_by("-date", "-pk"), to_attr="logs"
    )
    visible = [PairStatus.ACTIVE, PairStatus.PAUSED, PairStatus.ENDED]
    as_mentor = list(
        Pair.objects.filter(mentor=user, status__in=visible)
        .select_related("mentee", "programme")
        .prefetch_related(upcoming, sessions)
        .order_by("status", "pk")
    )
    as_mentee = list(
        Pair.objects.filter(mentee=user, status__in=visible)
        .select_related("mentor", "mentor__mentor_profile", "programme")
        .prefetch_related(upcoming, sessions)
        .order_by("status", "pk")
    )
    for pair in as_mentee:
        pair.next_steps = next((s.next_steps for s in pair.logs if s.next_steps), "")
        pair.to_confirm = [s for s in pair.logs if not s.confirmed_by_mentee_at]
    return {
        "as_mentor": as_mentor,
        "as_mentee": as_mentee,
        "is_mentor": MentorProfile.objects.filter(user=user).exists(),
    }


def meetings_for_feed(*, user: User, now: dt.datetime) -> list[Meeting]:
    """The person's meetings for their private calendar feed (cancelled ones included for a
    while, so calendars remove them)."""
    return list(
        Meeting.objects.filter(Q(pair__mentor=user) | Q(pair__mentee=user))
        .filter(starts_at__gte=now - dt.timedelta(days=90))
        .select_related("pair__mentor", "pair__mentee")
        .order_by("starts_at")
    )


def feed_meetings_fingerprint(*, user: User) -> tuple:
    """What the person's meetings in their feed depend on, in one query built once
    (``lms.statements``): each meeting of theirs, ever, with its last change (a cancellation
    stamps it too) and the pair's two people with what their names are written from
    (``User.get_full_name``).  Which of the meetings are in the feed's window follows from
    the day, which names the kept feed.  Reading the meetings themselves took more than the
    rest of a kept feed together (the query's joins were built on every poll)."""
    return tuple(FEED_MEETINGS_FINGERPRINT.rows(user.pk, model=Meeting))


def _feed_meetings_fingerprint_of(alias: str, person: int) -> QuerySet:
    people = [
        f"pair__{role}__{field}"
        for role in ("mentor", "mentee")
        for field in ("id", "full_name", "email", "withdrawn_at")
    ]
    return (
        Meeting.objects.using(alias)
        .filter(Q(pair__mentor_id=person) | Q(pair__mentee_id=person))
        .order_by("pk")
        .values_list("pk", "updated_at", *people)
    )


FEED_MEETINGS_FINGERPRINT = IdStatement(_feed_meetings_fingerprint_of)


# --- Support for supporters: alerts --------------------------------------------------------------


@dataclass
class Alert:
    """One situation to look at.  ``alert_entries`` leaves ``pair`` and ``mentor`` empty
    (only their ids): ``alerts_with_people`` fills them for the alerts actually shown."""

    key: str
    kind: str
    title: str
    detail: str
    pair: Pair | None
    mentor: User | None
    pair_id: int | None = None
    mentor_id: int | None = None


# What the alerts are built from: a save or delete of any of these can change them
# (connected in ``MentoringConfig.ready``).
ALERTS_VERSION = SharedVersion(
    "mentoring-alerts",
    models=(
        "mentoring.MentoringProgramme",
        "mentoring.MentorProfile",
        "mentoring.Pair",
        "mentoring.MentoringSession",
        "mentoring.ChangeRequest",
        "mentoring.AlertAcknowledgement",
    ),
    seconds=24 * 60 * 60,
    after_commit=True,
)


def alerts(*, now: dt.datetime | None = None, include_acknowledged: bool = False) -> list[Alert]:
    """What coordinators should look at, with the people (see ``alert_entries``)."""
    return alerts_with_people(alert_entries(now=now, include_acknowledged=include_acknowledged))


def alert_entries(
    *, now: dt.datetime | None = None, include_acknowledged: bool = False
) -> list[Alert]:
    """What coordinators should look at, newest situation first: pairs without a session for
    the programme's number of weeks, mentors reporting a high load twice in a row, mentees
    asking for another mentor, mentors over capacity.  Each has a key naming the situation,
    so acknowledging it hides it until something new happens.

    Built from plain values, without the people: hundreds of pairs can be quiet at once and
    the alert page shows 50 of them (issue #9).  Five queries whatever the numbers."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    found: list[Alert] = []
    # Which active pairs are quiet, from plain values (thousands of pairs, few of them quiet),
    # newest pair first as ``Pair``'s ordering.
    quiet: list[tuple[dt.datetime, int, int, dt.date, int, bool]] = []
    # Each pair's latest session by one look-up in the (pair, date) index, not a join of
    # every session ever logged grouped by pair: 8.6 → 2.3 ms for 1,080 active pairs and
    # 20,000 sessions, and it does not grow as years of sessions are logged.
    latest_session = (
        MentoringSession.objects.filter(pair=OuterRef("pk")).order_by("-date").values("date")[:1]
    )
    for pk, mentor_id, created_at, last_on, starts_on, weeks in (
        Pair.objects.filter(status=PairStatus.ACTIVE)
        .annotate(last_session_on=Subquery(latest_session))
        .values_list(
            "pk",
            "mentor_id",
            "created_at",
            "last_session_on",
            "starts_on",
            "programme__quiet_after_weeks",
        )
    ):
        since = last_on or (starts_on or today)
        if (today - since).days >= weeks * 7:
            quiet.append((created_at, pk, mentor_id, since, weeks, last_on is not None))
    quiet.sort(key=lambda row: (row[0], row[1]), reverse=True)
    for _created, pk, mentor_id, since, weeks, had_session in quiet:
        found.append(
            Alert(
                key=f"quiet:{pk}:{since.isoformat()}",
                kind="quiet",
                title=_("No session for %(weeks)d weeks or more") % {"weeks": weeks},
                detail=_("Last session: %(date)s") % {"date": since.strftime("%Y/%m/%d")}
                if had_session
                else _("No session since the pair started on %(date)s")
                % {"date": since.strftime("%Y/%m/%d")},
                pair=None,
                mentor=None,
                pair_id=pk,
                mentor_id=mentor_id,
            )
        )
    # High load twice in a row: each mentor's two latest logs (over all their pairs).
    latest = (
        MentoringSession.objects.filter(pair__status=PairStatus.ACTIVE)
        .annotate(
            recency=Window(
                RowNumber(),
                partition_by=F("pair__mentor_id"),
                order_by=[F("date").desc(), F("pk").desc()],
            )
        )
        .filter(recency__lte=2)
        .order_by("pair__mentor_id", "-date", "-pk")
        .values_list("pair__mentor_id", "pk", "mentor_load")
    )
    by_mentor: dict[int, list[tuple[int, int | None]]] = {}
    for mentor_id, pk, load in latest:
        if len(by_mentor.setdefault(mentor_id, [])) < 2:
            by_mentor[mentor_id].append((pk, load))
    for mentor_id, logs in by_mentor.items():
        if len(logs) == 2 and all((load or 0) >= HIGH_LOAD for _pk, load in logs):
            found.append(
                Alert(
                    key=f"load:{mentor_id}:{logs[0][0]}",
                    kind="load",
                    title=_("High load reported twice in a row"),
                    detail=_("Talk with the mentor about their own load and support."),
                    pair=None,
                    mentor=None,
                    mentor_id=mentor_id,
                )
            )
    for pk, pair_id, mentor_id, reason in ChangeRequest.objects.filter(
        pair__status__in=OPEN_STATUSES
    ).values_list("pk", "pair_id", "pair__mentor_id", "reason"):
        found.append(
            Alert(
                key=f"change:{pk}",
                kind="change",
                title=_("The mentee asks for another mentor"),
                detail=reason,
                pair=None,
                mentor=None,
                pair_id=pair_id,
                mentor_id=mentor_id,
            )
        )
    over = (
        MentorProfile.objects.annotate(
            taken=Count(
                "user__mentoring_as_mentor",
                filter=Q(user__mentoring_as_mentor__status__in=CAPACITY_STATUSES),
            )
        )
        .filter(taken__gt=F("capacity"))
        .values_list("user_id", "taken", "capacity")
    )
    for user_id, taken, capacity in over:
        found.append(
            Alert(
                key=f"over:{user_id}:{taken}:{capacity}",
                kind="over",
                title=_("Mentor over capacity"),
                detail=_("%(taken)d mentees for at most %(capacity)d")
                % {"taken": taken, "capacity": capacity},
                pair=None,
                mentor=None,
                mentor_id=user_id,
            )
        )
    if include_acknowledged:
        return found
    seen = set(
        AlertAcknowledgement.objects.filter(key__in=[a.key for a in found]).values_list(
            "key", flat=True
        )
    )
    return [a for a in found if a.key not in seen]


def kept_alert_entries(*, now: dt.datetime | None = None) -> list[Alert]:
    """``alert_entries``, built once per language and day until a pair, session, change
    request, mentor's capacity or acknowledgement changes (``ALERTS_VERSION``): every
    coordinator opening the alerts sees the same list, and building it reads every active
    pair and each mentor's latest loads (issue #9)."""
    now = now or timezone.now()
    name = f"{translation.get_language()}|{timezone.localdate(now).isoformat()}"
    return ALERTS_VERSION.kept(name, lambda: alert_entries(now=now))


class AlertRow(NamedTuple):
    """One alert as the alert list prints it: plain values, so each row names its HTML and
    is written once (``mentoring.admin_views``), not on every visit."""

    key: str
    kind: str
    title: str
    detail: str
    pair_id: int | None
    mentor_name: str
    mentee_name: str  # "" for an alert about the mentor alone


def alert_rows(entries: list[Alert]) -> list[AlertRow]:
    """The alerts with the names they show, read as plain values: at most two queries however
    many alerts (``alerts_with_people`` builds whole pairs and people, for the digest)."""
    pair_ids = [a.pair_id for a in entries if a.pair_id is not None]
    pair_names = (
        {
            pk: (User.name_shown(*values[:3]), User.name_shown(*values[3:]))
            for pk, *values in Pair.objects.filter(pk__in=pair_ids).values_list(
                "pk",
                *(f"mentor__{field}" for field in User.NAME_FIELDS),
                *(f"mentee__{field}" for field in User.NAME_FIELDS),
            )
        }
        if pair_ids
        else {}
    )
    mentor_ids = [a.mentor_id for a in entries if a.pair_id is None]
    mentor_names = (
        {
            pk: User.name_shown(*values)
            for pk, *values in User.objects.filter(pk__in=mentor_ids).values_list(
                "pk", *User.NAME_FIELDS
            )
        }
        if mentor_ids
        else {}
    )
    # A pair or person deleted since the list was kept is left out, not an error.
    return [
        AlertRow(
            alert.key,
            alert.kind,
            alert.title,
            alert.detail,
            alert.pair_id,
            *(
                pair_names[alert.pair_id]
                if alert.pair_id is not None
                else (mentor_names[alert.mentor_id], "")
            ),
        )
        for alert in entries
        if (alert.pair_id in pair_names)
        or (alert.pair_id is None and alert.mentor_id in mentor_names)
    ]


def alerts_with_people(entries: list[Alert]) -> list[Alert]:
    """Fill in the pair (with its mentor, mentee and programme) and the mentor of each alert,
    in two queries however many alerts."""
    pair_ids = {a.pair_id for a in entries if a.pair_id is not None}
    pairs = (
        Pair.objects.select_related("mentor", "mentee", "programme").in_bulk(list(pair_ids))
        if pair_ids
        else {}
    )
    mentor_ids = {a.mentor_id for a in entries if a.pair_id is None}
    mentors = User.objects.in_bulk(list(mentor_ids)) if mentor_ids else {}
    for alert in entries:
        if alert.pair_id is not None:
            alert.pair = pairs[alert.pair_id]
            alert.mentor = alert.pair.mentor
        else:
            alert.mentor = mentors[alert.mentor_id]
    return entries

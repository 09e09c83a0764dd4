"""Read-side queries for volunteers (issue #7): duplicates, the coordinators' list and board,
the waiting-for-contact list, a volunteer's own page (next step, recommended training, hours,
insurance) and leader candidates."""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

from django.conf import settings
from django.db.models import (
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from courses.models import (
    CURRENT_STATUSES,
    CourseFormat,
    CourseKind,
    CourseRun,
    Enrolment,
    EnrolmentStatus,
    RunStatus,
    Session,
    SessionStatus,
)
from lms.models import AVAILABILITY_FLAGS, Field, Municipality, User
from lms.text import fold_for_matching
from lms.versioned import SharedVersion
from volunteers.models import (
    PIPELINE,
    DuplicateReason,
    LikelyDuplicate,
    Nomination,
    StaffNote,
    Stage,
    StageChange,
    VolunteerHours,
    VolunteerProfile,
)


def phone_key(phone: str) -> str:
    """Digits only, full width folded: 078-341-7711 and ０７８３４１７７１１ are one number."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", phone or "") if ch.isdigit())


def kana_key(kana: str) -> str:
    """ふりがな folded (see lms.text.fold_for_matching): ヤマダ タロウ is やまだたろう."""
    return fold_for_matching(kana)


def likely_duplicates(
    *,
    email: str = "",
    phone: str = "",
    kana: str = "",
    municipality_id: int | None = None,
    age_band: str = "",
    exclude_pk: int | None = None,
) -> list[VolunteerProfile]:
    """Profiles that are probably the same person: the same email, the same phone number, or
    the same ふりがな in the same municipality and age band (one indexed query)."""
    match = Q(pk__in=[])
    if email.strip():
        match |= Q(user__email__iexact=email.strip())
    if phone_key(phone):
        match |= Q(phone_key=phone_key(phone))
    if kana_key(kana) and municipality_id and age_band:
        match |= Q(kana_key=kana_key(kana), municipality_id=municipality_id, age_band=age_band)
    candidates = VolunteerProfile.objects.filter(match).select_related(
        "user", "municipality__parent"
    )
    if exclude_pk:
        candidates = candidates.exclude(pk=exclude_pk)
    return list(candidates.order_by("created_at", "pk"))


def waiting_for_contact(*, days: int, now: dt.datetime | None = None) -> QuerySet:
    """Applicants nobody has contacted for ``days`` days, longest waiting first."""
    now = now or timezone.now()
    return (
        VolunteerProfile.objects.filter(
            stage=Stage.APPLIED, stage_changed_at__lt=now - dt.timedelta(days=days)
        )
        .select_related("user", "municipality__parent")
        .order_by("stage_changed_at", "pk")
    )


def duplicate_reasons(profile: VolunteerProfile, other: VolunteerProfile) -> list[str]:
    """Why two profiles look like one person (DuplicateReason values)."""
    reasons = []
    if profile.user.email.strip().lower() == other.user.email.strip().lower():
        reasons.append(DuplicateReason.EMAIL)
    if profile.phone_key and profile.phone_key == other.phone_key:
        reasons.append(DuplicateReason.PHONE)
    if (
        profile.kana_key
        and profile.kana_key == other.kana_key
        and profile.municipality_id == other.municipality_id
        and profile.age_band == other.age_band
    ):
        reasons.append(DuplicateReason.KANA)
    return reasons


def duplicate_flags_open() -> QuerySet[LikelyDuplicate]:
    """Likely duplicates nobody has looked at yet, newest first."""
    return LikelyDuplicate.objects.filter(resolution="").select_related(
        "profile__user", "profile__municipality", "other__user", "other__municipality"
    )


# What the coordinators' list page shows is built from these (connected in
# ``VolunteersConfig.ready``), and from accounts (``lms.selectors.ACCOUNTS_SHOWN_VERSION``,
# which names the kept page too).  Changes that send no signal call ``changed``.
VOLUNTEER_LIST_VERSION = SharedVersion(
    "volunteer-list",
    models=(
        "volunteers.VolunteerProfile",
        "volunteers.LikelyDuplicate",
        "lms.Municipality",
        "lms.Field",
    ),
    seconds=24 * 60 * 60,
    after_commit=True,
)


def volunteer_list(
    *,
    stage: str = "",
    municipality=None,
    field=None,
    availability: str = "",
    coordinator: User | None = None,
    q: str = "",
) -> QuerySet[VolunteerProfile]:
    """The coordinators' list: every filter optional; a city includes its wards; ``q``
    matches name, ふりがな (any kana or width) or email.  Withdrawn people are listed only
    when asked for by stage."""
    profiles = VolunteerProfile.objects.all()
    if stage:
        profiles = profiles.filter(stage=stage)
    else:
        profiles = profiles.exclude(stage=Stage.WITHDRAWN)
    if municipality:
        # The place and its wards as a list of ids, not an OR across a join: the place index
        # then answers (0.7 → 0.1 ms for a city's active volunteers among 20,000).
        profiles = profiles.filter(
            municipality__in=Municipality.objects.filter(
                Q(pk=getattr(municipality, "pk", municipality)) | Q(parent=municipality)
            ).values("pk")
        )
    if field:
        profiles = profiles.filter(
            Exists(
                VolunteerProfile.fields.through.objects.filter(
                    volunteerprofile=OuterRef("pk"), field=field
                )
            )
        )
    if availability in AVAILABILITY_FLAGS:
        profiles = profiles.filter(**{availability: True})
    if coordinator:
        profiles = profiles.filter(coordinator=coordinator)
    if q.strip():
        folded = fold_for_matching(q)
        match = Q(user__full_name__icontains=q.strip()) | Q(user__email__icontains=q.strip())
        if folded:
            match |= Q(kana_key__contains=folded)
        profiles = profiles.filter(match)
    return profiles.order_by("-stage_changed_at", "-pk")


class VolunteerRow(NamedTuple):
    """One person on the coordinators' list as plain values: each row names its HTML, which
    is written once (``volunteers.admin_views``), not on every visit."""

    profile_id: int
    name: str
    name_kana: str
    stage: str  # as shown
    stage_since: dt.date  # the local day the person reached it
    municipality: str  # a ward with its city: "神戸市 中央区"
    fields: str  # "防災、子育て"
    availability: str  # "平日、夜"
    coordinator: str


def volunteer_rows(
    profile_ids: list[int],
    *,
    place_names: dict[int, str] | None = None,
    field_names: dict[str, str] | None = None,
) -> list[VolunteerRow]:
    """The list's people, in the order of ``profile_ids`` (one page), as plain values in two
    queries: building each profile with its person, place, city and coordinator took longer
    than the rest of the page (issue #9).  ``place_names`` (by id) and ``field_names`` (by
    slug), as the filter's options name them, are read when not given."""
    if not profile_ids:
        return []
    flag_labels = [
        str(VolunteerProfile._meta.get_field(flag).verbose_name) for flag in AVAILABILITY_FLAGS
    ]
    stages = dict(Stage.choices)
    if place_names is None:
        place_names = {
            place.pk: str(place) for place in Municipality.objects.select_related("parent")
        }
    if field_names is None:
        field_names = {field.slug: str(field) for field in Field.objects.all()}
    fields: dict[int, list[str]] = {}
    for profile_id, slug in (
        VolunteerProfile.fields.through.objects.filter(volunteerprofile_id__in=profile_ids)
        .order_by("field__sort_order", "field__name")
        .values_list("volunteerprofile_id", "field__slug")
    ):
        fields.setdefault(profile_id, []).append(field_names.get(slug, ""))
    found = {}
    for values in VolunteerProfile.objects.filter(pk__in=profile_ids).values_list(
        "pk",
        *(f"user__{field}" for field in User.NAME_FIELDS),
        "user__full_name_kana",
        "stage",
        "stage_changed_at",
        "municipality_id",
        *AVAILABILITY_FLAGS,
        *(f"coordinator__{field}" for field in User.NAME_FIELDS),
    ):
        pk, name = values[0], values[1:4]
        kana, stage, since, place = values[4:8]
        flags = values[8 : 8 + len(AVAILABILITY_FLAGS)]
        coordinator = values[8 + len(AVAILABILITY_FLAGS) :]
        found[pk] = VolunteerRow(
            profile_id=pk,
            name=User.name_shown(*name),
            name_kana=kana,
            stage=str(stages.get(stage, stage)),
            stage_since=timezone.localdate(since),
            municipality=place_names.get(place, ""),
            fields="、".join(fields.get(pk, [])),
            availability="、".join(
                label for label, on in zip(flag_labels, flags, strict=True) if on
            ),
            coordinator=User.name_shown(*coordinator) if coordinator[1] else "",
        )
    return [found[pk] for pk in profile_ids if pk in found]


BOARD_CARDS_PER_STAGE = 8


def volunteer_board() -> list[dict]:
    """The pipeline board: per stage (in order, then paused), how many people and the ones
    who have been there longest.  Two queries whatever the number of volunteers."""
    counts = dict(VolunteerProfile.objects.values_list("stage").annotate(n=Count("pk")).order_by())
    cards = (
        VolunteerProfile.objects.exclude(stage=Stage.WITHDRAWN)
        .annotate(
            place=Window(
                RowNumber(), partition_by=[F("stage")], order_by=[F("stage_changed_at").asc()]
            )
        )
        .filter(place__lte=BOARD_CARDS_PER_STAGE)
        .select_related("user", "municipality__parent")
    )
    by_stage: dict[str, list] = {}
    for profile in cards:
        by_stage.setdefault(profile.stage, []).append(profile)
    return [
        {
            "stage": stage,
            "label": Stage(stage).label,
            "count": counts.get(stage, 0),
            "cards": sorted(by_stage.get(stage, []), key=lambda p: p.stage_changed_at),
        }
        for stage in [*PIPELINE, Stage.PAUSED]
    ]


def volunteer_detail(*, profile_id: int) -> VolunteerProfile:
    """One volunteer for coordinators, with history, notes, hours, nominations, open
    duplicate flags and places in courses prefetched."""
    return (
        VolunteerProfile.objects.select_related(
            "user", "municipality__parent", "coordinator", "entered_by"
        )
        .prefetch_related(
            "fields",
            Prefetch("stage_changes", queryset=StageChange.objects.select_related("changed_by")),
            Prefetch("notes", queryset=StaffNote.objects.select_related("author")),
            Prefetch("hours", queryset=VolunteerHours.objects.select_related("recorded_by")),
            Prefetch("nominations", queryset=Nomination.objects.select_related("nominated_by")),
            Prefetch(
                "duplicate_flags",
                queryset=LikelyDuplicate.objects.filter(resolution="").select_related(
                    "other__user", "other__municipality"
                ),
                to_attr="open_duplicate_flags",
            ),
        )
        .get(pk=profile_id)
    )


def enrolments_of(user: User) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(user=user)
        .select_related("run__course")
        .order_by("-run__starts_on", "-pk")
    )


# --- A volunteer's own page ------------------------------------------------------------------

NEXT_STEPS = {
    Stage.APPLIED: _(
        "Thank you for signing up. A coordinator will contact you within a few days to talk "
        "about what you would like to do."
    ),
    Stage.CONTACTED: _(
        "Next, join a volunteer orientation. You can choose one below, or your coordinator "
        "will suggest one."
    ),
    Stage.ORIENTATION: _(
        "Please take part in the volunteer orientation. When you have completed it, you move "
        "on to training by yourself."
    ),
    Stage.TRAINING: _(
        "Take one of the trainings below that suits you. Your coordinator will then introduce "
        "you to an activity."
    ),
    Stage.ACTIVE: _(
        "Thank you for volunteering. Keep learning with the trainings below, and tell your "
        "coordinator if you would like to take on more."
    ),
    Stage.LEADER_CANDIDATE: _(
        "You have been recommended as a future community leader. Your coordinator will tell "
        "you about the leader programme."
    ),
    Stage.LEADER: _("Thank you for leading community activities."),
    Stage.PAUSED: _(
        "Your volunteering is paused. When you would like to start again, tell your coordinator."
    ),
    Stage.WITHDRAWN: _("You are no longer registered as a volunteer."),
}

ORIENTATION_PHASE = (Stage.APPLIED, Stage.CONTACTED, Stage.ORIENTATION)
RECOMMENDED_COURSES = 3


@dataclass
class Recommendation:
    course: object
    reasons: list[str]


def recommended_courses(*, profile: VolunteerProfile, limit: int = RECOMMENDED_COURSES):
    """Trainings to suggest on the volunteer's own page: orientations while they are new,
    later courses in their fields; those near them (or online) and at times they said suit
    them first.  A few queries, whatever the size of the catalogue."""
    from courses.selectors import course_list_for_catalogue

    now = timezone.now()
    courses = course_list_for_catalogue(parent=None).filter(next_run_starts_on__isnull=False)
    if profile.stage in ORIENTATION_PHASE:
        courses = courses.filter(kind=CourseKind.ORIENTATION)
    else:
        wanted = [f.pk for f in profile.fields.all()]
        courses = courses.exclude(kind=CourseKind.ORIENTATION)
        if wanted:
            courses = courses.filter(
                Exists(
                    courses.model.fields.through.objects.filter(
                        coursepage=OuterRef("pk"), field_id__in=wanted
                    )
                )
            )
    taken = Enrolment.objects.filter(
        run__course=OuterRef("pk"),
        user=profile.user,
        status__in=[*CURRENT_STATUSES, EnrolmentStatus.COMPLETED],
    )
    upcoming_sessions = Session.objects.filter(
        run__course=OuterRef("pk"),
        run__status=RunStatus.SCHEDULED,
        starts_at__gte=now,
    ).exclude(status=SessionStatus.CANCELLED)
    near = profile.municipality.parent_id or profile.municipality_id
    courses = courses.exclude(Exists(taken)).annotate(
        nearby=Exists(
            upcoming_sessions.filter(
                Q(venue__municipality_id=near) | Q(venue__municipality__parent_id=near)
            )
        ),
        first_session_at=Subquery(upcoming_sessions.order_by("starts_at").values("starts_at")[:1]),
    )
    picked = []
    for course in courses[:30]:
        reasons = []
        if course.nearby:
            reasons.append(_("Held near you"))
        elif course.format != CourseFormat.IN_PERSON:
            reasons.append(_("You can join online"))
        if course.first_session_at and _suits_availability(profile, course.first_session_at):
            reasons.append(_("At a time that suits you"))
        picked.append(Recommendation(course=course, reasons=[str(r) for r in reasons]))
    picked.sort(key=lambda r: -len(r.reasons))  # stable: soonest first among equals
    return picked[:limit]


def _suits_availability(profile: VolunteerProfile, starts_at: dt.datetime) -> bool:
    local = timezone.localtime(starts_at)
    day_ok = (local.weekday() >= 5 and profile.weekends) or (
        local.weekday() < 5 and profile.weekdays
    )
    time_ok = (local.hour >= 17 and profile.evening) or (local.hour < 17 and profile.daytime)
    return day_ok and time_ok


def volunteering_minutes(*, profile: VolunteerProfile) -> int:
    return VolunteerHours.objects.filter(profile=profile).aggregate(
        total=Coalesce(Sum("minutes"), 0)
    )["total"]


def insurance_reminder(*, profile: VolunteerProfile, today: dt.date | None = None) -> str:
    """Volunteer activity insurance runs to 31 March: in February and March people who have
    it are reminded to renew; people who asked for help are told who helps."""
    today = today or timezone.localdate()
    if profile.insurance == "wants_help":
        return str(
            _(
                "Your coordinator will help you take out volunteer activity insurance "
                "(ボランティア活動保険) before you start."
            )
        )
    if profile.insurance == "has" and today.month in (2, 3):
        return str(
            _(
                "Volunteer activity insurance ends on 31 March. Please renew it at your "
                "social welfare council (社会福祉協議会) for the new year."
            )
        )
    return ""


def volunteer_own_page(*, user: User) -> dict | None:
    """Everything the volunteer's own page shows, or None when the person has no profile."""
    from courses.selectors import enrolment_list_for_learner

    profile = (
        VolunteerProfile.objects.filter(user=user)
        .select_related("municipality__parent", "coordinator")
        .prefetch_related("fields")
        .first()
    )
    if profile is None:
        return None
    return {
        "profile": profile,
        "next_step": NEXT_STEPS[profile.stage],
        "pipeline": [
            {"stage": s, "label": Stage(s).label, "done": PIPELINE.index(s) < _place(profile)}
            for s in PIPELINE
        ],
        "recommended": recommended_courses(profile=profile),
        "learning_minutes": enrolment_list_for_learner(user=user)["total_minutes"],
        "volunteering_minutes": volunteering_minutes(profile=profile),
        "insurance_reminder": insurance_reminder(profile=profile),
    }


def _place(profile: VolunteerProfile) -> int:
    return PIPELINE.index(profile.stage) if profile.stage in PIPELINE else -1


# --- Leader discovery ----------------------------------------------------------------------


def leader_candidates(*, now: dt.datetime | None = None) -> list[VolunteerProfile]:
    """Active volunteers who meet the configured criteria (months active, courses completed,
    hours volunteered), and everyone nominated, with the facts that put them on the list."""
    now = now or timezone.now()
    became_active = (
        StageChange.objects.filter(profile=OuterRef("pk"), to_stage=Stage.ACTIVE)
        .order_by()
        .values("profile")
        .annotate(first=Min("changed_at"))
        .values("first")
    )
    completed = (
        Enrolment.objects.filter(user=OuterRef("user"), status=EnrolmentStatus.COMPLETED)
        .order_by()
        .values("user")
        .annotate(n=Count("pk"))
        .values("n")
    )
    minutes = (
        VolunteerHours.objects.filter(profile=OuterRef("pk"))
        .order_by()
        .values("profile")
        .annotate(total=Sum("minutes"))
        .values("total")
    )
    profiles = (
        VolunteerProfile.objects.filter(stage__in=[Stage.ACTIVE, Stage.LEADER_CANDIDATE])
        .annotate(
            active_since=Subquery(became_active),
            courses_completed=Coalesce(Subquery(completed), Value(0)),
            minutes_volunteered=Coalesce(Subquery(minutes), Value(0)),
            nominated=Exists(Nomination.objects.filter(profile=OuterRef("pk"))),
        )
        .select_related("user", "municipality__parent")
        .prefetch_related(
            Prefetch("nominations", queryset=Nomination.objects.select_related("nominated_by"))
        )
    )
    months = settings.VOLUNTEER_LEADER_MONTHS_ACTIVE
    criteria = Q(
        active_since__lte=now - dt.timedelta(days=30 * months),
        courses_completed__gte=settings.VOLUNTEER_LEADER_COURSES_COMPLETED,
        minutes_volunteered__gte=settings.VOLUNTEER_LEADER_HOURS * 60,
    )
    return list(
        profiles.filter(criteria | Q(nominated=True) | Q(stage=Stage.LEADER_CANDIDATE)).order_by(
            "-nominated", "active_since", "pk"
        )
    )


def leader_programme_runs() -> QuerySet[CourseRun]:
    """Upcoming runs of leader-programme courses, to invite a candidate to."""
    return (
        CourseRun.objects.filter(
            course__kind=CourseKind.LEADER_MODULE,
            status=RunStatus.SCHEDULED,
            ends_on__gte=timezone.localdate(),
        )
        .select_related("course")
        .order_by("starts_on", "pk")
    )


def waiting_for_contact_default() -> QuerySet:
    return waiting_for_contact(days=settings.VOLUNTEER_CONTACT_WITHIN_DAYS)


def waiting_for_contact_count(*, now: dt.datetime | None = None) -> tuple[int, dt.datetime | None]:
    """How many applicants wait for contact (``waiting_for_contact_default``), and the moment
    the next one starts waiting (None: nobody will by time alone), in one query: the count
    changes then even if nobody changes anything."""
    now = now or timezone.now()
    within = dt.timedelta(days=settings.VOLUNTEER_CONTACT_WITHIN_DAYS)
    found = VolunteerProfile.objects.filter(stage=Stage.APPLIED).aggregate(
        waiting=Count("pk", filter=Q(stage_changed_at__lt=now - within)),
        next_applied_at=Min("stage_changed_at", filter=Q(stage_changed_at__gte=now - within)),
    )
    next_applied_at = found["next_applied_at"]
    return found["waiting"], (next_applied_at + within if next_applied_at else None)

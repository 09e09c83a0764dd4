"""Read-side queries for volunteer opportunities: the public board (matching opportunities
first for a signed-in volunteer, the training to take for those without it), one
opportunity with the visitor's state, a volunteer's own applications and hours, and the
organisation's opportunities and applicants.  Every list costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Organisation
from courses.models import CoursePage, Enrolment, EnrolmentStatus
from courses.selectors import course_list_for_catalogue
from lms.models import DAY_FLAGS, TIME_FLAGS
from opportunities.models import (
    CURRENT_STATUSES,
    ApplicationStatus,
    HoursLog,
    HoursStatus,
    Opportunity,
    OpportunityApplication,
    OpportunityStatus,
)
from volunteers.models import Stage, VolunteerProfile


@dataclass(frozen=True)
class Completions:
    """The courses a person has completed, by page id and by kind."""

    course_ids: frozenset[int] = frozenset()
    kinds: frozenset[str] = frozenset()


def completions_of(*, user) -> Completions:
    """What ``user`` holds: the courses (and their kinds) of every completed enrolment."""
    if not user.is_authenticated:
        return Completions()
    rows = Enrolment.objects.filter(user=user, status=EnrolmentStatus.COMPLETED).values_list(
        "run__course_id", "run__course__kind"
    )
    return Completions(
        course_ids=frozenset(course_id for course_id, _kind in rows),
        kinds=frozenset(kind for _course_id, kind in rows),
    )


def holds_required_training(*, opportunity: Opportunity, completions: Completions) -> bool:
    """True when the opportunity needs no training or the person completed a course of the
    required kind, or the required course itself (in any of its runs)."""
    if opportunity.required_course_id:
        return opportunity.required_course_id in completions.course_ids
    if opportunity.required_course_kind:
        return opportunity.required_course_kind in completions.kinds
    return True


def training_to_take(opportunities: list[Opportunity]) -> None:
    """Attach ``training`` to each opportunity: the course to take first (annotated with its
    next run by ``course_list_for_catalogue``), or None when it needs no training.  For a
    kind, the live course of that kind whose next run starts soonest.  One query."""
    kinds = {o.required_course_kind for o in opportunities if o.required_course_kind}
    course_ids = {o.required_course_id for o in opportunities if o.required_course_id}
    courses: list[CoursePage] = []
    if kinds or course_ids:
        courses = list(
            course_list_for_catalogue(parent=None)
            .filter(Q(kind__in=kinds) | Q(pk__in=course_ids))
            .prefetch_related(None)
        )
    by_id = {course.pk: course for course in courses}
    by_kind: dict[str, CoursePage] = {}
    for course in courses:  # already ordered by the next run's first day
        by_kind.setdefault(course.kind, course)
    for opportunity in opportunities:
        if opportunity.required_course_id:
            opportunity.training = by_id.get(
                opportunity.required_course_id, opportunity.required_course
            )
        elif opportunity.required_course_kind:
            opportunity.training = by_kind.get(opportunity.required_course_kind)
        else:
            opportunity.training = None


def _city(municipality_id: int | None, parent_id: int | None) -> int | None:
    """A ward counts as its city, so Kobe and its wards match each other."""
    return parent_id or municipality_id


def match_reasons(*, opportunity: Opportunity, profile: VolunteerProfile) -> list[str]:
    """Why an opportunity suits a volunteer; it matches when all three hold: the same
    municipality (a city and its wards count as one), a shared field (or no field asked
    for), and a time of the week both give (or none given)."""
    reasons = []
    if _city(opportunity.municipality_id, opportunity.municipality.parent_id) == _city(
        profile.municipality_id, profile.municipality.parent_id
    ):
        reasons.append(_("Near you"))
    wanted = {f.pk for f in opportunity.fields.all()}
    if not wanted or wanted & {f.pk for f in profile.fields.all()}:
        reasons.append(_("In your fields"))
    if all(_gives_a_time_asked(opportunity, profile, flags) for flags in (DAY_FLAGS, TIME_FLAGS)):
        reasons.append(_("When you are free"))
    return reasons


def _gives_a_time_asked(opportunity: Opportunity, profile: VolunteerProfile, flags) -> bool:
    """The opportunity asks for none of ``flags`` (e.g. no day), or the volunteer ticked one
    it asks for."""
    asked = [flag for flag in flags if getattr(opportunity, flag)]
    return not asked or any(getattr(profile, flag) for flag in asked)


MATCH_REASON_COUNT = 3


def _public_base() -> QuerySet[Opportunity]:
    return (
        Opportunity.objects.filter(organisation__is_listed=True)
        .select_related("organisation", "municipality__parent", "required_course", "activity")
        .prefetch_related("fields")
    )


def opportunity_list_public() -> QuerySet[Opportunity]:
    """Open opportunities of listed organisations that have not ended, soonest first."""
    today = timezone.localdate()
    return (
        _public_base()
        .filter(status=OpportunityStatus.OPEN)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by("starts_on", "-created_at", "-pk")
    )


def volunteer_profile_of(user) -> VolunteerProfile | None:
    if not user.is_authenticated:
        return None
    return (
        VolunteerProfile.objects.filter(user=user)
        .exclude(stage=Stage.WITHDRAWN)
        .select_related("municipality__parent")
        .prefetch_related("fields")
        .first()
    )


def _my_applications(user, opportunity_ids: list[int]) -> dict[int, OpportunityApplication]:
    if not user.is_authenticated or not opportunity_ids:
        return {}
    return {
        a.opportunity_id: a
        for a in OpportunityApplication.objects.filter(
            user=user, opportunity_id__in=opportunity_ids
        )
    }


def _attach_visitor_state(opportunities: list[Opportunity], user) -> VolunteerProfile | None:
    """Attach ``training``, ``qualifies``, ``my_application`` and ``match_reasons``."""
    training_to_take(opportunities)
    profile = volunteer_profile_of(user)
    completions = completions_of(user=user)
    applications = _my_applications(user, [o.pk for o in opportunities])
    for opportunity in opportunities:
        opportunity.qualifies = holds_required_training(
            opportunity=opportunity, completions=completions
        )
        opportunity.my_application = applications.get(opportunity.pk)
        opportunity.match_reasons = (
            match_reasons(opportunity=opportunity, profile=profile) if profile else []
        )
    return profile


@dataclass
class Board:
    matching: list[Opportunity] = field(default_factory=list)
    others: list[Opportunity] = field(default_factory=list)
    profile: VolunteerProfile | None = None


def opportunity_board(*, user) -> Board:
    """The public list: for a signed-in volunteer, the opportunities matching them first.
    The same few queries however many opportunities there are."""
    opportunities = list(opportunity_list_public())
    profile = _attach_visitor_state(opportunities, user)
    board = Board(profile=profile)
    for opportunity in opportunities:
        if len(opportunity.match_reasons) == MATCH_REASON_COUNT:
            board.matching.append(opportunity)
        else:
            board.others.append(opportunity)
    return board


def opportunity_for_page(*, pk: int, user) -> tuple[Opportunity, VolunteerProfile | None]:
    """One opportunity of a listed organisation (open or closed) with the visitor's state;
    "not found" otherwise."""
    opportunity = _public_base().filter(pk=pk).first()
    if opportunity is None:
        raise Http404
    profile = _attach_visitor_state([opportunity], user)
    return opportunity, profile


def my_applications(*, user) -> list[OpportunityApplication]:
    """The volunteer's applications, newest first, with their hours logs."""
    return list(
        OpportunityApplication.objects.filter(user=user)
        .select_related("opportunity__organisation", "opportunity__municipality__parent")
        .prefetch_related(
            Prefetch("hours_logs", queryset=HoursLog.objects.order_by("-date", "-pk"))
        )
        .order_by("-created_at", "-pk")
    )


def opportunity_list_for_organisation(*, organisation: Organisation) -> list[Opportunity]:
    """The organisation's opportunities (open first, then newest) with their numbers:
    ``applicant_count`` (applied, waiting or accepted), ``new_count`` (not yet decided),
    ``accepted_count`` and ``hours_to_confirm``.  One query."""
    current = Q(applications__status__in=CURRENT_STATUSES)
    return list(
        organisation.opportunities.annotate(
            applicant_count=Count("applications", filter=current, distinct=True),
            new_count=Count(
                "applications",
                filter=Q(applications__status=ApplicationStatus.APPLIED),
                distinct=True,
            ),
            accepted_count=Count(
                "applications",
                filter=Q(applications__status=ApplicationStatus.ACCEPTED),
                distinct=True,
            ),
            hours_to_confirm=Count(
                "applications__hours_logs",
                filter=Q(applications__hours_logs__status=HoursStatus.PENDING),
                distinct=True,
            ),
        ).order_by("-status", "-created_at", "-pk")  # "open" before "closed"
    )


def opportunity_for_admin(*, organisation: Organisation, pk: int) -> Opportunity:
    """One of the organisation's own opportunities; another organisation's is "not found"."""
    opportunity = (
        Opportunity.objects.filter(organisation=organisation, pk=pk)
        .select_related("organisation", "required_course", "municipality__parent", "activity")
        .first()
    )
    if opportunity is None:
        raise Http404
    return opportunity


def applicants_for(*, opportunity: Opportunity) -> list[OpportunityApplication]:
    """Everyone who applied, undecided first, with where they live and their hours logs."""
    order = {
        ApplicationStatus.APPLIED: 0,
        ApplicationStatus.WAITLISTED: 1,
        ApplicationStatus.ACCEPTED: 2,
        ApplicationStatus.DECLINED: 3,
        ApplicationStatus.WITHDRAWN: 4,
    }
    applications = list(
        opportunity.applications.select_related(
            "user__volunteer_profile__municipality__parent"
        ).prefetch_related(
            Prefetch("hours_logs", queryset=HoursLog.objects.order_by("-date", "-pk"))
        )
    )
    applications.sort(key=lambda a: (order.get(a.status, 9), a.created_at, a.pk))
    return applications

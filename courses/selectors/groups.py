"""Breakout groups: who is in the room, and how mixed each group is."""

from __future__ import annotations

import unicodedata

from django.utils.translation import gettext_lazy as _

from courses.breakouts import BreakoutPerson, breakout_report
from courses.models import CourseRun, Enrolment, EnrolmentStatus

# People who sit in the room: breakout groups are made among them.
GROUPED_STATUSES = [EnrolmentStatus.ENROLLED, EnrolmentStatus.COMPLETED]


def breakout_person(enrolment: Enrolment) -> BreakoutPerson:
    """What the mix is measured on.  Organisation names are compared after NFKC and with
    spaces removed, so 「西宮市 社会福祉協議会」 and 「西宮市社会福祉協議会」 are one organisation."""
    user = enrolment.user
    organisation = "".join(unicodedata.normalize("NFKC", user.organisation_name).split())
    return BreakoutPerson(
        key=enrolment.pk,
        profession=user.profession_id,
        organisation_group=user.organisation_group_id,
        organisation=organisation.casefold(),
        municipality=user.municipality_id,
    )


def breakout_people_for_run(*, run: CourseRun) -> list[Enrolment]:
    """Everyone in the room, with what the groups page shows, in one query."""
    return list(
        Enrolment.objects.filter(run=run, status__in=GROUPED_STATUSES)
        .select_related(
            "user__profession", "user__organisation_group", "user__municipality__parent"
        )
        .order_by("breakout_group", "user__full_name_kana", "pk")
    )


BREAKOUT_CLASH_LABELS = {
    "organisation": _("two people from the same organisation"),
    "profession": _("the same profession twice"),
    "organisation_group": _("the same kind of organisation twice"),
    "municipality": _("the same municipality twice"),
}


def breakout_groups_for_run(*, run: CourseRun) -> dict:
    """The run's breakout groups as staff see and print them: each group's members and how
    mixed it is (distinct professions, organisation kinds, municipalities, what repeats), plus
    the people not in a group yet (e.g. enrolled after the groups were made).  One query."""
    enrolments = breakout_people_for_run(run=run)
    people = [breakout_person(e) for e in enrolments]
    members: dict[int, list[Enrolment]] = {}
    unassigned = []
    for enrolment in enrolments:
        if enrolment.breakout_group is None:
            unassigned.append(enrolment)
        else:
            members.setdefault(enrolment.breakout_group, []).append(enrolment)
    numbers = sorted(members)
    reports = breakout_report(people, [[e.pk for e in members[number]] for number in numbers])
    groups = [
        {
            "number": number,
            "members": members[number],
            "report": report,
            "repeats": [BREAKOUT_CLASH_LABELS[code] for code in report.clashes],
        }
        for number, report in zip(numbers, reports, strict=True)
    ]
    return {
        "groups": groups,
        "unassigned": unassigned,
        "people": len(enrolments),
        "penalty": sum(report.penalty for report in reports),
    }

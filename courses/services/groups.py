"""Breakout groups (多職種のグループワーク) of a run."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from courses import selectors
from courses.breakouts import breakout_plan
from courses.models import (
    CourseRun,
    Enrolment,
)
from courses.services.base import EnrolmentError, _lock_run

MAX_BREAKOUT_GROUP_SIZE = 20
MAX_BREAKOUT_GROUPS = 99


@transaction.atomic
def breakout_groups_generate(*, run: CourseRun, group_size: int) -> int:
    """Split everyone with a seat into discussion groups of about ``group_size`` that mix
    professions, organisations, organisation kinds and municipalities as much as possible
    (see ``courses/breakouts.py``).  Replaces any earlier groups; the same people always give
    the same groups.  Returns the number of groups."""
    if not 2 <= group_size <= MAX_BREAKOUT_GROUP_SIZE:
        raise EnrolmentError(
            _("Choose a group size from 2 to %(most)d.") % {"most": MAX_BREAKOUT_GROUP_SIZE}
        )
    _lock_run(run.pk)
    enrolments = selectors.breakout_people_for_run(run=run)
    if not enrolments:
        raise EnrolmentError(_("Nobody has a seat in this run yet."))
    groups = breakout_plan(
        [selectors.breakout_person(e) for e in enrolments], group_size=group_size
    )
    number_of = {key: number for number, group in enumerate(groups, 1) for key in group}
    for enrolment in enrolments:
        enrolment.breakout_group = number_of[enrolment.pk]
    Enrolment.objects.bulk_update(enrolments, ["breakout_group"])
    Enrolment.objects.filter(run=run).exclude(pk__in=number_of).update(breakout_group=None)
    return len(groups)


@transaction.atomic
def breakout_groups_assign(*, run: CourseRun, assignments: dict[int, int | None]) -> int:
    """Staff adjust the groups by hand: ``assignments`` maps enrolment ids to a group number
    (None: no group).  All or nothing: an id that is not a seat in this run or a number out of
    range changes nothing.  Returns how many people changed group."""
    _lock_run(run.pk)
    enrolments = {
        e.pk: e
        for e in Enrolment.objects.filter(
            run=run, pk__in=list(assignments), status__in=selectors.GROUPED_STATUSES
        )
    }
    if set(enrolments) != set(assignments):
        raise EnrolmentError(_("Someone in the list no longer has a seat. Reload the page."))
    changed = []
    for pk, number in assignments.items():
        if number is not None and not 1 <= number <= MAX_BREAKOUT_GROUPS:
            raise EnrolmentError(
                _("Group numbers go from 1 to %(most)d.") % {"most": MAX_BREAKOUT_GROUPS}
            )
        if enrolments[pk].breakout_group != number:
            enrolments[pk].breakout_group = number
            changed.append(enrolments[pk])
    Enrolment.objects.bulk_update(changed, ["breakout_group"])
    return len(changed)

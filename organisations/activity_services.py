"""Write-side rules for what organisations publish themselves (issue #12, item 3): their
activities (つながりづくりの場) and their directory profile.  Every save is kept as an
``ActivityVersion``; organisations not yet trusted wait for the secretariat.

The rules, in one place:

* A **trusted** organisation's save goes live at once (its version is "published").
* An untrusted organisation's **new** activity is saved hidden (``is_published=False``) with
  a "pending" version; an edit of an activity that is not live yet is applied to the hidden
  row the same way.
* An untrusted organisation's **edit of a live activity** leaves the live content alone: the
  new content waits in a "pending" version and reaches the activity only when staff publish it.
* One waiting version per activity: a new save replaces the one still waiting, which is closed
  as "rejected" with no reviewer and no note (nobody looked at it; the newer one supersedes it).
* Staff publishing or declining a version lock the activity's row first and re-read the
  version under the lock, so two people deciding at once apply it once.
* **Profile** edits apply directly (the profile is the organisation's own description, not a
  place residents go to) and are recorded as an ``ActivityVersion`` with ``activity=None`` and
  ``data = {"kind": "profile", ...}``, status "published": the same history table serves both.
"""

from __future__ import annotations

import re
from copy import copy

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cms.models import Activity, Organisation
from lms.models import Field, Municipality, User
from organisations.activity_forms import ACTIVITY_FIELDS, DESCRIPTION_LIMIT
from organisations.models import ActivityVersion

Status = ActivityVersion.Status

_WEEKDAYS = re.compile(r"^([1-7](,[1-7])*)?$")
PROFILE_TEXT_FIELDS = ["description", "address", "website", "public_email", "public_phone"]
REVIEW_NOTE_LIMIT = ActivityVersion._meta.get_field("review_note").max_length


class ActivityError(Exception):
    """A change that cannot be made; the message is for people."""


def _normalised(data: dict) -> dict:
    """Only the activity's own fields, with the days checked and sorted ("6,2" → "2,6")."""
    weekdays = str(data.get("weekdays") or "")
    if not _WEEKDAYS.match(weekdays):
        raise ActivityError(_("Please choose days from Monday to Sunday."))
    values = {name: data.get(name) for name in ACTIVITY_FIELDS}
    for name in ACTIVITY_FIELDS:
        if name not in {"municipality", "is_online"}:
            values[name] = str(values[name] or "").strip()
    values["weekdays"] = ",".join(sorted(set(weekdays.split(",")) - {""}))
    values["is_online"] = bool(values["is_online"])
    values["municipality"] = values["municipality"] or None
    if len(values["description"]) > DESCRIPTION_LIMIT:
        raise ActivityError(
            _("Please shorten the description to %(limit)d characters or fewer.")
            % {"limit": DESCRIPTION_LIMIT}
        )
    values["kind"] = "activity"
    return values


def _apply(activity: Activity, data: dict) -> None:
    """Copy normalised version ``data`` onto ``activity`` and validate it (not saved)."""
    for name in ACTIVITY_FIELDS:
        if name == "municipality":
            activity.municipality_id = data.get("municipality")
        else:
            setattr(activity, name, data[name])
    try:
        activity.full_clean(exclude=["organisation"])
    except ValidationError as error:
        raise ActivityError(" ".join(error.messages)) from error


def _close_waiting(activity: Activity, *, now) -> None:
    """Close versions of ``activity`` still waiting: a newer save supersedes them."""
    ActivityVersion.objects.filter(activity=activity, status=Status.PENDING).update(
        status=Status.REJECTED, reviewed_at=now
    )


@transaction.atomic
def activity_submit(
    *,
    organisation: Organisation,
    data: dict,
    by: User,
    activity: Activity | None = None,
) -> ActivityVersion:
    """Save a new activity (``activity=None``) or a change to ``activity`` for
    ``organisation`` and record the version (see the module docstring for what goes live).

    ``data`` is ``ActivityForm.activity_data()``.  Raises ActivityError if the activity
    belongs to another organisation or the content is invalid; nothing is changed then.
    The caller checks that ``by`` is an admin of ``organisation``.
    """
    now = timezone.now()
    data = _normalised(data)
    organisation = Organisation.objects.get(pk=organisation.pk)  # the current trust
    if activity is None:
        next_order = organisation.activities.aggregate(last=Max("sort_order"))["last"]
        activity = Activity(
            organisation=organisation, sort_order=(next_order or 0) + 1, is_published=False
        )
        live_content_stays = False
    else:
        activity = Activity.objects.select_for_update().filter(pk=activity.pk).first()
        if activity is None or activity.organisation_id != organisation.pk:
            raise ActivityError(_("This activity belongs to another organisation."))
        live_content_stays = activity.is_published and not organisation.trusted

    if live_content_stays:
        _apply(copy(activity), data)  # validated now, applied when staff publish it
    else:
        _apply(activity, data)
        activity.is_published = activity.is_published or organisation.trusted
        activity.save()
    _close_waiting(activity, now=now)
    return ActivityVersion.objects.create(
        activity=activity,
        organisation=organisation,
        data=data,
        status=Status.PUBLISHED if organisation.trusted else Status.PENDING,
        edited_by=by,
    )


def _version_under_lock(version: ActivityVersion) -> tuple[Activity, ActivityVersion]:
    """Lock the version's activity, then re-read the version: it must still be waiting."""
    if version.activity_id is None:
        raise ActivityError(_("Only activities are reviewed."))
    activity = Activity.objects.select_for_update().get(pk=version.activity_id)
    version = ActivityVersion.objects.select_for_update().get(pk=version.pk)
    if version.status != Status.PENDING:
        raise ActivityError(_("This version has already been dealt with."))
    return activity, version


@transaction.atomic
def activity_version_publish(*, version: ActivityVersion, by: User) -> ActivityVersion:
    """Staff publish a waiting version: its content replaces the activity's, which becomes
    public.  Locks the activity's row; raises ActivityError if the version is no longer
    waiting (someone else decided first) or its content is no longer valid."""
    activity, version = _version_under_lock(version)
    _apply(activity, _normalised(version.data))
    activity.is_published = True
    activity.save()
    version.status = Status.PUBLISHED
    version.reviewed_by, version.reviewed_at = by, timezone.now()
    version.save(update_fields=["status", "reviewed_by", "reviewed_at"])
    return version


@transaction.atomic
def activity_version_reject(*, version: ActivityVersion, by: User, note: str) -> ActivityVersion:
    """Staff do not publish a waiting version; ``note`` tells the organisation why.  The
    activity stays as it was (a new one stays hidden, a live one keeps its content).  Locks
    the activity's row; raises ActivityError without a note or if the version is no longer
    waiting."""
    note = " ".join(note.split())
    if not note:
        raise ActivityError(_("Please tell the organisation why, so they can change it."))
    if len(note) > REVIEW_NOTE_LIMIT:
        raise ActivityError(
            _("Please shorten the note to %(limit)d characters or fewer.")
            % {"limit": REVIEW_NOTE_LIMIT}
        )
    _activity, version = _version_under_lock(version)
    version.status = Status.REJECTED
    version.review_note = note
    version.reviewed_by, version.reviewed_at = by, timezone.now()
    version.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    return version


@transaction.atomic
def organisation_profile_update(
    *, organisation: Organisation, data: dict, by: User
) -> ActivityVersion:
    """Apply the organisation's own profile edit (``ProfileForm.profile_data()``) and record
    it as a version (``activity=None``, ``data["kind"] == "profile"``, published).  Only the
    description, contact details, fields and municipalities served change.  Raises
    ActivityError if the content is invalid; nothing is changed then."""
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    for name in PROFILE_TEXT_FIELDS:
        setattr(organisation, name, str(data.get(name) or "").strip())
    if len(organisation.description) > DESCRIPTION_LIMIT:
        raise ActivityError(
            _("Please shorten the description to %(limit)d characters or fewer.")
            % {"limit": DESCRIPTION_LIMIT}
        )
    try:
        organisation.full_clean(exclude=["fields", "municipalities_served"])
    except ValidationError as error:
        raise ActivityError(" ".join(error.messages)) from error
    field_ids = sorted(
        Field.objects.filter(pk__in=data.get("fields") or []).values_list("pk", flat=True)
    )
    served_ids = sorted(
        Municipality.objects.filter(pk__in=data.get("municipalities_served") or []).values_list(
            "pk", flat=True
        )
    )
    organisation.fields.set(field_ids)
    organisation.municipalities_served.set(served_ids)
    organisation.save()
    return ActivityVersion.objects.create(
        activity=None,
        organisation=organisation,
        data={
            "kind": "profile",
            **{name: getattr(organisation, name) for name in PROFILE_TEXT_FIELDS},
            "fields": field_ids,
            "municipalities_served": served_ids,
        },
        status=Status.PUBLISHED,
        edited_by=by,
    )


@transaction.atomic
def organisation_trust(*, organisation: Organisation) -> Organisation:
    """Staff trust an organisation: from now on its saves go live without review.  Versions
    already waiting still need a decision."""
    Organisation.objects.filter(pk=organisation.pk).update(trusted=True)
    organisation.trusted = True
    return organisation

"""Write-side rules for volunteers (issue #7, first part)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lms.models import User
from volunteers.models import Stage, StageChange, VolunteerProfile
from volunteers.selectors import kana_key, phone_key


class VolunteerError(Exception):
    """A volunteer request that cannot be carried out; the message is for the person or staff."""


PROFILE_FIELDS = [
    "phone",
    "municipality",
    "age_band",
    "weekdays",
    "weekends",
    "daytime",
    "evening",
    "frequency",
    "skills",
    "motivation",
    "heard_from",
    "insurance",
]


@transaction.atomic
def volunteer_register(
    *,
    user: User,
    data: dict,
    entered_by: User | None = None,
    now: datetime | None = None,
) -> VolunteerProfile:
    """Record a resident's offer to volunteer, at stage "applied", with their consent: given on
    the form, or on paper at a counter when staff enter it (``entered_by``)."""
    now = now or timezone.now()
    if VolunteerProfile.objects.filter(user=user).exists():
        raise VolunteerError(_("This person is already registered as a volunteer."))
    profile = VolunteerProfile(
        user=user,
        consent_purpose_version=settings.VOLUNTEER_PURPOSE_VERSION,
        consented_at=now,
        consent_on_paper=entered_by is not None,
        entered_by=entered_by,
        stage=Stage.APPLIED,
        stage_changed_at=now,
        **{name: data[name] for name in PROFILE_FIELDS if name in data},
    )
    profile.phone_key = phone_key(profile.phone)
    profile.kana_key = kana_key(user.full_name_kana)
    profile.full_clean(exclude=["user", "fields"])
    profile.save()
    profile.fields.set(data.get("fields", []))
    StageChange.objects.create(
        profile=profile,
        to_stage=Stage.APPLIED,
        changed_by=entered_by,
        note=_("Entered by staff from a paper form") if entered_by else _("Signed up online"),
    )
    return profile


@transaction.atomic
def volunteer_stage_move(
    *,
    profile: VolunteerProfile,
    to_stage: str,
    by: User | None,
    note: str = "",
    now: datetime | None = None,
) -> StageChange | None:
    """Move a volunteer to another stage and record it; moving to the stage they are at changes
    nothing and returns None.  The profile row is locked, so two coordinators moving the same
    person at once keep a chained history."""
    if to_stage not in Stage.values:
        raise VolunteerError(_("Choose one of the stages."))
    profile = VolunteerProfile.objects.select_for_update().get(pk=profile.pk)
    if profile.stage == to_stage:
        return None
    change = StageChange.objects.create(
        profile=profile,
        from_stage=profile.stage,
        to_stage=to_stage,
        changed_by=by,
        note=" ".join((note or "").split())[:500],
    )
    profile.stage, profile.stage_changed_at = to_stage, now or timezone.now()
    profile.save(update_fields=["stage", "stage_changed_at", "updated_at"])
    return change

"""Read-side queries for volunteers (issue #7, first part)."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.db.models import Q, QuerySet
from django.utils import timezone

from lms.text import fold_for_matching
from volunteers.models import Stage, VolunteerProfile


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
    candidates = VolunteerProfile.objects.filter(match).select_related("user", "municipality")
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
        .select_related("user", "municipality")
        .order_by("stage_changed_at", "pk")
    )

"""Read-side queries for partner organisations (issue #12): who belongs where and in which
role, the application queue.  Other apps (opportunities, the members' area) use
``membership_of`` and ``organisation_for_admin`` as their one permission check."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from cms.models import Organisation
from organisations.models import (
    OPEN_APPLICATION_STATUSES,
    MemberRole,
    Membership,
    OrganisationApplication,
)


def membership_of(*, user, organisation: Organisation) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.filter(user=user, organisation=organisation).first()


def organisation_for_member(*, user, slug: str) -> tuple[Organisation, Membership]:
    """The organisation and the person's membership; "not found" for anyone not a member (no
    hint that a members' page exists)."""
    organisation = Organisation.objects.filter(slug=slug).first()
    membership = membership_of(user=user, organisation=organisation) if organisation else None
    if membership is None:
        raise Http404
    return organisation, membership


def organisation_for_admin(*, user, slug: str) -> Organisation:
    """The organisation if the person is one of its admins; "not found" otherwise."""
    organisation, membership = organisation_for_member(user=user, slug=slug)
    if membership.role != MemberRole.ADMIN:
        raise Http404
    return organisation


def my_organisations(*, user) -> QuerySet[Membership]:
    return (
        Membership.objects.filter(user=user)
        .select_related("organisation")
        .order_by("organisation__name_kana", "organisation__name")
    )


def members_of(*, organisation: Organisation) -> QuerySet[Membership]:
    return organisation.memberships.select_related("user").order_by("role", "user__full_name_kana")


def applications_open() -> QuerySet[OrganisationApplication]:
    return (
        OrganisationApplication.objects.filter(status__in=OPEN_APPLICATION_STATUSES)
        .select_related("organisation_type__group", "municipality__parent")
        .prefetch_related("fields")
        .order_by("created_at", "pk")
    )
